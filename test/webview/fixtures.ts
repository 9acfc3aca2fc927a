// Contract-test reports for the diff view's browser tests and benchmark, made
// by the real engine (runContractTests) on real files: the example's failing
// parity test (the real model process), a passing comparison, one full of
// hostile strings, and a generated million-row comparison.
import { cpSync, createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestReport } from '../../src/core/contract/report';
import { runContractTests } from '../../src/node/contract/run';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Fixture {
  dir: string;
  report: TestReport;
}

function tmp(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `rl-webview-${name}-`));
}

/** The example's parity test against model 2.0.0: fails on probability.abs. */
export async function failingExample(): Promise<Fixture> {
  const dir = tmp('iris');
  cpSync(path.join(ROOT, 'examples', 'iris'), dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  const report = (await runContractTests(path.join(dir, 'iris.contract.yaml'), { workspace: dir, testIds: ['parity'] })).tests[0]!;
  return { dir, report };
}

function contract(tolerance: string[], drift: string[] = []): string {
  return [
    'apiVersion: rollback-lens/v1',
    'kind: InterfaceContract',
    'metadata: { name: fixture, version: 1 }',
    'input: { schema: { type: object } }',
    'output: { key: id, labels: [a, b, c] }',
    'source: { file: current.jsonl }',
    'tests:',
    '  - id: t',
    '    inputs: inputs.jsonl',
    '    baseline: baseline.jsonl',
    '    tolerance:',
    ...tolerance.map((t) => `      ${t}`),
    ...(drift.length ? ['    drift:', ...drift.map((d) => `      ${d}`)] : []),
    '',
  ].join('\n');
}

async function run(dir: string): Promise<TestReport> {
  return (await runContractTests(path.join(dir, 'fixture.contract.yaml'), { workspace: dir })).tests[0]!;
}

/** 40 rows, every probability within 0.01 of the baseline, labels equal: passes. */
export async function passing(): Promise<Fixture> {
  const dir = tmp('pass');
  const labels = ['a', 'b', 'c'];
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: `row-${String(i).padStart(2, '0')}`, label: labels[i % 3], probability: 0.5 + i / 100 }));
  writeFileSync(path.join(dir, 'inputs.jsonl'), rows.map((r) => JSON.stringify({ id: r.id })).join('\n') + '\n');
  writeFileSync(path.join(dir, 'baseline.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(path.join(dir, 'current.jsonl'), rows.map((r, i) => JSON.stringify({ ...r, probability: r.probability + (i % 2 ? 0.005 : -0.004) })).join('\n') + '\n');
  writeFileSync(path.join(dir, 'fixture.contract.yaml'), contract(['label: { agreement: 0.98 }', 'probability: { abs: 0.01 }']));
  return { dir, report: await run(dir) };
}

/** Strings that would run script if any of them reached the DOM as HTML or a URL. */
export const HOSTILE = ['<script>window.__pwned = "script"</script>', '"><img src=x onerror="window.__pwned = \'img\'">', 'javascript:window.__pwned = "url"', "<svg onload=\"window.__pwned = 'svg'\">"];

/** Keys, labels and an exact field full of hostile strings; fails (labels flip, tags differ). */
export async function hostile(): Promise<Fixture> {
  const dir = tmp('hostile');
  const b: string[] = [];
  const c: string[] = [];
  HOSTILE.forEach((h, i) => {
    b.push(JSON.stringify({ id: h, label: 'a', probability: 0.5, tag: 'safe' }));
    c.push(JSON.stringify({ id: h, label: HOSTILE[(i + 1) % HOSTILE.length], probability: 0.9, tag: h }));
  });
  writeFileSync(path.join(dir, 'inputs.jsonl'), '{"id":"x"}\n');
  writeFileSync(path.join(dir, 'baseline.jsonl'), b.join('\n') + '\n');
  writeFileSync(path.join(dir, 'current.jsonl'), c.join('\n') + '\n');
  writeFileSync(path.join(dir, 'fixture.contract.yaml'), contract(['label: { agreement: 0.98 }', 'probability: { abs: 0.01 }', 'tag: { exact: true }']).replace('output: { key: id, labels: [a, b, c] }', 'output: { key: id }'));
  return { dir, report: await run(dir) };
}

/**
 * `rows` rows: probabilities that drift a little everywhere and a lot on every
 * 97th row (outside abs 0.05), labels that flip on every 211th row.
 */
export async function million(rows = 1_000_000, dir = tmp('1m')): Promise<Fixture> {
  const labels = ['a', 'b', 'c'];
  const write = async (file: string, line: (i: number) => string) => {
    const out = createWriteStream(path.join(dir, file));
    let buf = '';
    for (let i = 0; i < rows; i++) {
      buf += line(i) + '\n';
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = '';
      }
    }
    out.write(buf);
    await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  };
  const p = (i: number) => ((i * 7919) % 10007) / 10007;
  const key = (i: number) => `row-${String(i).padStart(7, '0')}`;
  await write('baseline.jsonl', (i) => `{"id":"${key(i)}","label":"${labels[i % 3]}","probability":${p(i).toFixed(6)}}`);
  await write('current.jsonl', (i) => {
    const shift = i % 97 === 0 ? 0.06 + (i % 1000) / 10000 : ((i % 13) - 6) / 1000;
    return `{"id":"${key(i)}","label":"${labels[(i % 211 === 0 ? i + 1 : i) % 3]}","probability":${(p(i) + shift).toFixed(6)}}`;
  });
  writeFileSync(path.join(dir, 'inputs.jsonl'), '{"id":"x"}\n');
  writeFileSync(path.join(dir, 'fixture.contract.yaml'), contract(['label: { agreement: 0.99 }', 'probability: { abs: 0.05 }'], ['probability: { psi: 0.25, ks: 0.2 }']));
  return { dir, report: await run(dir) };
}
