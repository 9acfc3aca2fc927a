// test-results/bench.json: each part of `npm run bench` runs in its own
// process and merges its section into the file (a missing or unreadable file
// starts empty).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_RESULTS = join(root, 'test-results', 'bench.json');

export function mergeBenchResults(section, value) {
  let all = {};
  if (existsSync(BENCH_RESULTS)) {
    try {
      all = JSON.parse(readFileSync(BENCH_RESULTS, 'utf8'));
    } catch {
      all = {};
    }
  }
  all[section] = value;
  mkdirSync(dirname(BENCH_RESULTS), { recursive: true });
  writeFileSync(BENCH_RESULTS, JSON.stringify(all, null, 2));
}
