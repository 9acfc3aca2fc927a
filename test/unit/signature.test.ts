// The pure part of signed approvals and sign-offs (src/core/audit/signature.ts):
// the canonical payload and what it covers, the allowed-signers file with its
// `# roles:` lines, the fields of an armored SSH signature (fixed signatures
// made once by ssh-keygen -Y sign with a throwaway key, so no process runs
// here), and the faults told before ssh-keygen is asked.
import * as assert from 'node:assert/strict';
import { canonicalJson, parseAllowedSigners, parseSshSignature, precheckSignature, rolesOf, signatureShapeProblem, signedPayload } from '../../src/core/audit/signature';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIH2V5StMCUjn3YBtgcB+EcbkT79nBwFPf5Z6IhX2knxC';
const SIG = `-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgfZXlK0wJSOfdgG2BwH4RxuRPv2
cHAU9/lnoiFfaSfEIAAAANcm9sbGJhY2stbGVucwAAAAAAAAAGc2hhNTEyAAAAUwAAAAtz
c2gtZWQyNTUxOQAAAEDEltYfIZGzbjTE8lfIuMME7FVFlRGB3lupFve+hAybZpzCXLZgkT
ZryMDdQtWWC4QCN0jLbCUgb1K9iARkzkoE
-----END SSH SIGNATURE-----
`;
const GIT_SIG = `-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgfZXlK0wJSOfdgG2BwH4RxuRPv2
cHAU9/lnoiFfaSfEIAAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5
AAAAQOT2hjOpiC2csHPWv2O13gJ2VoPLQ7eJ8d3edNvpWtQ5/J6Frt91hNoXKHnZ8hUi26
cZMIXD8ADBCC7mvo+kmAk=
-----END SSH SIGNATURE-----
`;

