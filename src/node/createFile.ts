// Creating a file a quick fix asks for ("Create it" on a missing reference):
// the workspace-relative path is confined to the workspace like every other
// reference (workspace.ts, links followed, also for folders that do not exist
// yet), missing folders are made, the file is opened with O_EXCL so an existing
// file (or a link) is never overwritten, and a script is made executable.
// Every refusal is a message, never a throw.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileToCreate } from '../core/types';
import { confinePath } from './workspace';

export type Created = { ok: true; file: string } | { ok: false; message: string };

export async function createWorkspaceFile(workspace: string, want: FileToCreate): Promise<Created> {
  const rel = want.path;
  if (rel === '' || path.isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel) || rel.startsWith('\\')) return { ok: false, message: `\`${rel}\` is not a workspace-relative path` };
  const c = await confinePath(workspace, path.resolve(workspace, rel), rel);
  if (!c.ok) return { ok: false, message: `not created: ${c.message}` };
  try {
    await fs.mkdir(path.dirname(c.real), { recursive: true });
    // the folders made may not have moved it out (a link raced in): confine again, then create exclusively
    const again = await confinePath(workspace, c.path, rel);
    if (!again.ok) return { ok: false, message: `not created: ${again.message}` };
    const h = await fs.open(again.real, 'wx', want.executable ? 0o755 : 0o644);
    try {
      await h.writeFile(want.content, 'utf8');
      // the mode given to open is masked by the umask: a script must end up executable
      if (want.executable) await h.chmod(0o755);
    } finally {
      await h.close();
    }
    return { ok: true, file: again.real };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return { ok: false, message: `not created: \`${rel}\` already exists` };
    return { ok: false, message: `\`${rel}\` could not be created: ${code ?? (e as Error).message}` };
  }
}
