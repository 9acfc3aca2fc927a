// Shared by run.mjs and screenshot.mjs: starts a throw-away code-server
// (VS Code for the browser, installed by setup.sh and run on node 24) and
// Debian's chromium through playwright-core, and opens the workbench on a
// temporary copy of examples/ with this repository as the extension under
// development. Everything started here is stopped by cleanup(), which also
// runs on SIGINT/SIGTERM/SIGHUP and (for code-server) on process exit.
// The calendar is pinned as in the unit tests (ROLLBACK_LENS_NOW, set by
// test/unit/pin-clock.cjs unless already set): the servers and editors started
// here inherit it.
import '../unit/pin-clock.cjs';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { format, inspect } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE24 = join(ROOT, '.vscode-test/node24/bin/node');
export const CODE_SERVER_ENTRY = join(ROOT, '.vscode-test/code-server/node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.ROLLBACK_LENS_CHROMIUM || '/usr/bin/chromium';
export const TESTS_ENTRY = join(ROOT, 'dist/test/integration/index.js');
export const VERBOSE = process.argv.includes('--verbose') || process.env.ROLLBACK_LENS_VSCODE_VERBOSE === '1';

// As root, without a sandbox; no GPU; no background traffic (the network is closed).
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// User settings for the throw-away profile: no welcome page, tips, update or
// telemetry traffic, so runs are quiet and screenshots are stable.
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'window.confirmBeforeClose': 'never',
};

const t0 = Date.now();
export function say(...args) {
  console.log(`[vscode ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`, ...args);
}

// ---------------------------------------------------------------- cleanup
const cleanups = [];
let cleaning;
/** Registers fn to run (last registered first) in cleanup(). */
export function onCleanup(fn) {
  cleanups.push(fn);
}
export function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await withTimeout(Promise.resolve().then(fn), 10_000, 'cleanup step');
      } catch (e) {
        console.error('[vscode] cleanup:', e?.message ?? e);
      }
    }
  })();
  return cleaning;
}
const syncKills = new Set();
process.on('exit', () => {
  for (const kill of syncKills) kill();
});
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    console.error(`\n[vscode] ${signal}: stopping code-server and chromium`);
    cleanup().finally(() => process.exit(code));
  });
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- checks and build
export function checkSetup() {
  const missing = [
    [NODE24, 'node 24'],
    [CODE_SERVER_ENTRY, 'code-server'],
    [CHROMIUM, 'chromium'],
  ].filter(([p]) => !existsSync(p));
  if (missing.length) {
    throw new Error(
      `${missing.map(([p, what]) => `${what} (${p})`).join(', ')} missing: run \`bash test/vscode/setup.sh\` first`,
    );
  }
}

