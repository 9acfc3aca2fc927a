// The text New Runbook starts a runbook from: the smallest complete
// RollbackRunbook (release, a role, a trigger, an approval gate and a step
// with its dry-run variant and undo, closure with a sign-off, one drill
// scenario). It validates with no diagnostic in a workspace that has nothing
// else (test/unit/skeletons.test.ts), references no file, and is indented with
// 2 spaces. Its commands only echo: nothing changes until they are replaced.
export const RUNBOOK_SKELETON = `# A model-rollback runbook. Replace the echo commands with your own.
# Check it: Rollback Lens: Dry-run Runbook (or \`rollback-lens dry-run <file>\`).
apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata:
  name: my-model-rollback
  owner: ml-platform
  description: Take my-model back from 2.0.0 to the last known-good release 1.0.0.

release:
  current: { model: my-model, version: 2.0.0 }
  target: { model: my-model, version: 1.0.0 }

roles:
  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }
  technicalLead: { name: Serving engineer, contact: "#serving" }

# Where trigger metrics come from, needed by a dry-run: a snapshot file or Prometheus.
# metrics: { file: metrics/now.json }

triggers:
  - id: slow
    kind: latency
    description: p99 scoring latency above the 250 ms SLO.
    metric: p99_latency_ms
    when: "> 250"
    for: 5m

steps:
  - id: approve
    description: The decision-maker confirms the rollback.
    approve: [decisionMaker]
    owner: decisionMaker
    timeout: 10m
  - id: repoint
    description: Point the serving alias back at 1.0.0.
    run: echo repoint my-model 1.0.0
    dryRun: echo would repoint my-model 1.0.0
    undo: echo repoint my-model 2.0.0
    requires: [approve]
    owner: decisionMaker
    timeout: 60s

closure:
  checklist:
    - no trigger firing for 30 minutes after restore
  signOff: [decisionMaker]

drills:
  every: 90d
  scenarios:
    - id: latency-spike
      description: p99 latency jumps to 400 ms after a deploy.
      inject: { metrics: { p99_latency_ms: 400 } }
      expect: { restoreWithin: 10m }
      approvals: auto
`;
