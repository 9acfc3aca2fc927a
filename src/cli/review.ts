// `rollback-lens review [--since 90d] [--format text|json|html] [--out file]`:
// the readiness review of the workspace's decision repository (its audit
// log) over the period before now (the calendar's now: ROLLBACK_LENS_NOW or
// today): per runbook and across them (src/core/review). text and json go to
// stdout (or --out); html is one self-contained page (inline SVG charts, no
// script, strict CSP), written to --out (or stdout). Exit 0 nothing needs
// attention, 1 something does (an overdue drill, an overdue post-mortem
// action item, a runbook whose newest drill or rollback failed), 2 usage or
// I/O error.
import * as path from 'node:path';
import { reviewText } from '../core/review/text';
import { parseDuration } from '../core/util/values';
import { writeFileAtomic } from '../node/atomic';
import { AuditError } from '../node/audit';
import { calendarClock } from '../node/clock';
import { loadReview, reviewFileHtml, reviewJson } from '../node/review';
import { displayPath, findWorkspace } from '../node/workspace';
import { UsageError, type CliIO } from './io';

const FORMATS = ['text', 'json', 'html'];

/** `rollback-lens review`, its options parsed by main() (src/cli/commands.ts). */
export async function reviewCommand(
  { values, positionals }: { values: { since: string; format: string; out?: string; workspace?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (positionals.length) throw new UsageError(`review takes no file (it reads the workspace's audit log), not \`${positionals[0]}\``);
  if (!FORMATS.includes(values.format)) throw new UsageError(`--format must be text, json or html, not \`${values.format}\``);
  const since = parseDuration(values.since);
  if (!since.ok) throw new UsageError(`--since must be a duration such as 90d or 12w: ${since.error.message}`);
  if (since.value === 0) throw new UsageError('--since must be longer than 0');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const title = path.basename(workspace);
  try {
    // main() has checked ROLLBACK_LENS_NOW
    const loaded = await loadReview({ workspace, now: calendarClock()(), sinceMs: since.value });
    const out =
      values.format === 'json'
        ? JSON.stringify(reviewJson(loaded, displayPath(io.cwd, workspace) || '.'), null, 2) + '\n'
        : values.format === 'html'
          ? reviewFileHtml(loaded.review, title)
          : reviewText(loaded.review, displayPath(io.cwd, workspace) || '.') +
            (loaded.problems.length
              ? `\nthe audit log has problems at ${loaded.problems.length === 1 ? 'line' : 'lines'} ${loaded.problems.map((p) => p.line).join(', ')}: a line that is no record is left out, a record whose chain link is broken still counts (\`rollback-lens audit verify\` says more)\n`
              : '');
    if (values.out !== undefined) {
      const file = path.resolve(io.cwd, values.out);
      await writeFileAtomic(file, out);
      io.stderr.write(`wrote ${displayPath(io.cwd, file)}\n`);
    } else io.stdout.write(out);
    return loaded.review.attention.length ? 1 : 0;
  } catch (e) {
    if (e instanceof AuditError || (e as NodeJS.ErrnoException).code !== undefined) {
      io.stderr.write(`rollback-lens: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}
