// The example stays true over time: every date under examples/ (YYYY-MM-DD)
// lies at least two years from the date the tests pin (ROLLBACK_LENS_NOW, set
// by test/unit/pin-clock.cjs), so that neither the tests nor the README's
// outputs (produced without a pinned clock) change verdict as the calendar
// moves. A date closer than that needs a reason: `date-ok: <why>` on its line,
// or an entry in ALLOWED below (for files that cannot hold a comment).
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDate } from '../../src/core/util/values';
import { parseNow } from '../../src/node/clock';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');
/** Written when the example is used (audit logs, the local alias store), never committed. */
const SKIPPED_DIRS = new Set(['.rollback-lens', '.registry', 'node_modules']);

/** Dates that may sit near the pinned date, each with its reason. */
const ALLOWED: Array<{ file: string; date: string; reason: string }> = [
  {
    file: 'examples/iris/data/baseline-1.4.2.meta.json',
    date: '2026-11-22',
    reason: 'recordedAt: when the baseline was recorded, a fact of the past that no check compares with today (JSON has no comments)',
  },
  {
    file: 'examples/penguins/data/baseline-3.1.0.meta.json',
    date: '2026-12-04',
    reason: 'recordedAt: when `rollback-lens baseline record` recorded the 3.1.0 baseline, a fact of the past that no check compares with today',
  },
];

interface Near {
  at: string;
  date: string;
}

/** Dates in `text` (a file at `rel`) within two years of `pinned` (epoch ms) without a reason. */
export function nearDates(rel: string, text: string, pinned: number): Near[] {
  const p = new Date(pinned);
  const lo = Date.UTC(p.getUTCFullYear() - 2, p.getUTCMonth(), p.getUTCDate());
  const hi = Date.UTC(p.getUTCFullYear() + 2, p.getUTCMonth(), p.getUTCDate());
  const out: Near[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])/g)) {
      const d = parseDate(m[1]!);
      if (!d.ok || d.value <= lo || d.value >= hi) continue;
      if (/date-ok:\s*\S.{8,}/.test(line)) continue;
      if (ALLOWED.some((a) => a.file === rel && a.date === m[1])) continue;
      out.push({ at: `${rel}:${i + 1}`, date: m[1]! });
    }
  });
  return out;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : files(p);
    return e.isFile() ? [p] : [];
  });
}

describe('examples: dates far from the pinned clock', () => {
  const pinnedText = process.env.ROLLBACK_LENS_NOW;

  it('the unit tests run under a pinned clock', () => {
    assert.ok(pinnedText, 'ROLLBACK_LENS_NOW is set by test/unit/pin-clock.cjs (.mocharc.json requires it)');
    assert.equal(parseNow(pinnedText).ok, true, pinnedText);
  });

  it('the rule can fail: near dates are found, a reason on the line or in ALLOWED lets one stay', () => {
    const pinned = Date.UTC(2026, 10, 22);
    const text = ['a: 2027-06-01', 'b: 2028-11-21 # date-ok: the day before the edge, kept to test the edge', 'c: 2028-11-22', 'd: 2024-11-23', 'e: 2024-11-22', 'f: 2026-02-30', 'g: 12026-01-01'].join('\n');
    assert.deepEqual(nearDates('x.yaml', text, pinned), [
      { at: 'x.yaml:1', date: '2027-06-01' },
      { at: 'x.yaml:4', date: '2024-11-23' },
    ]);
    assert.deepEqual(nearDates('examples/iris/data/baseline-1.4.2.meta.json', '"recordedAt": "2026-11-22T05:15:04Z"', pinned), []);
    assert.deepEqual(nearDates('other.json', '"recordedAt": "2026-11-22T05:15:04Z"', pinned), [{ at: 'other.json:1', date: '2026-11-22' }]);
  });

  it('no date under examples/ lies within two years of the pinned date without a reason', () => {
    const parsed = parseNow(pinnedText ?? '');
    assert.ok(parsed.ok);
    const all = files(EXAMPLES);
    assert.ok(all.length > 10, `${all.length} files under examples/`);
    let dates = 0;
    const near: Near[] = [];
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('\0')) continue;
      const rel = path.relative(ROOT, f).split(path.sep).join('/');
      dates += (text.match(/\d{4}-\d{2}-\d{2}/g) ?? []).length;
      near.push(...nearDates(rel, text, parsed.value));
    }
    assert.ok(dates >= 3, `the scan saw ${dates} dates`);
    assert.deepEqual(near, []);
  });
});
