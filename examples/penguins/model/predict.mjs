#!/usr/bin/env node
// Scores penguins with a model written by train.mjs, as a command source would
// run it: JSONL inputs on stdin, JSONL outputs on stdout.
//
//   node model/predict.mjs --model model/v2.json < data/inputs.jsonl
//
// Reads one penguin per line:
//   {"id":"penguin-001","island":"Torgersen","bill_length_mm":39.1,"bill_depth_mm":18.7,
//    "flipper_length_mm":181,"body_mass_g":3750,"sex":"male"}
// and writes one output per input, in input order:
//   {"id":"penguin-001","species":"Adelie","probability":0.99,"probabilities":[0.99,0.008,0.002]}
// species is the most probable species, probability its probability,
// probabilities that of every species in the model's label order (Adelie,
// Chinstrap, Gentoo), each rounded to 6 decimals. The model is deterministic:
// there is no seed.
//
// Exit codes: 0 every line scored; 1 some input line was bad (each one is named on
// stderr with its line number, and gets no output); 2 bad usage or unreadable model.
import { createInterface } from 'node:readline';
import { loadModel, ModelError } from './softmax.mjs';

const usage = 'usage: node model/predict.mjs --model <model.json> < inputs.jsonl';

function fail(message, code = 2) {
  console.error(`predict.mjs: ${message}`);
  process.exit(code);
}

const argv = process.argv.slice(2);
let file;
for (let i = 0; i < argv.length; i++) {
  const m = /^--model(?:=(.*))?$/.exec(argv[i]);
  if (!m) fail(`unknown argument ${JSON.stringify(argv[i])}\n${usage}`);
  file = m[1] ?? argv[++i];
  if (file === undefined) fail(`--model needs a value\n${usage}`);
}
if (!file) fail(`--model is required\n${usage}`);

let model;
try {
  model = loadModel(file);
} catch (e) {
  if (e instanceof ModelError) fail(e.message);
  throw e;
}

let lineNo = 0;
let bad = 0;
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
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
  const id = typeof record?.id === 'string' && record.id !== '' ? record.id : undefined;
  try {
    if (id === undefined) throw new Error('id must be a non-empty string');
    process.stdout.write(JSON.stringify({ id, ...model.score(record) }) + '\n');
  } catch (e) {
    console.error(`predict.mjs: stdin line ${lineNo}${id ? ` (id ${id})` : ''}: ${e.message}`);
    bad++;
  }
}
if (bad > 0) {
  console.error(`predict.mjs: ${bad} of ${lineNo} input line(s) rejected`);
  process.exitCode = 1;
}
