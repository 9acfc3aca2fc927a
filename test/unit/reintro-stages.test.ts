// Staged reintroduction, the pure part (src/core/runbook/stages.ts): the stage
// plan read from the runbook, the fractional edit of a flagd file (exact bytes
// out, every other byte kept, undo byte-identical), and the lint of what a
// schema cannot see (percentages, the last stage, a drill scenario's stage),
// each at the exact key, ranges derived from the text.
import * as assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { describeTargetingEdit, editFractional, fractionalText, restoreTargeting } from '../../src/core/runbook/fractional';
import { dryRunMarkdown, dryRunText } from '../../src/core/runbook/render';
import { rehearsesReintroduction, stageLine, stagePlan } from '../../src/core/runbook/stages';
import { reintroductionMarkdown } from '../../src/core/runbook/stagesMarkdown';
import { CLEAN_FILES, CLEAN_RUNBOOK, rangeIn, setup, showAll, type Range, type Shown } from './helpers';

const FLAGS = CLEAN_FILES.get('flags.flagd.json')!;

const REINTRO = `reintroduction:
  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }
  abortOn: [slow]
  stages:
    - percent: 5
      hold: 1h
      checks: [slow]
    - percent: 25
      hold: 4h
      checks:
        - drift
        - { verify: { contract: iris.contract.yaml, test: parity } }
        - { run: "test -r flags.flagd.json" }
    - percent: 50
      checks:
        - { metric: accuracy_delta, when: ">= -0.01" }
      approve: [decisionMaker]
    - percent: 100
`;

const withReintro = (r: string) => `${CLEAN_RUNBOOK}${r}`;

async function lint(text: string): Promise<Shown[]> {
  const { service, doc } = setup(text);
  return showAll(text, await service.validate(doc));
}

const err = (range: Range, code: string, message: string): Shown => ({ range, severity: 'error', code, message });

describe('reintroduction stage plan', () => {
  it('reads each stage: percent, hold, checks of every kind, approvals, and the abortOn triggers', () => {
    const plan = stagePlan(parseDocument(withReintro(REINTRO)).toJSON());
    assert.deepEqual(plan?.flag, { file: 'flags.flagd.json', name: 'iris-v2', variant: 'on' });
    assert.deepEqual(plan?.abortOn, ['slow']);
    assert.deepEqual(
      plan?.stages.map((s) => stageLine(s, plan.abortOn)),
      [
        'stage 1: 5% for 1h; checks: trigger slow stays quiet; abort on: slow',
        'stage 2: 25% for 4h; checks: trigger drift stays quiet, contract test parity of iris.contract.yaml passes, `test -r flags.flagd.json` exits 0; abort on: slow',
        'stage 3: 50% (no hold); checks: accuracy_delta >= -0.01; abort on: slow; approve: decisionMaker',
        'stage 4: 100% (no hold); no checks; abort on: slow',
      ],
    );
    assert.deepEqual(
      plan?.stages.map((s) => s.holdMs),
      [3_600_000, 14_400_000, 0, 0],
    );
  });

  it('tells a drill scenario that rehearses the reintroduction only from one that rehearses the rollback', () => {
    assert.equal(rehearsesReintroduction({ id: 'a', inject: { reintroduction: { stage: 2, metrics: { x: 1 } } } }), true);
    assert.equal(rehearsesReintroduction({ id: 'b', expect: { reintroduction: 'completed' } }), true);
    assert.equal(rehearsesReintroduction({ id: 'c', inject: { metrics: { x: 1 }, reintroduction: { stage: 1, metrics: { x: 2 } } } }), false);
    assert.equal(rehearsesReintroduction({ id: 'd', inject: { failStep: 'repoint' } }), false);
  });

  it('the outline marks a scenario that rehearses the reintroduction (detail `reintroduction`), and only that one', () => {
    const text = withReintro(REINTRO).replace('reintroduction:\n', `    - id: late-breach\n      inject: { reintroduction: { stage: 2, metrics: { p99_latency_ms: 900 } } }\n      expect: { reintroduction: aborted-at-2 }\nreintroduction:\n`);
    const { service, doc } = setup(text);
    const drills = service.symbols(doc).find((x) => x.name === 'drills')!;
    assert.deepEqual(
      drills.children.map((c) => [c.name, c.detail]),
      [
        ['latency-spike', undefined],
        ['late-breach', 'reintroduction'],
      ],
    );
    assert.ok(service.symbols(doc).some((x) => x.kind === 'section' && x.name === 'reintroduction'));
  });

  it('is undefined for a runbook without reintroduction', () => {
    assert.equal(stagePlan(parseDocument(CLEAN_RUNBOOK).toJSON()), undefined);
  });
});

