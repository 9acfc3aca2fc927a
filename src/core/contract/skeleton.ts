// The text New Contract starts a contract from: the smallest complete
// InterfaceContract, its input and output schemas inline, a source, and a
// schema edge-case test that runs without any data file. It validates with no
// diagnostic in a workspace that has nothing else
// (test/unit/skeletons.test.ts), references no file, and is indented with 2
// spaces.
export const CONTRACT_SKELETON = `# A model interface contract: what the model accepts and returns, and its tests.
# Run the tests: the Testing view, or \`rollback-lens test <file>\`.
apiVersion: rollback-lens/v1
kind: InterfaceContract
metadata:
  name: my-model
  version: 1
  model: my-model
  owner: ml-platform

input:
  key: id
  schema:
    type: object
    required: [id, x]
    properties:
      id: { type: string }
      x: { type: number }

output:
  key: id
  schema:
    type: object
    required: [id, score]
    properties:
      id: { type: string }
      score: { type: number, minimum: 0, maximum: 1 }

# The command that reads input records (JSON lines) on stdin and writes outputs on stdout.
source:
  command: python -m my_model.predict
  timeout: 60s

tests:
  - id: input-edge-cases
    against: input
    accept:
      - { id: a, x: 1.5 }
    reject:
      - { id: b }
`;
