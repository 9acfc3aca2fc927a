// The language host's view of the audit log's last runs (lastDrillRun,
// lastContractRun): the newest `drill` record of each runbook (not a cancelled
// one) with its steps' outcomes, and the newest `contract-test` record of each
// contract with its rules' measured values and limits (node/contract/records.ts
// writes them; records written before they did give a run with no steps or
// rules). The log (through node/audit's readAuditLog) is read at most once per
// change of its mtime and size (cachedAuditRead), and each call only stats it; no log, or one
// that cannot be read, is "no history" (undefined). Records on broken lines
// are skipped.
import * as path from 'node:path';
import type { LastContractRun, LastDrillRun } from '../../core/language/host';
import { isObject } from '../../core/util/object';
import { cachedAuditRead, readAuditLog } from '../audit';

interface Index {
  drills: Map<string, LastDrillRun>;
  contracts: Map<string, LastContractRun>;
}

export interface LastRuns {
  lastDrillRun(runbookPath: string): Promise<LastDrillRun | null | undefined>;
  lastContractRun(contractPath: string): Promise<LastContractRun | null | undefined>;
}

export function lastRunsFromAudit(workspaceRoot: string): LastRuns {
  const index = cachedAuditRead(workspaceRoot, () => build(workspaceRoot));
  return {
    lastDrillRun: async (p) => {
      const i = await index();
      return i ? (i.drills.get(normalizeRel(p)) ?? null) : undefined;
    },
    lastContractRun: async (p) => {
      const i = await index();
      return i ? (i.contracts.get(normalizeRel(p)) ?? null) : undefined;
    },
  };
}

async function build(workspaceRoot: string): Promise<Index | undefined> {
  const drills = new Map<string, LastDrillRun>();
  const contracts = new Map<string, LastContractRun>();
  try {
    for (const { record } of (await readAuditLog(workspaceRoot)).entries) {
      const at = Date.parse(record.time);
      if (!Number.isFinite(at)) continue;
      const p = normalizeRel(record.path);
      if (record.kind === 'drill' && record.verdict !== 'cancelled' && record.outcome !== 'cancelled') {
        if (at < (drills.get(p)?.at ?? -Infinity)) continue;
        drills.set(p, { at, scenario: typeof record.scenario === 'string' ? record.scenario : '', verdict: record.verdict, steps: stepsOf(record.steps) });
      } else if (record.kind === 'contract-test') {
        if (at < (contracts.get(p)?.at ?? -Infinity)) continue;
        contracts.set(p, { at, verdict: record.verdict, tests: rulesOf(record.rules) });
      }
    }
  } catch {
    return undefined;
  }
  return { drills, contracts };
}

function stepsOf(v: unknown): LastDrillRun['steps'] {
  const out: LastDrillRun['steps'] = {};
  if (!isObject(v)) return out;
  for (const [id, s] of Object.entries(v)) {
    if (!isObject(s) || typeof s.outcome !== 'string') continue;
    out[id] = { outcome: s.outcome, ...(typeof s.durationMs === 'number' ? { durationMs: s.durationMs } : {}), ...(typeof s.undo === 'string' ? { undo: s.undo } : {}) };
  }
  return out;
}

function rulesOf(v: unknown): LastContractRun['tests'] {
  const out: LastContractRun['tests'] = {};
  if (!isObject(v)) return out;
  for (const [test, rules] of Object.entries(v)) {
    if (!Array.isArray(rules)) continue;
    out[test] = rules.filter(isObject).flatMap((r) =>
      typeof r.id === 'string' && typeof r.verdict === 'string'
        ? [
            {
              id: r.id,
              verdict: r.verdict,
              ...(typeof r.field === 'string' ? { field: r.field } : {}),
              ...(typeof r.threshold === 'number' ? { threshold: r.threshold } : {}),
              ...(typeof r.value === 'number' ? { value: r.value } : {}),
            },
          ]
        : [],
    );
  }
  return out;
}

function normalizeRel(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
}