describe('the fractional edit of a stage', () => {
  it('adds targeting after the flag\'s last property, in its indentation, and nothing else', () => {
    const e = editFractional(FLAGS, 'flags.flagd.json', 'iris-v2', 'on', 5);
    assert.ok(e.ok);
    assert.equal(
      e.text,
      FLAGS.replace('"defaultVariant": "on"\n', '"defaultVariant": "on",\n      "targeting": { "fractional": [["on", 5], ["off", 95]] }\n'),
    );
    assert.deepEqual(e.split, [
      ['on', 5],
      ['off', 95],
    ]);
    assert.equal(e.from, undefined);
    assert.equal(describeTargetingEdit('iris-v2', e), 'flags.iris-v2.targeting (not set) → { "fractional": [["on", 5], ["off", 95]] }');
  });

  it('replaces only the bytes of an existing split', () => {
    const five = editFractional(FLAGS, 'flags.flagd.json', 'iris-v2', 'on', 5);
    assert.ok(five.ok);
    const quarter = editFractional(five.text, 'flags.flagd.json', 'iris-v2', 'on', 25);
    assert.ok(quarter.ok);
    assert.equal(quarter.text, five.text.replace('[["on", 5], ["off", 95]]', '[["on", 25], ["off", 75]]'));
    assert.equal(quarter.from, '{ "fractional": [["on", 5], ["off", 95]] }');
    const again = editFractional(quarter.text, 'flags.flagd.json', 'iris-v2', 'on', 25);
    assert.ok(again.ok);
    assert.equal(again.changed, false);
  });

  it('keeps a compact, CRLF or tab-indented file\'s other bytes', () => {
    const compact = '{"flags":{"iris-v2":{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off"}}}';
    const c = editFractional(compact, 'f.json', 'iris-v2', 'on', 50);
    assert.ok(c.ok);
    assert.equal(c.text, compact.replace('"defaultVariant":"off"', '"defaultVariant":"off", "targeting": { "fractional": [["on", 50], ["off", 50]] }'));
    const crlf = FLAGS.replace(/\n/g, '\r\n').replace(/ {6}"defaultVariant"/, '\t"defaultVariant"');
    const d = editFractional(crlf, 'f.json', 'iris-v2', 'on', 50);
    assert.ok(d.ok);
    assert.equal(d.text, crlf.replace('"defaultVariant": "on"\r\n', '"defaultVariant": "on",\r\n\t"targeting": { "fractional": [["on", 50], ["off", 50]] }\r\n'));
  });

  it('puts the file back byte for byte: removing the targeting it added, or writing the one it replaced', () => {
    const five = editFractional(FLAGS, 'flags.flagd.json', 'iris-v2', 'on', 5);
    assert.ok(five.ok);
    const undone = restoreTargeting(five.text, 'flags.flagd.json', 'iris-v2', undefined);
    assert.ok(undone.ok);
    assert.equal(undone.text, FLAGS);
    const quarter = editFractional(five.text, 'flags.flagd.json', 'iris-v2', 'on', 25);
    assert.ok(quarter.ok);
    const back = restoreTargeting(quarter.text, 'flags.flagd.json', 'iris-v2', quarter.from);
    assert.ok(back.ok);
    assert.equal(back.text, five.text);
  });

  it('refuses, with the reason, a targeting rule of the flag\'s own, a missing variant or flag, and bad JSON', () => {
    const own = FLAGS.replace('"defaultVariant": "on"', '"defaultVariant": "on",\n      "targeting": { "if": [true, "on", "off"] }');
    assert.deepEqual(editFractional(own, 'flags.flagd.json', 'iris-v2', 'on', 5), {
      ok: false,
      error: 'flag `iris-v2` in `flags.flagd.json` has a targeting rule of its own ({ "if": [true, "on", "off"] }); a stage would replace it, so it is left untouched',
    });
    assert.deepEqual(editFractional(FLAGS, 'flags.flagd.json', 'iris-v2', 'blue', 5), { ok: false, error: 'flag `iris-v2` has no variant `blue` (it has `on`, `off`)' });
    assert.deepEqual(editFractional(FLAGS, 'flags.flagd.json', 'iris-v3', 'on', 5), { ok: false, error: 'flag `iris-v3` is not defined in `flags.flagd.json`' });
    assert.deepEqual(editFractional('{', 'flags.flagd.json', 'iris-v2', 'on', 5), { ok: false, error: 'flag file `flags.flagd.json` is not valid JSON; left untouched' });
    const three = FLAGS.replace('"off": false', '"off": false,\n        "shadow": false');
    assert.deepEqual(editFractional(three, 'flags.flagd.json', 'iris-v2', 'on', 5), {
      ok: false,
      error: 'flag `iris-v2` has no other variant for the rest of the traffic (set its defaultVariant to one of `off`, `shadow`)',
    });
  });

  it('writes the split as flagd reads it: an array of [variant, weight] pairs under fractional', () => {
    const t = fractionalText([
      ['on', 5],
      ['off', 95],
    ]);
    assert.deepEqual(JSON.parse(t), { fractional: [['on', 5], ['off', 95]] });
  });
});

