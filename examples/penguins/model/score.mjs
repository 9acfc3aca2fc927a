#!/usr/bin/env node
// Batch scoring, as a nightly job would run it: scores an inputs file with one
// release and writes the outputs file the batch contract
// (penguins-batch.contract.yaml) reads through `source.file`.
//
//   node model/score.mjs --model model/v2.json --inputs data/inputs.jsonl --out data/scores-3.2.0.jsonl   (JSONL)
//   node model/score.mjs --model model/v2.json --inputs data/inputs.jsonl --out data/scores-3.2.0.parquet
//
// One output row per input, in input order, keyed by the input's id:
//   {"id": "penguin-001", "species": "Adelie", "probability": 0.98}
// (the per-species probabilities stay with the served model's answer; a batch
// table keeps the columns its consumers read).
//
// --format jsonl|parquet (default: from --out's extension, .jsonl or .parquet).
// Parquet is written with hyparquet-writer, imported only when asked for: one row
// group, columns id (STRING), species (STRING), probability (DOUBLE). When the
// package is not installed the script says so and exits 2, writing nothing.
//
// Exit codes: 0 written; 1 an input line was bad (named on stderr with its line
// number; nothing is written); 2 bad usage, unreadable model, no hyparquet-writer.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { loadModel, ModelError } from './softmax.mjs';

const usage = 'usage: node model/score.mjs --model <model.json> --inputs <inputs.jsonl> --out <file.jsonl|file.parquet> [--format jsonl|parquet]';
const fail = (message, code = 2) => {
  console.error(`score.mjs: ${message}`);
  process.exit(code);
};

const opts = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const m = /^--(model|inputs|out|format)(?:=(.*))?$/.exec(argv[i]);
  if (!m) fail(`unknown argument ${JSON.stringify(argv[i])}\n${usage}`);
  const value = m[2] ?? argv[++i];
  if (value === undefined) fail(`--${m[1]} needs a value\n${usage}`);
  opts[m[1]] = value;
}
for (const required of ['model', 'inputs', 'out']) if (!opts[required]) fail(`--${required} is required\n${usage}`);
const FORMATS = { '.jsonl': 'jsonl', '.parquet': 'parquet' };
const format = opts.format ?? FORMATS[extname(opts.out)];
if (format !== 'jsonl' && format !== 'parquet') {
  fail(opts.format ? `--format is jsonl or parquet, not ${JSON.stringify(opts.format)}` : `cannot tell the format from ${JSON.stringify(opts.out)}: end it in .jsonl or .parquet, or give --format`);
}

let model;
try {
  model = loadModel(opts.model);
} catch (e) {
  if (e instanceof ModelError) fail(e.message);
  throw e;
}

let text;
try {
  text = readFileSync(opts.inputs, 'utf8');
} catch (e) {
  fail(`cannot read the inputs ${opts.inputs}: ${e.message}`);
}
const rows = [];
let bad = 0;
text.split('\n').forEach((line, i) => {
  if (!line.trim()) return;
  try {
    const record = JSON.parse(line);
    if (typeof record?.id !== 'string' || record.id === '') throw new Error('id must be a non-empty string');
    const { species, probability } = model.score(record);
    rows.push({ id: record.id, species, probability });
  } catch (e) {
    console.error(`score.mjs: ${opts.inputs} line ${i + 1}: ${e.message}`);
    bad++;
  }
});
if (bad) fail(`${bad} input line(s) rejected; nothing written`, 1);

let bytes;
if (format === 'jsonl') bytes = rows.map((r) => JSON.stringify(r) + '\n').join('');
else {
  let writer;
  try {
    writer = await import('hyparquet-writer');
  } catch {
    fail('writing Parquet needs the npm package hyparquet-writer (npm ci in the repository installs it); write JSONL with --out <file>.jsonl meanwhile');
  }
  const buffer = writer.parquetWriteBuffer({
    columnData: [
      { name: 'id', data: rows.map((r) => r.id), type: 'STRING' },
      { name: 'species', data: rows.map((r) => r.species), type: 'STRING' },
      { name: 'probability', data: rows.map((r) => r.probability), type: 'DOUBLE' },
    ],
  });
  bytes = new Uint8Array(buffer);
}
// written next to the target and renamed over it: a reader never sees half a file
const tmp = `${opts.out}.tmp-${process.pid}`;
writeFileSync(tmp, bytes);
renameSync(tmp, opts.out);
console.log(`${opts.out}: ${rows.length} rows from ${model.name} ${model.version} (${format})`);
