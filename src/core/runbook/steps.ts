// A runbook's steps as every reader sees them: the step kinds (the one list of
// their names: what a kind does in a dry-run and a drill is its module under
// src/node/runbook/steps/), which kinds perform the step with a command or
// request of their own and so must declare an `undo` (with the stub the lint's
// quick fix writes), each step's id, kind, `requires` and timeout, and the
// longest chain of timeouts along `requires` (what the restore window must
// fit). The lint, the plan and the runs share this view.
import { asArray, asObject, asString } from '../util/object';
import { parseDuration } from '../util/values';

export const STEP_KINDS = ['run', 'http', 'flag', 'approve', 'notify', 'verify'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * The kinds whose step changes something by a command or request of its own,
 * so it must declare an `undo` (the schema asks for it, the lint says
 * `missing-undo`), with the `undo` stub its quick fix writes in a block
 * mapping and in a flow one. A flag step is undone by the variant it
 * replaced and needs none.
 */
export const UNDO_STUBS: Readonly<Partial<Record<StepKind, UndoStub>>> = {
  run: {
    block: 'exit 1  # TODO: the command that reverses this step',
    flow: '"exit 1"',
    placeholder: (undo) => {
      if (typeof undo !== 'string' || !FAILING_COMMAND.test(undo.trim())) return undefined;
      const command = undo.trim().replace(/\s*#.*$/, '');
      return { at: [], why: `\`${command}\` always fails, so this step could not be reversed`, replaceWith: 'the command' };
    },
  },
  http: {
    block: '{ method: POST, url: TODO }',
    flow: '{ method: POST, url: TODO }',
    placeholder: (undo) => (asString(asObject(undo).url) === 'TODO' ? { at: ['url'], why: 'its `url` is `TODO`', replaceWith: 'the request' } : undefined),
  },
};

/**
 * The `undo` stub of a kind: what the quick fix writes (block and flow
 * mapping), and how to tell that an `undo` is still that stub, or as good as
 * one (a command that always fails, a request to `url: TODO`): `at` is the
 * path inside the `undo` where it stands, `why` says why it cannot reverse the
 * step, `replaceWith` what should stand there instead.
 */
export interface UndoStub {
  block: string;
  flow: string;
  placeholder(undo: unknown): { at: string[]; why: string; replaceWith: string } | undefined;
}

/** A run command that always fails, as the stub writes it (`exit 1`, with or without its `# TODO` comment), or `false`. */
const FAILING_COMMAND = /^(?:exit\s+0*[1-9]\d*|false)\s*(?:#.*)?$/;

export interface StepInfo {
  index: number;
  id: string;
  kind: StepKind | undefined;
  requires: string[];
  timeoutMs: number;
}

export function stepsOf(value: Record<string, unknown>): StepInfo[] {
  return asArray(value.steps).map((raw, index) => {
    const s = asObject(raw);
    const t = asString(s.timeout);
    const parsed = t ? parseDuration(t) : undefined;
    return {
      index,
      id: asString(s.id) ?? '',
      kind: STEP_KINDS.find((k) => k in s),
      requires: asArray(s.requires).filter((r): r is string => typeof r === 'string'),
      timeoutMs: parsed && parsed.ok ? parsed.value : 0,
    };
  });
}


/** The longest chain of step timeouts along `requires` (cycles are skipped). */
export function worstCasePath(steps: StepInfo[]): { totalMs: number; path: StepInfo[] } {
  const byId = new Map<string, StepInfo>();
  for (const s of steps) if (s.id && !byId.has(s.id)) byId.set(s.id, s);
  // longest chain ending at each step, with its predecessor: O(steps + edges)
  const memo = new Map<string, { totalMs: number; length: number; prev: StepInfo | undefined }>();
  const onPath = new Set<string>();
  // iterative post-order: each step after all the steps it requires
  const best = (root: StepInfo): void => {
    const work: StepInfo[] = [root];
    while (work.length) {
      const s = work[work.length - 1]!;
      if (memo.has(s.id)) {
        work.pop();
        continue;
      }
      if (!onPath.has(s.id)) {
        onPath.add(s.id);
        for (const r of s.requires) {
          const dep = byId.get(r);
          if (dep && !memo.has(dep.id) && !onPath.has(dep.id)) work.push(dep);
        }
        continue;
      }
      let prev: StepInfo | undefined;
      let prevTotal = 0;
      let prevLength = 0;
      for (const r of s.requires) {
        const b = memo.get(r);
        if (!b) continue; // missing, or a cycle back to a step on the path
        if (b.totalMs > prevTotal || (b.totalMs === prevTotal && b.length > prevLength)) {
          prev = byId.get(r);
          prevTotal = b.totalMs;
          prevLength = b.length;
        }
      }
      onPath.delete(s.id);
      memo.set(s.id, { totalMs: prevTotal + s.timeoutMs, length: prevLength + 1, prev });
      work.pop();
    }
  };
  let end: StepInfo | undefined;
  let endTotal = 0;
  for (const s of byId.values()) {
    best(s);
    const b = memo.get(s.id)!;
    // on equal time, the longer chain: it names every step the window must fit
    if (b.totalMs > endTotal || (b.totalMs === endTotal && end && b.length > memo.get(end.id)!.length)) {
      end = s;
      endTotal = b.totalMs;
    }
  }
  const path: StepInfo[] = [];
  for (let s = end; s; s = memo.get(s.id)!.prev) path.push(s);
  return { totalMs: endTotal, path: path.reverse() };
}
