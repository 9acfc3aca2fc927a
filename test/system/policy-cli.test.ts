// `rollback-lens validate --policy` as a real process, on a copy of the iris
// example in a temporary git repository: the lenient policy passes (exit 0),
// the strict one reports each violation at the runbook or contract key it
// concerns (exit 1), in text and in SARIF with the rule ids as ruleId and
// their descriptors; a waiver with a reason makes its finding a note; a policy
// shared as an npm package in node_modules; the nearest *.policy.yaml without
// --policy, several there ambiguous, one reached through a link out of the
// workspace refused; a missing --policy is exit 2, a broken one is located
// (the documents first, then the policy named by --policy, validated too).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';
import { POLICY_RULES } from '../../src/core/policy/rules';

const ROOT = path.resolve(__dirname, '..', '..');
const STRICT = readFileSync(path.join(ROOT, 'examples', 'policies', 'strict.policy.yaml'), 'utf8');

function repo(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-policy-')));
  execFileSync('git', ['init', '-q', dir]);
  cpSync(path.join(ROOT, 'examples', 'iris'), path.join(dir, 'examples', 'iris'), { recursive: true });
  cpSync(path.join(ROOT, 'examples', 'policies'), path.join(dir, 'examples', 'policies'), { recursive: true });
  return dir;
}

