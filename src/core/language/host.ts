// What the language service needs from the world, injected. The core never
// touches files itself; the node layer and the editor adapter implement this.
// The audit log's last runs (lastDrillRun, lastContractRun) are optional: a
// host without them gives hovers without "last result" lines. The policy
// that applies to a document (policyFor) is optional too: a host without it
// applies none.

export type FileStat = 'file' | 'directory' | 'missing' | 'outside';

/** The newest drill of a runbook the audit log recorded, with what each step did. */
export interface LastDrillRun {
  /** Epoch milliseconds. */
  at: number;
  scenario: string;
  verdict: string;
  /** By step id: its outcome (done, failed, skipped, …), how long it took, and its undo's outcome when the drill undid it. */
  steps: Record<string, { outcome: string; durationMs?: number; undo?: string }>;
}

/** The newest contract-test run of a contract the audit log recorded, with each test's rule results. */
export interface LastContractRun {
  /** Epoch milliseconds. */
  at: number;
  verdict: string;
  /** By test id: its rules as the report measured them (`probability.abs`: value 0.012 against threshold 0.05). */
  tests: Record<string, Array<{ id: string; field?: string; threshold?: number; value?: number; verdict: string }>>;
}

/**
 * The RollbackPolicy that applies to a document: its text and how to name it
 * (`shown`: a workspace-relative path, or the path or package the user named);
 * or why none could be applied (`code` policy-not-found / policy-ambiguous).
 */
export type PolicySource = { shown: string; text: string } | { code: 'policy-not-found' | 'policy-ambiguous'; message: string };

export interface LanguageHost {
  /** Reads a workspace file by workspace-relative posix path; undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** What is at a workspace-relative posix path; 'outside' when it resolves outside the workspace (e.g. a symlink). */
  stat(path: string): Promise<FileStat>;
  /** The names of the files in a workspace folder (for a schema `$ref` to an `$id` declared next to it); optional. */
  listFiles?(dir: string): Promise<string[]>;
  /** Now, in epoch milliseconds (injectable clock). */
  now(): number;
  /**
   * The time of the last recorded drill of a runbook (workspace-relative path),
   * null when none is recorded, undefined when no drill history is available.
   */
  lastDrill?(runbookPath: string): Promise<number | null | undefined>;
  /**
   * When the drill history first saw the runbook (the oldest audit record of
   * any kind about it): its drill cadence counts from then. Undefined when it
   * never saw it. A host without this method cannot tell, and a runbook with
   * no drill recorded is then overdue at once.
   */
  firstSeen?(runbookPath: string): Promise<number | undefined>;
  /** The newest recorded drill of a runbook with its steps' outcomes; null when none, undefined when no history is available. */
  lastDrillRun?(runbookPath: string): Promise<LastDrillRun | null | undefined>;
  /** The newest recorded contract-test run of a contract with its rule results; null when none, undefined when no history is available. */
  lastContractRun?(contractPath: string): Promise<LastContractRun | null | undefined>;
  /** The policy that applies to a runbook or contract (workspace-relative path); null when none does. */
  policyFor?(documentPath: string): Promise<PolicySource | null>;
}
