// The action items of a post-mortem (src/core/runbook/postmortem.ts): an open
// item past its due day is overdue (judged against the pinned calendar,
// 2026-11-22, test/unit/pin-clock.cjs), an owner must be a role of the
// runbook, and a table that cannot be read is a located error, never an
// exception. Then `validate` of a runbook reads its post-mortems
// (postmortems/<runbook>/*.md beside it) and prints those findings at the
// item's place in the post-mortem (file:line:col). Every place is derived
// from the text.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkPostmortem, parseActionItems } from '../../src/core/runbook/postmortem';
import { calendarClock } from '../../src/node/clock';
import { FIXTURES, offsetOf, runCli, spanIn, spanOf } from './helpers';
import { LineIndex } from '../../src/core/util/text';

const ROLES = ['decisionMaker', 'technicalLead', 'dataSteward', 'commsLiaison'];
const NOW = calendarClock()();

const POSTMORTEM = `# After-action review: drill \`latency-spike\` of iris.runbook.yaml

## Root cause

The alias store was slow.

## Action items

Some words before the table.

| Action | Owner | Due | Status |
| --- | --- | --- | --- |
| Page the registry team \\| and the SREs | technicalLead | 2026-11-01 | open |
| Add a dashboard | dataSteward | 2026-11-21 | done |
| Rehearse again | decisionMaker | 2026-11-22 | open |
| Write the FAQ | supportLead | 2026-11-21 | Open |
`;

const shown = (text: string, ds: ReturnType<typeof checkPostmortem>) => ds.map((d) => ({ at: text.slice(d.span.start, d.span.end), start: d.span.start, severity: d.severity, code: d.code, message: d.message }));

describe('post-mortem action items', () => {
  it('reads the table under "Action items": cells unescaped, columns by name, statuses lower-cased', () => {
    const { items, problems } = parseActionItems(POSTMORTEM);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      items.map((i) => [i.action, i.owner, i.due, i.status]),
      [
        ['Page the registry team | and the SREs', 'technicalLead', '2026-11-01', 'open'],
        ['Add a dashboard', 'dataSteward', '2026-11-21', 'done'],
        ['Rehearse again', 'decisionMaker', '2026-11-22', 'open'],
        ['Write the FAQ', 'supportLead', '2026-11-21', 'open'],
      ],
    );
    assert.deepEqual(items[0]!.cells.due, spanIn(POSTMORTEM, '| technicalLead | 2026-11-01 |', '2026-11-01'));
  });

  it('warns on open items past their due day (not on the due day itself, not when done) and on owners that are not roles', () => {
    assert.equal(new Date(NOW).toISOString().slice(0, 10), '2026-11-22', 'the pinned calendar');
    assert.deepEqual(shown(POSTMORTEM, checkPostmortem(POSTMORTEM, ROLES, NOW)), [
      {
        at: '2026-11-01',
        start: spanIn(POSTMORTEM, '| technicalLead | 2026-11-01 |', '2026-11-01').start,
        severity: 'warning',
        code: 'postmortem-action-overdue',
        message: 'action item overdue: "Page the registry team | and the SREs" was due on 2026-11-01 (21 days ago) and is still open; owner technicalLead',
      },
      {
        at: 'supportLead',
        start: offsetOf(POSTMORTEM, 'supportLead'),
        severity: 'warning',
        code: 'postmortem-owner-unknown',
        message: 'owner `supportLead` is not a role of the runbook (roles: decisionMaker, technicalLead, dataSteward, commsLiaison)',
      },
      {
        at: '2026-11-21',
        start: spanIn(POSTMORTEM, '| supportLead | 2026-11-21 |', '2026-11-21').start,
        severity: 'warning',
        code: 'postmortem-action-overdue',
        message: 'action item overdue: "Write the FAQ" was due on 2026-11-21 (1 day ago) and is still open; owner supportLead',
      },
    ]);
  });

  it('a malformed table is an error at its row, and the good rows are still checked', () => {
    const text = POSTMORTEM.replace('| Add a dashboard | dataSteward | 2026-11-21 | done |', '| Add a dashboard | dataSteward | 2026-11-31 | later |\n| Too | few |');
    assert.deepEqual(
      shown(text, checkPostmortem(text, ROLES, NOW)).map((d) => [d.at, d.severity, d.code, d.message]),
      [
        ['2026-11-01', 'warning', 'postmortem-action-overdue', 'action item overdue: "Page the registry team | and the SREs" was due on 2026-11-01 (21 days ago) and is still open; owner technicalLead'],
        ['2026-11-31', 'error', 'postmortem-table-malformed', 'due date `2026-11-31`: day `31` does not exist in 2026-11 (it has 30 days)'],
        ['later', 'error', 'postmortem-table-malformed', 'status `later` must be open or done'],
        ['| Too | few |', 'error', 'postmortem-table-malformed', "this action item has 2 cells, the table's header 4"],
        ['supportLead', 'warning', 'postmortem-owner-unknown', 'owner `supportLead` is not a role of the runbook (roles: decisionMaker, technicalLead, dataSteward, commsLiaison)'],
        ['2026-11-21', 'warning', 'postmortem-action-overdue', 'action item overdue: "Write the FAQ" was due on 2026-11-21 (1 day ago) and is still open; owner supportLead'],
      ],
    );
  });

  it('names what is wrong with the section or the table: no section, no table, a missing column, no delimiter row', () => {
    const cases: Array<[string, string, string]> = [
      [POSTMORTEM.replace('## Action items', '## Follow-ups'), '# After-action review: drill `latency-spike` of iris.runbook.yaml', 'no `## Action items` section: a post-mortem lists its action items in a table under that heading (| Action | Owner | Due | Status |)'],
      [POSTMORTEM.replace(/\| Action[\s\S]*$/, 'Nothing yet.\n'), '## Action items', 'the Action items section has no table: add one with the columns | Action | Owner | Due | Status |'],
      [POSTMORTEM.replace('| Action | Owner | Due | Status |', '| Action | Who | When | Status |'), '| Action | Who | When | Status |', 'the action items table has no Owner, Due column: its header must name Action, Owner, Due and Status'],
      [POSTMORTEM.replace('| --- | --- | --- | --- |\n', ''), '| Page the registry team \\| and the SREs | technicalLead | 2026-11-01 | open |', 'the action items table needs a delimiter row of 4 cells (| --- | --- | … |) right after its header'],
    ];
    for (const [text, at, message] of cases) {
      assert.deepEqual(checkPostmortem(text, ROLES, NOW), [{ span: spanOf(text, at), severity: 'error', code: 'postmortem-table-malformed', message }], message);
    }
  });

  it('an empty table has no items and no problems; a heading after the section ends it', () => {
    const text = '# Review\n\n## Action items\n\n| Action | Owner | Due | Status |\n|:--|--|--|--:|\n\n## Later\n\n| Action | Owner | Due | Status |\n| --- | --- | --- | --- |\n| x | ghost | 2020-01-01 | open |\n';
    assert.deepEqual(parseActionItems(text), { items: [], problems: [] });
    assert.deepEqual(checkPostmortem('## Action items\n\n## Next\n| a |\n', ROLES, NOW).map((d) => d.message), ['the Action items section has no table: add one with the columns | Action | Owner | Due | Status |']);
  });
});

