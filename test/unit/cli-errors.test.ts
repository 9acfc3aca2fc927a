// Every problem is a located finding or one line on stderr, never a stack
// trace: the real CLI process against workspaces that are broken in the ways a
// new user's are (a schema in a dialect the dry-run does not compile, a schema
// that is not JSON, a binary runbook, a directory where a file should be), for
// every command. And one finding per problem: the dry-run reports a restore
// window exceeded once, with the language service's severity.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from './helpers';

const EXAMPLE = path.resolve(__dirname, '../../examples/iris');
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$|node:internal|^\s+at (async )?\S+ \(/m;

function example(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cli-errors-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  return dir;
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return text.slice(0, i).split('\n').length;
}

describe('the CLI never prints a stack trace', () => {
  it('a state schema in draft 2020-12: dry-run gives a located finding naming the problem, not a stack trace', () => {
    const dir = example();
    const schema = path.join(dir, 'state/profile.v3.schema.json');
    const s = JSON.parse(readFileSync(schema, 'utf8'));
    writeFileSync(schema, JSON.stringify({ ...s, $schema: 'https://json-schema.org/draft/2020-12/schema' }, null, 2));
    const out = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml']);
    assert.doesNotMatch(out.stdout + out.stderr, STACK_FRAME);
    const rb = readFileSync(path.join(dir, 'iris.runbook.yaml'), 'utf8');
    const line = lineOf(rb, '  targetReads:');
    const finding = out.stdout.split('\n').find((l) => l.includes('state-schema-unreadable'));
    assert.equal(
      finding?.trim(),
      `iris.runbook.yaml:${line}:16: error state-schema-unreadable state schema \`state/profile.v3.schema.json\` cannot be compiled: no schema with key or ref "https://json-schema.org/draft/2020-12/schema"`,
      out.stdout,
    );
    assert.equal(out.code, 1);
  });

  it('every command against a corrupt workspace: exit 1 or 2, one line per problem, no stack frame', () => {
    const dir = example();
    writeFileSync(path.join(dir, 'state/profile.v3.schema.json'), '{ not json');
    writeFileSync(path.join(dir, 'schemas/iris-output.schema.json'), '\u0000\u0001binary');
    writeFileSync(path.join(dir, 'broken.runbook.yaml'), Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]));
    rmSync(path.join(dir, 'flags.flagd.json'));
    mkdirSync(path.join(dir, 'flags.flagd.json'));
    const commands: string[][] = [
      ['validate', '.'],
      ['test', 'iris.contract.yaml'],
      ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity'],
      ['compat', 'iris.contract.yaml', 'iris.contract.yaml'],
      ['dry-run', 'iris.runbook.yaml'],
      ['dry-run', 'broken.runbook.yaml'],
      ['drill', 'iris.runbook.yaml', '--scenario', 'repoint-fails'],
      ['sign-off', 'iris.runbook.yaml', '--role', 'ml-oncall'],
      ['audit', 'verify'],
      ['dry-run', 'missing.runbook.yaml'],
      ['test', 'state'],
    ];
    for (const argv of commands) {
      const out = runCliProcess(dir, argv);
      assert.doesNotMatch(out.stdout + out.stderr, STACK_FRAME, `${argv.join(' ')}:\n${out.stdout}${out.stderr}`);
      assert.ok(out.code === 0 || out.code === 1 || out.code === 2, `${argv.join(' ')}: exit ${out.code}`);
    }
  });
});

describe('one finding per problem', () => {
  it('a plan longer than windows.restore: the dry-run reports restore-window-exceeded once, with validate\'s severity', () => {
    const dir = example();
    const file = path.join(dir, 'iris.runbook.yaml');
    const rb = readFileSync(file, 'utf8');
    assert.ok(rb.includes('restore: 30m }'), 'the example has windows.restore');
    writeFileSync(file, rb.replace('restore: 30m }', 'restore: 1m }'));
    const dry = runCliProcess(dir, ['dry-run', 'iris.runbook.yaml', '--format', 'json']);
    const findings = (JSON.parse(dry.stdout).findings as Array<{ code: string; severity: string }>).filter((f) => f.code === 'restore-window-exceeded');
    const validate = runCliProcess(dir, ['validate', 'iris.runbook.yaml', '--format', 'json']);
    const diags = (JSON.parse(validate.stdout) as Array<{ code: string; severity: string }>).filter((d) => d.code === 'restore-window-exceeded');
    assert.equal(diags.length, 1, validate.stdout);
    assert.deepEqual(
      findings.map((f) => f.severity),
      [diags[0]!.severity],
    );
  });
});

describe('one finding per problem: placeholders', () => {
  it('a {{placeholder}} with no value: validate and dry-run each report it once, at the placeholder', () => {
    const dir = example();
    const file = path.join(dir, 'iris.runbook.yaml');
    const rb = readFileSync(file, 'utf8');
    assert.ok(rb.includes('Scoring reverted to {{target.version}}.'));
    writeFileSync(file, rb.replace('Scoring reverted to {{target.version}}.', 'Scoring reverted to {{target.verison}}.'));
    const validate = (JSON.parse(runCliProcess(dir, ['validate', 'iris.runbook.yaml', '--format', 'json']).stdout) as Array<{ code: string }>).filter((d) => d.code === 'unknown-placeholder');
    const dry = (JSON.parse(runCliProcess(dir, ['dry-run', 'iris.runbook.yaml', '--format', 'json']).stdout).findings as Array<{ code: string; line: number }>).filter((f) => f.code === 'unknown-placeholder');
    assert.equal(validate.length, 1, JSON.stringify(validate));
    assert.deepEqual(dry.map((f) => f.line), [lineOf(rb, 'Scoring reverted to {{target.version}}.')], JSON.stringify(dry));
  });
});
