// The CLI on a real temporary folder: output formats, exit codes, globs and
// folder search, through main() in process. The bundled CLI as a process and
// the runs that execute a runbook's read-only steps are in
// test/system/cli.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VERSION } from '../../src/cli/version';
import { CLEAN_RUNBOOK, rangeIn, replaceOnce, runCli, type Range } from './helpers';
import { at, BROKEN as broken, ERR_MSG, ERR_RANGE as errRange, WARN_MSG, WARN_RANGE as warnRange, writeCleanFiles } from '../support/cli';

const run = (argv: string[], cwd: string) => runCli(cwd, ...argv);

describe('cli: validate', () => {
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-lens-cli-'));
    writeCleanFiles(dir);
    fs.writeFileSync(path.join(dir, 'broken.runbook.yaml'), broken);
    // must never be searched
    fs.mkdirSync(path.join(dir, 'node_modules', 'pkg'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'pkg', 'vendored.runbook.yaml'), 'kind: [\n');
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('clean files: exit 0, no report, a summary on stderr', async () => {
    const r = await run(['validate', 'iris.runbook.yaml', 'iris.contract.yaml'], dir);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '2 files checked: 0 errors, 0 warnings\n');
  });

  it('text: one `file:line:col: severity code message` line per diagnostic (1-based), exit 1', async () => {
    const r = await run(['validate', 'broken.runbook.yaml', 'iris.runbook.yaml'], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, [`${at('broken.runbook.yaml', errRange)}: error invalid-duration ${ERR_MSG}`, `${at('broken.runbook.yaml', warnRange)}: warning restore-window-exceeded ${WARN_MSG}`, ''].join('\n'));
    assert.equal(at('broken.runbook.yaml', errRange), 'broken.runbook.yaml:14:62');
    assert.equal(r.stderr, '2 files checked: 1 error, 1 warning\n');
  });

  it('a folder is searched for runbooks and contracts, skipping node_modules', async () => {
    const r = await run(['validate'], dir);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /node_modules|vendored/);
    assert.equal(r.stdout.trim().split('\n').length, 2);
    assert.equal(r.stderr, '3 files checked: 1 error, 1 warning\n');
  });

  it('a glob: `**/*.runbook.yaml` matches both runbooks, not the vendored one', async () => {
    const r = await run(['validate', '**/*.runbook.yaml'], dir);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '2 files checked: 1 error, 1 warning\n');
  });

  it('warnings only: exit 0', async () => {
    const file = path.join(dir, 'slow.runbook.yaml');
    fs.writeFileSync(file, replaceOnce(CLEAN_RUNBOOK, 'restore: 30m', 'restore: 30s'));
    try {
      const r = await run(['validate', 'slow.runbook.yaml'], dir);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${at('slow.runbook.yaml', warnRange)}: warning restore-window-exceeded ${WARN_MSG}\n`);
      assert.equal(r.stderr, '1 file checked: 0 errors, 1 warning\n');
    } finally {
      fs.rmSync(file);
    }
  });

  it('--format json: the exact array, 0-based ranges', async () => {
    const r = await run(['validate', '--format', 'json', 'broken.runbook.yaml'], dir);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout), [
      { file: 'broken.runbook.yaml', range: errRange, severity: 'error', code: 'invalid-duration', message: ERR_MSG },
      { file: 'broken.runbook.yaml', range: warnRange, severity: 'warning', code: 'restore-window-exceeded', message: WARN_MSG },
    ]);
    assert.equal(r.stderr, '');
  });

  it('--format json on clean files: an empty array, exit 0', async () => {
    const r = await run(['validate', '--format', 'json', 'iris.contract.yaml'], dir);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });

  it('--format sarif: SARIF 2.1.0 with rules, results and 1-based regions', async () => {
    const r = await run(['validate', '--format=sarif', 'broken.runbook.yaml'], dir);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout);
    assert.equal(log.version, '2.1.0');
    assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.equal(log.runs.length, 1);
    const run0 = log.runs[0];
    assert.equal(run0.tool.driver.name, 'Rollback Lens');
    assert.equal(run0.tool.driver.version, VERSION);
    assert.deepEqual(
      run0.tool.driver.rules.map((x: { id: string }) => x.id),
      ['invalid-duration', 'restore-window-exceeded'],
    );
    assert.deepEqual(run0.tool.driver.rules[0].shortDescription, { text: 'A duration such as `5m` or `1h30m` is malformed.' });
    const region = (rg: Range) => ({ startLine: rg.start.line + 1, startColumn: rg.start.character + 1, endLine: rg.end.line + 1, endColumn: rg.end.character + 1 });
    const loc = (rg: Range) => [{ physicalLocation: { artifactLocation: { uri: 'broken.runbook.yaml', uriBaseId: '%SRCROOT%' }, region: region(rg) } }];
    assert.equal(run0.results.length, 2);
    const [e, w] = run0.results;
    assert.deepEqual(
      { ruleId: e.ruleId, ruleIndex: e.ruleIndex, level: e.level, message: e.message, locations: e.locations },
      { ruleId: 'invalid-duration', ruleIndex: 0, level: 'error', message: { text: ERR_MSG }, locations: loc(errRange) },
    );
    assert.deepEqual(region(errRange), { startLine: 14, startColumn: 62, endLine: 14, endColumn: 63 });
    assert.deepEqual(
      { ruleId: w.ruleId, ruleIndex: w.ruleIndex, level: w.level, message: w.message, locations: w.locations },
      { ruleId: 'restore-window-exceeded', ruleIndex: 1, level: 'warning', message: { text: WARN_MSG }, locations: loc(warnRange) },
    );
    // the related steps travel as relatedLocations
    assert.deepEqual(
      w.relatedLocations.map((x: { message: { text: string } }) => x.message.text),
      ['`approve`: no timeout (0s)', '`flag-off`: no timeout (0s)', '`repoint`: 1m', '`verify`: no timeout (0s)'],
    );
    assert.deepEqual(w.relatedLocations[2].physicalLocation.region, region(rangeIn(broken, 'timeout: 60s', '60s')));
  });

  it('--max-file-size: larger files are reported, not read', async () => {
    const r = await run(['validate', '--max-file-size', '100', 'iris.runbook.yaml'], dir);
    assert.equal(r.code, 1);
    const size = Buffer.byteLength(CLEAN_RUNBOOK);
    assert.ok(size > 100);
    assert.equal(r.stdout, 'iris.runbook.yaml:1:1: error file-too-large file is 1.8 KiB; Rollback Lens checks files up to 100 bytes (setting `rollbackLens.maxFileSize`)\n');
  });

  describe('exit code 2', () => {
    it('unknown option', async () => {
      const r = await run(['validate', '--bogus'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^rollback-lens validate: Unknown option '--bogus'/);
      assert.match(r.stderr, /\n\nUsage: rollback-lens validate \[paths or globs\.\.\.\] \[options\]\n/);
      assert.equal(r.stdout, '');
    });

    it('unknown format', async () => {
      const r = await run(['validate', '--format', 'xml'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^rollback-lens validate: --format must be text, json or sarif, not `xml`\n/);
      assert.equal(r.stdout, '');
    });

    it('nothing matched', async () => {
      const r = await run(['validate', 'nowhere/'], dir);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'rollback-lens: no runbook or contract matches `nowhere/`\n0 files checked: 0 errors, 0 warnings\n');
    });

    it('one argument matched nothing, the others did', async () => {
      const r = await run(['validate', 'iris.runbook.yaml', 'missing.runbook.yaml'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^rollback-lens: no runbook or contract matches `missing.runbook.yaml`\n/);
    });

    it('a glob that matches nothing', async () => {
      const r = await run(['validate', '**/*.nothing.yaml'], dir);
      assert.equal(r.code, 2);
    });

    it('unknown command', async () => {
      const r = await run(['frobnicate'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^rollback-lens: unknown command `frobnicate`\n/);
    });

    it('no command: usage on stdout', async () => {
      const r = await run([], dir);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /^Usage: rollback-lens <command> \[options\]/);
    });
  });

  it('--help and --version exit 0', async () => {
    assert.equal((await run(['--help'], dir)).code, 0);
    const v = await run(['--version'], dir);
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${VERSION}\n`);
  });
});
