// Workspace-relative posix paths, resolved without touching the disk: a
// reference is taken relative to the folder of the file that makes it, and
// one that climbs above the workspace root (or is absolute) is refused. The
// node layer's workspace.ts adds the disk's view (links, realpaths) on top.

/** Resolves `ref` against the folder of `fromPath`; undefined when it leaves the workspace root. */
export function resolveWorkspacePath(fromPath: string, ref: string): string | undefined {
  if (ref.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(ref) || ref.startsWith('\\')) return undefined;
  const base = fromPath.split('/').slice(0, -1);
  const parts = [...base];
  for (const seg of ref.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

/**
 * A workspace-relative path in one spelling, for comparing paths as records and runbooks write them:
 * posix separators, no empty or `.` segments, a `..` folded into the segment before it where there is one.
 */
export function normalizeRelPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length && parts.at(-1) !== '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}