/** Builds dist/ with `node esbuild.mjs` when the extension bundle or the given files are missing. */
export function ensureBuilt(extraFiles = []) {
  const needed = [join(ROOT, 'dist/extension.js'), ...extraFiles];
  if (needed.every((f) => existsSync(f))) return;
  say('dist/ is not built: running node esbuild.mjs');
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed (exit ${r.status ?? r.signal})`);
  for (const f of needed) if (!existsSync(f)) throw new Error(`node esbuild.mjs did not produce ${f}`);
}

// ---------------------------------------------------------------- sandbox
/**
 * Fresh temporary folders for one run:
 *   <tmp>/workspace           copy of examples/, plus test/fixtures/ as <tmp>/workspace/fixtures/
 *   <tmp>/user-data, <tmp>/extensions, <tmp>/config.yaml (auth: none), <tmp>/code-server.log
 * Removed by cleanup() unless ROLLBACK_LENS_KEEP_TMP=1.
 */
export function makeSandbox(name = 'run', { restricted = false } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), `rollback-lens-vscode-${name}-`));
  const sb = {
    tmp,
    workspace: join(tmp, 'workspace'),
    userData: join(tmp, 'user-data'),
    extensions: join(tmp, 'extensions'),
    config: join(tmp, 'config.yaml'),
    log: join(tmp, 'code-server.log'),
  };
  mkdirSync(join(sb.userData, 'User'), { recursive: true });
  mkdirSync(sb.extensions, { recursive: true });
  writeFileSync(sb.config, 'auth: none\ncert: false\n');
  // Restricted Mode: Workspace Trust on, no prompt, so the folder stays untrusted
  const settings = restricted
    ? { ...USER_SETTINGS, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false }
    : USER_SETTINGS;
  writeFileSync(join(sb.userData, 'User/settings.json'), JSON.stringify(settings, null, 2));
  mkdirSync(sb.workspace, { recursive: true });
  if (existsSync(join(ROOT, 'examples'))) cpSync(join(ROOT, 'examples'), sb.workspace, { recursive: true });
  if (existsSync(join(ROOT, 'test/fixtures'))) {
    cpSync(join(ROOT, 'test/fixtures'), join(sb.workspace, 'fixtures'), { recursive: true });
  }
  onCleanup(() => {
    if (process.env.ROLLBACK_LENS_KEEP_TMP === '1') say(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  });
  return sb;
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

// ---------------------------------------------------------------- code-server
/**
 * Starts code-server on 127.0.0.1:<free port> in its own process group.
 * env: extra environment for the server and so for its extension host.
 * extraArgs: more code-server arguments (e.g. --install-extension is a separate run).
 * Resolves { port, base, pid } once it answers /healthz.
 */
export async function startCodeServer(sb, { env = {}, extraArgs = [], trust = true } = {}) {
  const port = await freePort();
  const args = [
    CODE_SERVER_ENTRY,
    '--config', sb.config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', sb.userData,
    '--extensions-dir', sb.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    ...(trust ? ['--disable-workspace-trust'] : []), // as @vscode/test-electron does; off for Restricted Mode runs
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...extraArgs,
  ];
  const childEnv = { ...process.env, ...env };
  // Started from a VS Code or code-server terminal, these would make
  // code-server hand the folder to that instance instead of serving its own.
  for (const k of Object.keys(childEnv)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'CODE_SERVER_PARENT_PID') delete childEnv[k];
  }
  const out = createWriteStream(sb.log);
  const child = spawn(NODE24, args, { cwd: sb.tmp, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (d) => {
      out.write(d);
      if (VERBOSE) process.stdout.write(String(d).replace(/^/gm, '[code-server] '));
    });
  }
  let exited = null;
  const exitPromise = new Promise((res) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      res(exited);
    }),
  );
  const killGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const syncKill = () => killGroup('SIGKILL');
  syncKills.add(syncKill);
  onCleanup(async () => {
    killGroup('SIGTERM');
    const stopped = await Promise.race([exitPromise, new Promise((r) => setTimeout(() => r(null), 3000))]);
    killGroup('SIGKILL'); // the extension host and other helpers share the group
    if (!stopped) await exitPromise;
    syncKills.delete(syncKill);
    out.end();
  });

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited (${exited.code ?? exited.signal}) before listening:\n${tail(sb.log)}`);
    }
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${base} within 30 s:\n${tail(sb.log)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`code-server listening on ${base} (pid ${child.pid}, log ${sb.log})`);
  return { port, base, pid: child.pid, exited: () => exited };
}

/** Runs code-server once with --install-extension <vsix> into the sandbox's extensions dir. */
export function installVsix(sb, vsix) {
  const r = spawnSync(
    NODE24,
    [CODE_SERVER_ENTRY, '--config', sb.config, '--user-data-dir', sb.userData, '--extensions-dir', sb.extensions, '--install-extension', vsix],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed:\n${r.stdout}\n${r.stderr}`);
  say(`installed ${vsix}`);
  // every bundle the extension loads (the extension, its workers, the table readers) must be in the package:
  // .vscodeignore is an allowlist, and a forgotten worker only fails when that feature runs. The CLI is
  // not one of them: it ships as the npm package's bin, and the extension never runs it.
  const installed = readdirSync(sb.extensions).find((d) => d.startsWith('rollback-lens.rollback-lens-'));
  if (!installed) throw new Error(`the vsix did not install into ${sb.extensions}`);
  const built = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js') && f !== 'cli.js');
  if (existsSync(join(sb.extensions, installed, 'dist', 'cli.js'))) throw new Error('the vsix carries dist/cli.js, which the extension never runs (the npm package ships the CLI)');
  const missing = built.filter((f) => !existsSync(join(sb.extensions, installed, 'dist', f)));
  if (missing.length) throw new Error(`the vsix lacks ${missing.map((f) => `dist/${f}`).join(', ')} (add them to .vscodeignore's allowlist)`);
}

export function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------- chromium and the workbench
export async function launchChromium() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed: run `npm ci` first');
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    // Our own handlers stop code-server too; see cleanup().
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 60_000,
  });
  // Playwright starts chromium in its own process group and kills that group on close.
  onCleanup(() => browser.close());
  return browser;
}

