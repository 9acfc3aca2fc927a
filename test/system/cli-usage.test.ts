// The CLI's help and usage errors. `rollback-lens --help` is pinned byte for
// byte to test/fixtures/cli/help.txt (captured from the CLI before its
// commands moved into one table, src/cli/commands.ts), so the table cannot
// change the text unnoticed. Every command, run as a real process with an
// unknown option, and every other usage error in-process: one form,
// `rollback-lens <command>: <what>`, a blank line, the command's usage (what
// `<command> --help` prints), exit 2, nothing run. The table's rows: each
// usage names exactly the options its command parses.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COMMANDS } from '../../src/cli/commands';
import { FIXTURES, runCli, runCliProcess } from '../unit/helpers';

const HELP = fs.readFileSync(path.join(FIXTURES, 'cli', 'help.txt'), 'utf8');

describe('cli: help', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-usage-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help, -h and help: the whole usage on stdout, exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      assert.deepEqual(await runCli(dir, flag), { code: 0, stdout: HELP, stderr: '' }, flag);
    }
  });

  it('no command: the whole usage on stdout, exit 2', async () => {
    assert.deepEqual(await runCli(dir), { code: 2, stdout: HELP, stderr: '' });
  });

  it('an unknown command: `rollback-lens: unknown command` and the whole usage on stderr, exit 2', async () => {
    assert.deepEqual(await runCli(dir, 'frobnicate'), { code: 2, stdout: '', stderr: `rollback-lens: unknown command \`frobnicate\`\n\n${HELP}` });
  });
});

/** Every command, with arguments that would run it (the files need not exist: nothing gets that far). */
const COMMAND_LINES: string[][] = [
  ['validate', 'iris.runbook.yaml'],
  ['test', 'iris.contract.yaml'],
  ['baseline', 'record', 'iris.contract.yaml', '--test', 'parity'],
  ['dry-run', 'iris.runbook.yaml'],
  ['drill', 'iris.runbook.yaml', '--scenario', 'repoint-fails'],
  ['rollback', 'iris.runbook.yaml'],
  ['reintroduce', 'iris.runbook.yaml', '--scenario', 'reintro-latency'],
  ['sign-off', 'iris.runbook.yaml', '--role', 'decisionMaker'],
  ['closure', 'iris.runbook.yaml'],
  ['close', 'iris.runbook.yaml'],
  ['postmortem', 'iris.runbook.yaml'],
  ['review'],
  ['audit', 'verify'],
  ['compat', 'old.contract.yaml', 'iris.contract.yaml'],
];

describe('cli process: one usage-error style', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-usage-')))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const argv of COMMAND_LINES) {
    const name = argv[0]!;
    it(`${name} --bogus: \`rollback-lens ${name}: Unknown option\`, then ${name}'s usage (what \`${name} --help\` prints), exit 2, nothing run`, () => {
      const r = runCliProcess(dir, [...argv, '--bogus']);
      const first = r.stderr.split('\n')[0]!;
      assert.match(first, new RegExp(`^rollback-lens ${name}: Unknown option '--bogus'\\.`));
      const help = runCliProcess(dir, [name, '--help']);
      assert.deepEqual([help.code, help.stderr], [0, ''], `${name} --help`);
      assert.ok(help.stdout.startsWith(`Usage: rollback-lens ${name} `), help.stdout);
      const usage = help.stdout.slice(0, -1);
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', `${first}\n\n${usage}\n`]);
      assert.deepEqual(fs.readdirSync(dir), [], 'nothing ran: no audit log, no report');
    });
  }
});

