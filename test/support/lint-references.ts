// The runbook test/unit/lint-references.test.ts and
// test/system/lint-references.test.ts both break: the clean fixture runbook
// with a reintroduction section (a flag, triggers, stages, an approval), so
// that every reference kind the lint checks is present.
import { CLEAN_RUNBOOK } from '../unit/helpers';

const REINTRO = `reintroduction:
  flag: { file: flags.flagd.json, name: iris-v2, variant: "on" }
  abortOn: [slow, drift]
  stages:
    - percent: 5
      checks: [slow, { trigger: drift }, { metric: score_psi, when: "< 0.1" }]
    - percent: 100
      approve: [decisionMaker]
`;
export const WITH_REINTRO = CLEAN_RUNBOOK + REINTRO;
