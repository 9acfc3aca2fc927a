// Generates realistic runbooks of a given size (in lines) for the benchmark:
// the example's header, roles, triggers, then many steps of every kind.
export function generateRunbook(lines) {
  const out = [
    '# generated for the benchmark',
    'apiVersion: rollback-lens/v1',
    'kind: RollbackRunbook',
    'metadata: { name: bench-rollback, owner: ml-platform }',
    'release:',
    '  current: { model: iris-classifier, version: 2.0.0, contract: bench.contract.yaml }',
    '  target: { model: iris-classifier, version: 1.4.2, contract: bench.contract.yaml }',
    'roles:',
    '  decisionMaker: { name: On-call ML lead, contact: "#ml-oncall" }',
    '  technicalLead: { name: Serving engineer, contact: "#serving" }',
    '  dataSteward: { name: Data steward, contact: "#data" }',
    '  commsLiaison: { name: Support lead, contact: "#support" }',
    'metrics: { file: metrics.json }',
    'triggers:',
    '  - { id: slow, metric: p99_latency_ms, when: "> 250", for: 5m }',
    '  - { id: drift, metric: score_psi, when: "> 0.2" }',
    'windows: { decide: 15m, restore: 100000h }',
    'closure:',
    '  checklist: [outputs within tolerance, sampled user state intact]',
    '  signOff: [decisionMaker, dataSteward]',
    'steps:',
    '  - id: approve',
    '    approve: [decisionMaker]',
  ];
  let i = 0;
  let prev = 'approve';
  while (out.length < lines) {
    const id = `step-${i}`;
    switch (i % 4) {
      case 0:
        out.push(
          `  - id: ${id}`,
          `    description: Point the serving alias at the target model, shard ${i}.`,
          `    run: ./scripts/set-alias.sh iris champion 1.4.2 --shard ${i}`,
          `    dryRun: ./scripts/set-alias.sh --dry-run iris champion 1.4.2 --shard ${i}`,
          `    undo: ./scripts/set-alias.sh iris champion 2.0.0 --shard ${i}`,
          '    timeout: 60s',
          `    requires: [${prev}]`,
        );
        break;
      case 1:
        out.push(
          `  - id: ${id}`,
          '    # flags are reversed by restoring the variant they replaced',
          `    flag: { file: flags.flagd.json, name: iris-v2, variant: "off" }`,
          '    timeout: 10s',
          `    requires: [${prev}]`,
        );
        break;
      case 2:
        out.push(
          `  - id: ${id}`,
          '    http:',
          '      method: POST',
          `      url: "http://registry.internal/api/aliases/iris-${i}"`,
          '      body: { alias: champion, version: "1.4.2" }',
          '    undo:',
          '      method: POST',
          `      url: "http://registry.internal/api/aliases/iris-${i}"`,
          '      body: { alias: champion, version: "2.0.0" }',
          '    timeout: 30s',
          `    requires: [${prev}]`,
        );
        break;
      default:
        out.push(`  - id: ${id}`, '    verify: { contract: bench.contract.yaml, test: parity }', '    timeout: 5m', `    requires: [${prev}]`);
    }
    prev = id;
    i++;
  }
  return out.join('\n') + '\n';
}

export const BENCH_FILES = {
  'metrics.json': JSON.stringify({ p99_latency_ms: 180, score_psi: 0.05 }),
  'flags.flagd.json': JSON.stringify({ flags: { 'iris-v2': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } }),
  'bench.contract.yaml': [
    'apiVersion: rollback-lens/v1',
    'kind: InterfaceContract',
    'metadata: { name: bench, version: 1 }',
    'input: { schema: { type: object } }',
    'output: { key: id, schema: { type: object } }',
    '',
  ].join('\n'),
};
