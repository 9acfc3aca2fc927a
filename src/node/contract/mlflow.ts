// A contract schema taken from an MLflow model: `schema: { mlflowSignature:
// model/MLmodel }` reads that MLmodel file (already resolved and confined to
// the workspace by the caller) and converts its `signature.inputs` (for the
// input schema) or `signature.outputs` (for the output schema) with
// core/contract/mlflow.ts. A missing file, bad YAML or a signature that cannot
// be converted is one error naming the file, line:column and what is wrong,
// made by the caller's error factory so it reaches the user as the caller's
// own kind of error (a ContractError for `test`). Only reads.
import { promises as fs } from 'node:fs';
import { signatureSchema } from '../../core/contract/mlflow';
import { LineIndex } from '../../core/util/text';

/** The `mlflowSignature` path of a contract's `schema:` mapping, if that is what it is. */
export function mlflowSignatureRef(schema: unknown): string | undefined {
  const ref = schema && typeof schema === 'object' ? (schema as { mlflowSignature?: unknown }).mlflowSignature : undefined;
  return typeof ref === 'string' ? ref : undefined;
}

/** The JSON Schema of one input or output row from the MLmodel file at `real` (`ref` as the contract writes it). */
export async function readMlflowSignature(real: string, ref: string, which: string, fail: (message: string) => Error): Promise<object> {
  let text: string;
  try {
    text = await fs.readFile(real, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `the ${which} schema's MLmodel file \`${ref}\` does not exist` : `cannot read the ${which} schema's MLmodel file \`${ref}\`: ${(e as Error).message}`);
  }
  const r = signatureSchema(text, which === 'input' ? 'inputs' : 'outputs');
  if (r.ok) return r.schema;
  const at = new LineIndex(text).positionAt(r.span.start);
  throw fail(`${ref}:${at.line + 1}:${at.character + 1}: ${r.message}`);
}
