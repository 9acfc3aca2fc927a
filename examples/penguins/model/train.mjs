#!/usr/bin/env node
// Trains the two releases of the penguin species classifier and writes the
// example's inputs.
//
//   node examples/penguins/model/train.mjs
//
// Reads data/penguins.csv (the Palmer penguins, 344 rows; data/README.md) and
// writes, relative to examples/penguins/:
//   data/inputs.jsonl   the 333 penguins with every measurement and sex known, as
//                       contract inputs (id, island, bill_length_mm, bill_depth_mm,
//                       flipper_length_mm, body_mass_g, sex), in the CSV's order
//   model/v1.json       release 3.1.0: softmax regression on the four measurements,
//                       sex and the island (one-hot)
//   model/v2.json       release 3.2.0: the same model trained without the island,
//                       with the same seed and settings (model/README.md says what
//                       that changes and what the contract's parity test shows)
//
// The model is multinomial logistic regression (softmax) on standardised
// measurements and 0/1 indicators (sex=male, island=Biscoe, island=Dream,
// island=Torgersen), trained by mini-batch gradient descent with L2
// regularisation, in plain JavaScript. Training is deterministic: a seeded PRNG
// draws the initial weights and shuffles the mini-batches, epochs and learning
// rate are fixed, and the weights are rounded before they are written, so running
// this script twice writes byte-identical files.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const example = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The fields a request carries (the serving signature), the same for both releases. */
const INPUTS = ['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'];
const NUMERIC = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
const LABELS = ['Adelie', 'Chinstrap', 'Gentoo'];
const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'];
const SEXES = ['female', 'male'];

/** The two releases: everything that differs between them is in this table. */
const RELEASES = [
  {
    file: 'model/v1.json',
    version: '3.1.0',
    features: [...NUMERIC, 'sex=male', ...ISLANDS.map((i) => `island=${i}`)],
    epochs: 200,
    learningRate: 0.05,
    l2: 0.01,
    batchSize: 16,
    seed: 7,
  },
  {
    file: 'model/v2.json',
    version: '3.2.0',
    // 3.2.0's feature pipeline dropped the island; everything else is as in 3.1.0.
    features: [...NUMERIC, 'sex=male'],
    epochs: 200,
    learningRate: 0.05,
    l2: 0.01,
    batchSize: 16,
    seed: 7,
  },
];

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x, digits) => {
  const r = Math.round(x * 10 ** digits) / 10 ** digits;
  return Object.is(r, -0) ? 0 : r;
};

function softmax(z) {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** data/penguins.csv as records; a missing value (empty cell) is null. */
function loadCsv() {
  const [header, ...lines] = readFileSync(join(example, 'data/penguins.csv'), 'utf8').trimEnd().split('\n');
  const columns = header.split(',');
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new Error(`data/penguins.csv line ${i + 2}: ${cells.length} cells, expected ${columns.length}`);
    return Object.fromEntries(columns.map((c, j) => [c, cells[j] === '' ? null : NUMERIC.includes(c) ? Number(cells[j]) : cells[j]]));
  });
}

/** The rows the model can use: every input known. */
function usable(rows) {
  return rows.filter((r) => INPUTS.every((f) => r[f] !== null)).map((r) => {
    if (!LABELS.includes(r.species)) throw new Error(`${r.id}: unknown species ${r.species}`);
    if (!ISLANDS.includes(r.island)) throw new Error(`${r.id}: unknown island ${r.island}`);
    if (!SEXES.includes(r.sex)) throw new Error(`${r.id}: unknown sex ${r.sex}`);
    return r;
  });
}

/** One feature's raw value: a measurement, or 1/0 for an indicator `field=value`. */
function raw(record, feature) {
  const eq = feature.indexOf('=');
  return eq < 0 ? record[feature] : record[feature.slice(0, eq)] === feature.slice(eq + 1) ? 1 : 0;
}

