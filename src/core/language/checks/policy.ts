// The policy checks: a runbook's or contract's violations of the
// RollbackPolicy that applies to it (the host says which: LanguageHost
// policyFor), each at the key it concerns with the rule id as its code; the
// document's `waivers:` (a waived violation becomes an `info` naming the
// reason; a waiver without a reason is an error and waives nothing); and a
// policy file's own checks (its `runMatches` patterns compile). A policy with
// errors of its own applies no rule: one `policy-invalid` error says so.
import { checkContractPolicy, checkRunbookPolicy, type PolicyFinding } from '../../policy/check';
import { compilePattern, readPolicy, waiversOf } from '../../policy/model';
import { parentKeySpan } from '../schemaErrors';
import type { Diagnostic, DocumentKind, Span } from '../../types';
import { LineIndex } from '../../util/text';
import { asArray, asObject, asString, diag, keyAt, valueAt, type CheckContext } from './context';
import { locate, type PathSegment } from '../../yaml';

/** What the policy checks need of a policy's analysis (analysis.ts gives its own: no import back to it). */
export interface PolicyAnalysis {
  syntactic: Diagnostic[];
  checkable: boolean;
  kind: DocumentKind | undefined;
  parsed: { value: unknown } | null;
}

export type AnalyseText = (input: { path: string; text: string }) => PolicyAnalysis;

/** The last few policies analysed, by text (every document of a workspace shares one). */
const analysed = new Map<string, PolicyAnalysis>();

function analysePolicy(analyse: AnalyseText, shown: string, text: string): PolicyAnalysis {
  const hit = analysed.get(text);
  if (hit) return hit;
  const a = analyse({ path: /\.policy\.ya?ml$/i.test(shown) ? shown : `${shown}.policy.yaml`, text });
  if (analysed.size >= 8) analysed.delete(analysed.keys().next().value!);
  analysed.set(text, a);
  return a;
}

/** Where a finding is underlined: its key (or value), else the key of the nearest ancestor that exists. */
function spanOf(ctx: CheckContext, path: PathSegment[], key: boolean): Span {
  for (let n = path.length; n > 0; n--) {
    const loc = locate(ctx.root, path.slice(0, n));
    if (!loc.pair && !(typeof path[n - 1] === 'number' && loc.node)) continue;
    if (n === path.length) return key ? keyAt(ctx, path) : valueAt(ctx, path);
    return keyAt(ctx, path.slice(0, n));
  }
  return kindSpan(ctx);
}

function kindSpan(ctx: CheckContext): Span {
  return locate(ctx.root, ['kind']).pair ? valueAt(ctx, ['kind']) : parentKeySpan(ctx, []);
}

export async function checkPolicy(ctx: CheckContext, kind: DocumentKind, analyse: AnalyseText): Promise<Diagnostic[]> {
  if (kind === 'RollbackPolicy') return checkPolicyDocument(ctx);
  const out: Diagnostic[] = [];
  const waivers = waiversOf(ctx.value);
  for (const w of waivers) {
    if (w.reason) continue;
    out.push(
      diag(keyAt(ctx, [...w.path, 'rule']), 'error', 'policy-waiver-without-reason', `the waiver of policy rule \`${w.rule}\` gives no \`reason\`; a waiver needs one, and this one waives nothing until it does`),
    );
  }
  const source = ctx.host.policyFor ? await ctx.host.policyFor(ctx.documentPath) : null;
  if (!source) return out;
  if ('code' in source) {
    out.push(diag(kindSpan(ctx), source.code === 'policy-ambiguous' ? 'warning' : 'error', source.code, source.message));
    return out;
  }
  const policy = analysePolicy(analyse, source.shown, source.text);
  const errors = policy.syntactic.filter((d) => d.severity === 'error');
  if (!policy.checkable || policy.kind !== 'RollbackPolicy' || errors.length) {
    const first = errors[0];
    const at = first ? new LineIndex(source.text).positionAt(first.span.start) : undefined;
    const why = first && at ? `${source.shown}:${at.line + 1}:${at.character + 1}: ${first.message}` : `${source.shown} is not a \`RollbackPolicy\``;
    out.push(diag(kindSpan(ctx), 'error', 'policy-invalid', `the policy \`${source.shown}\` has errors, so none of its rules is applied (${why}); run \`rollback-lens validate ${source.shown}\``));
    return out;
  }
  const rules = readPolicy(policy.parsed!.value);
  const findings: PolicyFinding[] = kind === 'RollbackRunbook' ? checkRunbookPolicy(ctx.value, rules) : checkContractPolicy(ctx.value, rules);
  const waived = new Map(waivers.filter((w) => w.reason).map((w) => [w.rule, w]));
  const of = `policy rule \`{rule}\` of \`${rules.name}\` (${source.shown})`;
  for (const f of findings) {
    const span = spanOf(ctx, f.path, f.key);
    const named = of.replace('{rule}', f.rule);
    const w = waived.get(f.rule);
    if (w) {
      out.push(
        diag(span, 'info', f.rule, `waived ${named}: ${f.message}; reason: ${w.reason}`, {
          related: [{ span: valueAt(ctx, [...w.path, 'reason']), message: `the waiver of \`${f.rule}\`` }],
        }),
      );
    } else out.push(diag(span, 'error', f.rule, `${f.message} (${named})`));
  }
  return out;
}

/** A policy's own checks beyond its schema: each `runMatches` is a regular expression that compiles. */
function checkPolicyDocument(ctx: CheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  asArray(ctx.value.forbiddenSteps).forEach((p, i) => {
    const src = asString(asObject(p).runMatches);
    if (src === undefined || compilePattern(src)) return;
    let why = '';
    try {
      new RegExp(src, 'u');
    } catch (e) {
      why = `: ${(e as Error).message}`;
    }
    out.push(diag(valueAt(ctx, ['forbiddenSteps', i, 'runMatches']), 'error', 'policy-invalid-pattern', `\`runMatches\` is not a valid regular expression${why}`));
  });
  return out;
}
