// The step kinds' table: each kind of src/core/runbook/steps.ts STEP_KINDS to
// its module (one file per kind beside this one, each of the shape of
// kind.ts). The dry-run and the drill look a step's kind up here and nowhere
// else; a step whose kind is not known (a runbook with schema errors) has no
// module, and the runs treat it as a step with nothing to do. Adding a kind:
// its file here, its name in STEP_KINDS, its branch of the step schema
// (src/schemas/runbook.schema.json); test/unit/step-kinds.test.ts checks the
// three agree and that no other file switches on a kind name.
import type { StepKind } from '../../../core/runbook/steps';
import { approve } from './approve';
import { flag } from './flag';
import { http } from './http';
import type { StepKindModule } from './kind';
import { notify } from './notify';
import { run } from './run';
import { verify } from './verify';

export type { DrillContext, DryRunContext, Place, StepInput, StepKindModule } from './kind';

export const STEP_MODULES: Readonly<Record<StepKind, StepKindModule>> = { run, http, flag, approve, notify, verify };

/** The module of a step's kind (a StepInfo's kind, or a report's `kind` string); undefined for none or another word. */
export function stepModule(kind: string | undefined): StepKindModule | undefined {
  return kind !== undefined && Object.hasOwn(STEP_MODULES, kind) ? STEP_MODULES[kind as StepKind] : undefined;
}
