// `rollback-lens baseline record <contract> --test <id>`: run the contract's
// source on the test's inputs and replace the baseline and its sidecar,
// atomically (a failure leaves the old ones as they were).
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { recordBaseline } from '../node/contract/baseline';
import { ContractError, contractFile, loadContract } from '../node/contract/run';
import type { CliIO } from './io';
import { findWorkspace } from '../node/workspace';

export const BASELINE_USAGE = `  baseline record <contract> --test <id>
                                 Run the source on the test's inputs; write its baseline JSONL and the
                                 sidecar <baseline>.meta.json (model, version, seed, digests, time).
    --model-version <v>          the version of the model recorded (default: the contract's metadata.modelVersion, else "unknown")
    --model-file <path>          a model file to record the digest of (relative to the contract)
    --workspace <dir>            files the contract names must stay inside it (default: the enclosing git work tree, else cwd)`;

export async function baselineCommand(argv: string[], io: CliIO, usageError: (m: string) => Error, toolVersion: string): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'record') throw usageError(`baseline needs a subcommand: record (got \`${sub ?? ''}\`)`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { test: { type: 'string' }, 'model-version': { type: 'string' }, 'model-file': { type: 'string' }, workspace: { type: 'string' } },
  });
  if (positionals.length !== 1) throw usageError('baseline record needs exactly one contract file');
  if (!values.test) throw usageError('baseline record needs --test <id>');
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
      test: { id: test.id, inputs: test.inputs, baseline: test.baseline },
      source: contract.model.source,
      model: { name: contract.model.model ?? contract.model.name ?? 'model', version, ...(values['model-file'] ? { file: values['model-file'] } : {}) },
      toolVersion,
      signal: controller.signal,
    });
    io.stdout.write(
      `recorded ${recorded.rows} outputs of ${recorded.meta.model} ${recorded.meta.version} (seed ${recorded.meta.seed ?? 'none'}) into ${path.relative(io.cwd, recorded.baseline)}\n` +
        `provenance: ${path.relative(io.cwd, recorded.sidecar)} (outputs ${recorded.meta.digest})\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ContractError || (e as { name?: string }).name === 'SourceError') {
      io.stderr.write(`rollback-lens: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