function train(rows, release) {
  const { features, epochs, learningRate, l2, batchSize, seed } = release;
  const numeric = features.filter((f) => !f.includes('='));
  const y = rows.map((r) => LABELS.indexOf(r.species));
  const n = rows.length;
  const d = features.length;
  const k = LABELS.length;

  // Standardise the measurements with the training set's mean and (population)
  // standard deviation, rounded first so that predict.mjs applies exactly the
  // numbers training used; indicators stay 0/1.
  const mean = Object.fromEntries(numeric.map((f) => [f, round(rows.reduce((s, r) => s + r[f], 0) / n, 6)]));
  const std = Object.fromEntries(numeric.map((f) => [f, round(Math.sqrt(rows.reduce((s, r) => s + (r[f] - mean[f]) ** 2, 0) / n), 6)]));
  const encode = (r) => features.map((f) => (f in mean ? (raw(r, f) - mean[f]) / std[f] : raw(r, f)));
  const x = rows.map(encode);

  const random = prng(seed);
  const W = LABELS.map(() => features.map(() => (random() - 0.5) * 0.02));
  const b = LABELS.map(() => 0);
  const order = [...Array(n).keys()];

  for (let epoch = 0; epoch < epochs; epoch++) {
    // Fisher-Yates shuffle with the seeded PRNG.
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < n; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const gW = LABELS.map(() => features.map(() => 0));
      const gb = LABELS.map(() => 0);
      for (const i of batch) {
        const p = softmax(W.map((w, c) => w.reduce((s, wj, j) => s + wj * x[i][j], b[c])));
        for (let c = 0; c < k; c++) {
          const err = p[c] - (y[i] === c ? 1 : 0);
          gb[c] += err;
          for (let j = 0; j < d; j++) gW[c][j] += err * x[i][j];
        }
      }
      for (let c = 0; c < k; c++) {
        b[c] -= (learningRate * gb[c]) / batch.length;
        for (let j = 0; j < d; j++) W[c][j] -= learningRate * (gW[c][j] / batch.length + l2 * W[c][j]);
      }
    }
  }

  const weights = Object.fromEntries(LABELS.map((l, c) => [l, W[c].map((v) => round(v, 6))]));
  const bias = Object.fromEntries(LABELS.map((l, c) => [l, round(b[c], 6)]));

  // Accuracy on the training set, with the rounded weights as predict.mjs will use them.
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = softmax(LABELS.map((l) => weights[l].reduce((s, wj, j) => s + wj * x[i][j], bias[l])));
    if (p.indexOf(Math.max(...p)) === y[i]) correct++;
  }

  return {
    model: 'penguin-species',
    version: release.version,
    kind: 'softmax-regression',
    description:
      'Multinomial logistic regression: p = softmax(W . x + bias), x the features in order: a measurement as (value - mean) / std, `field=value` as 1 when the field has that value, else 0.',
    inputs: INPUTS,
    categories: { island: ISLANDS, sex: SEXES },
    features,
    labels: LABELS,
    standardize: { mean, std },
    weights,
    bias,
    training: {
      script: 'examples/penguins/model/train.mjs',
      data: `data/penguins.csv (the ${n} rows with every input known)`,
      seed,
      epochs,
      learningRate,
      l2,
      batchSize,
      trainAccuracy: round(correct / n, 4),
    },
  };
}

const rows = usable(loadCsv());
const inputs = rows.map((r) => JSON.stringify({ id: r.id, ...Object.fromEntries(INPUTS.map((f) => [f, r[f]])) })).join('\n') + '\n';
writeFileSync(join(example, 'data/inputs.jsonl'), inputs);
console.log(`data/inputs.jsonl: ${rows.length} penguins with every input known, of the CSV's ${loadCsv().length}`);

for (const release of RELEASES) {
  const model = train(rows, release);
  writeFileSync(join(example, release.file), JSON.stringify(model, null, 2) + '\n');
  console.log(`${release.file}: ${model.version}, features ${model.features.join(', ')}, ${release.epochs} epochs, training accuracy ${model.training.trainAccuracy}`);
}