/** `file:line:col` (1-based) of `needle` after `context` in a file of the repository. */
function at(dir: string, file: string, context: string, needle: string): string {
  const text = readFileSync(path.join(dir, file), 'utf8');
  const offset = text.indexOf(context) + context.indexOf(needle);
  assert.ok(text.indexOf(context) >= 0, context);
  const before = text.slice(0, offset).split('\n');
  return `${file}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

const RB = 'examples/iris/iris.runbook.yaml';
const CT = 'examples/iris/iris.contract.yaml';
const named = (rule: string, shown = 'examples/policies/strict.policy.yaml') => `(policy rule \`${rule}\` of \`ml-platform-strict\` (${shown}))`;

function strictLines(dir: string, shown?: string): string[] {
  return [
    `${at(dir, CT, 'probability: { psi: 0.25', '0.25')}: error max-drift test \`parity\` allows psi 0.25 on \`probability\`; the policy allows at most 0.2 ${named('max-drift', shown)}`,
    `${at(dir, RB, 'signOff: [decisionMaker, dataSteward]', '[')}: error required-signoff-roles \`closure.signOff\` does not list \`technicalLead\`; the policy requires its sign-off ${named('required-signoff-roles', shown)}`,
    `${at(dir, RB, 'every: 90d', '90d')}: error max-drill-cadence \`drills.every\` is 90d; the policy requires drills at least every 30d ${named('max-drill-cadence', shown)}`,
  ];
}

describe('cli process: validate --policy', function () {
  this.timeout(120_000);

  it('the lenient policy passes the iris example; the strict one flags three things at their keys, exit 1', () => {
    const dir = repo();
    const lenient = runCliProcess(dir, ['validate', 'examples/iris', '--policy', 'examples/policies/lenient.policy.yaml']);
    assert.equal(lenient.stdout, '');
    assert.equal(lenient.stderr, '3 files checked: 0 errors, 0 warnings\n');
    assert.equal(lenient.code, 0);
    const strict = runCliProcess(dir, ['validate', 'examples/iris', '--policy', 'examples/policies/strict.policy.yaml']);
    assert.deepEqual(strict.stdout.trimEnd().split('\n'), strictLines(dir));
    assert.equal(strict.stderr, '3 files checked: 3 errors, 0 warnings\n');
    assert.equal(strict.code, 1);
  });

  it('SARIF: each rule id is a ruleId with its descriptor; a waived rule is a note naming the reason', () => {
    const dir = repo();
    const rb = path.join(dir, RB);
    writeFileSync(rb, readFileSync(rb, 'utf8') + '\nwaivers:\n  - rule: max-drill-cadence\n    reason: Quarterly drills until the staging cluster exists (GOV-12).\n');
    const r = runCliProcess(dir, ['validate', 'examples/iris', '--policy', 'examples/policies/strict.policy.yaml', '--format', 'sarif']);
    assert.equal(r.code, 1, r.stderr);
    const run = (JSON.parse(r.stdout) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }> } }; results: Array<{ ruleId: string; level: string; message: { text: string }; locations: Array<{ physicalLocation: { region: { startLine: number; startColumn: number } } }> }> }> }).runs[0]!;
    assert.deepEqual(
      run.tool.driver.rules.map((x) => [x.id, x.shortDescription.text, x.defaultConfiguration.level]),
      [
        ['max-drift', POLICY_RULES['max-drift'], 'error'],
        ['max-drill-cadence', POLICY_RULES['max-drill-cadence'], 'note'],
        ['required-signoff-roles', POLICY_RULES['required-signoff-roles'], 'error'],
      ],
    );
    const cadence = run.results.find((x) => x.ruleId === 'max-drill-cadence')!;
    assert.equal(cadence.level, 'note');
    assert.equal(
      cadence.message.text,
      'waived policy rule `max-drill-cadence` of `ml-platform-strict` (examples/policies/strict.policy.yaml): `drills.every` is 90d; the policy requires drills at least every 30d; reason: Quarterly drills until the staging cluster exists (GOV-12).',
    );
    const [, line, col] = at(dir, RB, 'every: 90d', '90d').split(':');
    assert.deepEqual(cadence.locations[0]!.physicalLocation.region.startLine, Number(line));
    assert.deepEqual(cadence.locations[0]!.physicalLocation.region.startColumn, Number(col));
    assert.deepEqual(run.results.map((x) => x.level).sort(), ['error', 'error', 'note']);
  });

  it('a policy shared as an npm package: package.json names the file', () => {
    const dir = repo();
    const pkg = path.join(dir, 'node_modules', '@acme', 'rollback-policy');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/rollback-policy', version: '1.0.0', rollbackLens: { policy: 'policies/tier1.policy.yaml' } }));
    mkdirSync(path.join(pkg, 'policies'));
    writeFileSync(path.join(pkg, 'policies', 'tier1.policy.yaml'), STRICT);
    const r = runCliProcess(dir, ['validate', 'examples/iris', '--policy', '@acme/rollback-policy']);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), strictLines(dir, 'node_modules/@acme/rollback-policy/policies/tier1.policy.yaml'));
    assert.equal(r.code, 1);
    const missing = runCliProcess(dir, ['validate', 'examples/iris', '--policy', '@acme/other']);
    assert.equal(missing.stderr, 'rollback-lens: no policy `@acme/other`: no such file (looked for `@acme/other`), and no package `@acme/other` is installed in the workspace (looked for `node_modules/@acme/other/package.json`)\n');
    assert.equal(missing.code, 2);
  });

  it('without --policy: the nearest *.policy.yaml applies; two in that folder are ambiguous; one linked from outside is refused', () => {
    const dir = repo();
    writeFileSync(path.join(dir, 'examples', 'team.policy.yaml'), STRICT);
    const near = runCliProcess(dir, ['validate', 'examples/iris']);
    assert.deepEqual(near.stdout.trimEnd().split('\n'), strictLines(dir, 'examples/team.policy.yaml'));
    assert.equal(near.code, 1);

    writeFileSync(path.join(dir, 'examples', 'iris', 'a.policy.yaml'), STRICT);
    writeFileSync(path.join(dir, 'examples', 'iris', 'b.policy.yml'), STRICT);
    const two = runCliProcess(dir, ['validate', RB]);
    assert.deepEqual(two.stdout.trimEnd().split('\n'), [
      `${at(dir, RB, 'kind: RollbackRunbook', 'RollbackRunbook')}: warning policy-ambiguous several policies apply here (\`examples/iris/a.policy.yaml\`, \`examples/iris/b.policy.yml\`), so none is applied; name one with the \`rollbackLens.policy\` setting or \`--policy\``,
    ]);
    assert.equal(two.code, 0);

    const outside = realpathSync(mkdtempSync(path.join(tmpdir(), 'rl-policy-outside-')));
    writeFileSync(path.join(outside, 'x.policy.yaml'), STRICT);
    const lone = repo();
    symlinkSync(path.join(outside, 'x.policy.yaml'), path.join(lone, 'examples', 'iris', 'linked.policy.yaml'));
    const linked = runCliProcess(lone, ['validate', RB]);
    assert.deepEqual(linked.stdout.trimEnd().split('\n'), [
      `${at(lone, RB, 'kind: RollbackRunbook', 'RollbackRunbook')}: error policy-not-found the policy \`examples/iris/linked.policy.yaml\` is outside the workspace (through a link); a policy named by a setting or found beside a document must live in the workspace (the CLI's \`--policy\` may name one anywhere)`,
    ]);
    assert.equal(linked.code, 1);
    // named on the command line, the same file outside the workspace is read
    const named = runCliProcess(lone, ['validate', 'examples/iris/iris.runbook.yaml', '--policy', path.join(outside, 'x.policy.yaml')]);
    assert.equal(named.code, 1);
    assert.match(named.stdout, /error max-drill-cadence/);
  });

  it('a --policy that does not exist is exit 2; a broken policy is reported at its own key, and applies no rule', () => {
    const dir = repo();
    const none = runCliProcess(dir, ['validate', 'examples/iris', '--policy', 'examples/policies/none.policy.yaml']);
    assert.equal(
      none.stderr,
      'rollback-lens: no policy `examples/policies/none.policy.yaml`: no such file (looked for `examples/policies/none.policy.yaml`), and no package `examples` is installed in the workspace (looked for `node_modules/examples/package.json`)\n',
    );
    const dot = runCliProcess(dir, ['validate', 'examples/iris', '--policy', './examples/policies/none.policy.yaml']);
    assert.equal(dot.stderr, 'rollback-lens: the policy `examples/policies/none.policy.yaml` does not exist\n');
    assert.equal(dot.code, 2);
    assert.equal(none.code, 2);
    const bad = path.join(dir, 'examples', 'policies', 'bad.policy.yaml');
    writeFileSync(bad, STRICT.replace('maxRestore: 30m', 'maxRestore: 30 min'));
    const r = runCliProcess(dir, ['validate', RB, '--policy', 'examples/policies/bad.policy.yaml']);
    const where = at(dir, 'examples/policies/bad.policy.yaml', 'maxRestore: 30 min', '30 min');
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [
      `${at(dir, RB, 'kind: RollbackRunbook', 'RollbackRunbook')}: error policy-invalid the policy \`examples/policies/bad.policy.yaml\` has errors, so none of its rules is applied (${where}: invalid duration \`30 min\`: missing unit after \`30\`; use one of ms, s, m, h, d, w); run \`rollback-lens validate examples/policies/bad.policy.yaml\``,
      `${where}: error invalid-duration invalid duration \`30 min\`: missing unit after \`30\`; use one of ms, s, m, h, d, w`,
    ]);
    assert.equal(r.code, 1);
  });
});
