// What the benchmark drives: the same core and node layer the CLI and the editor ship.
export { LanguageService, LineIndex, DEFAULT_ANALYSIS_OPTIONS } from '../../src/core';
export { validatorFor, SCHEMAS } from '../../src/core/schemas';
export { NodeHost } from '../../src/node/host';
export { LanguageClient } from '../../src/node/client';
// The contract-test engine, for test/bench/contracts.mjs.
export { Comparison } from '../../src/core/contract/compare';
export { readJsonl, readJsonlChunks } from '../../src/node/jsonl';
export { obtainOutputs } from '../../src/node/sources';
// Contract tests the way the editor runs them (test/bench/contract-slices.mjs).
export { runContractTests } from '../../src/node/contractTest';
export { runContractTestsInWorker } from '../../src/node/contractRunner';
