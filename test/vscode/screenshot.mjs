// Looks at the extension the way a user does: code-server with this
// repository as the extension under development (or a packaged .vsix),
// chromium through playwright-core. Opens a broken runbook, waits for an
// error squiggle in the editor and an entry in the Problems panel, asserts
// both (exit 1 if either is missing) and saves PNG screenshots.
//
//   node test/vscode/screenshot.mjs [--update-docs] [--vsix=FILE] [--file=REL] [--verbose]
//
//   test-results/problems.png          whole window: editor with squiggles, Problems panel
//   test-results/problems-failed.png   the window when an assertion failed
//   --update-docs                      also copies problems.png to media/screenshots/problems.png
//   --vsix=FILE                        installs FILE (code-server --install-extension) instead of
//                                      loading the repository as the extension under development
//   --file=REL                         opens REL (relative to the workspace) instead of
//                                      fixtures/broken/iris-broken.runbook.yaml
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ROOT,
  VERBOSE,
  checkSetup,
  runMain,
  ensureBuilt,
  installVsix,
  isInterestingWorkbenchLog,
  launchChromium,
  makeSandbox,
  openWorkbench,
  remoteUri,
  say,
  startCodeServer,
} from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const UPDATE_DOCS = process.argv.includes('--update-docs');
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
const DOCS_SHOT = join(ROOT, 'media/screenshots/problems.png');
const DEFAULT_FILE = 'fixtures/broken/iris-broken.runbook.yaml';
const WAIT_MS = 45_000;

async function main() {
  checkSetup();
  if (!VSIX) ensureBuilt();
  mkdirSync(RESULTS, { recursive: true });

  const sb = makeSandbox('screenshot');
  let rel = arg('file') ?? DEFAULT_FILE;
  if (!existsSync(join(sb.workspace, rel))) {
    if (arg('file')) throw new Error(`${rel} is not in the workspace (a copy of examples/)`);
    // Until examples/ has its broken runbook: a file that cannot parse.
    rel = 'x.runbook.yaml';
    writeFileSync(join(sb.workspace, rel), 'kind: [\n');
    say(`${DEFAULT_FILE} not in examples/: using a temporary ${rel} containing "kind: ["`);
  }
  if (VSIX) installVsix(sb, VSIX);

  const server = await startCodeServer(sb, { env: { ROLLBACK_LENS_TEST_WORKSPACE: sb.workspace } });
  const browser = await launchChromium();
  const shown = new Set();
  const page = await openWorkbench(browser, server, {
    folder: sb.workspace,
    payload: VSIX ? [] : [['extensionDevelopmentPath', remoteUri(server.port, ROOT)]],
    onHostLog: (severity, text) => console.log(`[extension host ${severity}] ${text}`),
    onWorkbenchLog: (type, text) => {
      if (VERBOSE || (isInterestingWorkbenchLog(type, text) && !shown.has(text))) {
        shown.add(text);
        console.log(`[workbench ${type}] ${text}`);
      }
    },
  });

  const failures = [];
  try {
    // The workbench is up when the explorer shows the folder.
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    say('workbench ready');

    // Open the file with Quick Open (Ctrl+P), as a user would.
    await page.locator('.monaco-workbench').first().click({ position: { x: 700, y: 400 } }).catch(() => {});
    await page.keyboard.press('Control+P');
    const quickInput = page.locator('.quick-input-widget input');
    await quickInput.waitFor({ timeout: WAIT_MS });
    await quickInput.fill(rel);
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: WAIT_MS });
    await page.keyboard.press('Enter');
    const fileName = rel.split('/').pop();
    await page.locator(`.tabs-container .tab[aria-label*="${fileName}"]`).first().waitFor({ timeout: WAIT_MS });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: WAIT_MS });
    say(`opened ${rel}`);

    // A squiggle in the editor.
    try {
      await page.locator('.editor-instance .monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: WAIT_MS });
      say(`squiggles in the editor: ${await page.locator('.editor-instance .monaco-editor .squiggly-error').count()}`);
    } catch {
      failures.push(`no error squiggle (.squiggly-error) in the editor of ${rel} within ${WAIT_MS / 1000} s`);
    }

    // The Problems panel (View: Focus Problems, Ctrl+Shift+M), with an entry for the file.
    await page.keyboard.press('Control+Shift+M');
    const panel = page.locator('.markers-panel');
    try {
      await panel.first().waitFor({ timeout: 10_000 });
    } catch {
      await runCommand(page, 'View: Focus Problems');
      await panel.first().waitFor({ timeout: WAIT_MS });
    }
    const markerRows = panel.locator('.monaco-list-row .marker-message-details, .monaco-list-row .marker-message');
    try {
      await markerRows.first().waitFor({ timeout: WAIT_MS });
      const messages = (await panel.locator('.monaco-list-row[aria-level="2"]').allInnerTexts()).map((t) =>
        t.replace(/\s+/g, ' ').trim(),
      );
      say(`Problems panel: ${messages.length} problem(s)`);
      for (const m of messages.slice(0, 10)) console.log(`    ${m}`);
    } catch {
      failures.push(`no entry in the Problems panel within ${WAIT_MS / 1000} s`);
    }
    // Back to the editor (Ctrl+1) so the shot shows it focused, then let it paint.
    await page.keyboard.press('Control+1');
    await page.waitForTimeout(700);
  } catch (e) {
    failures.push(`could not drive the workbench: ${e.message.split('\n')[0]}`);
  }

  const shot = join(RESULTS, failures.length ? 'problems-failed.png' : 'problems.png');
  await page.screenshot({ path: shot });
  say(`screenshot: ${shot}`);
  if (failures.length) {
    for (const f of failures) console.error(`[screenshot] FAIL: ${f}`);
    return 1;
  }
  if (UPDATE_DOCS) {
    mkdirSync(join(ROOT, 'media/screenshots'), { recursive: true });
    copyFileSync(shot, DOCS_SHOT);
    say(`updated ${DOCS_SHOT}`);
  }
  return 0;
}

/** Runs a command by its title through the command palette (F1). */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: WAIT_MS });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: WAIT_MS });
  await page.keyboard.press('Enter');
}

const code = await runMain(main, 'screenshot', 'screenshot check');
process.exit(code);
