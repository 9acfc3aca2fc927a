// The comparisons of a contract's own fields, between the old and the new
// version: output.key and the effective input key; output.labelField and the
// closed set of output.labels (removed, added, reordered, dropped, declared);
// deprecations (which removals were announced, which fields are overdue and
// still in the new schema); each test's tolerances, drift limits and
// missingKeys/extraKeys, matched by test id; input and output encodings; and
// metadata (name, and a version not bumped although something changed, which
// is therefore compared last). Pure: `now` decides which deprecations are due,
// by calendar day (UTC), as the editor's deprecation check does.
import { formatDate, parseDate } from '../../util/values';
import { asArray, asNumber, asObject, asStrings, asText, hasOwn, unionKeys } from '../../util/object';
import { listText, stable } from './format';
import type { ContractVersion } from './load';
import { escapePointer, findField } from './refs';
import type { Reporter } from './report';
import type { CompatCode, Direction } from './rules';
import type { Announced } from './schema';

export function compareKeys(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const ka = asText(asObject(o.output).key);
  const kb = asText(asObject(n.output).key);
  if (ka !== kb) {
    if (ka === undefined) r.add('key-added', undefined, `output.key \`${kb}\` was added`, { at: r.contractAt('/output/key'), after: kb });
    else if (kb === undefined)
      r.add('key-removed', undefined, `output.key \`${ka}\` was removed; outputs no longer say which field joins them to inputs and baselines`, {
        at: r.contractAt('/output/key'),
        was: r.contractWas('/output/key'),
        before: ka,
      });
    else
      r.add('key-changed', undefined, `output.key changed from \`${ka}\` to \`${kb}\`; consumers and baselines join outputs to inputs by it`, {
        at: r.contractAt('/output/key'),
        was: r.contractWas('/output/key'),
        before: ka,
        after: kb,
      });
  }
  const ia = asText(asObject(o.input).key) ?? ka;
  const ib = asText(asObject(n.input).key) ?? kb;
  // reported only when it does not just follow output.key
  if (ia !== ib && !(asText(asObject(o.input).key) === undefined && asText(asObject(n.input).key) === undefined)) {
    const ptr = asText(asObject(n.input).key) !== undefined ? '/input/key' : '/output/key';
    const wasPtr = asText(asObject(o.input).key) !== undefined ? '/input/key' : '/output/key';
    r.add('input-key-changed', undefined, `the input key changed from \`${ia ?? 'none'}\` to \`${ib ?? 'none'}\`; callers identify their records by it`, {
      at: r.contractAt(ptr),
      was: r.contractWas(wasPtr),
      before: ia,
      after: ib,
    });
  }
}

export function compareLabels(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const fa = asText(asObject(o.output).labelField) ?? 'label';
  const fb = asText(asObject(n.output).labelField) ?? 'label';
  if (fa !== fb) {
    r.add('label-field-changed', undefined, `output.labelField changed from \`${fa}\` to \`${fb}\`; consumers read the predicted label from it`, {
      at: r.contractAt(hasOwn(asObject(n.output), 'labelField') ? '/output/labelField' : '/output'),
      was: r.contractWas(hasOwn(asObject(o.output), 'labelField') ? '/output/labelField' : '/output'),
      before: fa,
      after: fb,
    });
  }
  const la = Array.isArray(asObject(o.output).labels) ? asStrings(asObject(o.output).labels) : undefined;
  const lb = Array.isArray(asObject(n.output).labels) ? asStrings(asObject(n.output).labels) : undefined;
  if (!la && !lb) return;
  if (la && !lb) {
    r.add('labels-dropped', undefined, `output.labels was removed; the closed set of labels ${listText(la)} is no longer declared`, {
      at: r.contractAt('/output/labels'),
      was: r.contractWas('/output/labels'),
      before: la,
    });
    return;
  }
  if (!la && lb) {
    r.add('labels-declared', undefined, `output.labels now declares the closed set of labels ${listText(lb)}`, { at: r.contractAt('/output/labels'), after: lb });
    return;
  }
  la!.forEach((l, i) => {
    if (lb!.includes(l)) return;
    r.add('label-removed', undefined, `label \`${l}\` was removed from output.labels; consumers that rely on it break`, {
      at: r.contractAt('/output/labels'),
      was: r.contractWas(`/output/labels/${i}`),
      before: l,
    });
  });
  lb!.forEach((l, i) => {
    if (la!.includes(l)) return;
    r.add('label-added', undefined, `label \`${l}\` was added to output.labels; consumers with a closed label set may not handle it`, {
      at: r.contractAt(`/output/labels/${i}`),
      after: l,
    });
  });
  const keptA = la!.filter((l) => lb!.includes(l));
  const keptB = lb!.filter((l) => la!.includes(l));
  if (keptA.join('\u0000') !== keptB.join('\u0000')) {
    r.add('labels-reordered', undefined, `output.labels order changed from ${listText(la!)} to ${listText(lb!)}; consumers that index labels by position break`, {
      at: r.contractAt('/output/labels'),
      was: r.contractWas('/output/labels'),
      before: la,
      after: lb,
    });
  }
}

