// The errors of a dry-run and a drill, apart from the code that throws them so
// the step kinds (steps/) and the runs (dryrun.ts, drill.ts) share them
// without importing one another. A DryRunError or DrillError is a refusal
// with a message for the person (the CLI prints it and exits 2); an
// InjectedFault is a step failing because the drill scenario made it fail,
// which the drill's verdict counts as the scenario happening.

/** A dry-run that cannot go on (cancelled). */
export class DryRunError extends Error {}

/** A drill that cannot run: no such scenario, a step that cannot be scheduled or set up, an approval nobody gives. */
export class DrillError extends Error {}

/** A failure the scenario injected (a failStep, a hangStep, an unavailable endpoint). */
export class InjectedFault extends Error {}