describe('cli: every usage error is `rollback-lens <command>: <what>`, then the command\'s usage, exit 2', () => {
  let dir: string;
  before(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-usage-')))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string[], string]> = [
    [['validate', '--format', 'xml'], '--format must be text, json or sarif, not `xml`'],
    [['validate', '--max-file-size', '0'], '--max-file-size must be a positive number of bytes'],
    [['review', '--format', 'xml'], '--format must be text, json or html, not `xml`'],
    [['review', '--since', '0d'], '--since must be longer than 0'],
    [['test'], 'give exactly one contract file'],
    [['test', 'a.contract.yaml', '--format', 'xml'], '--format must be text, json or junit, not `xml`'],
    [['test', 'a.contract.yaml', '--timeout', '5x'], '--timeout must be a duration like 30s or 5m, not `5x`'],
    [['test', 'a.contract.yaml', '--concurrency', '0'], '--concurrency must be a positive integer'],
    [['baseline'], 'give a subcommand: record'],
    [['baseline', 'save'], 'unknown subcommand `save`: use record'],
    [['baseline', 'record', '--test', 'parity'], 'give exactly one contract file'],
    [['baseline', 'record', 'a.contract.yaml'], 'give --test <id>'],
    [['dry-run'], 'give exactly one runbook file'],
    [['dry-run', 'a.runbook.yaml', 'b.runbook.yaml'], 'give exactly one runbook file'],
    [['dry-run', 'a.runbook.yaml', '--format', 'xml'], '--format must be text or json, not `xml`'],
    [['drill', '--scenario', 's'], 'give exactly one runbook file'],
    [['drill', 'a.runbook.yaml'], 'give --scenario <id>'],
    [['drill', 'a.runbook.yaml', '--scenario', 's', '--format', 'xml'], '--format must be text or json, not `xml`'],
    [['sign-off', '--role', 'r'], 'give exactly one runbook file'],
    [['sign-off', 'a.runbook.yaml'], 'give --role <role>'],
    [['closure'], 'give exactly one runbook file'],
    [['closure', 'a.runbook.yaml', '--format', 'xml'], '--format must be text or json, not `xml`'],
    [['closure', 'a.runbook.yaml', '--checklist'], '--checklist asks on a terminal; without one, give --confirm <n|text> for each item'],
    [['close', 'a.runbook.yaml', 'b.runbook.yaml'], 'give exactly one runbook file'],
    [['close', 'a.runbook.yaml', '--format', 'sarif'], '--format must be text or json, not `sarif`'],
    [['postmortem'], 'give exactly one runbook file'],
    [['postmortem', 'a.runbook.yaml', '--format', 'html'], '--format must be text or json, not `html`'],
    [['audit'], 'give a subcommand: verify, list, head or push'],
    [['compat'], 'give two contracts, or one contract and --against <git-revision>'],
    [['validate', '--format'], "Option '--format <value>' argument missing"],
  ];
  for (const [argv, what] of cases) {
    it(`${argv.join(' ')}: ${what}`, async () => {
      const usage = await runCli(dir, argv[0]!, '--help');
      assert.equal(usage.code, 0);
      assert.deepEqual(await runCli(dir, ...argv), { code: 2, stdout: '', stderr: `rollback-lens ${argv[0]}: ${what}\n\n${usage.stdout}` });
    });
  }

  it('a command\'s usage: its usage line, its block of `rollback-lens --help`, and -h, --help', async () => {
    const block = HELP.slice(HELP.indexOf('  dry-run <runbook>'), HELP.indexOf('  drill <runbook>'));
    assert.deepEqual(await runCli(dir, 'dry-run', '-h'), {
      code: 0,
      stdout: `Usage: rollback-lens dry-run <runbook> [options]\n\n${block}  -h, --help                     Show this help\n`,
      stderr: '',
    });
  });
});

describe('cli: the commands table', () => {
  it('one row per command, each name once, in the order of `rollback-lens --help`, every one run by COMMAND_LINES above', () => {
    const names = COMMANDS.map((c) => c.name);
    assert.deepEqual(names, ['validate', 'test', 'baseline', 'dry-run', 'drill', 'rollback', 'reintroduce', 'sign-off', 'closure', 'close', 'postmortem', 'review', 'audit', 'compat']);
    assert.deepEqual(COMMAND_LINES.map((a) => a[0]), names);
    const at = names.map((n) => HELP.indexOf(`  ${n} `) >= 0 ? HELP.indexOf(`  ${n} `) : HELP.indexOf(`rollback-lens ${n} `));
    assert.deepEqual([...at].sort((a, b) => a - b), at);
  });

  for (const c of COMMANDS) {
    it(`${c.name}: its usage names exactly its options, and --help`, () => {
      const named = new Set([...c.usage.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]!));
      assert.deepEqual([...named].sort(), [...Object.keys(c.options), 'help'].sort());
    });
  }
});