interface Deprecation {
  field: string;
  removeAfter: string;
  removeAfterMs: number;
}

function deprecations(contract: Record<string, unknown>): Deprecation[] {
  const out: Deprecation[] = [];
  for (const raw of asArray(contract.deprecations)) {
    const d = asObject(raw);
    const field = asText(d.field);
    const removeAfter = asText(d.removeAfter);
    if (!field || !removeAfter) continue;
    const parsed = parseDate(removeAfter);
    if (!parsed.ok) continue;
    out.push({ field, removeAfter: formatDate(parsed.value), removeAfterMs: parsed.value });
  }
  return out;
}

const DAY = 86_400_000;

/** Overdue: the day of `now` (UTC) is after removeAfter, as in the editor's deprecation check. */
function overdue(d: Deprecation, now: number): boolean {
  return Math.floor(now / DAY) * DAY > d.removeAfterMs;
}

/** Fields whose removal was announced, by either version's deprecations (the new one wins). */
export function announcedRemovals(o: Record<string, unknown>, n: Record<string, unknown>, now: number): (field: string) => Announced | undefined {
  const map = new Map<string, Announced>();
  for (const d of [...deprecations(o), ...deprecations(n)]) map.set(d.field, { removeAfter: d.removeAfter, passed: overdue(d, now) });
  return (field) => map.get(field);
}

export function overdueDeprecations(r: Reporter, after: ContractVersion, n: Record<string, unknown>, now: number): void {
  for (const d of deprecations(n)) {
    if (!overdue(d, now)) continue;
    const m = /^(input|output)\.(.+)$/.exec(d.field);
    if (!m) continue;
    const dir = m[1] as Direction;
    const schema = after[dir];
    if (!schema) continue;
    const ptr = findField(schema.schema, m[2]!);
    if (ptr === undefined) continue;
    r.add('deprecation-overdue', undefined, `\`${d.field}\` was due for removal after ${d.removeAfter} and is still in the ${dir} schema`, {
      field: d.field,
      at: { doc: schema.doc, pointer: schema.pointer + ptr },
    });
  }
}

const TOLERANCE_KINDS = ['exact', 'abs', 'rel', 'agreement'] as const;

function toleranceText(t: Record<string, unknown>): string {
  const kind = TOLERANCE_KINDS.find((k) => hasOwn(t, k));
  if (!kind) return stable(t);
  return kind === 'exact' ? 'exact' : `${kind} ${String(t[kind])}`;
}

export function compareTests(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const testsA = asArray(o.tests).map(asObject);
  const testsB = asArray(n.tests).map(asObject);
  const indexB = new Map<string, number>();
  testsB.forEach((t, i) => {
    const id = asText(t.id);
    if (id !== undefined && !indexB.has(id)) indexB.set(id, i);
  });
  const seenA = new Set<string>();
  testsA.forEach((ta, ia) => {
    const id = asText(ta.id);
    if (id === undefined || seenA.has(id)) return;
    seenA.add(id);
    const ib = indexB.get(id);
    if (ib === undefined) {
      r.add('test-removed', undefined, `test \`${id}\` was removed; what it checked is no longer tested`, { at: r.contractAt('/tests'), was: r.contractWas(`/tests/${ia}`) });
      return;
    }
    compareTest(r, id, ta, testsB[ib]!, ia, ib);
  });
  testsB.forEach((tb, ib) => {
    const id = asText(tb.id);
    if (id === undefined || seenA.has(id) || indexB.get(id) !== ib) return;
    r.add('test-added', undefined, `test \`${id}\` was added`, { at: r.contractAt(`/tests/${ib}`) });
  });
}

