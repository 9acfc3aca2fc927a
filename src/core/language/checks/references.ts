// Semantic checks of a RollbackRunbook's names that must exist elsewhere: a
// verify's contract test (in that contract), a drill's failStep/hangStep (in
// `steps`), a flag and its variant (in the flagd file), a `{{placeholder}}`
// (in what the renderers fill, `templateValues`, and in a step, the names its
// `capture` declares; in a `communication` template, what a message is filled
// from, `messageShape` of src/core/runbook/comms.ts), and the trigger ids that
// reintroduction names (in `triggers`). Every finding is on the offending
// value and names what exists instead. Files come through the host; one that
// is missing or outside the workspace is reported by the file check, not here.
import { resolveWorkspacePath } from '../../util/path';
import { CAPTURED_ROOT, captureNamesOf, TEMPLATE_ROOTS, templateValues, unfilledPlaceholders } from '../../runbook/plan';
import { messageShape, shapeHint } from '../../runbook/comms';
import { checkComms } from './comms';
import { suggest } from '../schemaErrors';
import type { Diagnostic, Span } from '../../types';
import { parseYaml, type PathSegment } from '../../yaml';
import { asArray, asObject, asString, changeTo, diag, valueAt, type CheckContext } from './context';

export async function checkReferences(ctx: CheckContext): Promise<Diagnostic[]> {
  const [tests, flags] = await Promise.all([checkContractTests(ctx), checkFlags(ctx)]);
  return [...tests, ...checkDrillSteps(ctx), ...flags, ...checkPlaceholders(ctx), ...checkTriggerRefs(ctx), ...checkComms(ctx)];
}

const list = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');
const didYouMean = (guess: string | undefined, show: (g: string) => string = (g) => g): string => (guess ? ` — did you mean \`${show(guess)}\`?` : '');

/** Reads a workspace file named relative to the document; undefined when it cannot be read. */
async function readRef(ctx: CheckContext, ref: string): Promise<string | undefined> {
  const resolved = resolveWorkspacePath(ctx.documentPath, ref);
  return resolved === undefined ? undefined : ctx.host.readFile(resolved);
}

/** Where a runbook runs a contract test: steps, closure, reintroduction checks. */
function verifyRefs(value: Record<string, unknown>): Array<{ path: PathSegment[]; contract: string; test: string }> {
  const out: Array<{ path: PathSegment[]; contract: string; test: string }> = [];
  const add = (v: unknown, path: PathSegment[]): void => {
    const o = asObject(v);
    const contract = asString(o.contract);
    const test = asString(o.test);
    if (contract && test) out.push({ path, contract, test });
  };
  asArray(value.steps).forEach((s, i) => add(asObject(s).verify, ['steps', i, 'verify']));
  asArray(asObject(value.closure).verify).forEach((v, i) => add(v, ['closure', 'verify', i]));
  asArray(asObject(value.reintroduction).stages).forEach((st, i) =>
    asArray(asObject(st).checks).forEach((c, j) => add(asObject(c).verify, ['reintroduction', 'stages', i, 'checks', j, 'verify'])),
  );
  return out;
}

async function checkContractTests(ctx: CheckContext): Promise<Diagnostic[]> {
  const refs = verifyRefs(ctx.value);
  const testsOf = new Map<string, Promise<string[] | undefined>>();
  const load = (contract: string): Promise<string[] | undefined> => {
    let p = testsOf.get(contract);
    if (!p) {
      p = readRef(ctx, contract).then((text) => {
        if (text === undefined) return undefined;
        const parsed = parseYaml(text);
        // a contract that does not parse is reported when it is checked itself
        if (parsed.hasSyntaxErrors) return undefined;
        return asArray(asObject(parsed.value).tests)
          .map((t) => asString(asObject(t).id))
          .filter((id): id is string => !!id);
      });
      testsOf.set(contract, p);
    }
    return p;
  };
  const out: Diagnostic[] = [];
  for (const r of refs) {
    const tests = await load(r.contract);
    if (!tests || tests.includes(r.test)) continue;
    const span = valueAt(ctx, [...r.path, 'test']);
    const guess = suggest(r.test, tests);
    const has = tests.length ? ` (its tests: ${list(tests)})` : ' (it declares no tests)';
    out.push(diag(span, 'error', 'unknown-contract-test', `contract \`${r.contract}\` has no test \`${r.test}\`${didYouMean(guess)}${has}`, changeTo(ctx.text, span, guess)));
  }
  return out;
}

