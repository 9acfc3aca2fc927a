// Running a contract's tests for real: read and check the contract, resolve
// its schemas inside the workspace, check the baseline's provenance, obtain
// the model's outputs from its source, and stream inputs, baseline and
// outputs through the core comparison. Used by the CLI and the editor alike.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { Comparison, type RowValidator } from '../../core/contract/compare';
import { contractModel, type ContractModel, type ContractTestSpec } from '../../core/contract/model';
import { combineVerdicts, REPORT_VERSION, rowlessReport, type ContractReport, type Provenance, type TestReport } from '../../core/contract/report';
import { runSchemaOnlyTest } from '../../core/contract/schemaOnly';
import { recordErrorMessage } from '../../core/language/schemaErrors';
import { loadSchema, schemaProblem } from '../../core/contract/schemas';
import { WorkspaceSchemaHost } from './schemas';
import { parseDuration } from '../../core/util/values';
import { checkSidecar, readSidecar } from './baseline';
import { confine } from '../workspace';
import { keptOutputsPath, newRunId, OutputKeeper } from '../diff/keptOutputs';
import { loadDocument } from '../documents';
import { mlflowSignatureRef, readMlflowSignature } from './mlflow';
import { readJsonl, sha256File } from '../jsonl';
import { obtainOutputs, sourceFormatProblem } from '../sources';
import type { RowUnits } from '../../core/contract/report';
import { feedTable, inputsAsJsonl, keylessOutputsAsJsonl, notParquet, stdoutRead, tableFormat } from './tables';

export interface RunOptions {
  /** Workspace root: every file the contract names must be inside it. */
  workspace: string;
  /** Only these test ids (default: all). */
  testIds?: string[];
  signal?: AbortSignal;
  /** Overrides the source's timeout. */
  timeoutMs?: number;
  /** Overrides the source's concurrency. */
  concurrency?: number;
  /** Check `format` keywords of the schemas (default true; `--no-formats`, the setting `rollbackLens.validateFormats`). */
  formats?: boolean;
  /** Keep a copy of a command's or endpoint's outputs under `.rollback-lens/outputs/` for the diff view (default true). */
  keepOutputs?: boolean;
  onProgress?: (event: { testId: string; phase: 'start' | 'outputs' | 'done'; rows?: number; verdict?: string }) => void;
}

/**
 * A contract that cannot be run at all (invalid, unreadable): file:line:col when there is one.
 * Named, so that it is still told apart when it crosses from the contract-test worker (an RpcError keeps the name).
 */
export class ContractError extends Error {
  override name = 'ContractError';
}

export interface LoadedContract {
  file: string;
  dir: string;
  relPath: string;
  model: ContractModel;
  validateInput?: RowValidator;
  validateOutput?: RowValidator;
  /** The resolved schemas: CSV cells are typed by them (inputs by the input schema, baseline and outputs by the output schema). */
  inputSchema?: object;
  outputSchema?: object;
}

export async function loadContract(file: string, workspace: string, options: { formats?: boolean } = {}): Promise<LoadedContract> {
  const { file: abs, rel: relPath, dir, value } = await loadDocument(file, 'InterfaceContract', { workspace });
  const model = contractModel(value);
  const loaded: LoadedContract = { file: abs, dir, relPath, model };
  const inputSchema = await resolveSchema(model.inputSchema, loaded, workspace, 'input', options);
  const outputSchema = await resolveSchema(model.outputSchema, loaded, workspace, 'output', options);
  // the compiled validators, and the root schemas the table readers type CSV cells by
  if (inputSchema) {
    loaded.validateInput = rowValidator(inputSchema);
    loaded.inputSchema = inputSchema.schema as object;
  }
  if (outputSchema) {
    loaded.validateOutput = rowValidator(outputSchema);
    loaded.outputSchema = outputSchema.schema as object;
  }
  return loaded;
}

/** A file named by the contract, resolved against its folder and confined to the workspace (src/node/workspace.ts, links followed) before anything opens it. */
export async function contractFile(dir: string, workspace: string, ref: string, what: string): Promise<string> {
  const c = await confine(workspace, dir, ref, what);
  if (!c.ok) throw new ContractError(c.message);
  return c.path;
}

/**
 * A contract's input or output schema as a validator: an MLflow signature, or
 * a schema file (and every file it `$ref`s) or an inline schema read and
 * compiled by the one schema loader (src/core/contract/schemas), which
 * `validate` uses too, through a host confined to the workspace.
 */
