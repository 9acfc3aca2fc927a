// `rollback-lens baseline record <contract> --test <id>`: run the contract's
// source on the test's inputs and replace the baseline and its sidecar,
// atomically (a failure leaves the old ones as they were). A baseline whose
// sidecar names another model version than the one being recorded is not
// replaced without --force (checked before the source runs); whatever is
// replaced is first kept as a dated copy under .rollback-lens/baselines/, and
// the output says what changed (rows that differ, the copy, and where the
// version disagrees with the file name).
import * as path from 'node:path';
import { recordBaseline, readSidecar } from '../node/contract/baseline';
import { changeSummary, keepDirFor } from '../node/contract/baselineChange';
import { ContractError, contractFile, loadContract } from '../node/contract/run';
import { UsageError, type CliIO } from './io';
import { findWorkspace } from '../node/workspace';
import { VERSION } from './version';

/** `rollback-lens baseline record <contract> --test <id>`, its options parsed by main() (src/cli/commands.ts). */
export async function baselineCommand(
  { values, positionals: [sub, ...positionals] }: { values: { test?: string; 'model-version'?: string; 'model-file'?: string; force?: boolean; workspace?: string }; positionals: string[] },
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
    const baselinePath = path.resolve(contract.dir, test.baseline);
    const previous = await readSidecar(baselinePath);
    if (previous?.version !== undefined && previous.version !== version && !values.force) {
      throw new ContractError(
        `${path.relative(io.cwd, baselinePath)} holds outputs of ${previous.model ? `${previous.model} ` : ''}${previous.version} (its sidecar says so); refusing to replace them with outputs recorded as ${version}. ` +
          `Give --model-version with the version the source runs, or --force to replace it (the old baseline is kept under .rollback-lens/baselines/)`,
      );
    }
    const recorded = await recordBaseline({
      contractDir: contract.dir,
      test: { id: test.id, inputs: test.inputs, baseline: test.baseline, ...(test.inputsFormat ? { inputsFormat: test.inputsFormat } : {}), ...(test.baselineFormat ? { baselineFormat: test.baselineFormat } : {}) },
      ...(contract.inputSchema ? { inputSchema: contract.inputSchema } : {}),
      ...(contract.outputSchema ? { outputSchema: contract.outputSchema } : {}),
      source: contract.model.source,
      model: { name: contract.model.model ?? contract.model.name ?? 'model', version, ...(values['model-file'] ? { file: values['model-file'] } : {}) },
      toolVersion: VERSION,
      signal: controller.signal,
      ...(contract.model.outputShape ? { obtain: { shape: contract.model.outputShape } } : {}),
      key: contract.model.key,
      keepDir: keepDirFor(workspace, baselinePath),
    });
    for (const w of recorded.change.warnings) io.stderr.write(`rollback-lens: warning: ${w}\n`);
    const rel = (p: string) => path.relative(io.cwd, p);
    io.stdout.write(
      `recorded ${recorded.rows} outputs of ${recorded.meta.model} ${recorded.meta.version} (seed ${recorded.meta.seed ?? 'none'}) into ${rel(recorded.baseline)}\n` +
        `provenance: ${rel(recorded.sidecar)} (outputs ${recorded.meta.digest})\n` +
        `change: ${changeSummary(recorded.change)}\n` +
        (recorded.kept ? `kept: ${rel(recorded.kept.baseline)}${recorded.kept.sidecar ? ` and ${rel(recorded.kept.sidecar)}` : ''}\n` : ''),
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
