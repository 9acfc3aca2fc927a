// What the benchmark drives: the same core and node layer the CLI and the editor ship.
export { LanguageService, LineIndex, DEFAULT_ANALYSIS_OPTIONS } from '../../src/core';
export { validatorFor, SCHEMAS } from '../../src/core/language/schemas';
export { NodeHost } from '../../src/node/language/host';
export { LanguageClient } from '../../src/node/language/client';
// The contract-test engine, for test/bench/contracts.mjs.
export { Comparison } from '../../src/core/contract/compare';
export { readJsonl, readJsonlChunks } from '../../src/node/jsonl';
export { obtainOutputs } from '../../src/node/sources';
// Contract tests the way the editor runs them (test/bench/contract-slices.mjs).
export { runContractTests } from '../../src/node/contract/run';
export { runContractTestsInWorker, contractWorkerLimits } from '../../src/node/contract/runner';
// The readiness review over a generated log (test/bench/review.mjs).
export { loadReview, reviewFileHtml } from '../../src/node/review';
