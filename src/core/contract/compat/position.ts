// Where a JSON pointer is in the text of a contract or schema file (YAML; JSON
// is read as YAML): the 0-based line and character of the value when it is a
// scalar, else of the key of its pair, else of the node; something that does
// not exist is placed at the nearest ancestor that does. For the Reporter's
// locations (report.ts) and load.ts's errors at a `$ref`. Pure.
import { LineIndex } from '../../util/text';
import { locate, parseYaml, pointerToPath, type PNode } from '../../yaml';

/** A file's text parsed once, for positionOf. */
export interface TextTree {
  root: PNode | null;
  index: LineIndex;
}

export function textTree(text: string): TextTree | null {
  const parsed = parseYaml(text);
  return parsed.root ? { root: parsed.root, index: new LineIndex(text) } : null;
}

export function positionOf(tree: TextTree, pointer: string): { line: number; character: number } | undefined {
  const path = pointerToPath(tree.root, pointer);
  let found = locate(tree.root, path);
  // something removed: the nearest ancestor that exists, at its key
  for (let n = path.length - 1; !found.node && n >= 0; n--) found = locate(tree.root, path.slice(0, n));
  let offset: number | undefined;
  if (found.node && found.node.type === 'scalar') offset = found.node.start;
  else if (found.pair) offset = found.pair.key.start;
  else offset = (found.node ?? found.deepest)?.start;
  return offset === undefined ? undefined : tree.index.positionAt(offset);
}
