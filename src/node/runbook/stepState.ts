// What `drill --verify-idempotent` observes around a mutating step, and its
// verdict. The state is the files under the runbook's folder (the sandbox the
// drill runs in) by SHA-256 of their content, the step's own files elsewhere
// in the workspace (a flag file), and the output of the step's `check`. The
// walk skips .git/ and .rollback-lens/, does not follow links (a link is its
// target's name), and is bounded: at most `maxFiles` files, files larger than
// `maxFileBytes` (or past `maxTotalBytes` hashed in all) are compared by size;
// every observation says when a bound was hit. The step runs do → do → undo →
// do: idempotent when the second do leaves the state the first left,
// reversible when the undo brings back the state from before the do. A do
// that changes nothing observed proves neither, so it is "not verified".
// Every verdict names what differed.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { plural } from '../../core/util/plural';

export interface ObserveLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_OBSERVE_LIMITS: ObserveLimits = { maxFiles: 10_000, maxFileBytes: 16 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024 };

/** Folders whose content is not the step's state: the repository and Rollback Lens's own records. */
const SKIPPED = new Set(['.git', '.rollback-lens']);

/** A step's `check`, read as part of its state. */
export interface StateCheck {
  /** How verdicts name it: `` `cat alias.txt` ``, `` `GET http://…/pin` ``. */
  label: string;
  read: () => Promise<string>;
}

export interface Observed {
  /** Path (relative to the runbook's folder, posix) → `sha256:…`, `size:N` or `link:target`. */
  files: Map<string, string>;
  check?: { label: string; output: string };
  /** The bounds this observation hit, in words. */
  bounded: string[];
  /** When the walk stopped at maxFiles: the last path it took; paths after it (in walk order) were not looked at. */
  cutoff?: string;
}

/** A mutating step as the drill drives it. */
export interface Mutation<T> {
  act: () => Promise<T>;
  /** Reverses what `act` returned; absent when the step has none. */
  undo?: (t: T) => Promise<string | undefined>;
  /** What the do did, in words, for the step's message. */
  said: (t: T) => string | undefined;
  /** Files the step changes that may lie outside the runbook's folder (absolute). */
  files?: string[];
}

export async function observeState(root: string, extra: string[], check: StateCheck | undefined, limits: ObserveLimits): Promise<Observed> {
  const files = new Map<string, string>();
  const bounded: string[] = [];
  const bySize: string[] = [];
  let hashed = 0;
  let stopped: string | undefined;
  let last: string | undefined;
  const record = async (abs: string, rel: string): Promise<void> => {
    let st;
    try {
      st = await fs.lstat(abs);
    } catch {
      return; // gone between the listing and now
    }
    if (st.isSymbolicLink()) {
      files.set(rel, `link:${await fs.readlink(abs).catch(() => '?')}`);
    } else if (st.isFile()) {
      if (st.size > limits.maxFileBytes || hashed + st.size > limits.maxTotalBytes) {
        files.set(rel, `size:${st.size}`);
        bySize.push(rel);
      } else {
        hashed += st.size;
        files.set(rel, `sha256:${createHash('sha256').update(await fs.readFile(abs)).digest('hex')}`);
      }
    } else return;
    last = rel;
  };
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (stopped !== undefined) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED.has(e.name)) await walk(path.join(dir, e.name), r);
        continue;
      }
      if (files.size >= limits.maxFiles) {
        stopped = last ?? '';
        return;
      }
      await record(path.join(dir, e.name), r);
    }
  };
  await walk(root, '');
  if (stopped !== undefined) bounded.push(`the walk stops at ${limits.maxFiles} files, so the files after ${stopped} were not compared`);
  for (const f of extra) {
    const rel = path.relative(root, f).split(path.sep).join('/');
    if (!files.has(rel)) await record(f, rel);
  }
  if (bySize.length) bounded.push(`${bySize.length === 1 ? `${bySize[0]} was` : `${bySize.length} files (${bySize.slice(0, 3).join(', ')}${bySize.length > 3 ? ', …' : ''}) were`} compared by size only (over the hashing bounds)`);
  return { files, ...(check ? { check: { label: check.label, output: await check.read() } } : {}), bounded, ...(stopped !== undefined ? { cutoff: stopped } : {}) };
}