async function resolveSchema(schema: unknown, contract: LoadedContract, workspace: string, which: string, options: { formats?: boolean }): Promise<ValidateFunction | undefined> {
  if (!schema || typeof schema !== 'object') return undefined;
  const mlflow = mlflowSignatureRef(schema);
  const formats = options.formats === false ? { formats: false } : {};
  if (mlflow !== undefined) {
    const converted = await readMlflowSignature(await contractFile(contract.dir, workspace, mlflow, `the ${which} schema`), mlflow, which, (m) => new ContractError(m));
    const r = await loadSchema({ inline: converted }, contract.relPath, new WorkspaceSchemaHost(workspace), formats);
    if (!r.ok) throw new ContractError(schemaProblem(`the ${which} schema`, mlflow, r.message));
    return r.validate;
  }
  const ref = (schema as { $ref?: unknown }).$ref;
  const fileRef = typeof ref === 'string' && !ref.startsWith('#') ? ref : undefined;
  if (fileRef !== undefined) {
    // the named file itself first, in the words `test` always used
    const file = fileRef.split('#')[0]!;
    const real = await contractFile(contract.dir, workspace, file, `the ${which} schema`);
    if (!(await exists(real))) throw new ContractError(`the ${which} schema \`${file}\` does not exist`);
  }
  const r = await loadSchema(fileRef !== undefined ? { ref: fileRef } : { inline: schema }, contract.relPath, new WorkspaceSchemaHost(workspace), formats);
  if (!r.ok) throw new ContractError(schemaProblem(`the ${which} schema`, fileRef, r.message));
  return r.validate;
}

function rowValidator(validate: ValidateFunction): RowValidator {
  return (row) => {
    if (validate(row)) return undefined;
    return recordErrorMessage(validate.errors![0]!, row);
  };
}