describe('validate reads the post-mortems of a runbook', () => {
  it('prints their findings at the item in the post-mortem file (file:line:col), counted with the runbook\'s', async () => {
    const dir = fs.mkdtempSync(path.join(tmpdir(), 'rl-postmortem-validate-'));
    fs.cpSync(path.join(FIXTURES, 'clean'), dir, { recursive: true });
    const folder = path.join(dir, 'postmortems', 'iris');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, '2026-11-02-drill-latency-spike.md'), POSTMORTEM);
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a post-mortem');
    const at = (needle: string, context = needle) => {
      const p = new LineIndex(POSTMORTEM).positionAt(spanIn(POSTMORTEM, context, needle).start);
      return `postmortems/iris/2026-11-02-drill-latency-spike.md:${p.line + 1}:${p.character + 1}`;
    };
    const out = await runCli(dir, 'validate', 'iris.runbook.yaml');
    assert.equal(out.stdout, [
      `${at('2026-11-01', '| technicalLead | 2026-11-01 |')}: warning postmortem-action-overdue action item overdue: "Page the registry team | and the SREs" was due on 2026-11-01 (21 days ago) and is still open; owner technicalLead`,
      `${at('supportLead')}: warning postmortem-owner-unknown owner \`supportLead\` is not a role of the runbook (roles: decisionMaker, technicalLead, dataSteward, commsLiaison)`,
      `${at('2026-11-21', '| supportLead | 2026-11-21 |')}: warning postmortem-action-overdue action item overdue: "Write the FAQ" was due on 2026-11-21 (1 day ago) and is still open; owner supportLead`,
      '',
    ].join('\n'));
    assert.equal(out.stderr, '1 file checked: 0 errors, 3 warnings\n');
    assert.equal(out.code, 0);
    // a malformed table is an error: validate fails
    fs.writeFileSync(path.join(folder, '2026-11-03-drill-repoint-fails.md'), '# Review\n\n## Action items\n\n| Action | Owner |\n| --- | --- |\n');
    const bad = await runCli(dir, 'validate', 'iris.runbook.yaml', '--format', 'json');
    assert.equal(bad.code, 1);
    const found = (JSON.parse(bad.stdout) as Array<{ file: string; range: { start: { line: number; character: number } }; code: string; message: string }>).filter((d) => d.file.endsWith('repoint-fails.md'));
    assert.deepEqual(found, [
      {
        file: 'postmortems/iris/2026-11-03-drill-repoint-fails.md',
        range: { start: { line: 4, character: 0 }, end: { line: 4, character: '| Action | Owner |'.length } },
        severity: 'error',
        code: 'postmortem-table-malformed',
        message: 'the action items table has no Due, Status column: its header must name Action, Owner, Due and Status',
      },
    ]);
  });
});