/** Walk order (depth first, names sorted): path segments compared one by one. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

/** Whether both observations looked at `p`: a bounded walk did not see what lies after its cutoff. */
function seenByBoth(p: string, a: Observed, b: Observed): boolean {
  return [a.cutoff, b.cutoff].every((c) => c === undefined || walkOrder(p, c) <= 0 || p.startsWith('../'));
}

/** What differs in `got` from `ref` (`refName`: "after the first do", "before the do"), in words; empty when nothing does. */
export function differences(ref: Observed, got: Observed, refName: string): string[] {
  const out: string[] = [];
  for (const [p, v] of got.files) {
    if (!seenByBoth(p, ref, got)) continue;
    const was = ref.files.get(p);
    if (was === undefined) out.push(`${p} exists (not ${refName})`);
    else if (was !== v) out.push(`${p} differs from ${refName}`);
  }
  for (const p of ref.files.keys()) if (!got.files.has(p) && seenByBoth(p, ref, got)) out.push(`${p} is gone (it was there ${refName})`);
  if (ref.check && got.check && ref.check.output !== got.check.output) out.unshift(`${got.check.label} shows ${JSON.stringify(got.check.output)} (${refName} ${JSON.stringify(ref.check.output)})`);
  return out;
}

/** The names of what changed from `a` to `b`: the check first, then the files. */
function changed(a: Observed, b: Observed): string[] {
  const files = new Set<string>();
  for (const [p, v] of b.files) if (a.files.get(p) !== v && seenByBoth(p, a, b)) files.add(p);
  for (const p of a.files.keys()) if (!b.files.has(p) && seenByBoth(p, a, b)) files.add(p);
  return [...(a.check && b.check && a.check.output !== b.check.output ? [a.check.label] : []), ...[...files].sort()];
}

const list = (items: string[]) => (items.length > 6 ? [...items.slice(0, 6), `and ${items.length - 6} more`] : items).join(', ');

/**
 * Runs the step do → do → undo (observing the state before and after each)
 * and, when it is idempotent and reversible, do once more so the drill goes on
 * with the step done. `register` is called once the first do has run, with
 * the undo the drill's rollback must run for this step (it knows whether the
 * step is done at that moment). Returns the step's message; throws with what
 * differed when the step is not idempotent, not reversible or not verified.
 */
export async function verifyStep<T>(m: Mutation<T>, observe: () => Promise<Observed>, register: (undo: () => Promise<string | undefined>) => void): Promise<string> {
  const before = await observe();
  const first = await m.act();
  // from here on the step is done; the idempotence check's own undo makes it not done
  const state = { done: true, token: first };
  if (m.undo) register(async () => (state.done ? m.undo!(state.token) : 'already undone by the idempotence check'));
  const afterDo = await observe();
  const said = m.said(first);
  const seen = `observed ${plural(afterDo.files.size, 'file')}${afterDo.check ? `, ${afterDo.check.label}` : ''}${afterDo.bounded.length ? `; ${afterDo.bounded.join('; ')}` : ''}`;
  const effect = changed(before, afterDo);
  if (!effect.length) {
    throw new Error(
      `not verified: the do changed nothing the drill observes (${plural(afterDo.files.size, 'file')} under the runbook's folder, ${afterDo.check ? afterDo.check.label : 'no check'}${afterDo.bounded.length ? `; ${afterDo.bounded.join('; ')}` : ''}); give the step a \`check\` that shows its effect`,
    );
  }
  if (!m.undo) throw new Error(`not verified: the step has no undo, so it cannot be shown reversible (the do changed ${list(effect)})`);
  await m.act();
  const afterSecond = await observe();
  await m.undo(first);
  state.done = false;
  const afterUndo = await observe();
  const notIdempotent = differences(afterDo, afterSecond, 'after the first do');
  const notReversible = differences(before, afterUndo, 'before the do');
  const problems = [...(notIdempotent.length ? [`not idempotent: after a second do, ${list(notIdempotent)}`] : []), ...(notReversible.length ? [`not reversible: after the undo, ${list(notReversible)}`] : [])];
  if (problems.length) throw new Error(problems.join('; '));
  state.token = await m.act();
  state.done = true;
  return [said, `idempotent and reversible: the do changed ${list(effect)}, a second do changed nothing, the undo restored the state from before the do (${seen})`].filter(Boolean).join('; ');
}
