// A rollback's closure status, derived from the audit log's records of one
// runbook (pure: the caller gives the runbook's closure section and the
// records, in log order, each with the hash of its line).
//
// Invariants:
// - Only the LATEST `rollback` record counts, and only records after it:
//   a new rollback starts its closure over. No rollback record: state `none`.
// - The states are a chain, each needing the one before:
//     open      a rollback is recorded; closure.verify has not passed since
//     verified  the latest `closure-verify` record after the rollback passed,
//               and it ran exactly the runbook's current closure.verify list
//     signed    verified, every checklist item confirmed (a `checklist`
//               record with the item's 1-based index AND its text: an edited
//               item needs confirming again) and every closure.signOff role's
//               latest `sign-off` record signs off: close may record
//     closed    a `close` record follows the rollback (nothing after it counts)
// - `missing` names exactly what stands between the status and `closed`.
// - A closure.verify that names no contract test can never pass: nothing
//   would have been compared.
import { signOffProgress, type SignOffProgress } from './glance';

export interface VerifyRef {
  contract: string;
  /** Absent: every test of the contract. */
  test?: string;
}

/** A runbook's `closure` section, as the status reads it. */
export interface ClosureSpec {
  verify: VerifyRef[];
  checklist: string[];
  signOff: string[];
}

/** An audit record as the status reads it (the fields of src/node/audit's AuditRecord it uses), and its line's hash. */
export interface ClosureRecord {
  kind: string;
  time: string;
  user: string;
  verdict: string;
  hash: string;
  [field: string]: unknown;
}

export type ClosureState = 'none' | 'open' | 'verified' | 'signed' | 'closed';

/** One contract test closure.verify ran, as its `closure-verify` record keeps it. */
export interface VerifiedTest {
  contract: string;
  test: string;
  verdict: string;
  /** Rows compared with the baseline (matched keys). */
  rows: number;
  /** Rules (tolerances, drift limits, schema examples) checked. */
  rules: number;
  /** Rules that failed. */
  failed: number;
  reason?: string;
  /** The contract engine's row counts by name (inputRows, baselineRows, currentRows, matched, missing, extra, duplicates, invalid: its Counts); absent when the test did not run. */
  counts?: Record<string, number>;
}

export interface ClosureStatus {
  state: ClosureState;
  /** The rollback whose closure this is: its record's time, user, verdict and hash. */
  rollback?: { time: string; user: string; verdict: string; hash: string };
  verify: {
    /** The runbook's closure.verify list, as `contract` or `contract#test`. */
    required: string[];
    /** The latest closure-verify since the rollback: `passed` counts only when it ran the current list. */
    last?: { time: string; user: string; verdict: string; tests: VerifiedTest[]; current: boolean };
    passed: boolean;
  };
  checklist: { confirmed: number; total: number; items: Array<{ index: number; text: string; confirmed?: { user: string; time: string } }> };
  signOff: SignOffProgress;
  closed?: { time: string; user: string };
  /** What close still needs, one line each, in the order verify, checklist, sign-off. */
  missing: string[];
}

/** `iris.contract.yaml#parity`, or the contract alone for every test of it. */
export function verifyKey(v: VerifyRef): string {
  return v.test === undefined ? v.contract : `${v.contract}#${v.test}`;
}

/** The closure status of the latest rollback among `records` (one runbook's, in log order). */
export function closureStatus(spec: ClosureSpec, records: readonly ClosureRecord[]): ClosureStatus {
  const required = spec.verify.map(verifyKey);
  let start = -1;
  for (let i = 0; i < records.length; i++) if (records[i]!.kind === 'rollback') start = i;
  const items = spec.checklist.map((text, i) => ({ index: i + 1, text }));
  if (start === -1) {
    return {
      state: 'none',
      verify: { required, passed: false },
      checklist: { confirmed: 0, total: items.length, items },
      signOff: signOffProgress(spec.signOff, []),
      missing: ['a rollback: the audit log has no rollback record of this runbook, so there is no rollback to close'],
    };
  }
  const rb = records[start]!;
  let after = records.slice(start + 1);
  const closeAt = after.findIndex((r) => r.kind === 'close');
  if (closeAt !== -1) after = after.slice(0, closeAt + 1);
  const closeRecord = closeAt !== -1 ? after[closeAt]! : undefined;

  // verify: the latest closure-verify record
  let lastVerify: ClosureRecord | undefined;
  for (const r of after) if (r.kind === 'closure-verify') lastVerify = r;
  const ran = Array.isArray(lastVerify?.verify) ? (lastVerify.verify as VerifyRef[]).map(verifyKey) : [];
  const current = lastVerify !== undefined && ran.length === required.length && ran.every((k, i) => k === required[i]);
  const verifyPassed = required.length > 0 && current && lastVerify!.verdict === 'pass';

  // checklist: a confirmation of this index with this text
  const confirmedItems = items.map((it) => {
    let c: ClosureRecord | undefined;
    for (const r of after) if (r.kind === 'checklist' && r.index === it.index && r.text === it.text && r.verdict === 'confirmed') c ??= r;
    return c ? { ...it, confirmed: { user: c.user, time: c.time } } : it;
  });
  const signOff = signOffProgress(
    spec.signOff,
    after.filter((r) => r.kind === 'sign-off').map((r) => ({ role: String(r.role), verdict: r.verdict, user: r.user, time: r.time })),
  );

  const missing: string[] = [];
  if (required.length === 0) missing.push('closure.verify: it names no contract test, so nothing can verify the rollback');
  else if (!lastVerify) missing.push('closure.verify: it has not run since the rollback');
  else if (!current) missing.push(`closure.verify: the list changed since it ran (${lastVerify.time}); run it again`);
  else if (lastVerify.verdict !== 'pass') missing.push(`closure.verify: it did not pass (${lastVerify.verdict} at ${lastVerify.time}: ${failedTests(lastVerify)})`);
  for (const it of confirmedItems) if (!('confirmed' in it)) missing.push(`checklist item ${it.index}: ${it.text}`);
  for (const r of signOff.roles) {
    if (r.state === 'open') missing.push(`sign-off of ${r.role}`);
    else if (r.state === 'refused') missing.push(`sign-off of ${r.role} (refused by ${r.user} on ${r.date})`);
  }

  const confirmed = confirmedItems.filter((it) => 'confirmed' in it).length;
  const signed = verifyPassed && confirmed === items.length && signOff.signed === signOff.total;
  const state: ClosureState = closeRecord ? 'closed' : signed ? 'signed' : verifyPassed ? 'verified' : 'open';
  return {
    state,
    rollback: { time: rb.time, user: rb.user, verdict: rb.verdict, hash: rb.hash },
    verify: {
      required,
      ...(lastVerify ? { last: { time: lastVerify.time, user: lastVerify.user, verdict: lastVerify.verdict, tests: testsOf(lastVerify), current } } : {}),
      passed: verifyPassed,
    },
    checklist: { confirmed, total: items.length, items: confirmedItems },
    signOff,
    ...(closeRecord ? { closed: { time: closeRecord.time, user: closeRecord.user } } : {}),
    missing: closeRecord ? [] : missing,
  };
}

