// The penguin classifier as predict.mjs, score.mjs and serve.mjs run it: a model
// file written by train.mjs, loaded and checked, and one record scored.
//
//   const model = loadModel('model/v2.json');   // throws ModelError on a bad file
//   model.score({ island: 'Dream', bill_length_mm: 46.5, ... })
//     → { species: 'Chinstrap', probability: 0.93, probabilities: [0.05, 0.93, 0.02] }
//
// `probabilities` follows `model.labels` (Adelie, Chinstrap, Gentoo); every
// probability is rounded to 6 decimals. A record must carry every field of the
// serving signature (`model.inputs`: the island, the four measurements, sex),
// whichever of them the release uses: 3.2.0 ignores the island but still
// requires it, as the contract's input schema does. A bad record throws a
// RecordError naming the field; nothing here does I/O but reading the model file.
import { readFileSync } from 'node:fs';

export class ModelError extends Error {}
export class RecordError extends Error {}

const round6 = (p) => {
  const r = Math.round(p * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
};

export function loadModel(file) {
  let m;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelError(`cannot read the model ${file}: ${e.message}`);
  }
  if (m?.kind !== 'softmax-regression') throw new ModelError(`${file}: kind must be softmax-regression, got ${JSON.stringify(m?.kind)}`);
  const { inputs, categories, features, labels, standardize, weights, bias } = m;
  for (const f of features) {
    const eq = f.indexOf('=');
    if (eq < 0 ? !(f in standardize.mean && f in standardize.std) : !categories[f.slice(0, eq)]?.includes(f.slice(eq + 1))) {
      throw new ModelError(`${file}: feature ${f} has no ${eq < 0 ? 'standardisation' : 'category'}`);
    }
  }

  /** The record's value of one input field, checked. */
  const value = (record, field) => {
    const v = record[field];
    if (v === undefined || v === null) throw new RecordError(`${field} is missing`);
    if (categories[field]) {
      if (!categories[field].includes(v)) throw new RecordError(`${field} must be one of ${categories[field].join(', ')}, got ${JSON.stringify(v)}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordError(`${field} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };

  return {
    name: m.model,
    version: m.version,
    inputs,
    categories,
    labels,
    score(record) {
      if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new RecordError('expected a JSON object');
      const r = Object.fromEntries(inputs.map((f) => [f, value(record, f)]));
      const x = features.map((f) => {
        const eq = f.indexOf('=');
        if (eq >= 0) return r[f.slice(0, eq)] === f.slice(eq + 1) ? 1 : 0;
        return (r[f] - standardize.mean[f]) / standardize.std[f];
      });
      const z = labels.map((l) => weights[l].reduce((s, w, j) => s + w * x[j], bias[l]));
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / sum);
      const best = p.indexOf(Math.max(...p));
      return { species: labels[best], probability: round6(p[best]), probabilities: p.map(round6) };
    },
  };
}
