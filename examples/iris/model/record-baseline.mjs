#!/usr/bin/env node
// Records the 1.4.2 baseline that the contract's parity test compares against.
//
//   node examples/iris/model/record-baseline.mjs [--recorded-at <ISO 8601 time>]
//
// Runs the 1.4.2 model (model/v1.json) on data/inputs.jsonl with seed 42, passed as
// the environment variable ROLLBACK_LENS_SEED, and writes, relative to examples/iris/:
//   data/baseline-1.4.2.jsonl       the outputs, one line per input
//   data/baseline-1.4.2.meta.json   their provenance: model, version, seed, time,
//                                   command, sha256 digests of the inputs file, the
//                                   model file and the baseline file (over the exact bytes)
//
// Stand-in for `rollback-lens baseline record`, which writes the same sidecar. The
// outputs are deterministic, so rerunning this script changes only recordedAt
// (pass --recorded-at with the sidecar's recordedAt to keep it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const example = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = 'model/v1.json';
const INPUTS = 'data/inputs.jsonl';
const BASELINE = 'data/baseline-1.4.2.jsonl';
const META = 'data/baseline-1.4.2.meta.json';
const SEED = 42;
const COMMAND = `node model/predict.mjs --model ${MODEL}`;

const args = process.argv.slice(2);
let recordedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
for (let i = 0; i < args.length; i++) {
  const m = /^--recorded-at(?:=(.*))?$/.exec(args[i]);
  const value = m && (m[1] ?? args[++i]);
  if (!value || Number.isNaN(Date.parse(value))) {
    console.error('usage: node examples/iris/model/record-baseline.mjs [--recorded-at <ISO 8601 time>]');
    process.exit(2);
  }
  recordedAt = value;
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const tool = JSON.parse(readFileSync(join(example, '../../package.json'), 'utf8'));
const model = JSON.parse(readFileSync(join(example, MODEL), 'utf8'));

const inputs = readFileSync(join(example, INPUTS));
const outputs = execFileSync(process.execPath, ['model/predict.mjs', '--model', MODEL], {
  cwd: example,
  input: inputs,
  env: { ...process.env, ROLLBACK_LENS_SEED: String(SEED) },
  stdio: ['pipe', 'pipe', 'inherit'],
  maxBuffer: 64 * 1024 * 1024,
});
writeFileSync(join(example, BASELINE), outputs);

const meta = {
  description: `Provenance of ${BASELINE.slice('data/'.length)}: outputs of ${model.model} ${model.version} for ${INPUTS.slice('data/'.length)}.`,
  model: model.model,
  version: model.version,
  seed: SEED,
  recordedAt,
  command: COMMAND,
  inputs: { file: INPUTS.slice('data/'.length), digest: sha256(inputs) },
  modelDigest: sha256(readFileSync(join(example, MODEL))),
  digest: sha256(outputs),
  tool: { name: tool.name, version: tool.version },
};
writeFileSync(join(example, META), JSON.stringify(meta, null, 2) + '\n');

const rows = outputs.toString('utf8').split('\n').filter(Boolean).length;
console.log(`${BASELINE}: ${rows} rows from ${model.model} ${model.version}, seed ${SEED}`);
console.log(`${META}: digest ${meta.digest}`);
