#!/usr/bin/env node
// Scores iris flowers with a softmax-regression model written by train.mjs.
//
//   node model/predict.mjs --model model/v2.json [--seed 42] < data/inputs.jsonl
//
// Reads JSONL input records on stdin, one flower per line:
//   {"id": "iris-001", "sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
// and writes one JSONL output per input, in input order, on stdout:
//   {"id": "iris-001", "label": "setosa", "probability": 0.98,
//    "scores": {"setosa": 0.98, "versicolor": 0.02, "virginica": 0}}
// label is the most probable species, probability its probability, scores the
// probability of every species (each rounded to 6 decimals).
//
// petal_len, the deprecated name of petal_length (see the contract's deprecations),
// is still read; a warning on stderr counts the lines that use it.
//
// Seed: the model is deterministic, so the same input always gives the same output
// and the seed changes nothing. --seed N (or the environment variable
// ROLLBACK_LENS_SEED) is accepted and checked so that the contract's seed can be
// passed the same way as to models that do sample.
//
// Exit codes: 0 every line scored; 1 some input line was bad (each one is named on
// stderr with its line number, and gets no output); 2 bad usage or unreadable model.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const usage = 'usage: node model/predict.mjs --model <model.json> [--seed N] < inputs.jsonl';

function fail(message, code = 2) {
  console.error(`predict.mjs: ${message}`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--(model|seed)(?:=(.*))?$/.exec(arg);
    if (!m) fail(`unknown argument ${JSON.stringify(arg)}\n${usage}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) fail(`--${m[1]} needs a value\n${usage}`);
    opts[m[1]] = value;
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
if (!opts.model) fail(`--model is required\n${usage}`);
const seed = opts.seed ?? process.env.ROLLBACK_LENS_SEED;
if (seed !== undefined && !/^-?\d+$/.test(seed)) {
  fail(`the seed must be an integer, got ${JSON.stringify(seed)} (from ${opts.seed !== undefined ? '--seed' : 'ROLLBACK_LENS_SEED'})`);
}

let model;
try {
  model = JSON.parse(readFileSync(opts.model, 'utf8'));
} catch (e) {
  fail(`cannot read the model ${opts.model}: ${e.message}`);
}
if (model.kind !== 'softmax-regression') fail(`${opts.model}: kind must be softmax-regression, got ${JSON.stringify(model.kind)}`);
const { features, labels, standardize, weights, bias } = model;

/** The model's standardised feature vector for one input record; throws on a bad record. */
function featureVector(record) {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new Error('expected a JSON object');
  if (typeof record.id !== 'string' || record.id === '') throw new Error('id must be a non-empty string');
  if (record.petal_length !== undefined && record.petal_len !== undefined && record.petal_length !== record.petal_len) {
    throw new Error(`petal_length (${record.petal_length}) and its deprecated name petal_len (${record.petal_len}) disagree`);
  }
  return features.map((f) => {
    const v = f === 'petal_length' ? (record.petal_length ?? record.petal_len) : record[f];
    if (v === undefined) throw new Error(f === 'petal_length' ? 'petal_length (or its deprecated name petal_len) is missing' : `${f} is missing`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${f} must be a number, got ${JSON.stringify(v)}`);
    return (v - standardize.mean[f]) / standardize.std[f];
  });
}

const round6 = (p) => Math.round(p * 1e6) / 1e6;

function score(x) {
  const z = labels.map((l) => weights[l].reduce((s, w, j) => s + w * x[j], bias[l]));
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  const p = e.map((v) => v / sum);
  const best = p.indexOf(Math.max(...p));
  return {
    label: labels[best],
    probability: round6(p[best]),
    scores: Object.fromEntries(labels.map((l, c) => [l, round6(p[c])])),
  };
}

let lineNo = 0;
let bad = 0;
let deprecated = 0;
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  lineNo++;
  if (!line.trim()) continue;
  let record;
  try {
    record = JSON.parse(line);
  } catch (e) {
    console.error(`predict.mjs: stdin line ${lineNo}: not valid JSON: ${e.message}`);
    bad++;
    continue;
  }
  try {
    const x = featureVector(record);
    if (record.petal_length === undefined && record.petal_len !== undefined) deprecated++;
    process.stdout.write(JSON.stringify({ id: record.id, ...score(x) }) + '\n');
  } catch (e) {
    const id = typeof record?.id === 'string' ? ` (id ${record.id})` : '';
    console.error(`predict.mjs: stdin line ${lineNo}${id}: ${e.message}`);
    bad++;
  }
}
if (deprecated > 0) {
  console.error(`predict.mjs: warning: ${deprecated} input line(s) use petal_len, the deprecated name of petal_length; send petal_length`);
}
if (bad > 0) {
  console.error(`predict.mjs: ${bad} of ${lineNo} input line(s) rejected`);
  process.exitCode = 1;
}