describe('reintroduction lint', () => {
  it('the plan above is clean', async () => {
    assert.deepEqual(await lint(withReintro(REINTRO)), []);
  });

  it('percentages must strictly increase, at the offending percent', async () => {
    const text = withReintro(REINTRO.replace('percent: 50', 'percent: 25'));
    assert.deepEqual(await lint(text), [err(rangeIn(text, '- percent: 25\n      checks', '25'), 'stage-order', "stage 3 sends 25% of traffic, not more than stage 2's 25%: percentages must strictly increase")]);
  });

  it('the last stage must send 100%, at its percent', async () => {
    const text = withReintro(REINTRO.replace('percent: 100', 'percent: 90'));
    assert.deepEqual(await lint(text), [err(rangeIn(text, 'percent: 90', '90'), 'stage-incomplete', 'the last stage sends 90% of traffic: the reintroduction must end at 100%')]);
  });

  it('a reintroduction without a flag, at its key', async () => {
    const text = withReintro(REINTRO.replace('  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }\n', ''));
    assert.deepEqual(await lint(text), [err(rangeIn(text, 'reintroduction:', 'reintroduction'), 'reintroduction-no-flag', '`reintroduction` has no `flag`: add the flagd flag (file, name, variant) whose fractional split each stage sets')]);
  });

  it('a reintroduction that sets traffic with `run` only: a warning, since reintroduce drives a flag', async () => {
    const text = withReintro(REINTRO.replace('  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }\n', '  run: ./scripts/set-alias.sh iris canary {{stage.percent}}\n'));
    assert.deepEqual(await lint(text), [
      {
        range: rangeIn(text, 'reintroduction:', 'reintroduction'),
        severity: 'warning',
        code: 'reintroduction-no-flag',
        message: '`reintroduction` sets traffic with `run`, which `rollback-lens reintroduce` does not drive: add a `flag` (a flagd file, name and variant) whose fractional split each stage sets',
      },
    ]);
  });

  it('a drill scenario injecting at, or expecting an abort at, a stage that does not exist', async () => {
    const scenario = `    - id: late-breach
      inject: { reintroduction: { stage: 7, metrics: { p99_latency_ms: 900 } } }
      expect: { reintroduction: aborted-at-5 }
`;
    const text = withReintro(REINTRO).replace('reintroduction:\n', `${scenario}reintroduction:\n`);
    assert.deepEqual(await lint(text), [
      err(rangeIn(text, 'stage: 7', '7'), 'unknown-stage', 'scenario `late-breach` injects at stage 7, but the reintroduction has 4 stages'),
      err(rangeIn(text, 'reintroduction: aborted-at-5', 'aborted-at-5'), 'unknown-stage', 'scenario `late-breach` expects it to stop at stage 5, but the reintroduction has 4 stages'),
    ]);
  });

  it('an injected metric the source does not provide, and a malformed expectation', async () => {
    const scenario = `    - id: late-breach
      inject: { reintroduction: { stage: 2, metrics: { p99_latency: 900 } } }
      expect: { reintroduction: aborted-2 }
`;
    const text = withReintro(REINTRO).replace('reintroduction:\n', `${scenario}reintroduction:\n`);
    const shown = await lint(text);
    assert.deepEqual(
      shown.map((s) => [s.code, text.slice(0, 0) + JSON.stringify(s.range)]),
      [
        ['unknown-metric', JSON.stringify(rangeIn(text, 'p99_latency: 900', 'p99_latency'))],
        ['schema-pattern', JSON.stringify(rangeIn(text, 'reintroduction: aborted-2', 'aborted-2'))],
      ],
    );
  });

  it('a run check whose script does not exist', async () => {
    const text = withReintro(REINTRO.replace('{ run: "test -r flags.flagd.json" }', '{ run: "./scripts/canary-ok.sh" }'));
    assert.deepEqual(await lint(text), [err(rangeIn(text, '"./scripts/canary-ok.sh"', '"./scripts/canary-ok.sh"'), 'missing-file', 'script `./scripts/canary-ok.sh` does not exist (looked for `scripts/canary-ok.sh`)')]);
  });
});

