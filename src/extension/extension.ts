// Rollback Lens in VS Code: wires the language-service worker to the editor.
// Adapters only; all the logic lives in src/core and src/node.
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { setAuditUrl } from '../node/audit';
import { LanguageClient } from '../node/language/client';
import { clockProblem, NOW_ENV } from '../node/clock';
import { ReadinessReviews } from './review';
import { parseDuration } from '../core/util/values';
import { Closures } from './closure';
import { ContractTests } from './contracts';
import { registerCreateFile } from './createFile';
import { DiagnosticsController } from './diagnostics';
import { POLICY_GLOB } from './documents';
import { DiffViews } from './diffView';
import { Overview } from './overview';
import { Postmortems } from './postmortems';
import { registerProviders } from './providers';
import { Reintroductions } from './reintroduce';
import { Runbooks } from './runbooks';
import { registerStartCommands } from './start';

const moduleLoadStart = performance.now();

export interface RollbackLensApi {
  /** Milliseconds from this module starting to load to the end of activate(). */
  readonly activationMs: number;
  /** This extension's logs folder: VS Code writes the Rollback Lens output channel beside it. */
  readonly logUri: vscode.Uri;
  /** Contract tests: the controller and what each run reported (for tests and other views). */
  readonly contracts: ContractTests;
  /** Runbooks: dry-runs, drills, sign-offs and what each run reported. */
  readonly runbooks: Runbooks;
  /** Post-mortems: the Write post-mortem lens and the action items' problems. */
  readonly postmortems: Postmortems;
  /** Staged reintroductions started from the editor. */
  readonly reintroductions: Reintroductions;
  /** The closure of each runbook's latest rollback: its status and steps. */
  readonly closures: Closures;
  /** Diff views of contract-test reports. */
  readonly diffViews: DiffViews;
  /** The Rollback Lens view: each runbook's and contract's last runs. */
  readonly overview: Overview;
  /** The readiness review panel. */
  readonly reviews: ReadinessReviews;
  /** Resolves when diagnostics of `uri` were published after this call. */
  diagnosticsUpdated(uri: vscode.Uri): Promise<void>;
  /** Resolves once the diagnostics of the open document `uri` are those of its current text. */
  diagnosticsCurrent(uri: vscode.Uri): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): RollbackLensApi {
  const log = vscode.window.createOutputChannel('Rollback Lens', { log: true });
  // the calendar (src/node/clock.ts): the worker and the runs here read ROLLBACK_LENS_NOW from the same environment
  const clock = clockProblem();
  if (clock) {
    log.error(clock);
    void vscode.window.showErrorMessage(`Rollback Lens: ${clock}. Deprecations and drill cadence are judged against the real clock until it is fixed.`);
  } else if (process.env[NOW_ENV]) log.info(`the calendar is pinned to ${process.env[NOW_ENV]} by ${NOW_ENV}`);
  const config = () => vscode.workspace.getConfiguration('rollbackLens');
  const client = new LanguageClient(path.join(context.extensionPath, 'dist', 'language-worker.js'), {
    onLog: (m) => log.warn(m),
  });
  const maxFileSize = () => Math.max(1, config().get<number>('maxFileSize', 5 * 1024 * 1024));
  // where the audit log lives (src/node/audit/store.ts): the user's setting only, never a workspace's
  const auditUrl = () => config().inspect<string>('auditUrl')?.globalValue?.trim() ?? '';
  setAuditUrl(auditUrl());
  const policySetting = () => config().get<string>('policy', '');
  void client.configure({ maxSize: maxFileSize(), auditUrl: auditUrl(), policy: policySetting() }).catch((e: Error) => log.error(`worker: ${e.message}`));
  const diagnostics = new DiagnosticsController(client, log, () => config().get<number>('validationDelay', 250));
  // contract tests: settings are read at every run, so changes apply at once
  const contracts = new ContractTests(client, log, () => {
    const timeout = parseDuration(config().get<string>('contractTests.timeout', ''));
    const concurrency = config().get<number>('contractTests.concurrency', 0);
    const formats = config().get<boolean>('validateFormats', true);
    return { ...(timeout.ok && timeout.value > 0 ? { timeoutMs: timeout.value } : {}), ...(concurrency > 0 ? { concurrency } : {}), ...(formats === false ? { formats: false } : {}) };
  }, String(context.extension.packageJSON.version), path.join(context.extensionPath, 'dist', 'contract-worker.js'));
  const runbooks = new Runbooks(client, log);
  const postmortems = new Postmortems(log);
  const reintroductions = new Reintroductions(client, log);
  const closures = new Closures(client, log);
  // the overdue-drill check reads the audit log: a drill (from here or a terminal) changes its answer
  const auditLog = vscode.workspace.createFileSystemWatcher('**/.rollback-lens/audit.jsonl');
  // a policy changing changes what every runbook and contract near it is checked against
  const policies = vscode.workspace.createFileSystemWatcher(POLICY_GLOB);
  const onAudit = () =>
    void client
      .invalidate()
      .then(() => diagnostics.revalidateAll())
      .catch((e: Error) => log.warn(`worker: ${e.message}`));
  const diffViews = new DiffViews(
    context,
    log,
    (uri, testId) => contracts.lastReport(uri, testId),
    (item) => contracts.testOf(item),
  );
  const overview = new Overview(
    { hasRunbookReport: (uri, scenario) => runbooks.hasReport(uri, scenario), hasTestReport: (uri, testId) => contracts.lastReport(uri, testId) !== undefined },
    log,
    [runbooks.onDidFinishRun, contracts.onDidFinishRun, auditLog.onDidCreate, auditLog.onDidChange, auditLog.onDidDelete],
  );
  // the readiness review: re-rendered when the log changes
  const reviews = new ReadinessReviews(context, log, [auditLog.onDidCreate, auditLog.onDidChange, auditLog.onDidDelete]);
  context.subscriptions.push(
    auditLog,
    policies,
    policies.onDidCreate(onAudit),
    policies.onDidChange(onAudit),
    policies.onDidDelete(onAudit),
    overview,
    reviews,
    ...registerStartCommands({ diagnostics, contracts, log, overview }),
    auditLog.onDidCreate(onAudit),
    auditLog.onDidChange(onAudit),
    auditLog.onDidDelete(onAudit),
    runbooks.onDidFinishRun(onAudit),
    contracts,
    runbooks,
    postmortems,
    reintroductions,
    closures,
    diffViews,
    log,
    { dispose: () => client.dispose() },
    diagnostics,
    ...registerProviders(client, log),
    // a quick fix created a referenced file: what the checks read changed
    registerCreateFile(log, onAudit),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rollbackLens.maxFileSize')) {
        void client.configure({ maxSize: maxFileSize() }).then(() => diagnostics.revalidateAll());
      }
      if (e.affectsConfiguration('rollbackLens.auditUrl')) {
        setAuditUrl(auditUrl());
        void client
          .configure({ auditUrl: auditUrl() })
          .then(() => diagnostics.revalidateAll())
          .catch((err: Error) => log.warn(`worker: ${err.message}`));
      }
      if (e.affectsConfiguration('rollbackLens.policy')) {
        void client.configure({ policy: policySetting() }).then(() => diagnostics.revalidateAll());
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => log.info('workspace trusted: running contract tests and dry-runs is allowed')),
  );
  const activationMs = performance.now() - moduleLoadStart;
  log.info(`activated in ${activationMs.toFixed(1)} ms (trusted workspace: ${vscode.workspace.isTrusted})`);
  return {
    activationMs,
    logUri: context.logUri,
    contracts,
    runbooks,
    postmortems,
    reintroductions,
    closures,
    diffViews,
    overview,
    reviews,
    diagnosticsCurrent: (uri) => diagnostics.current(uri),
    diagnosticsUpdated: (uri) =>
      new Promise((resolve) => {
        const sub = diagnostics.onDidUpdate((u) => {
          if (u.toString() === uri.toString()) {
            sub.dispose();
            resolve();
          }
        });
      }),
  };
}

export function deactivate(): void {}
