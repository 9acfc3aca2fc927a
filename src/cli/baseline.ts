// `rollback-lens baseline record <contract> --test <id>`: run the contract's
// source on the test's inputs and replace the baseline and its sidecar,
// atomically (a failure leaves the old ones as they were).
import * as path from 'node:path';
import { recordBaseline } from '../node/contract/baseline';
import { ContractError, contractFile, loadContract } from '../node/contract/run';
import { UsageError, type CliIO } from './io';
import { findWorkspace } from '../node/workspace';
import { VERSION } from './version';

/** `rollback-lens baseline record <contract> --test <id>`, its options parsed by main() (src/cli/commands.ts). */
export async function baselineCommand(
  { values, positionals: [sub, ...positionals] }: { values: { test?: string; 'model-version'?: string; 'model-file'?: string; workspace?: string }; positionals: string[] },
  io: CliIO,
): Promise<number> {
  if (sub === undefined) throw new UsageError('give a subcommand: record');
  if (sub !== 'record') throw new UsageError(`unknown subcommand \`${sub}\`: use record`);
  if (positionals.length !== 1) throw new UsageError('give exactly one contract file');
  if (!values.test) throw new UsageError('give --test <id>');
  const workspace = findWorkspace(io.cwd, values.workspace);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const contract = await loadContract(path.resolve(io.cwd, positionals[0]!), workspace);
    const test = contract.model.tests.find((t) => t.id === values.test);
    if (!test) throw new ContractError(`${contract.relPath} has no test \`${values.test}\` (it has ${contract.model.tests.map((t) => `\`${t.id}\``).join(', ')})`);
    if (!test.inputs || !test.baseline) throw new ContractError(`test \`${test.id}\` has no inputs and baseline to record`);
    if (!contract.model.source) throw new ContractError('the contract has no `source` to obtain outputs from');
    // both files stay inside the workspace
    await contractFile(contract.dir, workspace, test.inputs, 'inputs');
    await contractFile(contract.dir, workspace, test.baseline, 'baseline');
    if (values['model-file']) await contractFile(contract.dir, workspace, values['model-file'], 'model file');
    const version = values['model-version'] ?? contract.model.modelVersion ?? 'unknown';
    const recorded = await recordBaseline({
      contractDir: contract.dir,
      test: { id: test.id, inputs: test.inputs, baseline: test.baseline, ...(test.inputsFormat ? { inputsFormat: test.inputsFormat } : {}), ...(test.baselineFormat ? { baselineFormat: test.baselineFormat } : {}) },
      ...(contract.inputSchema ? { inputSchema: contract.inputSchema } : {}),
      source: contract.model.source,
      model: { name: contract.model.model ?? contract.model.name ?? 'model', version, ...(values['model-file'] ? { file: values['model-file'] } : {}) },
      toolVersion: VERSION,
      signal: controller.signal,
      ...(contract.model.outputShape ? { obtain: { shape: contract.model.outputShape } } : {}),
    });
    io.stdout.write(
      `recorded ${recorded.rows} outputs of ${recorded.meta.model} ${recorded.meta.version} (seed ${recorded.meta.seed ?? 'none'}) into ${path.relative(io.cwd, recorded.baseline)}\n` +
        `provenance: ${path.relative(io.cwd, recorded.sidecar)} (outputs ${recorded.meta.digest})\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ContractError || (e as { name?: string }).name === 'SourceError' || (e as { name?: string }).name === 'TableFileError') {
      io.stderr.write(`rollback-lens: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