function checkDrillSteps(ctx: CheckContext): Diagnostic[] {
  const ids = asArray(ctx.value.steps)
    .map((s) => asString(asObject(s).id))
    .filter((id): id is string => !!id);
  const out: Diagnostic[] = [];
  asArray(asObject(ctx.value.drills).scenarios).forEach((raw, i) => {
    const scenario = asObject(raw);
    const name = asString(scenario.id) ? `drill scenario \`${String(scenario.id)}\`` : `drill scenario ${i + 1}`;
    const inject = asObject(scenario.inject);
    for (const [key, verb] of [
      ['failStep', 'fails'],
      ['hangStep', 'hangs'],
    ] as const) {
      const step = asString(inject[key]);
      if (step === undefined || ids.includes(step)) continue;
      const span = valueAt(ctx, ['drills', 'scenarios', i, 'inject', key]);
      const guess = suggest(step, ids);
      out.push(diag(span, 'error', 'unknown-step', `${name} ${verb} step \`${step}\`, which does not exist${didYouMean(guess)}`, changeTo(ctx.text, span, guess)));
    }
  });
  return out;
}

async function checkFlags(ctx: CheckContext): Promise<Diagnostic[]> {
  const changes: PathSegment[][] = [];
  asArray(ctx.value.steps).forEach((s, i) => asObject(s).flag !== undefined && changes.push(['steps', i, 'flag']));
  if (asObject(ctx.value.reintroduction).flag !== undefined) changes.push(['reintroduction', 'flag']);
  const out: Diagnostic[] = [];
  for (const at of changes) {
    const change = asObject(valueOf(ctx.value, at));
    const file = asString(change.file);
    const name = asString(change.name);
    const variant = asString(change.variant);
    if (!file || !name) continue;
    const text = await readRef(ctx, file);
    if (text === undefined) continue;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      out.push(diag(valueAt(ctx, [...at, 'file']), 'error', 'invalid-flag-file', `flag file \`${file}\` is not valid JSON, so flag \`${name}\` cannot be checked`));
      continue;
    }
    const flags = asObject(asObject(data).flags);
    const known = Object.keys(flags);
    if (!Object.prototype.hasOwnProperty.call(flags, name)) {
      const span = valueAt(ctx, [...at, 'name']);
      const guess = suggest(name, known);
      const has = known.length ? ` (its flags: ${list(known)})` : ' (it defines no flags)';
      out.push(diag(span, 'error', 'unknown-flag', `flag file \`${file}\` has no flag \`${name}\`${didYouMean(guess)}${has}`, changeTo(ctx.text, span, guess)));
      continue;
    }
    const variants = Object.keys(asObject(asObject(flags[name]).variants));
    if (variant === undefined || variants.includes(variant)) continue;
    const span = valueAt(ctx, [...at, 'variant']);
    const guess = suggest(variant, variants);
    const has = variants.length ? ` (its variants: ${list(variants)})` : ' (it has no variants)';
    out.push(diag(span, 'error', 'unknown-flag-variant', `flag \`${name}\` in \`${file}\` has no variant \`${variant}\`${didYouMean(guess)}${has}`, changeTo(ctx.text, span, guess)));
  }
  return out;
}

function valueOf(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

/**
 * Every string the renderers fill placeholders in: request parts, notify and
 * communication templates. `step` is the step whose captures it can use
 * (`{{captured.<name>}}`); a capture's own request is sent before any is
 * read, so it has `inCapture` and can use none.
 */
function templates(value: Record<string, unknown>): Array<{ path: PathSegment[]; text: string; step?: { id: string; captures: string[] }; inCapture?: boolean; comms?: number }> {
  const out: Array<{ path: PathSegment[]; text: string; step?: { id: string; captures: string[] }; inCapture?: boolean; comms?: number }> = [];
  const deep = (v: unknown, path: PathSegment[], step?: { id: string; captures: string[] }, inCapture?: boolean): void => {
    if (typeof v === 'string') out.push({ path, text: v, ...(step ? { step } : {}), ...(inCapture ? { inCapture } : {}) });
    else if (Array.isArray(v)) v.forEach((x, i) => deep(x, [...path, i], step, inCapture));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) deep(x, [...path, k], step, inCapture);
  };
  asArray(value.steps).forEach((raw, i) => {
    const s = asObject(raw);
    const step = { id: asString(s.id) ?? `${i + 1}`, captures: captureNamesOf(s) };
    for (const name of step.captures) deep(asObject(asObject(s.capture)[name]).http, ['steps', i, 'capture', name, 'http'], step, true);
    if (s.http !== undefined) deep(s.http, ['steps', i, 'http'], step);
    // request variants (a string is a shell command, which is not templated)
    for (const k of ['dryRun', 'undo', 'check']) if (s[k] && typeof s[k] === 'object') deep(s[k], ['steps', i, k], step);
    const template = asString(asObject(s.notify).template);
    if (template !== undefined) out.push({ path: ['steps', i, 'notify', 'template'], text: template, step });
  });
  asArray(value.communication).forEach((c, i) => {
    const template = asString(asObject(c).template);
    if (template !== undefined) out.push({ path: ['communication', i, 'template'], text: template, comms: i });
  });
  return out;
}

/** Dotted names of every scalar a template can reach, for did-you-mean. */
function reachable(values: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v && typeof v === 'object') out.push(...reachable(v as Record<string, unknown>, `${prefix}${k}.`));
    else if (v !== undefined && v !== null) out.push(`${prefix}${k}`);
  }
  return out;
}

