// Confinement (src/node/workspace.ts): nothing outside the workspace is ever
// opened. The process-level tests put canary files next to (outside) a copy
// of the iris example, name them from runbooks directly (`../outside/…`) and
// through links inside the workspace, run validate, dry-run and drill as real
// processes, and check that no canary appears in any output, that no outside
// file's access time moved, and that no outside script ran. A deliberate read
// first shows this file system updates access times, so the check can fail.
// confine() itself, in process: test/unit/workspace.test.ts.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const CANARY = 'CANARY_7f3a_outside_the_workspace';
const PAST = new Date('2001-02-03T04:05:06Z');

/** The outside files, each with the canary, their access times set to PAST. */
function outsideFiles(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'metrics.json': JSON.stringify({ p99_latency_ms: 777.5, [CANARY]: 1 }),
    'reads.schema.json': JSON.stringify({ type: 'object', description: CANARY, required: [CANARY] }),
    'samples.jsonl': JSON.stringify({ locale: CANARY, consent: true }) + '\n',
    'flags.flagd.json': JSON.stringify({ flags: { 'iris-v2': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', description: CANARY } } }),
    'set-alias.sh': `#!/bin/sh\necho ${CANARY}\ntouch "$(dirname "$0")/SCRIPT_RAN"\n`,
    'outside.contract.yaml': readFileSync(path.join(EXAMPLE, 'iris.contract.yaml'), 'utf8').replace('name: iris-classifier', `name: ${CANARY}`),
  };
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text, { mode: f.endsWith('.sh') ? 0o755 : 0o644 });
  const all = Object.keys(files).map((f) => path.join(dir, f));
  for (const f of all) utimesSync(f, PAST, statSync(f).mtime);
  return all;
}

/** A copy of the iris example at `<tmp>/ws` whose two runbooks name `<tmp>/outside` files: by path, and through links. */
function confinedWorkspace(): { ws: string; outside: string; files: string[] } {
  const top = mkdtempSync(path.join(tmpdir(), 'rl-confine-'));
  const ws = path.join(top, 'ws');
  cpSync(EXAMPLE, ws, { recursive: true });
  const outside = path.join(top, 'outside');
  const files = outsideFiles(outside);
  const runbook = readFileSync(path.join(ws, 'iris.runbook.yaml'), 'utf8');
  const swap = (text: string, pairs: Array<[string, string]>) => pairs.reduce((t, [a, b]) => (assert.ok(t.includes(a), a), t.split(a).join(b)), text);
  // by path
  writeFileSync(
    path.join(ws, 'lexical.runbook.yaml'),
    swap(runbook, [
      ['file: metrics/now.json', 'file: ../outside/metrics.json'],
      ['targetReads: state/profile.v3.schema.json', 'targetReads: ../outside/reads.schema.json'],
      ['samples: state/samples.jsonl', 'samples: ../outside/samples.jsonl'],
      ['flag: { file: flags.flagd.json, name: iris-v2, variant: "off" }', 'flag: { file: ../outside/flags.flagd.json, name: iris-v2, variant: "off" }'],
      ['./scripts/set-alias.sh', '../outside/set-alias.sh'],
      ['verify: { contract: iris.contract.yaml, test: parity }\n    requires', 'verify: { contract: ../outside/outside.contract.yaml, test: parity }\n    requires'],
    ]),
  );
  // through links inside the workspace
  mkdirSync(path.join(ws, 'linked'));
  for (const [link, target] of [
    ['linked/now.json', 'metrics.json'],
    ['linked/reads.schema.json', 'reads.schema.json'],
    ['linked/samples.jsonl', 'samples.jsonl'],
    ['linked/flags.flagd.json', 'flags.flagd.json'],
    ['linked/outside.contract.yaml', 'outside.contract.yaml'],
  ]) symlinkSync(path.join(outside, target!), path.join(ws, link!));
  symlinkSync(outside, path.join(ws, 'linked', 'scripts'));
  writeFileSync(
    path.join(ws, 'linked.runbook.yaml'),
    swap(runbook, [
      ['file: metrics/now.json', 'file: linked/now.json'],
      ['targetReads: state/profile.v3.schema.json', 'targetReads: linked/reads.schema.json'],
      ['samples: state/samples.jsonl', 'samples: linked/samples.jsonl'],
      ['flag: { file: flags.flagd.json, name: iris-v2, variant: "off" }', 'flag: { file: linked/flags.flagd.json, name: iris-v2, variant: "off" }'],
      ['./scripts/set-alias.sh', './linked/scripts/set-alias.sh'],
      ['verify: { contract: iris.contract.yaml, test: parity }\n    requires', 'verify: { contract: linked/outside.contract.yaml, test: parity }\n    requires'],
    ]),
  );
  return { ws, outside, files };
}

describe('workspace confinement: nothing outside the workspace is opened', function () {
  this.timeout(120_000);

  it('this file system shows a read in the access time (so the checks below can fail)', () => {
    const { files } = confinedWorkspace();
    const f = files[0]!;
    assert.equal(statSync(f).atimeMs, PAST.getTime());
    readFileSync(f);
    assert.notEqual(statSync(f).atimeMs, PAST.getTime(), 'reading a file with an access time in the past moves it (relatime); if this fails, atime cannot be observed here');
  });

  for (const runbook of ['lexical.runbook.yaml', 'linked.runbook.yaml']) {
    it(`${runbook}: validate, dry-run and drill never open, print or run an outside file`, () => {
      const { ws, outside, files } = confinedWorkspace();
      const runs = [
        ['validate', runbook],
        ['dry-run', runbook],
        ['dry-run', runbook, '--format', 'json'],
        ['drill', runbook, '--scenario', 'latency-spike'],
        ['drill', runbook, '--scenario', 'repoint-fails'],
      ];
      for (const argv of runs) {
        const r = runCliProcess(ws, argv, { ALIAS_STORE: undefined });
        const output = r.stdout + r.stderr;
        assert.ok(!output.includes(CANARY), `${argv.join(' ')} printed the canary:\n${output}`);
        assert.ok(!output.includes('777.5'), `${argv.join(' ')} printed the outside metric value:\n${output}`);
        assert.ok([1, 2].includes(r.code!), `${argv.join(' ')} exit ${r.code}:\n${output}`);
        for (const f of files) assert.equal(statSync(f).atimeMs, PAST.getTime(), `${argv.join(' ')} read ${path.basename(f)}`);
        assert.equal(existsSync(path.join(outside, 'SCRIPT_RAN')), false, `${argv.join(' ')} ran the outside script`);
      }
    });
  }

  it('test and baseline record: contract inputs and schemas that link out are refused, never read', () => {
    const { ws, outside, files } = confinedWorkspace();
    const contract = readFileSync(path.join(ws, 'iris.contract.yaml'), 'utf8');
    writeFileSync(path.join(outside, 'inputs.jsonl'), JSON.stringify({ sepal_length: CANARY }) + '\n');
    writeFileSync(path.join(outside, 'input.schema.json'), JSON.stringify({ type: 'object', description: CANARY }));
    const more = [path.join(outside, 'inputs.jsonl'), path.join(outside, 'input.schema.json')];
    for (const f of more) utimesSync(f, PAST, statSync(f).mtime);
    symlinkSync(path.join(outside, 'inputs.jsonl'), path.join(ws, 'linked', 'inputs.jsonl'));
    symlinkSync(path.join(outside, 'input.schema.json'), path.join(ws, 'linked', 'input.schema.json'));
    writeFileSync(path.join(ws, 'inputs-out.contract.yaml'), contract.split('inputs: data/inputs.jsonl').join('inputs: linked/inputs.jsonl'));
    writeFileSync(path.join(ws, 'schema-out.contract.yaml'), contract.replace('$ref: schemas/iris-input.schema.json', '$ref: linked/input.schema.json'));
    const runs: Array<[string[], string]> = [
      [['test', 'inputs-out.contract.yaml'], 'inputs `linked/inputs.jsonl` is outside the workspace (through a link)'],
      [['baseline', 'record', 'inputs-out.contract.yaml', '--test', 'parity'], 'inputs `linked/inputs.jsonl` is outside the workspace (through a link)'],
      [['test', 'schema-out.contract.yaml'], 'the input schema `linked/input.schema.json` is outside the workspace (through a link)'],
    ];
    for (const [argv, said] of runs) {
      const r = runCliProcess(ws, argv);
      const output = r.stdout + r.stderr;
      assert.ok(output.includes(said), `${argv.join(' ')}:\n${output}`);
      assert.ok(!output.includes(CANARY), `${argv.join(' ')} printed the canary:\n${output}`);
      assert.notEqual(r.code, 0, output);
      for (const f of [...files, ...more]) assert.equal(statSync(f).atimeMs, PAST.getTime(), `${argv.join(' ')} read ${path.basename(f)}`);
    }
  });

  it('dry-run: every outside reference is one located finding at the reference (by path and through links)', () => {
    const { ws } = confinedWorkspace();
    for (const runbook of ['lexical.runbook.yaml', 'linked.runbook.yaml']) {
      const lines = readFileSync(path.join(ws, runbook), 'utf8').split('\n');
      const pos = (needle: string) => {
        const i = lines.findIndex((l) => l.includes(needle));
        assert.ok(i >= 0, needle);
        return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
      };
      const r = runCliProcess(ws, ['dry-run', runbook]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const lexical = runbook.startsWith('lexical');
      const through = lexical ? '' : ' (through a link)';
      const [metrics, reads, samples, flags, contract, script] = lexical
        ? ['../outside/metrics.json', '../outside/reads.schema.json', '../outside/samples.jsonl', '../outside/flags.flagd.json', '../outside/outside.contract.yaml', '../outside/set-alias.sh']
        : ['linked/now.json', 'linked/reads.schema.json', 'linked/samples.jsonl', 'linked/flags.flagd.json', 'linked/outside.contract.yaml', './linked/scripts/set-alias.sh'];
      const findings = r.stdout.split('\n').filter((l) => l.startsWith(`  ${runbook}:`));
      // the language service's finding at each reference's value, once: the dry-run's own refusal there is the same problem
      for (const ref of [metrics, reads, samples, flags, contract]) {
        const here = findings.filter((l) => l.startsWith(`  ${runbook}:${pos(ref)}: `));
        assert.deepEqual(
          here,
          [`  ${runbook}:${pos(ref)}: error file-outside-workspace \`${ref}\` ${lexical ? 'points' : 'resolves'} outside the workspace${through}; referenced files must live inside it`],
          r.stdout,
        );
      }
      assert.ok(r.stdout.includes(`\n  slow: the metrics snapshot \`${metrics}\` is outside the workspace${through}\n`), r.stdout);
      assert.ok(r.stdout.includes(`\n  3. flag change: flag file \`${flags}\` is outside the workspace${through}\n`), r.stdout);
      assert.ok(
        findings.includes(`  ${runbook}:${pos('dryRun:')}: error dry-run-failed step \`repoint\`: \`${script} --dry-run iris champion 1.4.2\` is refused: the script \`${script}\` is outside the workspace${through}`),
        r.stdout,
      );
      assert.ok(!r.stdout.includes('/nonexistent') && !r.stdout.includes('state-schema-unreadable'), r.stdout);
    }
  });
});
