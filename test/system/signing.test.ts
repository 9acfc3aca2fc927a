// SSH-signed approvals and sign-offs with the real ssh-keygen: throwaway
// ed25519 keys made in a temporary folder, an allowed_signers file giving
// alice the decisionMaker role and bob the dataSteward one, sign-offs signed
// through the CLI as a real process, and `audit verify` naming each record
// that does not hold, with its fault: edited record (every signed field, one
// at a time), wrong key, unknown signer, signer not allowed for the role,
// another namespace, an allowed_signers entry limited to git's namespace, and
// unsigned records under --require-signed. ssh-keygen missing: a clear error,
// never a stack trace. A .pub key signs through a real ssh-agent. A sign-off
// signed into a real PostgreSQL log verifies there, and its edited row does not.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendAuditRecord, readAuditLog, type AuditRecord } from '../../src/node/audit';
import { appendSigningApprovals, checkSignatures, openRecordSigner, signedPayload } from '../../src/node/signing';
import { sshSign } from '../../src/node/signing/sshKeygen';
import { startPostgres, type PgServer } from '../support/postgres';
import { runCliProcess } from '../unit/helpers';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'iris');
const RUNBOOK = 'iris.runbook.yaml';
const LOG = '.rollback-lens/audit.jsonl';
const AS = '.rollback-lens/allowed_signers';