export async function runContractTests(file: string, options: RunOptions): Promise<ContractReport> {
  const contract = await loadContract(file, options.workspace, options.formats === false ? { formats: false } : {});
  const tests = contract.model.tests.filter((t) => !options.testIds || options.testIds.includes(t.id));
  if (options.testIds) {
    const unknown = options.testIds.filter((id) => !contract.model.tests.some((t) => t.id === id));
    if (unknown.length) throw new ContractError(`${contract.relPath} has no test ${unknown.map((u) => `\`${u}\``).join(', ')} (it has ${contract.model.tests.map((t) => `\`${t.id}\``).join(', ')})`);
  }
  const reports: TestReport[] = [];
  for (const t of tests) {
    if (options.signal?.aborted) break;
    reports.push(await runTest(contract, t, options));
  }
  return {
    reportVersion: REPORT_VERSION,
    contract: meta(contract),
    verdict: combineVerdicts(reports.map((r) => r.verdict)),
    tests: reports,
  };
}

function meta(c: LoadedContract): TestReport['contract'] {
  return { path: c.relPath, ...(c.model.name ? { name: c.model.name } : {}), ...(c.model.version !== undefined ? { version: c.model.version } : {}) };
}

export async function runTest(contract: LoadedContract, test: ContractTestSpec, options: RunOptions): Promise<TestReport> {
  const started = Date.now();
  const m = { contractPath: contract.relPath, ...(contract.model.name ? { contractName: contract.model.name } : {}), ...(contract.model.version !== undefined ? { contractVersion: contract.model.version } : {}) };
  options.onProgress?.({ testId: test.id, phase: 'start' });
  const finish = (r: TestReport): TestReport => {
    r.startedAt = new Date(started).toISOString();
    r.durationMs = Date.now() - started;
    options.onProgress?.({ testId: test.id, phase: 'done', verdict: r.verdict });
    return r;
  };
  if (test.schemaOnly) {
    const validate = test.schemaOnly.against === 'output' ? contract.validateOutput : contract.validateInput;
    if (!validate) return finish(errorReport(contract, test.id, `the contract has no ${test.schemaOnly.against} schema to test against`));
    return finish(runSchemaOnlyTest({ testId: test.id, ...test.schemaOnly }, validate, m));
  }
  try {
    if (!test.inputs || !test.baseline) throw new ContractError(`test \`${test.id}\` needs both \`inputs\` and \`baseline\``);
    const inputsFile = await contractFile(contract.dir, options.workspace, test.inputs, 'inputs');
    const baselineFile = await contractFile(contract.dir, options.workspace, test.baseline, 'baseline');
    const source = contract.model.source;
    if (!source) throw new ContractError('the contract has no `source` to obtain outputs from');
    const formatProblem = sourceFormatProblem(source);
    if (formatProblem) throw new ContractError(formatProblem);
    for (const [f, what] of [
      [inputsFile, 'inputs'],
      [baselineFile, 'baseline'],
    ] as const) {
      if (!(await exists(f))) throw new ContractError(`the ${what} file \`${path.relative(contract.dir, f)}\` does not exist`);
    }
    // provenance first: a baseline recorded for other inputs or another seed is not compared
    // (the baseline's own bytes too: an edited baseline is not the one its sidecar describes)
    const [inputsDigest, baselineDigest, sidecar] = await Promise.all([sha256File(inputsFile), sha256File(baselineFile), readSidecar(baselineFile)]);
    const baselineProvenance: Provenance = { file: test.baseline };
    if (sidecar) {
      Object.assign(baselineProvenance, {
        ...(sidecar.model ? { model: sidecar.model } : {}),
        ...(sidecar.version ? { version: String(sidecar.version) } : {}),
        ...(sidecar.seed !== undefined ? { seed: sidecar.seed } : {}),
        ...(sidecar.inputs?.digest ? { inputsDigest: sidecar.inputs.digest } : {}),
        ...(sidecar.digest ? { digest: sidecar.digest } : {}),
        ...(sidecar.recordedAt ? { recordedAt: sidecar.recordedAt } : {}),
      });
      const mismatch = checkSidecar(sidecar, { ...(source.seed !== undefined ? { seed: source.seed } : {}), inputsDigest, digest: baselineDigest });
      if (mismatch) {
        const r = errorReport(contract, test.id, mismatch);
        r.verdict = 'fail';
        r.rules = [{ id: 'provenance', kind: 'provenance', verdict: 'fail', message: mismatch }];
        r.baseline = baselineProvenance;
        return finish(r);
      }
    }
    // JSONL, CSV, Parquet or JSON array, by extension or an explicit `format:` (tables.ts)
    const inputsFormat = tableFormat(inputsFile, test.inputsFormat);
    const baselineFormat = tableFormat(baselineFile, test.baselineFormat);
    const currentFormat = typeof source.file === 'string' ? tableFormat(source.file, source.fileFormat) : 'jsonl';
    await notParquet(inputsFile, inputsFormat, 'inputs', test.inputs);
    await notParquet(baselineFile, baselineFormat, 'baseline', test.baseline);
    const units: RowUnits = {
      ...(inputsFormat !== 'jsonl' ? { inputs: 'row' as const } : {}),
      ...(baselineFormat !== 'jsonl' ? { baseline: 'row' as const } : {}),
      ...(currentFormat !== 'jsonl' ? { current: 'row' as const } : {}),
    };
    const comparison = new Comparison(test.compare!, {
      ...(contract.validateInput ? { validateInput: contract.validateInput } : {}),
      ...(contract.validateOutput ? { validateOutput: contract.validateOutput } : {}),
      units,
    });
    const signal = options.signal ? { signal: options.signal } : {};
    if (inputsFormat === 'jsonl') {
      for await (const l of readJsonl(inputsFile)) {
        if ('text' in l) comparison.addInput(l.line, l.text);
        else comparison.unusableLine('inputs', l.line, `line is ${l.length} bytes, longer than the 1 MiB limit`);
      }
    } else await feedTable(comparison, 'inputs', inputsFile, inputsFormat, contract.inputSchema, test.inputs, signal);
    if (baselineFormat === 'jsonl') {
      for await (const l of readJsonl(baselineFile)) {
        if ('text' in l) comparison.addBaseline(l.line, l.text);
        else comparison.unusableLine('baseline', l.line, `line is ${l.length} bytes, longer than the 1 MiB limit`);
      }
    } else await feedTable(comparison, 'baseline', baselineFile, baselineFormat, contract.outputSchema, test.baseline, signal);
    const timeout = options.timeoutMs ?? (source.timeout ? parseDuration(source.timeout) : undefined);
    let rows = 0;
    let keptCurrent: string | undefined;
    let keptDigest: string | undefined;
    const runId = newRunId();
    // a file of outputs without a key (or of bare predictions) is shaped like a command's outputs, below
    const shapedFile = typeof source.file === 'string' && contract.model.outputShape !== undefined;
    if (typeof source.file === 'string' && !shapedFile) {
      // a file of outputs: every line is compared, and one that cannot be used
      // is reported by its line number while the others are still compared
      const outputs = await contractFile(contract.dir, options.workspace, source.file, 'the outputs file');
      if (!(await exists(outputs))) throw new ContractError(`the outputs file \`${source.file}\` does not exist`);
      await notParquet(outputs, currentFormat, 'current', source.file);
      if (currentFormat === 'jsonl') {
        for await (const l of readJsonl(outputs, options.signal ? { signal: options.signal } : {})) {
          if ('text' in l) comparison.addCurrent(l.line, l.text);
          else comparison.unusableLine('current', l.line, `line is ${l.length} bytes, longer than the 1 MiB limit`);
          if (++rows % 1000 === 0) options.onProgress?.({ testId: test.id, phase: 'outputs', rows });
        }
      } else {
        rows = await feedTable(comparison, 'current', outputs, currentFormat, contract.outputSchema, source.file, signal, (n) => {
          if (n % 1000 === 0) options.onProgress?.({ testId: test.id, phase: 'outputs', rows: n });
        });
      }
    } else {
      // the outputs exist only during the run (a shaped file's only as shaped): keep a copy for the diff view's row table
      const shapedOutputs = shapedFile ? await contractFile(contract.dir, options.workspace, String(source.file), 'the outputs file') : undefined;
      if (shapedOutputs !== undefined) {
        if (!(await exists(shapedOutputs))) throw new ContractError(`the outputs file \`${source.file}\` does not exist`);
        await notParquet(shapedOutputs, currentFormat, 'current', String(source.file));
      }
      // a table of outputs without a key is joined by position as JSONL is: through a JSONL copy (tables.ts)
      const outputsCopy = shapedOutputs !== undefined && currentFormat !== 'jsonl' ? await keylessOutputsAsJsonl(shapedOutputs, currentFormat, contract.outputSchema, contract.model.outputShape!, String(source.file), signal) : undefined;
      const from = shapedOutputs !== undefined ? { ...source, file: outputsCopy?.file ?? shapedOutputs } : source;
      // a command or endpoint reads JSONL inputs: a table of inputs is handed to it as a JSONL copy
      const sourceInputs = inputsFormat === 'jsonl' ? undefined : await inputsAsJsonl(inputsFile, inputsFormat, contract.inputSchema, test.inputs, signal).catch(async (e: unknown) => {
        await outputsCopy?.remove();
        throw e;
      });
      const keeper = options.keepOutputs === false ? undefined : await OutputKeeper.open(keptOutputsPath(options.workspace, contract.relPath, test.id, runId)).catch(() => undefined);
      try {
        for await (const out of obtainOutputs(from, {
          cwd: contract.dir,
          inputsFile: sourceInputs?.file ?? inputsFile,
          ...(source.seed !== undefined ? { seed: source.seed } : {}),
          ...(typeof timeout === 'number' ? { timeoutMs: timeout } : timeout && timeout.ok ? { timeoutMs: timeout.value } : {}),
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(contract.model.outputShape ? { shape: contract.model.outputShape } : {}),
          ...stdoutRead(source, contract.outputSchema, contract.model.outputShape),
        })) {
          keeper?.add(out.line, out.text);
          comparison.addCurrentRow(out.line, out.value);
          if (++rows % 1000 === 0) options.onProgress?.({ testId: test.id, phase: 'outputs', rows });
        }
        await keeper?.commit().then(() => {
          keptCurrent = path.relative(contract.dir, keeper.file).split(path.sep).join('/');
          keptDigest = keeper.digest;
        }, () => undefined);
      } finally {
        if (!keptCurrent) await keeper?.discard();
        await sourceInputs?.remove();
        await outputsCopy?.remove();
      }
    }
    const report = comparison.finish(m);
    report.baseline = baselineProvenance;
    report.current = {
      ...(contract.model.model ? { model: contract.model.model } : {}),
      ...(source.seed !== undefined ? { seed: source.seed } : {}),
      ...(source.command ? { command: source.command } : {}),
      inputsDigest,
    };
    report.runId = runId;
    report.files = {
      inputs: test.inputs,
      baseline: test.baseline,
      ...(source.file && !shapedFile ? { current: source.file } : keptCurrent ? { current: keptCurrent, ...(keptDigest ? { currentDigest: keptDigest } : {}) } : {}),
    };
    if (test.baselineFormat || (source.fileFormat && !shapedFile)) {
      report.files.formats = { ...(test.baselineFormat ? { baseline: baselineFormat } : {}), ...(source.fileFormat && !shapedFile ? { current: currentFormat } : {}) };
    }
    report.compare = { key: test.compare!.key, tolerance: test.compare!.tolerance, drift: test.compare!.drift };
    return finish(report);
  } catch (e) {
    if (e instanceof ContractError || (e as { name?: string }).name === 'SourceError' || (e as { name?: string }).name === 'TableFileError') return finish(errorReport(contract, test.id, (e as Error).message));
    throw e;
  }
}

function errorReport(contract: LoadedContract, testId: string, reason: string): TestReport {
  return rowlessReport(meta(contract), testId, 'error', [], reason);
}

async function exists(f: string): Promise<boolean> {
  try {
    return (await fs.stat(f)).isFile();
  } catch {
    return false;
  }
}
