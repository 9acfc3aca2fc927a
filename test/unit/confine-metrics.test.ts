// A metrics snapshot outside the workspace is refused before it is opened:
// named by a path that leaves the workspace, or through a link inside it that
// points out. Real CLI processes (dry-run and drill); the outside file holds a
// canary that must appear in no output, and its values must not reach a trigger.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from './helpers';

const EXAMPLE = path.resolve(__dirname, '../../examples/iris');
const CANARY = 'CANARY_metrics_7f3a';

function workspaceWithOutsideSnapshot(reference: (ws: string) => string): string {
  const top = mkdtempSync(path.join(tmpdir(), 'rl-confine-metrics-'));
  const ws = path.join(top, 'ws');
  cpSync(EXAMPLE, ws, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
  writeFileSync(path.join(top, 'outside.json'), JSON.stringify({ p99_latency_ms: 777.5, [CANARY]: 1 }));
  const file = path.join(ws, 'iris.runbook.yaml');
  const rb = readFileSync(file, 'utf8');
  assert.ok(rb.includes('metrics: { file: metrics/now.json }'));
  writeFileSync(file, rb.replace('metrics: { file: metrics/now.json }', `metrics: { file: ${reference(ws)} }`));
  return ws;
}

describe('confinement: the metrics snapshot', () => {
  for (const [name, reference] of [
    ['a path that leaves the workspace (../outside.json)', () => '../outside.json'],
    ['a link inside the workspace that points out', (ws: string) => (symlinkSync(path.join(ws, '..', 'outside.json'), path.join(ws, 'metrics', 'linked.json')), 'metrics/linked.json')],
  ] as Array<[string, (ws: string) => string]>) {
    it(`${name}: dry-run and drill never read it`, () => {
      const ws = workspaceWithOutsideSnapshot(reference);
      for (const argv of [['dry-run', 'iris.runbook.yaml'], ['drill', 'iris.runbook.yaml', '--scenario', 'repoint-fails']]) {
        const out = runCliProcess(ws, argv);
        const all = out.stdout + out.stderr;
        assert.ok(!all.includes(CANARY), `${argv[0]}: the canary was printed`);
        assert.ok(!all.includes('777.5'), `${argv[0]}: a value from outside reached a trigger:\n${all}`);
        // the dry-run says why (the drill's text report lists only which triggers fired)
        if (argv[0] === 'dry-run') assert.match(all, /the metrics snapshot `\S+` is outside the workspace/, `${argv[0]}:\n${all}`);
      }
    });
  }
});