describe('signed approvals and sign-offs (real ssh-keygen)', function () {
  this.timeout(60_000);
  let keys = '';
  let dir = '';
  const key = (name: string) => path.join(keys, name);
  const pub = (name: string) => readFileSync(key(name) + '.pub', 'utf8').split(' ').slice(0, 2).join(' ');

  before(() => {
    keys = mkdtempSync(path.join(tmpdir(), 'rl-keys-'));
    for (const name of ['alice', 'bob', 'mallory', 'git-only']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key(name)]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-C', 'locked', '-f', key('locked')]);
  });
  after(() => rmSync(keys, { recursive: true, force: true }));

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rl-sign-'));
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
    mkdirSync(path.join(dir, '.rollback-lens'));
    writeFileSync(
      path.join(dir, AS),
      [
        '# who may sign approvals and sign-offs, and for which roles',
        '# roles: decisionMaker',
        `alice@example.com namespaces="rollback-lens" ${pub('alice')}`,
        '# roles: dataSteward',
        `bob@example.com ${pub('bob')}`,
        '# roles: decisionMaker',
        `carol@example.com namespaces="git" ${pub('git-only')}`,
        '',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCliProcess(dir, args, env);
  const lines = () => readFileSync(path.join(dir, LOG), 'utf8').split('\n').filter(Boolean);
  const records = async (): Promise<AuditRecord[]> => (await readAuditLog(dir)).entries.map((e) => e.record);
  /** The verify lines about signatures (the per-record ones and the check), the others left out. */
  const signatureLines = (out: string) => out.split('\n').filter((l) => /SIGNATURE|unsigned|UNSIGNED|signatures:/.test(l));
  /** A record signed by `keyName` claiming `signer`, appended directly (what a forger could write). */
  const forge = (signer: string, keyName: string, input: Record<string, unknown> = {}) =>
    appendAuditRecord(dir, { kind: 'sign-off', path: RUNBOOK, verdict: 'signed-off', role: 'decisionMaker', ...input }, {
      sign: async (body) => ({ format: 'ssh', signer, sig: await sshSign(key(keyName), signedPayload(body)) }),
    });

  it('sign-off --sign-key: the record carries an ssh signature of its canonical payload that ssh-keygen itself verifies; audit verify passes', async () => {
    const r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice'), '--note', 'metrics back to baseline']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const [rec] = await records();
    assert.match(r.stdout, new RegExp(`^decisionMaker signed-off iris.runbook.yaml \\(audit record at ${rec!.time}, by \\S+, signed by alice@example.com\\)\\n$`));
    const sig = rec!.signature as { format: string; signer: string; sig: string };
    assert.deepEqual(Object.keys(sig), ['format', 'signer', 'sig']);
    assert.deepEqual([sig.format, sig.signer], ['ssh', 'alice@example.com']);
    assert.match(sig.sig, /^-----BEGIN SSH SIGNATURE-----\n[\s\S]+\n-----END SSH SIGNATURE-----\n$/);
    // the payload: the header line, then the sorted fields but prev and signature
    const { prev: _p, signature: _s, ...rest } = rec!;
    const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)));
    assert.equal(signedPayload(rec!), `rollback-lens audit record v1\n${JSON.stringify(sorted)}`);
    // ssh-keygen, given only the file, the principal and the payload, agrees
    writeFileSync(path.join(dir, 'sig'), sig.sig);
    const v = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', path.join(dir, AS), '-I', 'alice@example.com', '-n', 'rollback-lens', '-s', path.join(dir, 'sig')], { input: signedPayload(rec!), encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^Good "rollback-lens" signature for alice@example.com with ED25519 key SHA256:/);

    const out = cli(['audit', 'verify']);
    assert.equal(out.code, 0, out.stdout);
    assert.deepEqual(signatureLines(out.stdout), [`${LOG}: signatures: passed: 1 good signature (0 unsigned approvals or sign-offs)`]);
    const json = JSON.parse(cli(['audit', 'verify', '--format', 'json']).stdout) as { ok: boolean; checks: { check: string; status: string }[]; signatures: { signed: number; good: number; findings: unknown[] } };
    assert.equal(json.ok, true);
    assert.deepEqual(json.checks.at(-1), { check: 'signatures', status: 'passed', message: '1 good signature (0 unsigned approvals or sign-offs)' });
    assert.deepEqual(json.signatures.findings, [{ line: 1, kind: 'sign-off', role: 'decisionMaker', signer: 'alice@example.com', status: 'good', message: 'signed by alice@example.com' }]);
  });

  it('editing any signed field of the record breaks its signature: edited record, at its line', async () => {
    cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice'), '--note', 'ok']);
    const original = lines()[0]!;
    const edits: Record<string, unknown> = {
      verdict: 'refused',
      kind: 'approval',
      path: 'other.runbook.yaml',
      digest: `sha256:${'1'.repeat(64)}`,
      commit: 'a'.repeat(40),
      time: '2026-12-07T00:00:00.000Z',
      user: 'mallory',
      note: 'not ok',
      v: 1.5,
      extra: 'added',
    };
    for (const [field, value] of Object.entries(edits)) {
      const rec = JSON.parse(original) as Record<string, unknown>;
      const edited = field === 'extra' ? { extra: value, ...rec } : { ...rec, [field]: value };
      const report = await checkSignatures(dir, [{ line: 1, record: edited as AuditRecord, hash: '' }]);
      assert.deepEqual(
        report.findings.map((f) => [f.line, f.status, f.fault, f.message]),
        [[1, 'bad', 'edited-record', "edited record: the signature by alice@example.com does not match the record's fields (changed after signing)"]],
        field,
      );
    }
    // through the CLI: the record's line, kind and role, and the check failing at it
    writeFileSync(path.join(dir, LOG), original.replace('"verdict":"signed-off"', '"verdict":"refused"') + '\n');
    const out = cli(['audit', 'verify']);
    assert.equal(out.code, 1);
    assert.deepEqual(signatureLines(out.stdout), [
      `${LOG}:1: BAD SIGNATURE: sign-off decisionMaker: edited record: the signature by alice@example.com does not match the record's fields (changed after signing)`,
      `${LOG}:1: signatures: FAILED: 1 bad signature, 0 required but unsigned (0 good, 0 unsigned approvals or sign-offs)`,
    ]);
    assert.equal(out.stdout.split('\n').at(-2), `${LOG}: broken: caught by signatures at line 1 (1 record, head ${(await readAuditLog(dir)).head})`);
    // reformatting the line (order, spacing) is not an edit of the signed fields
    const rec = JSON.parse(original) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(rec).reverse());
    writeFileSync(path.join(dir, LOG), JSON.stringify(reordered, null, 0) + '\n');
    assert.deepEqual((await checkSignatures(dir, (await readAuditLog(dir)).entries)).findings.map((f) => f.status), ['good']);
  });

  it('names the fault: wrong key, unknown signer, signer not allowed for the role, another namespace, an entry limited to git', async () => {
    await forge('alice@example.com', 'mallory'); // 1 wrong key
    await forge('eve@example.com', 'mallory'); // 2 unknown signer
    await forge('alice@example.com', 'alice', { role: 'dataSteward' }); // 3 alice does not hold dataSteward
    await appendAuditRecord(dir, { kind: 'approval', path: RUNBOOK, verdict: 'approved', role: 'decisionMaker', step: 'approve', by: 'flag', name: 'Ana' }, {
      sign: async (body) => {
        const r = spawnSync('ssh-keygen', ['-Y', 'sign', '-f', key('alice'), '-n', 'git'], { input: signedPayload(body), encoding: 'utf8' });
        return { format: 'ssh', signer: 'alice@example.com', sig: r.stdout };
      },
    }); // 4 namespace git
    await forge('carol@example.com', 'git-only'); // 5 carol's entry allows only git
    await forge('bob@example.com', 'bob', { role: 'dataSteward' }); // 6 good
    await appendAuditRecord(dir, { kind: 'sign-off', path: RUNBOOK, verdict: 'signed-off', role: 'decisionMaker', signature: { format: 'ssh', signer: 'alice@example.com', sig: 'nope' } }); // 7 malformed
    const out = cli(['audit', 'verify']);
    assert.equal(out.code, 1);
    assert.deepEqual(signatureLines(out.stdout), [
      `${LOG}:1: BAD SIGNATURE: sign-off decisionMaker: wrong key: signed with a ssh-ed25519 key that ${AS} does not list for alice@example.com`,
      `${LOG}:2: BAD SIGNATURE: sign-off decisionMaker: unknown signer: eve@example.com has no entry in ${AS}`,
      `${LOG}:3: BAD SIGNATURE: sign-off dataSteward: signer not allowed for the role: ${AS} gives alice@example.com the roles decisionMaker, not dataSteward`,
      `${LOG}:4: BAD SIGNATURE: approval decisionMaker: signature made for namespace "git", not "rollback-lens"`,
      `${LOG}:5: BAD SIGNATURE: sign-off decisionMaker: ${AS}:7: the entry for carol@example.com is limited to namespaces git, not "rollback-lens"`,
      `${LOG}:7: BAD SIGNATURE: sign-off decisionMaker: malformed signature: \`signature.sig\` is not an armored SSH signature`,
      `${LOG}:1: signatures: FAILED: 6 bad signatures, 0 required but unsigned (1 good, 0 unsigned approvals or sign-offs)`,
    ]);
    // ssh-keygen itself refuses the git-namespace signature and carol's (not only the precheck)
    const all = await readAuditLog(dir);
    for (const [line, principal] of [[4, 'alice@example.com'], [5, 'carol@example.com']] as const) {
      const rec = all.entries[line - 1]!.record;
      writeFileSync(path.join(dir, 'sig'), (rec.signature as { sig: string }).sig);
      const v = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', path.join(dir, AS), '-I', principal, '-n', 'rollback-lens', '-s', path.join(dir, 'sig')], { input: signedPayload(rec), encoding: 'utf8' });
      assert.notEqual(v.status, 0, `line ${line}`);
    }
  });

  it('unsigned approvals and sign-offs are named; --require-signed makes those of its roles failures', async () => {
    assert.equal(cli(['sign-off', RUNBOOK, '--role', 'decisionMaker']).code, 0);
    assert.equal(cli(['sign-off', RUNBOOK, '--role', 'dataSteward', '--sign-key', key('bob')]).code, 0);
    let out = cli(['audit', 'verify']);
    assert.equal(out.code, 0);
    assert.deepEqual(signatureLines(out.stdout), [`${LOG}:1: unsigned: sign-off decisionMaker: no signature`, `${LOG}: signatures: passed: 1 good signature (1 unsigned approval or sign-off)`]);
    out = cli(['audit', 'verify', '--require-signed', 'dataSteward']);
    assert.equal(out.code, 0);
    assert.deepEqual(signatureLines(out.stdout).at(-1), `${LOG}: signatures: passed: 1 good signature (1 unsigned approval or sign-off; signatures required for dataSteward)`);
    out = cli(['audit', 'verify', '--require-signed', 'decisionMaker,dataSteward']);
    assert.equal(out.code, 1);
    assert.deepEqual(signatureLines(out.stdout), [
      `${LOG}:1: UNSIGNED: sign-off decisionMaker: role decisionMaker requires a signature`,
      `${LOG}:1: signatures: FAILED: 0 bad signatures, 1 required but unsigned (1 good, 1 unsigned approval or sign-off; signatures required for decisionMaker, dataSteward)`,
    ]);
    // the function the policy calls (signatures.requiredFor) says the same
    const report = await checkSignatures(dir, (await readAuditLog(dir)).entries, { requireSignedFor: ['decisionMaker'] });
    assert.deepEqual(report.findings.filter((f) => f.required).map((f) => [f.line, f.kind, f.role, f.message]), [[1, 'sign-off', 'decisionMaker', 'unsigned: role decisionMaker requires a signature']]);
    assert.equal(report.check.status, 'failed');
    // bad values for the option
    out = cli(['audit', 'verify', '--require-signed', 'a b']);
    assert.equal(out.code, 2);
    assert.equal(out.stderr.split('\n')[0], 'rollback-lens audit: --require-signed takes role names separated by commas (decisionMaker,commsLiaison), not `a b`');
    out = cli(['audit', 'list', '--require-signed', 'decisionMaker']);
    assert.equal(out.code, 2);
    assert.equal(out.stderr.split('\n')[0], 'rollback-lens audit: --require-signed only applies to `audit verify`');
  });

  it('signatures required but none signed and none of those roles recorded: not checked, not passed (nothing was compared)', () => {
    assert.equal(cli(['sign-off', RUNBOOK, '--role', 'dataSteward']).code, 0);
    const out = cli(['audit', 'verify', '--require-signed', 'decisionMaker']);
    assert.equal(out.code, 0);
    assert.deepEqual(signatureLines(out.stdout), [
      `${LOG}:1: unsigned: sign-off dataSteward: no signature`,
      `${LOG}: signatures: not checked: no signed records (1 unsigned approval or sign-off; signatures required for decisionMaker)`,
    ]);
  });

  it("a policy's signatures.requiredFor makes its roles' unsigned approvals and sign-offs failures, the policy named", () => {
    assert.equal(cli(['sign-off', RUNBOOK, '--role', 'decisionMaker']).code, 0);
    assert.equal(cli(['sign-off', RUNBOOK, '--role', 'dataSteward']).code, 0);
    // no policy: unsigned is said, not failed
    assert.equal(cli(['audit', 'verify']).code, 0);
    const policy = (name: string, roles: string) =>
      `apiVersion: rollback-lens/v1\nkind: RollbackPolicy\nmetadata: { name: ${name}, owner: governance }\nsignatures:\n  requiredFor: [${roles}]\n`;
    writeFileSync(path.join(dir, 'team.policy.yaml'), policy('team', 'decisionMaker'));
    let out = cli(['audit', 'verify']);
    assert.equal(out.code, 1);
    assert.deepEqual(signatureLines(out.stdout), [
      `${LOG}:1: UNSIGNED: sign-off decisionMaker: role decisionMaker requires a signature (policy team.policy.yaml, rule require-signatures)`,
      `${LOG}:2: unsigned: sign-off dataSteward: no signature`,
      `${LOG}:1: signatures: FAILED: 0 bad signatures, 1 required but unsigned (0 good, 2 unsigned approvals or sign-offs; signatures required by policy team.policy.yaml for decisionMaker)`,
    ]);
    // --policy names another one instead of the nearest
    mkdirSync(path.join(dir, 'gov'));
    writeFileSync(path.join(dir, 'gov', 'steward.policy.yaml'), policy('steward', 'dataSteward'));
    out = cli(['audit', 'verify', '--policy', 'gov/steward.policy.yaml']);
    assert.equal(out.code, 1);
    assert.deepEqual(signatureLines(out.stdout).slice(0, 2), [
      `${LOG}:1: unsigned: sign-off decisionMaker: no signature`,
      `${LOG}:2: UNSIGNED: sign-off dataSteward: role dataSteward requires a signature (policy gov/steward.policy.yaml, rule require-signatures)`,
    ]);
    // a policy that does not parse: said on stderr, its requirement not checked
    writeFileSync(path.join(dir, 'team.policy.yaml'), 'kind: [RollbackPolicy\n');
    out = cli(['audit', 'verify']);
    assert.equal(out.code, 0);
    assert.equal(out.stderr, 'rollback-lens audit: iris.runbook.yaml: team.policy.yaml is not a valid RollbackPolicy: run `rollback-lens validate team.policy.yaml`: its signature requirements are not checked\n');
    out = cli(['audit', 'list', '--policy', 'team.policy.yaml']);
    assert.deepEqual([out.code, out.stderr.split('\n')[0]], [2, 'rollback-lens audit: --policy only applies to `audit verify`']);
  });

  it('sign-off refuses, recording nothing, a key allowed_signers does not list, a role the signer does not hold, a missing allowed_signers', async () => {
    let r = cli(['sign-off', RUNBOOK, '--role', 'dataSteward', '--sign-key', key('alice')]);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: cannot sign the sign-off: alice@example.com may not sign for role dataSteward: ${AS} gives alice@example.com the roles decisionMaker\n`]);
    r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('mallory')]);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: cannot sign: ${AS} lists no one with the key of ${key('mallory')}\n`]);
    r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('mallory'), '--signer', 'alice@example.com']);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: cannot sign as alice@example.com: ${AS} lists another key for alice@example.com, not the key of ${key('mallory')}\n`]);
    r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', path.join(keys, 'nope')]);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: signing key ${path.join(keys, 'nope')}: no such file\n`]);
    // an encrypted key without an agent fails at once (no prompt without a terminal)
    r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('locked')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^rollback-lens: ssh-keygen could not sign with ${key('locked').replace(/[.]/g, '\\.')}: .+\\n$`));
    rmSync(path.join(dir, AS));
    r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker'], { ROLLBACK_LENS_SIGNING_KEY: key('alice') });
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: cannot sign: the workspace has no ${AS} (who may sign, and for which roles: see the README, "Signed approvals and sign-offs")\n`]);
    assert.deepEqual(await records(), []);
  });

  it('ssh-keygen missing: signing is a clear error, verify says the signatures were not checked (failed when required); no stack trace', async () => {
    cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice')]);
    const noSsh = { PATH: path.join(dir, 'no-such-bin') };
    const missing = 'ssh-keygen was not found on PATH: install the OpenSSH client (Debian/Ubuntu: apt-get install openssh-client; macOS and Windows 10+ ship it)';
    let r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice')], noSsh);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: ${missing}\n`]);
    r = cli(['audit', 'verify'], noSsh);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(signatureLines(r.stdout), [`${LOG}:1: BAD SIGNATURE: sign-off decisionMaker: not checked: ${missing}`, `${LOG}: signatures: not checked: cannot check 1 signature: ${missing}`]);
    r = cli(['audit', 'verify', '--require-signed', 'decisionMaker'], noSsh);
    assert.equal(r.code, 1);
    assert.equal(signatureLines(r.stdout).at(-1), `${LOG}: signatures: FAILED: cannot check 1 signature: ${missing}`);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
  });

  it('a .pub key signs through ssh-agent (SSH_AUTH_SOCK), and the encrypted key it holds needs no passphrase', async function () {
    const sock = path.join(keys, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && spawnSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status === 2; i++) await new Promise((res) => setTimeout(res, 100));
      // the locked key, unlocked once into the agent (SSH_ASKPASS answers the passphrase)
      const askpass = path.join(keys, 'askpass.sh');
      writeFileSync(askpass, '#!/bin/sh\necho secret\n', { mode: 0o700 });
      const add = spawnSync('ssh-add', [key('locked')], { env: { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(add.status, 0, add.stderr);
      writeFileSync(path.join(dir, AS), `# roles: decisionMaker, dataSteward\ndana@example.com ${pub('locked')}\n`);
      const r = cli(['sign-off', RUNBOOK, '--role', 'dataSteward', '--sign-key', key('locked') + '.pub'], { SSH_AUTH_SOCK: sock });
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /signed by dana@example\.com\)\n$/);
      const out = cli(['audit', 'verify']);
      assert.equal(out.code, 0);
      assert.deepEqual(signatureLines(out.stdout), [`${LOG}: signatures: passed: 1 good signature (0 unsigned approvals or sign-offs)`]);
      // without the agent, the .pub alone cannot sign
      const no = cli(['sign-off', RUNBOOK, '--role', 'dataSteward', '--sign-key', key('locked') + '.pub'], { SSH_AUTH_SOCK: undefined });
      assert.equal(no.code, 2);
      assert.match(no.stderr, /\(a \.pub key signs through ssh-agent: is SSH_AUTH_SOCK set and the key added\?\)\n$/);
    } finally {
      agent.kill();
    }
  });

  it("a run's approvals: those of the signer's roles signed, another role's recorded unsigned with a warning, a scenario's left unsigned", async () => {
    const signer = await openRecordSigner({ workspaceRoot: dir, keyPath: key('alice') });
    assert.deepEqual([signer.principal, signer.roles], ['alice@example.com', ['decisionMaker']]);
    const warnings: string[] = [];
    const approval = (role: string, by: string) => ({ kind: 'approval' as const, path: RUNBOOK, verdict: 'approved', role, step: 'approve', by, context: 'rollback' });
    await appendSigningApprovals(dir, [approval('decisionMaker', 'person'), approval('dataSteward', 'flag'), approval('decisionMaker', 'scenario'), { kind: 'rollback', path: RUNBOOK, verdict: 'pass' }], signer, (m) => warnings.push(m));
    assert.deepEqual((await records()).map((r) => [r.kind, r.role ?? null, (r.signature as { signer?: string } | undefined)?.signer ?? null]), [
      ['approval', 'decisionMaker', 'alice@example.com'],
      ['approval', 'dataSteward', null],
      ['approval', 'decisionMaker', null],
      ['rollback', null, null],
    ]);
    assert.deepEqual(warnings, [`the approval of dataSteward is recorded unsigned: alice@example.com may not sign for role dataSteward: ${AS} gives alice@example.com the roles decisionMaker`]);
  });

  it('an allowed_signers that links out of the workspace is refused, for signing and for verify', async () => {
    cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice')]);
    const outside = path.join(keys, 'outside_signers');
    writeFileSync(outside, readFileSync(path.join(dir, AS)));
    rmSync(path.join(dir, AS));
    symlinkSync(outside, path.join(dir, AS));
    const refusal = 'the allowed-signers file `.rollback-lens/allowed_signers` is outside the workspace (through a link)';
    let r = cli(['audit', 'verify']);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens audit: ${refusal}\n`]);
    // a log with nothing signed does not read it
    rmSync(path.join(dir, LOG));
    cli(['sign-off', RUNBOOK, '--role', 'decisionMaker']);
    r = cli(['audit', 'verify']);
    assert.deepEqual([r.code, r.stderr], [0, '']);
    r = cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice')]);
    assert.deepEqual([r.code, r.stderr], [2, `rollback-lens: ${refusal}\n`]);
  });
  describe('in the PostgreSQL decision repository (a real server)', () => {
    let pg: PgServer | undefined;
    let url = '';
    before(async function () {
      this.timeout(120_000);
      pg = await startPostgres();
      url = await pg.createDatabase('signed');
    });
    after(async () => {
      await pg?.stop();
    });

    it('a sign-off signed into the database verifies there; its row edited is named an edited record', async () => {
      const env = { ROLLBACK_LENS_AUDIT_URL: url, ROLLBACK_LENS_AUDIT_LOG: 'iris' };
      const where = `postgres://127.0.0.1:${pg!.port}/signed#iris`;
      assert.deepEqual(cli(['sign-off', RUNBOOK, '--role', 'decisionMaker', '--sign-key', key('alice')], env).code, 0);
      assert.equal(existsSync(path.join(dir, LOG)), false, 'the file log is untouched');
      let out = cli(['audit', 'verify'], env);
      assert.equal(out.code, 0, out.stdout);
      assert.deepEqual(signatureLines(out.stdout), [`${where}: signatures: passed: 1 good signature (0 unsigned approvals or sign-offs)`]);
      await pg!.query(`UPDATE rollback_lens_audit_record SET body = regexp_replace(body, '"verdict":"[^"]*"', '"verdict":"refused"') WHERE log_id = 'iris'`, [], 'signed');
      out = cli(['audit', 'verify'], env);
      assert.equal(out.code, 1);
      assert.equal(
        signatureLines(out.stdout)[0],
        `${where}:1: BAD SIGNATURE: sign-off decisionMaker: edited record: the signature by alice@example.com does not match the record's fields (changed after signing)`,
      );
    });
  });
});
