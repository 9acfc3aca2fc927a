// The `flag` step kind: set one flag's `defaultVariant` in an OpenFeature
// flagd file (relative to the runbook's folder, confined to the workspace).
// The dry-run describes the edit the drill would make, from the same function
// (src/core/runbook/flag.ts); a file outside the workspace is a
// `file-outside-workspace` finding at the reference, never read. The drill
// edits only the defaultVariant value's bytes, atomically, and its undo
// restores the file's exact bytes when the file is as the step left it, else
// sets only the one variant back in place (and says so). The flag file is part
// of the state --verify-idempotent observes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeFlagEdit, editFlag } from '../../../core/runbook/flag';
import { asObject as obj } from '../../../core/language/checks/context';
import { writeFileAtomic } from '../../atomic';
import { confine } from '../../workspace';
import { inside } from '../effects';
import type { StepKindModule } from './kind';

export const flag: StepKindModule = {
  kind: 'flag',
  phase: 'execute',
  async dryRun(ctx, { step, raw }) {
    const f = obj(raw.flag);
    const diff = await flagDiff(ctx.dir, ctx.workspace, String(f.file), String(f.name), String(f.variant));
    return {
      result: { action: diff.ok ? `would change ${String(f.file)}: ${diff.text}` : `flag change: ${diff.text}`, outcome: diff.ok ? 'shown' : 'failed' },
      findings: diff.outside
        ? [{ severity: 'error', code: 'file-outside-workspace', message: `step \`${step.id}\`: ${diff.text}`, ...ctx.atValue(['steps', step.index, 'flag', 'file']) }]
        : !diff.ok
          ? [{ severity: 'error', code: 'flag-invalid', message: `step \`${step.id}\`: ${diff.text}`, ...ctx.at(['steps', step.index, 'flag']) }]
          : [],
    };
  },
  async execute(ctx, { raw }) {
    const f = obj(raw.flag);
    const flagFile = await inside(ctx.dir, ctx.workspace, String(f.file), 'flag file');
    return {
      mutation: {
        act: () => setFlag(flagFile, String(f.name), String(f.variant)),
        undo: (w) => undoFlag(w as FlagWrite),
        said: (t) => {
          const w = t as FlagWrite;
          return w.changed ? `${w.name}: ${w.from ?? '(not set)'} → ${w.to}` : `${w.name}: already ${w.to} (no change)`;
        },
        files: [flagFile],
      },
    };
  },
};

async function flagDiff(dir: string, workspace: string, file: string, name: string, variant: string): Promise<{ ok: boolean; text: string; outside?: boolean }> {
  const c = await confine(workspace, dir, file, 'flag file');
  if (!c.ok) return { ok: false, text: c.message, outside: true };
  let text: string;
  try {
    text = await fs.readFile(c.real, 'utf8');
  } catch (e) {
    return { ok: false, text: (e as NodeJS.ErrnoException).code === 'ENOENT' ? `flag file \`${file}\` does not exist` : `flag file \`${file}\` cannot be read` };
  }
  // the same edit the drill makes (only the defaultVariant value's bytes), described
  const e = editFlag(text, file, name, variant);
  return e.ok ? { ok: true, text: describeFlagEdit(name, e) } : { ok: false, text: e.error };
}

/** What a flag step did to its file: enough to put back the exact bytes. */
interface FlagWrite {
  file: string;
  name: string;
  from: string | undefined;
  to: string;
  changed: boolean;
  /** The file's bytes before the step and right after it. */
  original: Buffer;
  written: Buffer;
}

async function readFlagFile(file: string): Promise<{ bytes: Buffer; text: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `flag file ${path.basename(file)} does not exist` : `cannot read flag file ${path.basename(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const text = bytes.toString('utf8');
  // an edit of the text must give back every other byte: refuse what does not round-trip
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new Error(`flag file ${path.basename(file)} is not UTF-8; left untouched`);
  return { bytes, text };
}

/** Sets a flag's defaultVariant in a flagd file, changing only that value's bytes, atomically. */
async function setFlag(file: string, name: string, variant: string): Promise<FlagWrite> {
  const { bytes, text } = await readFlagFile(file);
  const e = editFlag(text, path.basename(file), name, variant);
  if (!e.ok) throw new Error(e.error);
  const written = e.changed ? Buffer.from(e.text, 'utf8') : bytes;
  if (e.changed) await writeFileAtomic(file, written);
  return { file, name, from: e.from, to: variant, changed: e.changed, original: bytes, written };
}

/**
 * Undoes a flag step: the exact bytes from before it when the file is as the
 * step left it; otherwise (someone changed it since) only the one variant is
 * set back in place, and the message says so.
 */
async function undoFlag(w: FlagWrite): Promise<string> {
  const base = path.basename(w.file);
  const { bytes, text } = await readFlagFile(w.file);
  if (bytes.equals(w.written)) {
    if (!w.changed) return `${base} was not changed by the step; nothing to restore`;
    await writeFileAtomic(w.file, w.original);
    return `restored ${base} byte for byte`;
  }
  const e = editFlag(text, base, w.name, w.from);
  if (!e.ok) throw new Error(`${base} was changed since the step and cannot be set back: ${e.error}`);
  if (e.changed) await writeFileAtomic(w.file, Buffer.from(e.text, 'utf8'));
  return `${base} was changed since the step: ${e.changed ? `set flags.${w.name}.defaultVariant back to ${w.from === undefined ? 'not set' : JSON.stringify(w.from)} in place, the rest left as found` : `flags.${w.name}.defaultVariant is already ${w.from === undefined ? 'not set' : JSON.stringify(w.from)}; left as found`}`;
}