/** `vscode-remote://127.0.0.1:PORT/abs/path`: a path on the code-server side, as the workbench sees it. */
export function remoteUri(port, absPath) {
  return `vscode-remote://127.0.0.1:${port}${absPath.split('/').map(encodeURIComponent).join('/')}`;
}

// Runs in the page before its scripts: turns on
// developmentOptions.enableSmokeTestDriver in the workbench configuration
// (the <meta id="vscode-workbench-web-configuration" data-settings="…">),
// without which the workbench ignores the `payload` query parameter.
// The workbench is a module script, so it runs after parsing ends: patching
// on insertion (MutationObserver) and again at readyState 'interactive'
// (before module scripts run) is early enough. Rewriting the HTML with
// page.route() instead makes chromium block the workbench's WebSocket.
function enableSmokeTestDriver() {
  const ID = 'vscode-workbench-web-configuration';
  const patch = () => {
    const el = document.getElementById(ID);
    if (!el || el.dataset.rollbackLensPatched) return !!el;
    const raw = el.getAttribute('data-settings');
    if (!raw || raw.startsWith('{{')) return false;
    const config = JSON.parse(raw);
    config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
    el.setAttribute('data-settings', JSON.stringify(config));
    el.dataset.rollbackLensPatched = '1';
    return true;
  };
  const observer = new MutationObserver(() => {
    if (patch()) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true });
  document.addEventListener('readystatechange', () => {
    if (document.readyState === 'interactive') patch();
  });
}

/**
 * Opens the workbench in a new page on `folder`, with `payload` pairs
 * (e.g. [['extensionDevelopmentPath', uri]]).
 *   onHostLog(severity, text): console output of the extension host
 *     (mocha's reporter, console.log in tests and in the extension)
 *   onWorkbenchLog(type, text): the workbench's own log (codeAutomationLog)
 *   onExit(code): the workbench's codeAutomationExit, after every host
 *     line logged before it has been passed to onHostLog
 *
 * Where the extension host's console output comes from: with an
 * extensionTestsPath the workbench forwards it to codeAutomationLog, but as
 * strings already joined by VS Code's logger, printf-style arguments and all
 * ("%d passing (%s) 1 19ms"). With a `debugId` in the payload the workbench
 * instead replays each console call in the page's console with its real
 * arguments ("%c[Extension Host] %c…", colours, args…), which we format here
 * with util.format as node would. The exit path (codeAutomationExit) is the
 * same; the host's errors still reach the workbench log too.
 */
export async function openWorkbench(
  browser,
  server,
  { folder, payload = [], onHostLog, onWorkbenchLog, onExit, viewport = { width: 1400, height: 900 } },
) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Console events arrive in order, but reading their arguments is async:
  // chain them so lines keep their order and onExit comes after them.
  let hostLines = Promise.resolve();
  page.on('console', (msg) => {
    const first = msg.args()[0];
    const text = msg.text();
    if (text.startsWith('%c[Extension Host]')) {
      hostLines = hostLines.then(async () => {
        const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '<unserializable>')));
        const line = format(...args).replace(/^\[Extension Host\]%? ?/, '');
        onHostLog?.(msg.type(), line);
      });
    } else if (VERBOSE && first !== undefined) {
      console.log(`[browser ${msg.type()}] ${text}`);
    }
  });
  page.on('pageerror', (e) => VERBOSE && console.log(`[browser pageerror] ${e.message}`));
  await page.exposeFunction('codeAutomationLog', (type, args) => onWorkbenchLog?.(type, formatLogArgs(args)));
  await page.exposeFunction('codeAutomationExit', (code) => {
    hostLines.then(() => onExit?.(code));
  });
  await page.addInitScript(enableSmokeTestDriver);
  const url = new URL(server.base + '/');
  url.searchParams.set('folder', folder);
  url.searchParams.set(
    'payload',
    JSON.stringify([...payload, ['debugId', 'rollback-lens-tests'], ['skipWelcome', 'true'], ['skipReleaseNotes', 'true']]),
  );
  say(`opening workbench on ${folder}`);
  if (VERBOSE) say(url.toString());
  await page.goto(url.toString(), { waitUntil: 'domcontentloaded', timeout: 60_000 });
  return page;
}

