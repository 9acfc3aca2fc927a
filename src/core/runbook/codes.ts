// Every code of a finding the dry-run makes itself, with what it means (the
// language service's diagnostics, which a dry-run lists first, have theirs in
// src/core/language/codes.ts). Codes are stable: tools may key on them, and
// the editor tells a dry-run's own findings from the language service's (which
// it already shows live) by this table. Two kinds of code are not listed: the
// language service's codes the dry-run also reports itself
// (DRY_RUN_SHARED_CODES; DIAGNOSTIC_CODES says what they mean), and a breaking
// contract change between the current and the target release, `contract-`
// and the compat code (COMPAT_CODES of src/core/contract/compat/rules.ts says
// what it means). A drill reports step outcomes, not coded findings.
export const DRY_RUN_CODES: Record<string, string> = {
  'trigger-unreadable': 'A trigger could not be evaluated: its metrics source failed.',
  'trigger-no-data': 'A trigger has no value for its metric now, so it cannot tell whether it fires.',
  'step-blocked': 'A step cannot be scheduled: it is on a dependency cycle or requires a missing step.',
  'check-failed': "A step's read-only `check` command did not succeed.",
  'dry-run-failed': "A `run` step's `dryRun` variant did not succeed.",
  'no-dry-run': 'A `run` step has no `dryRun` variant, so the dry-run cannot exercise it.',
  'capture-failed': "A step's `capture` could not be read: its GET failed, the answer is not JSON, or its path leads to no string, number or boolean.",
  'flag-invalid': "A flag step's change cannot be made: the flagd file is missing, unreadable or not valid JSON, or the flag or variant is not in it.",
  'decide-window-exceeded': "An approval gate's timeout is longer than windows.decide.",
  'no-template': 'A notify step has no message template, of its own or of its audience.',
  'contract-unreadable': "The current or the target release's contract cannot be read, so their compatibility is not checked.",
  'role-without-contact': 'A role that must approve or sign off has no contact.',
  'state-schema-unreadable': 'A state schema (state.targetReads or state.writes) cannot be read, parsed or compiled.',
  'state-sample-invalid': 'The state samples file is missing, a folder, or has a line that is not JSON.',
  'state-incompatible': 'A state sample the current model wrote is one the target cannot read (its schema rejects it).',
  'state-preserve-missing': 'A state sample lacks an attribute that must be preserved.',
  'state-preserve-dropped': "An attribute that must be preserved is not defined in the target's state schema.",
  'reintroduction-unplannable': "A reintroduction stage's flag edit cannot be made: the flagd file is missing, unreadable or not valid JSON, the flag or variant is not in it, or the flag has a targeting rule of its own.",
  'state-preserve-retyped': 'An attribute that must be preserved has another type in what the target reads than in what the current model writes.',
};

/** The language service's codes a dry-run also reports itself (a file reference it refuses to open); the editor shows those live already. */
export const DRY_RUN_SHARED_CODES = ['file-outside-workspace'] as const;

/** The prefix of a breaking contract change's code: `contract-` and the compat code. */
export const CONTRACT_CHANGE_PREFIX = 'contract-';

/** Whether a finding of a dry-run is its own (listed above, or a contract change) rather than the language service's. */
export function isDryRunCode(code: string): boolean {
  return Object.hasOwn(DRY_RUN_CODES, code) || code.startsWith(CONTRACT_CHANGE_PREFIX);
}
