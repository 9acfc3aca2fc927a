// One document loader (src/node/documents.ts loadDocument) behind every command
// that acts on a runbook or a contract: dry-run, drill, sign-off and contract
// tests refuse an unreadable file, a document with a YAML error and a document
// of the other kind with the same located one-line message, a DocumentError.
// Positions are derived from the text; the message of the YAML error is the
// analysis's own (what validate shows), the loader adds only where it is.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyze } from '../../src/core/language/analysis';
import { runContractTests } from '../../src/node/contract/run';
import { DocumentError, loadDocument } from '../../src/node/documents';
import { drill } from '../../src/node/runbook/drill';
import { dryRun } from '../../src/node/runbook/dryrun';
import { signOff } from '../../src/node/runbook/signoff';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');

function workspace(): string {
  const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-loader-')));
  cpSync(EXAMPLE, ws, { recursive: true });
  return ws;
}

/** line:col (1-based) of `offset` in `text`. */
function at(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

const BROKEN_RUNBOOK = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\nmetadata:\n  name: "unclosed\n';
const BROKEN_CONTRACT = 'apiVersion: rollback-lens/v1\nkind: InterfaceContract\nmetadata:\n  name: "unclosed\n';

type Act = (file: string, ws: string) => Promise<unknown>;
const RUNBOOK_COMMANDS: Array<[string, Act]> = [
  ['dry-run', (file, ws) => dryRun(file, { workspace: ws })],
  ['drill', (file, ws) => drill(file, { workspace: ws, scenario: 'serving-regression' })],
  ['sign-off', (file, ws) => signOff(file, { workspace: ws, role: 'decisionMaker', decision: 'approve' })],
];
const CONTRACT_COMMANDS: Array<[string, Act]> = [['test', (file, ws) => runContractTests(file, { workspace: ws })]];

async function refusal(act: () => Promise<unknown>): Promise<string> {
  try {
    await act();
  } catch (e) {
    assert.ok(e instanceof DocumentError, `${(e as Error).constructor.name}: ${(e as Error).message}`);
    return e.message;
  }
  assert.fail('the document was not refused');
}

describe('one document loader for every command', function () {
  this.timeout(30_000);

  for (const [name, act] of [...RUNBOOK_COMMANDS, ...CONTRACT_COMMANDS]) {
    const isRunbook = RUNBOOK_COMMANDS.some(([n]) => n === name);
    const own = isRunbook ? 'x.runbook.yaml' : 'x.contract.yaml';
    const broken = isRunbook ? BROKEN_RUNBOOK : BROKEN_CONTRACT;

    it(`${name}: a missing file is "cannot read <file>: ENOENT"`, async () => {
      const ws = workspace();
      const file = path.join(ws, own);
      assert.equal(await refusal(() => act(file, ws)), `cannot read ${file}: ENOENT`);
    });

    it(`${name}: a YAML error is refused at its place, with validate's code and message`, async () => {
      const ws = workspace();
      const file = path.join(ws, own);
      writeFileSync(file, broken);
      const first = analyze({ path: own, text: broken }).syntactic.find((d) => d.severity === 'error')!;
      assert.equal(first.span.start, broken.indexOf('"'));
      assert.equal(await refusal(() => act(file, ws)), `${file}:${at(broken, broken.indexOf('"'))}: ${first.code} ${first.message} (run \`rollback-lens validate\` for every problem)`);
    });

    it(`${name}: a document of the other kind is refused at its kind`, async () => {
      const ws = workspace();
      const file = path.join(ws, isRunbook ? 'iris.contract.yaml' : 'iris.runbook.yaml');
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(file, 'utf8');
      const kindAt = text.indexOf(isRunbook ? 'InterfaceContract' : 'RollbackRunbook', text.indexOf('kind:'));
      const message = isRunbook ? 'not a RollbackRunbook: it is an `InterfaceContract`' : 'not an InterfaceContract: it is a `RollbackRunbook`';
      assert.equal(await refusal(() => act(file, ws)), `${file}:${at(text, kindAt)}: ${message}`);
    });
  }

  it('a byte-order mark is not part of the document: offsets count from the first character after it', async () => {
    const ws = workspace();
    const file = path.join(ws, 'x.runbook.yaml');
    writeFileSync(file, '\ufeff' + BROKEN_RUNBOOK);
    const message = await refusal(() => loadDocument(file, 'RollbackRunbook', { workspace: ws }));
    assert.ok(message.startsWith(`${file}:${at(BROKEN_RUNBOOK, BROKEN_RUNBOOK.indexOf('"'))}: `), message);
  });

  it('allowErrors accepts a runbook whose checks found errors, not one whose YAML is broken', async () => {
    const ws = workspace();
    const file = path.join(ws, 'x.runbook.yaml');
    const invalid = 'apiVersion: rollback-lens/v1\nkind: RollbackRunbook\nmetadata:\n  name: x\n';
    writeFileSync(file, invalid);
    const loaded = await loadDocument(file, 'RollbackRunbook', { workspace: ws, allowErrors: true });
    assert.equal(loaded.rel, 'x.runbook.yaml');
    assert.ok(loaded.analysis.syntactic.some((d) => d.severity === 'error'));
    await assert.rejects(loadDocument(file, 'RollbackRunbook', { workspace: ws }), DocumentError);
    writeFileSync(file, BROKEN_RUNBOOK);
    await assert.rejects(loadDocument(file, 'RollbackRunbook', { workspace: ws, allowErrors: true }), DocumentError);
  });
});
