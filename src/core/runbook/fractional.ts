// The flag edit of a reintroduction stage, pure: flagd's standard traffic
// split, the `fractional` operation of the flag's `targeting`:
//   "targeting": { "fractional": [["on", 5], ["off", 95]] }
// (weights are relative; flagd buckets by the evaluation's targetingKey). The
// edit replaces only the bytes of the flag's `targeting` value (or inserts the
// one property after the flag's last one, in that line's indentation), so every
// other byte of the file stays as written; undoing a stage writes back the
// exact bytes from before it (the caller keeps them), or, when the file changed
// since, restoreTargeting() sets only the targeting back in place. A flag whose
// targeting is some other rule is refused, never overwritten. The rest of the
// traffic goes to the flag's other variant: the only other one, else its
// defaultVariant. Text in, text out.
import type { Node } from 'jsonc-parser';
import { flagNode, property } from './flag';

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The split of a stage: the reintroduced variant gets `percent`, the other variant the rest. */
export type Split = [[string, number], [string, number]];

/** The `targeting` value text a split is written as. */
export function fractionalText(split: Split): string {
  return `{ "fractional": [${split.map(([v, w]) => `[${JSON.stringify(v)}, ${w}]`).join(', ')}] }`;
}

export type TargetingEdit =
  | {
      ok: true;
      split: Split;
      /** The targeting value's text before, undefined when the flag had none. */
      from: string | undefined;
      to: string;
      text: string;
      changed: boolean;
    }
  | { ok: false; error: string };

/**
 * Sets `flags.<name>.targeting` of a flagd file's `text` to the fractional
 * split giving `variant` `percent` of traffic (`file` names it in messages).
 */
export function editFractional(text: string, file: string, name: string, variant: string, percent: number): TargetingEdit {
  const found = flagNode(text, file, name);
  if (!found.ok) return found;
  const { flag, node } = found;
  const variants = Object.keys(obj(flag.variants));
  if (!variants.includes(variant)) return { ok: false, error: `flag \`${name}\` has no variant \`${variant}\`${variants.length ? ` (it has ${variants.map((v) => `\`${v}\``).join(', ')})` : ''}` };
  const others = variants.filter((v) => v !== variant);
  const rest = others.length === 1 ? others[0] : typeof flag.defaultVariant === 'string' && flag.defaultVariant !== variant && others.includes(flag.defaultVariant) ? flag.defaultVariant : undefined;
  if (rest === undefined) return { ok: false, error: `flag \`${name}\` has no other variant for the rest of the traffic${others.length ? ` (set its defaultVariant to one of ${others.map((v) => `\`${v}\``).join(', ')})` : ''}` };
  const targeting = property(node, 'targeting');
  if (targeting === 'twice') return { ok: false, error: `flag \`${name}\` has \`targeting\` twice in \`${file}\`; left untouched` };
  const current = targeting ? text.slice(targeting.offset, targeting.offset + targeting.length) : undefined;
  if (targeting && !isSplitOrEmpty(flag.targeting)) {
    return { ok: false, error: `flag \`${name}\` in \`${file}\` has a targeting rule of its own (${oneLine(current!)}); a stage would replace it, so it is left untouched` };
  }
  const split: Split = [
    [variant, percent],
    [rest, round(100 - percent)],
  ];
  const to = fractionalText(split);
  const next = setTargeting(text, node, targeting || undefined, to);
  return { ok: true, split, from: current, to, text: next, changed: next !== text };
}

/**
 * Puts `flags.<name>.targeting` back to `value` (a targeting text, or
 * undefined: no targeting), in place: the fallback of an undo when the file
 * changed since the stage wrote it.
 */
export function restoreTargeting(text: string, file: string, name: string, value: string | undefined): { ok: true; text: string } | { ok: false; error: string } {
  const found = flagNode(text, file, name);
  if (!found.ok) return found;
  const targeting = property(found.node, 'targeting');
  if (targeting === 'twice') return { ok: false, error: `flag \`${name}\` has \`targeting\` twice in \`${file}\`; left untouched` };
  if (value !== undefined) return { ok: true, text: setTargeting(text, found.node, targeting, value) };
  if (!targeting) return { ok: true, text };
  // remove the property and the comma before it (the edit added it after the flag's last property)
  const pair = targeting.parent!;
  const before = text.slice(0, pair.offset);
  const comma = before.search(/,\s*$/);
  if (comma !== -1) return { ok: true, text: text.slice(0, comma) + text.slice(pair.offset + pair.length) };
  const after = /^\s*,\s*/.exec(text.slice(pair.offset + pair.length));
  return { ok: true, text: text.slice(0, pair.offset) + text.slice(pair.offset + pair.length + (after ? after[0].length : 0)) };
}

/** The split in words: `flags.iris-v2.targeting: on 5%, off 95%`. */
export function describeSplit(name: string, split: Split): string {
  return `flags.${name}.targeting: ${split.map(([v, w]) => `${v} ${w}%`).join(', ')}`;
}

/** The stage's flag edit as the dry-run shows it: the targeting before and after. */
export function describeTargetingEdit(name: string, e: { from: string | undefined; to: string; changed: boolean }): string {
  if (!e.changed) return `flags.${name}.targeting is already ${e.to} (no change)`;
  return `flags.${name}.targeting ${e.from === undefined ? '(not set)' : oneLine(e.from)} → ${e.to}`;
}

function setTargeting(text: string, flag: Node, targeting: Node | undefined, value: string): string {
  if (targeting) return text.slice(0, targeting.offset) + value + text.slice(targeting.offset + targeting.length);
  const props = flag.children ?? [];
  const last = props[props.length - 1];
  if (!last) {
    // an empty flag object: `{}` becomes `{ "targeting": ... }`
    return text.slice(0, flag.offset + 1) + ` "targeting": ${value} ` + text.slice(flag.offset + flag.length - 1);
  }
  const lineStart = text.lastIndexOf('\n', last.offset) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const sameLine = text.slice(lineStart, last.offset).trim() !== '';
  const end = last.offset + last.length;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return text.slice(0, end) + (sameLine ? `, "targeting": ${value}` : `,${eol}${indent}"targeting": ${value}`) + text.slice(end);
}

/** A targeting that is empty or only a fractional split: one a stage may replace. */
function isSplitOrEmpty(t: unknown): boolean {
  const o = obj(t);
  const keys = Object.keys(o);
  return t !== null && typeof t === 'object' && !Array.isArray(t) && (keys.length === 0 || (keys.length === 1 && keys[0] === 'fractional'));
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ');
const round = (n: number): number => Math.round(n * 1e6) / 1e6;