// codeAutomationLog's args: the workbench passes one preformatted string;
// accept arrays and objects too.
export function formatLogArgs(args) {
  const list = Array.isArray(args) ? args : [args];
  return list.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4, breakLength: Infinity }))).join(' ');
}

// Workbench log lines that are expected on a machine without internet or
// with code-server's build and say nothing about the extension.
const WORKBENCH_NOISE = [
  /open-vsx\.org|ENOTFOUND|ERR_NAME_NOT_RESOLVED|marketplace|gallery/i,
  /^Canceled(: Canceled)*/,
  /vsda/,
  /Could not create socket/,
  /ipc\.sock/,
  /telemetry/i,
  /^Creation of workbench contribution .* took \d+ms/,
];
/** Whether a workbench log line is worth showing without --verbose: warnings and errors that are not known noise. */
export function isInterestingWorkbenchLog(type, text) {
  if (text.startsWith('[Extension Host]')) return false; // shown from the console with its real arguments
  if (type !== 'error' && type !== 'warn') return false;
  return !WORKBENCH_NOISE.some((re) => re.test(text));
}

/** Runs a script's main(), always cleans up, says how it went; the exit code (2: the harness itself failed). */
export async function runMain(main, tag, what) {
  let code;
  try {
    code = await main();
  } catch (e) {
    console.error(`\n[${tag}] ERROR: ${e?.message ?? e}`);
    code = 2;
  }
  await cleanup();
  say(code === 0 ? `${what} passed` : `${what} FAILED (exit ${code})`);
  return code;
}

// ---------------------------------------------------------------- workbench actions
/** Opens `rel` (relative to the workspace) by Quick Open, as a user would, and waits for its editor. */
export async function openFile(page, rel, waitMs) {
  await page.locator('.monaco-workbench').first().click({ position: { x: 700, y: 300 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor({ timeout: waitMs });
  await quickInput.fill(rel);
  // the file's own row (the list shows other rows first while the search runs), clicked
  const fileName = rel.split('/').pop();
  const row = page.locator(`.quick-input-list .monaco-list-row[aria-label*="${fileName}"]`).first();
  await row.waitFor({ timeout: waitMs });
  await row.click();
  await page.locator(`.tabs-container .tab.active[aria-label^="${fileName}"]`).first().waitFor({ timeout: waitMs });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: waitMs });
  say(`opened ${rel}`);
}

/**
 * Runs a command by its title through the command palette (F1). F1 is pressed once, when it can land:
 * after any quick input still closing (Ctrl+P's, a pick's: the palette's input matched the closing one,
 * and F1 pressed meanwhile opened nothing, an earlier CI's walkthrough fill timeout) and with the active
 * editor, if there is one, focused.
 */
export async function runCommand(page, title, waitMs) {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => {});
  await page.locator('.editor-group-container.active .editor-instance .monaco-editor textarea').first().focus({ timeout: 2_000 }).catch(() => {});
  await page.keyboard.press('F1');
  await widget.locator('input').fill(`>${title}`, { timeout: waitMs });
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: waitMs });
  await page.keyboard.press('Enter');
}

/**
 * A fresh sandbox (makeSandbox: a copy of examples/ and the fixtures), code-server on it with the
 * extension (the repository as the extension under development, or `vsix` installed), and the
 * workbench open in Chromium on its workspace: what every Playwright check starts with. `prepare(sb)`
 * runs before the server starts (files of the check's own); `hostLog` prints the extension host's log.
 */
export async function startWorkbench(name, { vsix, prepare, hostLog = false } = {}) {
  checkSetup();
  if (!vsix) ensureBuilt();
  const sb = makeSandbox(name);
  if (prepare) await prepare(sb);
  if (vsix) installVsix(sb, vsix);
  const server = await startCodeServer(sb, { env: { ROLLBACK_LENS_TEST_WORKSPACE: sb.workspace } });
  const browser = await launchChromium();
  const shown = new Set();
  const page = await openWorkbench(browser, server, {
    folder: sb.workspace,
    payload: vsix ? [] : [['extensionDevelopmentPath', remoteUri(server.port, ROOT)]],
    onHostLog: (severity, text) => (hostLog || VERBOSE) && console.log(`[extension host ${severity}] ${text}`),
    onWorkbenchLog: (type, text) => {
      if (VERBOSE || (isInterestingWorkbenchLog(type, text) && !shown.has(text))) {
        shown.add(text);
        console.log(`[workbench ${type}] ${text}`);
      }
    },
  });
  return { sb, server, browser, page };
}
