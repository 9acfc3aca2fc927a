// The recording workspace test/unit/baseline.test.ts and
// test/system/baseline.test.ts both record into: a temporary folder with four
// inputs, an old baseline and an old sidecar, and the check that those old
// files are still there byte for byte with no temporary file left behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const MODEL = path.join(ROOT, 'test/fixtures/models/model.mjs');
/** A `command` that runs a Node script with this Node, as a contract source names it. */
export const node = (script: string, flags = ''): string => `${JSON.stringify(process.execPath)} ${JSON.stringify(script)}${flags ? ` ${flags}` : ''}`;

export const OLD_BASELINE = '{"id":"a","x2":-1}\n{"id":"b","x2":-2}\n';
export const OLD_SIDECAR = '{ "model": "m", "version": "0.9", "seed": 1 }\n';

/** A new temporary folder with data/inputs.jsonl (ids a-d), the old data/b.jsonl and data/b.meta.json. */
export function recordingWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-baseline-'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data/inputs.jsonl'), '{"id":"a","x":1}\n{"id":"b","x":2}\n{"id":"c","x":3}\n{"id":"d","x":4}\n');
  fs.writeFileSync(path.join(dir, 'data/b.jsonl'), OLD_BASELINE);
  fs.writeFileSync(path.join(dir, 'data/b.meta.json'), OLD_SIDECAR);
  return dir;
}

export function assertOldFilesIntact(dir: string): void {
  assert.equal(fs.readFileSync(path.join(dir, 'data/b.jsonl'), 'utf8'), OLD_BASELINE);
  assert.equal(fs.readFileSync(path.join(dir, 'data/b.meta.json'), 'utf8'), OLD_SIDECAR);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).sort(), ['b.jsonl', 'b.meta.json', 'inputs.jsonl'], 'no temporary file left behind');
}