function compareTest(r: Reporter, id: string, ta: Record<string, unknown>, tb: Record<string, unknown>, ia: number, ib: number): void {
  const emit = (code: CompatCode, field: string, message: string, ptrB: string, ptrA: string, before: unknown, after: unknown) =>
    r.add(code, undefined, `test \`${id}\`: ${message}`, { field: `output.${field}`, at: r.contractAt(ptrB), was: r.contractWas(ptrA), before, after });

  // per-row tolerances
  const tolA = asObject(ta.tolerance);
  const tolB = asObject(tb.tolerance);
  for (const f of unionKeys(tolA, tolB)) {
    const a = hasOwn(tolA, f) ? asObject(tolA[f]) : undefined;
    const b = hasOwn(tolB, f) ? asObject(tolB[f]) : undefined;
    const pa = `/tests/${ia}/tolerance/${escapePointer(f)}`;
    const pb = `/tests/${ib}/tolerance/${escapePointer(f)}`;
    if (a && b && stable(a) === stable(b)) continue;
    if (!a) {
      emit('tolerance-tightened', f, `tolerance for \`${f}\` (${toleranceText(b!)}) was added`, pb, `/tests/${ia}`, undefined, b);
      continue;
    }
    if (!b) {
      emit(
        'tolerance-loosened',
        f,
        `tolerance for \`${f}\` (${toleranceText(a)}) was removed; \`${f}\` may now differ from the baseline by any amount`,
        hasOwn(tb, 'tolerance') ? `/tests/${ib}/tolerance` : `/tests/${ib}`,
        pa,
        a,
        undefined,
      );
      continue;
    }
    const ka = TOLERANCE_KINDS.find((k) => hasOwn(a, k));
    const kb = TOLERANCE_KINDS.find((k) => hasOwn(b, k));
    const from = `from ${toleranceText(a)} to ${toleranceText(b)}`;
    let verdict: 'tighter' | 'looser' | 'incomparable';
    if (ka === kb && ka !== undefined && ka !== 'exact') {
      const va = asNumber(a[ka]);
      const vb = asNumber(b[ka]);
      if (va === undefined || vb === undefined) verdict = 'incomparable';
      else if (va === vb) continue;
      else verdict = (ka === 'agreement' ? vb > va : vb < va) ? 'tighter' : 'looser';
    } else if (kb === 'exact') verdict = 'tighter';
    else if (ka === 'exact') verdict = 'looser';
    else verdict = 'incomparable';
    const tb2 = kb ? `${pb}/${kb}` : pb;
    const ta2 = ka ? `${pa}/${ka}` : pa;
    if (verdict === 'tighter') emit('tolerance-tightened', f, `tolerance for \`${f}\` tightened ${from}`, tb2, ta2, a, b);
    else if (verdict === 'looser') emit('tolerance-loosened', f, `tolerance for \`${f}\` loosened ${from}; the model may now drift further from the baseline`, tb2, ta2, a, b);
    else emit('tolerance-changed', f, `tolerance for \`${f}\` changed ${from}; the two cannot be compared`, tb2, ta2, a, b);
  }

  // distribution drift limits
  const drA = asObject(ta.drift);
  const drB = asObject(tb.drift);
  for (const f of unionKeys(drA, drB)) {
    const a = asObject(drA[f]);
    const b = asObject(drB[f]);
    const pa = hasOwn(drA, f) ? `/tests/${ia}/drift/${escapePointer(f)}` : `/tests/${ia}`;
    const pb = hasOwn(drB, f) ? `/tests/${ib}/drift/${escapePointer(f)}` : hasOwn(tb, 'drift') ? `/tests/${ib}/drift` : `/tests/${ib}`;
    for (const k of ['psi', 'ks'] as const) {
      const va = asNumber(a[k]);
      const vb = asNumber(b[k]);
      if (va === vb) continue;
      const at = vb !== undefined ? `${pb}/${k}` : pb;
      const was = va !== undefined ? `${pa}/${k}` : pa;
      if (va === undefined) emit('tolerance-tightened', f, `drift limit ${k} ${vb} for \`${f}\` was added`, at, was, undefined, vb);
      else if (vb === undefined) emit('tolerance-loosened', f, `drift limit ${k} ${va} for \`${f}\` was removed; its distribution may now shift by any amount`, at, was, va, undefined);
      else if (vb < va) emit('tolerance-tightened', f, `drift limit for \`${f}\` tightened from ${k} ${va} to ${k} ${vb}`, at, was, va, vb);
      else emit('tolerance-loosened', f, `drift limit for \`${f}\` loosened from ${k} ${va} to ${k} ${vb}; its distribution may now shift further from the baseline`, at, was, va, vb);
    }
    const ba = asNumber(a.bins) ?? 10;
    const bb = asNumber(b.bins) ?? 10;
    if (ba !== bb && hasOwn(drA, f) && hasOwn(drB, f)) {
      emit(
        'tolerance-changed',
        f,
        `drift bins for \`${f}\` changed from ${ba} to ${bb}; PSI values are not comparable across bin counts`,
        hasOwn(b, 'bins') ? `${pb}/bins` : pb,
        hasOwn(a, 'bins') ? `${pa}/bins` : pa,
        ba,
        bb,
      );
    }
  }

  // what a missing or extra key does: fail is stricter than warn
  for (const [k, dflt] of [
    ['missingKeys', 'fail'],
    ['extraKeys', 'warn'],
  ] as const) {
    const va = asText(ta[k]) ?? dflt;
    const vb = asText(tb[k]) ?? dflt;
    if (va === vb) continue;
    const at = hasOwn(tb, k) ? `/tests/${ib}/${k}` : `/tests/${ib}`;
    const was = hasOwn(ta, k) ? `/tests/${ia}/${k}` : `/tests/${ia}`;
    if (vb === 'fail') r.add('tolerance-tightened', undefined, `test \`${id}\`: ${k} tightened from ${va} to ${vb}`, { at: r.contractAt(at), was: r.contractWas(was), before: va, after: vb });
    else r.add('tolerance-loosened', undefined, `test \`${id}\`: ${k} loosened from ${va} to ${vb}`, { at: r.contractAt(at), was: r.contractWas(was), before: va, after: vb });
  }
}

