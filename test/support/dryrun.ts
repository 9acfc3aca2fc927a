// The small runbook the dry-run tests write (test/unit/dryrun.test.ts and
// test/system/dryrun.test.ts): a release from m 2.0.0 to 1.0.0, one decision
// maker, and the steps given; and a temporary workspace of files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A runbook whose `steps:` list is the text given (each step indented two spaces). */
export const RUNBOOK = (steps: string) => `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: sentinel, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.0.0 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
windows: { decide: 15m, restore: 30m }
steps:
${steps}`;

/** A temporary folder holding the files given (name -> text). */
export function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-dryrun-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}
