// The broken runbook test/unit/cli.test.ts and test/system/cli.test.ts both
// validate: the clean example runbook with one error (an invalid duration) and
// one warning (a plan of 1m longer than a 30s restore window), their ranges
// and messages, and `file:line:col` as the CLI prints a range's start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLEAN_FILES, CLEAN_RUNBOOK, rangeIn, replaceOnce, type Range } from '../unit/helpers';

/** The clean runbook with `for: 5x` (an error) and `restore: 30s` (a warning). */
export const BROKEN = replaceOnce(replaceOnce(CLEAN_RUNBOOK, 'for: 5m', 'for: 5x'), 'restore: 30m', 'restore: 30s');
export const ERR_RANGE = rangeIn(BROKEN, 'for: 5x', 'x');
export const WARN_RANGE = rangeIn(BROKEN, 'restore: 30s', '30s');
export const ERR_MSG = 'invalid duration `5x`: unknown duration unit `x`; use one of ms, s, m, h, d, w';
export const WARN_MSG = "the plan's worst case is 1m (`approve` → `flag-off` → `repoint` → `verify`), longer than windows.restore 30s";

/** `file:line:col` of a 0-based range start, 1-based. */
export function at(file: string, r: Range): string {
  return `${file}:${r.start.line + 1}:${r.start.character + 1}`;
}

/** Writes the clean example files (runbook, contract and what they name) into dir. */
export function writeCleanFiles(dir: string): void {
  for (const [rel, content] of CLEAN_FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}
