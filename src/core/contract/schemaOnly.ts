// Schema-only contract tests: edge cases the input (or output) schema must
// accept or reject, whatever the model does.
import { rowlessReport, type RuleResult, type TestReport } from './report';
import type { RowValidator } from './compare';

export interface SchemaOnlySpec {
  testId: string;
  against: 'input' | 'output';
  accept: unknown[];
  reject: unknown[];
}

export function runSchemaOnlyTest(spec: SchemaOnlySpec, validate: RowValidator, meta: { contractPath: string; contractName?: string; contractVersion?: string | number }): TestReport {
  const rules: RuleResult[] = [];
  const show = (c: unknown) => {
    const id = c && typeof c === 'object' && 'id' in c ? (c as { id: unknown }).id : undefined;
    return id !== undefined ? `\`${String(id)}\`` : JSON.stringify(c);
  };
  spec.accept.forEach((c, i) => {
    const err = validate(c);
    rules.push({
      id: `accept[${i}]`,
      kind: 'accept',
      verdict: err ? 'fail' : 'pass',
      message: err ? `the ${spec.against} schema rejects ${show(c)}, which it must accept: ${err}` : `the ${spec.against} schema accepts ${show(c)}`,
    });
  });
  spec.reject.forEach((c, i) => {
    const err = validate(c);
    rules.push({
      id: `reject[${i}]`,
      kind: 'reject',
      verdict: err ? 'pass' : 'fail',
      message: err ? `the ${spec.against} schema rejects ${show(c)} (${err})` : `the ${spec.against} schema accepts ${show(c)}, which it must reject`,
    });
  });
  const contract = { path: meta.contractPath, ...(meta.contractName ? { name: meta.contractName } : {}), ...(meta.contractVersion !== undefined ? { version: meta.contractVersion } : {}) };
  return rowlessReport(contract, spec.testId, rules.some((r) => r.verdict === 'fail') ? 'fail' : 'pass', rules);
}
