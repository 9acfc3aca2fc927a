// One flag's `defaultVariant` in an OpenFeature flagd file, edited in its
// text: the value is located with jsonc-parser (which gives offsets) and only
// its bytes are replaced, so a compact or hand-formatted file keeps every
// other byte. The drill makes this edit and the dry-run describes it, from the
// same function. The file must be strict JSON (what flagd reads); a flag key
// or `defaultVariant` written twice is refused, because JSON readers disagree
// on which one counts. Pure: text in, text out.
import { applyEdits, modify, parseTree, type Node } from 'jsonc-parser';

export type FlagEdit =
  | {
      ok: true;
      /** The variant it replaces; undefined when the flag had no defaultVariant. */
      from: string | undefined;
      /** The variant it sets; undefined removes defaultVariant (undoing an edit that added it). */
      to: string | undefined;
      /** The file's text after the edit (the same text when nothing changes). */
      text: string;
      changed: boolean;
    }
  | { ok: false; error: string };

/**
 * Sets `flags.<name>.defaultVariant` to `variant` in `text` (`file` names the
 * file in messages). `variant` must be one of the flag's variants; undefined
 * removes the property.
 */
export function editFlag(text: string, file: string, name: string, variant: string | undefined): FlagEdit {
  const found = flagNode(text, file, name);
  if (!found.ok) return found;
  const { flag, node } = found;
  const variants = flag.variants && typeof flag.variants === 'object' ? Object.keys(flag.variants) : [];
  if (variant !== undefined && !variants.includes(variant)) {
    return { ok: false, error: `flag \`${name}\` has no variant \`${variant}\`${variants.length ? ` (it has ${variants.map((v) => `\`${v}\``).join(', ')})` : ''}` };
  }
  const current = property(node, 'defaultVariant');
  if (current === 'twice') return { ok: false, error: `flag \`${name}\` has \`defaultVariant\` twice in \`${file}\`; left untouched` };
  const from = typeof flag.defaultVariant === 'string' ? flag.defaultVariant : undefined;
  if (current && from === variant) return { ok: true, from, to: variant, text, changed: false };
  if (!current && variant === undefined) return { ok: true, from, to: variant, text, changed: false };
  let next: string;
  if (current && variant !== undefined) {
    // the one value, byte for byte: everything around it stays as written
    next = text.slice(0, current.offset) + JSON.stringify(variant) + text.slice(current.offset + current.length);
  } else {
    // add or remove the property: jsonc-parser writes the smallest edit, in the file's indentation
    const tabs = /\n\t/.test(text);
    const indent = /\n( +)"/.exec(text)?.[1]?.length ?? 2;
    next = applyEdits(text, modify(text, ['flags', name, 'defaultVariant'], variant, { formattingOptions: { insertSpaces: !tabs, tabSize: indent, eol: text.includes('\r\n') ? '\r\n' : '\n' } }));
  }
  return { ok: true, from, to: variant, text: next, changed: next !== text };
}

/** The change in words, the same for the dry-run and the drill: `flags.f.defaultVariant "on" → "off"`. */
export function describeFlagEdit(name: string, e: { from: string | undefined; to: string | undefined; changed: boolean }): string {
  const show = (v: string | undefined) => (v === undefined ? '(not set)' : JSON.stringify(v));
  if (!e.changed) return `flags.${name}.defaultVariant is already ${show(e.to)} (no change)`;
  return `flags.${name}.defaultVariant ${show(e.from)} → ${show(e.to)}${e.from === undefined ? ' (added)' : e.to === undefined ? ' (removed)' : ''}`;
}

/**
 * `flags.<name>` of a flag file: its value and its node in the text, or why
 * it cannot be edited safely (not JSON, `flags` or the flag written twice, no
 * such flag). The defaultVariant edit and a stage's fractional edit start here.
 */
export function flagNode(text: string, file: string, name: string): { ok: true; flag: Record<string, unknown>; node: Node } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: `flag file \`${file}\` is not valid JSON; left untouched` };
  }
  const root = parseTree(text);
  const flags = root && property(root, 'flags');
  if (flags === 'twice') return { ok: false, error: `\`${file}\` has \`flags\` twice; left untouched` };
  const node = flags && property(flags, name);
  if (node === 'twice') return { ok: false, error: `flag \`${name}\` is defined twice in \`${file}\`; left untouched` };
  if (!node || node.type !== 'object') return { ok: false, error: `flag \`${name}\` is not defined in \`${file}\`` };
  return { ok: true, flag: obj(obj(obj(data).flags)[name]), node };
}

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The value node of `key` in an object node; 'twice' when the key is written more than once. */
export function property(node: Node, key: string): Node | undefined | 'twice' {
  if (node.type !== 'object') return undefined;
  const found = (node.children ?? []).filter((p) => p.children?.[0]?.value === key);
  if (found.length > 1) return 'twice';
  return found[0]?.children?.[1];
}