describe('signed records: the pure part', () => {
  it('the payload: a header line, then every field but prev and signature, keys sorted at every depth, no whitespace', () => {
    const record = { v: 1, time: '2026-12-07T10:00:00.000Z', kind: 'sign-off', path: 'a.runbook.yaml', digest: null, commit: null, user: 'ana', verdict: 'signed-off', role: 'decisionMaker', findings: { z: 1, a: [{ y: 2, b: 'x' }] }, signature: { sig: 'x' }, prev: 'sha256:00' };
    assert.equal(
      signedPayload(record),
      'rollback-lens audit record v1\n{"commit":null,"digest":null,"findings":{"a":[{"b":"x","y":2}],"z":1},"kind":"sign-off","path":"a.runbook.yaml","role":"decisionMaker","time":"2026-12-07T10:00:00.000Z","user":"ana","v":1,"verdict":"signed-off"}',
    );
    // order does not matter; every value does
    assert.equal(signedPayload(Object.fromEntries(Object.entries(record).reverse())), signedPayload(record));
    for (const [k, v] of Object.entries({ verdict: 'refused', role: 'sre', time: '2026-12-07T10:00:00.001Z', user: 'eve', path: 'b.runbook.yaml', digest: 'sha256:11', findings: { z: 2 }, note: 'added' })) {
      assert.notEqual(signedPayload({ ...record, [k]: v }), signedPayload(record), k);
    }
    assert.equal(signedPayload({ ...record, prev: 'sha256:ff' }), signedPayload(record));
    assert.equal(canonicalJson({ b: 'é\n', a: undefined, c: [1, null] }), '{"b":"é\\n","c":[1,null]}');
  });

  it('allowed_signers: principals, options, roles from the `# roles:` line before an entry, and lines that are not entries', () => {
    const parsed = parseAllowedSigners(
      [
        '# a comment',
        '# roles: decisionMaker, commsLiaison',
        `alice@example.com,ana@example.com namespaces="rollback-lens,git" ssh-ed25519 ${KEY} alice`,
        '',
        `bob@example.com ssh-ed25519 ${KEY}`,
        '# roles: sre',
        '# roles: dataSteward',
        `alice@example.com cert-authority ssh-ed25519 ${KEY}`,
        'garbage here',
        '# roles: orphan',
      ].join('\n'),
    );
    assert.deepEqual(parsed.entries, [
      { line: 3, principals: ['alice@example.com', 'ana@example.com'], roles: ['decisionMaker', 'commsLiaison'], namespaces: ['rollback-lens', 'git'], keyType: 'ssh-ed25519', key: KEY },
      { line: 5, principals: ['bob@example.com'], roles: [], keyType: 'ssh-ed25519', key: KEY },
      { line: 8, principals: ['alice@example.com'], roles: ['dataSteward'], keyType: 'ssh-ed25519', key: KEY },
    ]);
    assert.deepEqual(parsed.problems, [
      { line: 6, reason: 'a `# roles:` line must come right before the entry it gives roles to; this one has none after it' },
      { line: 9, reason: 'not an allowed-signers entry: expected `principals [options] key-type base64-key`' },
      { line: 10, reason: 'a `# roles:` line must come right before the entry it gives roles to; this one has none after it' },
    ]);
    assert.deepEqual(rolesOf(parsed, 'alice@example.com'), ['decisionMaker', 'commsLiaison', 'dataSteward']);
    assert.deepEqual(rolesOf(parsed, 'bob@example.com'), []);
  });

  it('an armored SSH signature names its key, namespace and hash; anything else is not one', () => {
    assert.deepEqual(parseSshSignature(SIG), { keyType: 'ssh-ed25519', key: KEY, namespace: 'rollback-lens', hashAlgorithm: 'sha512' });
    assert.equal(parseSshSignature(GIT_SIG)?.namespace, 'git');
    assert.equal(parseSshSignature('-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----'), undefined);
    assert.equal(parseSshSignature('nope'), undefined);
  });

  it('the faults told before ssh-keygen: shape, namespace, unknown signer, wrong key, an entry for other namespaces', () => {
    const signers = parseAllowedSigners(`# roles: decisionMaker\nalice@example.com ssh-ed25519 ${KEY}\ncarol@example.com namespaces="git" ssh-ed25519 ${KEY}\nbob@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBB\n`);
    const sig = (signer: string, s = SIG) => precheckSignature({ format: 'ssh', signer, sig: s }, signers);
    assert.equal(sig('alice@example.com'), undefined);
    assert.deepEqual(sig('alice@example.com', GIT_SIG), { fault: 'wrong-namespace', reason: 'signature made for namespace "git", not "rollback-lens"' });
    assert.deepEqual(sig('eve@example.com'), { fault: 'unknown-signer', reason: 'unknown signer: eve@example.com has no entry in .rollback-lens/allowed_signers' });
    assert.deepEqual(sig('bob@example.com'), { fault: 'wrong-key', reason: 'wrong key: signed with a ssh-ed25519 key that .rollback-lens/allowed_signers does not list for bob@example.com' });
    assert.deepEqual(sig('carol@example.com'), { fault: 'namespace-not-allowed', reason: '.rollback-lens/allowed_signers:3: the entry for carol@example.com is limited to namespaces git, not "rollback-lens"' });
    assert.deepEqual(sig('alice@example.com', 'x'), { fault: 'malformed', reason: 'malformed signature: `signature.sig` is not an SSH signature (ssh-keygen -Y sign output)' });
    assert.equal(signatureShapeProblem({ format: 'ssh', signer: 'alice@example.com', sig: SIG }), undefined);
    assert.equal(signatureShapeProblem({ format: 'gpg', signer: 'a', sig: SIG }), '`signature.format` is "gpg", not "ssh"');
    assert.equal(signatureShapeProblem({ format: 'ssh', signer: 'a b', sig: SIG }), '`signature.signer` is not a principal (a non-empty name without spaces, commas or wildcards)');
    assert.equal(signatureShapeProblem('x'), '`signature` is not an object');
  });
});