function checkPlaceholders(ctx: CheckContext): Diagnostic[] {
  // the phase's value differs per run; any phase fills it the same way
  const values = templateValues(ctx.value, 'validate');
  const names = reachable(values);
  const can = `(a template can use ${TEMPLATE_ROOTS.slice(0, -1)
    .map((r) => `\`${r}.*\``)
    .join(', ')} and \`${TEMPLATE_ROOTS[TEMPLATE_ROOTS.length - 1]}\`)`;
  const out: Diagnostic[] = [];
  for (const t of templates(ctx.value)) {
    // inside a step, `captured.<name>` is each value its capture reads (a stand-in here: only the names matter)
    const captures = t.step && !t.inCapture ? t.step.captures : [];
    // a communication template: what a message is filled from (comms.ts)
    const comms = t.comms !== undefined ? messageShape(ctx.value, t.comms) : undefined;
    const here = comms ?? (captures.length ? { ...values, [CAPTURED_ROOT]: Object.fromEntries(captures.map((c) => [c, ''])) } : values);
    for (const p of unfilledPlaceholders(t.text, here)) {
      // `{{target.version}}` with no `release.target` at all: the schema already says what is missing
      const root = p.name.split('.')[0]!;
      if ((TEMPLATE_ROOTS as readonly string[]).includes(root) && root !== 'phase' && Object.keys(asObject(values[root])).length === 0) continue;
      const span = placeholderSpan(ctx.text, valueAt(ctx, t.path), t.text, p);
      const isCapture = root === CAPTURED_ROOT;
      const guess = suggest(p.name, isCapture ? captures.map((c) => `${CAPTURED_ROOT}.${c}`) : comms ? reachable(comms) : names);
      const why = comms
        ? shapeHint(asObject(asArray(ctx.value.communication)[t.comms!]), p.name)
        : !isCapture
          ? can
        : t.inCapture
          ? "(a capture's request is sent before any capture is read, so it cannot use `captured.*`)"
          : !t.step
            ? "(only a step's own requests, undo and notify template can use `captured.*`: the values its `capture` reads)"
            : captures.length
              ? `(step \`${t.step.id}\` captures ${list(captures)})`
              : `(step \`${t.step.id}\` captures nothing: declare the value under its \`capture\`)`;
      out.push(
        diag(span, 'error', 'unknown-placeholder', `\`${p.whole}\` has no value${didYouMean(guess, (g) => `{{${g}}}`)} ${why}`, {
          ...(guess ? { fixes: [{ title: `Change to \`{{${guess}}}\``, edits: [{ ...span, newText: `{{${guess}}}` }], preferred: true }] } : {}),
        }),
      );
    }
  }
  return out;
}

/** The placeholder's own characters in the source: its n-th occurrence in the value is its n-th in the scalar's text (else the whole value). */
function placeholderSpan(text: string, value: Span, template: string, p: { whole: string; at: number }): Span {
  let n = 0;
  for (let i = template.indexOf(p.whole); i !== -1 && i < p.at; i = template.indexOf(p.whole, i + 1)) n++;
  let at = value.start - 1;
  const src = text.slice(0, value.end);
  for (let k = 0; k <= n; k++) {
    at = src.indexOf(p.whole, at + 1);
    if (at === -1 || at < value.start) return value;
  }
  return { start: at, end: at + p.whole.length };
}

function checkTriggerRefs(ctx: CheckContext): Diagnostic[] {
  const ids = asArray(ctx.value.triggers)
    .map((t) => asString(asObject(t).id))
    .filter((id): id is string => !!id);
  const reintro = asObject(ctx.value.reintroduction);
  const uses: Array<{ id: string; path: PathSegment[]; what: string }> = [];
  asArray(reintro.abortOn).forEach((id, j) => typeof id === 'string' && uses.push({ id, path: ['reintroduction', 'abortOn', j], what: '`abortOn` names' }));
  asArray(reintro.stages).forEach((st, i) =>
    asArray(asObject(st).checks).forEach((c, j) => {
      const what = `reintroduction stage ${i + 1} checks`;
      if (typeof c === 'string') uses.push({ id: c, path: ['reintroduction', 'stages', i, 'checks', j], what });
      else if (typeof asObject(c).trigger === 'string') uses.push({ id: asObject(c).trigger as string, path: ['reintroduction', 'stages', i, 'checks', j, 'trigger'], what });
    }),
  );
  const out: Diagnostic[] = [];
  for (const u of uses) {
    if (ids.includes(u.id)) continue;
    const span = valueAt(ctx, u.path);
    const guess = suggest(u.id, ids);
    out.push(diag(span, 'error', 'unknown-trigger', `${u.what} trigger \`${u.id}\`, which is not declared under \`triggers\`${didYouMean(guess)}`, changeTo(ctx.text, span, guess)));
  }
  return out;
}
