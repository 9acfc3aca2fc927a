#!/usr/bin/env node
// Converts the Palmer penguins data set as the npm package vega-datasets ships
// it (data/penguins.json, 344 records) into this example's data/penguins.csv.
//
//   cd /tmp && npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz
//   node examples/penguins/data/convert.mjs /tmp/package/data/penguins.json
//
// vega-datasets is not a dependency of the project: the CSV is committed, and
// this script only says exactly how it was made. It checks the file against
// the hash vega-datasets' datapackage.json gives for it (a git blob SHA-1:
// sha1 of "blob <size>\0" and the bytes), so a different copy is refused
// rather than converted.
//
// The CSV has a header row and one row per penguin, in the source's order, with
// ids penguin-001 … penguin-344 and palmerpenguins' column names:
//   id,species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex
// ("Beak" in vega-datasets is "bill" in palmerpenguins). sex is lowercased
// (male, female); a missing value is an empty cell: the source's null, and the
// one "." that record 337 has for sex. Numbers are written as the source has them.
// Running it twice writes byte-identical files.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHA1 = '517b6d3267174b1b65691a37cbd59c1739155866';
const source = process.argv[2];
if (!source || process.argv.length > 3) {
  console.error('usage: node examples/penguins/data/convert.mjs <vega-datasets>/data/penguins.json');
  process.exit(2);
}
const bytes = readFileSync(source);
const sha1 = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
if (sha1 !== SHA1) {
  console.error(`convert.mjs: ${source} has git blob SHA-1 ${sha1}, not that of vega-datasets 3.2.1's penguins.json, ${SHA1}`);
  process.exit(1);
}
const records = JSON.parse(bytes.toString('utf8'));

const COLUMNS = [
  ['species', 'Species'],
  ['island', 'Island'],
  ['bill_length_mm', 'Beak Length (mm)'],
  ['bill_depth_mm', 'Beak Depth (mm)'],
  ['flipper_length_mm', 'Flipper Length (mm)'],
  ['body_mass_g', 'Body Mass (g)'],
  ['sex', 'Sex'],
];

const cell = (name, v) => {
  if (v === null || v === undefined) return '';
  if (name === 'sex') return v === 'MALE' ? 'male' : v === 'FEMALE' ? 'female' : '';
  if (typeof v === 'string' && /[",\n]/.test(v)) throw new Error(`unexpected character in ${JSON.stringify(v)}`);
  return String(v);
};

const lines = ['id,' + COLUMNS.map(([name]) => name).join(',')];
records.forEach((r, i) => {
  lines.push([`penguin-${String(i + 1).padStart(3, '0')}`, ...COLUMNS.map(([name, from]) => cell(name, r[from]))].join(','));
});
const out = join(dirname(fileURLToPath(import.meta.url)), 'penguins.csv');
writeFileSync(out, lines.join('\n') + '\n');
console.log(`data/penguins.csv: ${records.length} penguins from vega-datasets 3.2.1 (git blob sha1 ${sha1})`);