function testsOf(r: ClosureRecord): VerifiedTest[] {
  return Array.isArray(r.tests) ? (r.tests as VerifiedTest[]) : [];
}

/** `parity fail: 20 rows outside tolerance` for each test that did not pass. */
function failedTests(r: ClosureRecord): string {
  const bad = testsOf(r).filter((t) => t.verdict !== 'pass');
  return bad.length ? bad.map((t) => `${t.test} ${t.verdict}${t.reason ? `: ${t.reason}` : ''}`).join('; ') : 'no test passed';
}

/** The verdict of a closure.verify run: pass only when every test passed and something was compared; any failure fails; else an error errs. */
export function verifyVerdict(tests: readonly VerifiedTest[]): 'pass' | 'fail' | 'error' {
  if (tests.length === 0) return 'fail';
  if (tests.some((t) => t.verdict === 'fail')) return 'fail';
  if (tests.some((t) => t.verdict !== 'pass')) return 'error';
  return 'pass';
}

/** The closure lens: `closure: verified — 2/4 checklist, signed 1/2`. */
export function closureTitle(s: ClosureStatus): string {
  if (s.state === 'none') return 'closure: no rollback to close';
  if (s.state === 'closed') return `closure: closed (${s.closed!.user}, ${s.closed!.time.slice(0, 10)})`;
  const why = s.state === 'open' && s.verify.last && s.verify.last.current && s.verify.last.verdict !== 'pass' ? ` (verify ${s.verify.last.verdict === 'fail' ? 'failed' : 'errored'})` : '';
  return `closure: ${s.state}${why} — ${s.checklist.confirmed}/${s.checklist.total} checklist, signed ${s.signOff.signed}/${s.signOff.total}`;
}

/** The status as text, for the CLI: the state, the rollback, then verify, each checklist item and each sign-off. */
export function closureText(runbook: string, s: ClosureStatus): string {
  if (s.state === 'none') return `${runbook}: no rollback to close (the audit log has no rollback record of it)`;
  const lines = [`${runbook}: closure ${s.state} — rollback recorded ${s.rollback!.time} by ${s.rollback!.user} (${s.rollback!.verdict})`];
  const last = s.verify.last;
  const verifyWord = s.verify.required.length === 0 ? 'names no contract test' : !last ? 'not run since the rollback' : !last.current ? `stale: ran ${last.time}, the list changed since` : `${last.verdict} (${last.time}, ${last.user})`;
  lines.push(`  verify: ${verifyWord}`);
  for (const t of last?.current ? last.tests : []) {
    lines.push(`    ${t.verdict === 'pass' ? '✓' : '✗'} ${t.test} of ${t.contract}: ${t.verdict}, ${t.rows} rows compared, ${t.rules - t.failed}/${t.rules} rules passed${t.reason ? ` — ${t.reason}` : ''}`);
  }
  lines.push(`  checklist ${s.checklist.confirmed}/${s.checklist.total}:`);
  for (const it of s.checklist.items) lines.push(`    ${it.index}. [${it.confirmed ? 'x' : ' '}] ${it.text}${it.confirmed ? ` (${it.confirmed.user}, ${it.confirmed.time})` : ''}`);
  lines.push(`  sign-off ${s.signOff.signed}/${s.signOff.total}: ${s.signOff.roles.map((r) => (r.state === 'open' ? `${r.role} —` : `${r.role} ${r.state === 'signed' ? '✓' : '✗ refused'} (${r.user}, ${r.date})`)).join(', ')}`);
  if (s.state === 'closed') lines.push(`  closed ${s.closed!.time} by ${s.closed!.user}`);
  else if (s.missing.length === 0) lines.push('  ready to close: rollback-lens close ' + runbook);
  return lines.join('\n');
}