export function compareEncodings(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  for (const dir of ['input', 'output'] as const) {
    const ea = asObject(asObject(o[dir]).encodings);
    const eb = asObject(asObject(n[dir]).encodings);
    for (const f of unionKeys(ea, eb)) {
      const pa = `/${dir}/encodings/${escapePointer(f)}`;
      const pb = pa;
      const field = `${dir}.${f}`;
      if (!hasOwn(ea, f)) {
        r.add('encoding-added', undefined, `the ${dir} encoding of \`${f}\` was added`, { field, at: r.contractAt(pb), after: eb[f] });
      } else if (!hasOwn(eb, f)) {
        r.add('encoding-removed', undefined, `the ${dir} encoding of \`${f}\` was removed`, { field, at: r.contractAt(`/${dir}/encodings`), was: r.contractWas(pa), before: ea[f] });
      } else if (stable(ea[f]) !== stable(eb[f])) {
        const a = asObject(ea[f]);
        const b = asObject(eb[f]);
        const diffs = unionKeys(a, b)
          .filter((k) => stable(a[k]) !== stable(b[k]))
          .map((k) => `${k} ${a[k] === undefined ? 'none' : stable(a[k])} → ${b[k] === undefined ? 'none' : stable(b[k])}`);
        r.add('encoding-changed', undefined, `the ${dir} encoding of \`${f}\` changed: ${diffs.join(', ')}`, { field, at: r.contractAt(pb), was: r.contractWas(pa), before: ea[f], after: eb[f] });
      }
    }
  }
}

export function compareMetadata(r: Reporter, o: Record<string, unknown>, n: Record<string, unknown>): void {
  const ma = asObject(o.metadata);
  const mb = asObject(n.metadata);
  if (hasOwn(ma, 'name') && hasOwn(mb, 'name') && stable(ma.name) !== stable(mb.name)) {
    r.add('name-changed', undefined, `metadata.name changed from \`${String(ma.name)}\` to \`${String(mb.name)}\`; are these versions of the same interface?`, {
      at: r.contractAt('/metadata/name'),
      was: r.contractWas('/metadata/name'),
      before: ma.name,
      after: mb.name,
    });
  }
  // an overdue deprecation is a finding about the new version, not a difference between the two
  if (r.changes.some((c) => c.code !== 'deprecation-overdue') && stable(ma.version) === stable(mb.version) && mb.version !== undefined) {
    r.add('version-not-bumped', undefined, `metadata.version is still ${String(mb.version)} although the contract changed; bump it on every change`, {
      at: r.contractAt('/metadata/version'),
      was: r.contractWas('/metadata/version'),
      before: ma.version,
      after: mb.version,
    });
  }
}