describe('reintroduction reports', () => {
  const plan = {
    flag: { file: 'flags.flagd.json', name: 'iris-v2', variant: 'on' },
    abortOn: ['slow'],
    stages: [{ stage: 1, percent: 5, hold: '1h', checks: ['trigger slow stays quiet'], approve: [], edit: 'flags.iris-v2.targeting (not set) → { "fractional": [["on", 5], ["off", 95]] }' }],
  };

  it('the dry-run shows the stage plan in its text and its Markdown', () => {
    const report = { runbook: 'iris.runbook.yaml', verdict: 'ready' as const, phases: { detect: [], decide: [], execute: [], verify: [], close: [], communicate: [] }, steps: [], findings: [], worstCase: { ms: 0, path: [] }, reintroduction: plan };
    assert.deepEqual(dryRunText(report).split('\n').slice(1, 5), [
      'Reintroduction (stage plan):',
      '  flag iris-v2 in flags.flagd.json: variant on by fractional split; abort on: slow',
      '  stage 1: 5% for 1h; checks: trigger slow stays quiet',
      '    would set flags.iris-v2.targeting (not set) → { "fractional": [["on", 5], ["off", 95]] }',
    ]);
    const md = dryRunMarkdown(report);
    assert.ok(md.endsWith('## Reintroduction\n\n- flag iris\\-v2 in flags\\.flagd\\.json\\: variant on by fractional split; abort on\\: slow\n- stage 1\\: 5% for 1h; checks\\: trigger slow stays quiet\n  - would set flags\\.iris\\-v2\\.targeting \\(not set\\) → \\{ "fractional"\\: \\[\\["on", 5\\], \\["off", 95\\]\\] \\}\n'), md);
  });

  it('a run as Markdown: the verdict, each stage with what it compared, values escaped', () => {
    const md = reintroductionMarkdown({
      runbook: 'iris.runbook.yaml',
      mode: 'reintroduce',
      verdict: 'fail',
      outcome: 'aborted-at-1',
      reason: 'stage 1: abortOn trigger slow fired: p99_latency_ms is 900 > 250: fires',
      flag: plan.flag,
      stages: [
        {
          stage: 1,
          percent: 5,
          hold: '1h',
          held: 'waited',
          edit: plan.stages[0]!.edit,
          checks: [{ check: 'trigger slow stays quiet', kind: 'trigger', outcome: 'fail', value: 900, message: 'fired: p99_latency_ms is 900 > 250: fires' }],
          abortOn: [{ id: 'slow', state: 'fires', value: 900, message: 'p99_latency_ms is 900 > 250: fires' }],
          approvals: [],
          outcome: 'aborted',
          durationMs: 3_600_000,
        },
      ],
      rolledBack: "back to 0% (the flag file as before the reintroduction): flags.flagd.json restored byte for byte",
      approvals: [],
    });
    assert.deepEqual(md.split('\n').slice(0, 14), [
      '# Reintroduction of iris\\.runbook\\.yaml',
      '',
      '**Verdict: FAIL** — aborted\\-at\\-1: stage 1\\: abortOn trigger slow fired\\: p99\\_latency\\_ms is 900 &gt; 250\\: fires',
      '',
      'Flag `iris-v2` in flags\\.flagd\\.json: variant `on` by a flagd fractional split.',
      '',
      'Traffic: back to 0% \\(the flag file as before the reintroduction\\)\\: flags\\.flagd\\.json restored byte for byte',
      '',
      '## Stage 1: 5% — aborted',
      '',
      '- set: flags\\.iris\\-v2\\.targeting \\(not set\\) → \\{ "fractional"\\: \\[\\["on", 5\\], \\["off", 95\\]\\] \\}',
      '- hold: 1h, waited',
      '- check **fail** trigger slow stays quiet: fired\\: p99\\_latency\\_ms is 900 &gt; 250\\: fires',
      '- abortOn `slow` **fires**: p99\\_latency\\_ms is 900 &gt; 250\\: fires',
    ]);
  });
});
