#!/usr/bin/env node
// Scores iris measurements with a nearest-centroid model.
// Reads JSONL input records on stdin and writes one JSONL output per input on stdout:
//   {"id": ..., "label": "setosa" | "versicolor" | "virginica", "probability": <probability of that label>}
// Usage: node model/predict.mjs --model model/v2.json [--seed 42]
// The model is deterministic; --seed (or ROLLBACK_LENS_SEED) is accepted so the
// contract's seed can be passed the same way to models that do sample.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const modelPath = opt('--model');
if (!modelPath) {
  console.error('usage: predict.mjs --model <model.json> [--seed N]');
  process.exit(2);
}
const model = JSON.parse(readFileSync(modelPath, 'utf8'));
const labels = Object.keys(model.centroids);

function features(record) {
  // petal_len is the deprecated name of petal_length (see the contract's deprecations).
  const row = { ...record, petal_length: record.petal_length ?? record.petal_len };
  return model.features.map((f) => {
    const v = row[f];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`record ${record.id}: ${f} must be a number`);
    return v;
  });
}

function score(x) {
  const logits = labels.map((l) => -model.centroids[l].reduce((s, c, i) => s + (x[i] - c) ** 2, 0) / model.temperature);
  const max = Math.max(...logits);
  const exp = logits.map((z) => Math.exp(z - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  const p = exp.map((e) => e / sum);
  const best = p.indexOf(Math.max(...p));
  return { label: labels[best], probability: Math.round(p[best] * 1e6) / 1e6 };
}

let failed = false;
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  try {
    const record = JSON.parse(line);
    process.stdout.write(JSON.stringify({ id: record.id, ...score(features(record)) }) + '\n');
  } catch (e) {
    console.error(String(e.message ?? e));
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
