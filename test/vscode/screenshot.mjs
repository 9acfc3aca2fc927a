// Looks at the extension the way a user does: code-server with this
// repository as the extension under development (or a packaged .vsix),
// chromium through playwright-core. Opens a broken runbook, waits for an
// error squiggle in the editor and an entry in the Problems panel, asserts
// both; then opens the example runbook, clicks its Dry-run CodeLens and waits
// for the verdict lens and the report preview (exit 1 if any is missing) and
// saves PNG screenshots.
//
//   node test/vscode/screenshot.mjs [--update-docs] [--vsix=FILE] [--file=REL] [--verbose]
//
//   test-results/problems.png          whole window: editor with squiggles, Problems panel
//   test-results/problems-failed.png   the window when an assertion failed
//   test-results/dry-run.png           the example runbook after a dry-run, its report beside it
//   --update-docs                      also copies both to media/screenshots/
//   --vsix=FILE                        installs FILE (code-server --install-extension) instead of
//                                      loading the repository as the extension under development
//   --file=REL                         opens REL (relative to the workspace) instead of
//                                      fixtures/broken/iris-broken.runbook.yaml
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ROOT,
  openFile,
  runCommand,
  runMain,
  say,
  startWorkbench,
} from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const UPDATE_DOCS = process.argv.includes('--update-docs');
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
const DOCS_SHOT = join(ROOT, 'media/screenshots/problems.png');
const DEFAULT_FILE = 'fixtures/broken/iris-broken.runbook.yaml';
const WAIT_MS = 45_000;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  let rel = arg('file') ?? DEFAULT_FILE;
  const { page } = await startWorkbench('screenshot', {
    vsix: VSIX,
    hostLog: true,
    prepare: (sb) => {
      if (existsSync(join(sb.workspace, rel))) return;
      if (arg('file')) throw new Error(`${rel} is not in the workspace (a copy of examples/)`);
      // Until examples/ has its broken runbook: a file that cannot parse.
      rel = 'x.runbook.yaml';
      writeFileSync(join(sb.workspace, rel), 'kind: [\n');
      say(`${DEFAULT_FILE} not in examples/: using a temporary ${rel} containing "kind: ["`);
    },
  });

  const failures = [];
  try {
    // The workbench is up when the explorer shows the folder.
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    say('workbench ready');

    await openFile(page, rel, WAIT_MS);

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
      await runCommand(page, 'View: Focus Problems', WAIT_MS);
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

  // The example runbook, dry-run by clicking its CodeLens as a user would: the
  // verdict lens, and the report in a Markdown preview beside it.
  let dryShot;
  if (!failures.length) {
    try {
      await runCommand(page, 'View: Close Panel', WAIT_MS);
      await openFile(page, 'iris/iris.runbook.yaml', WAIT_MS);
      const lens = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'Dry-run' }).first();
      await lens.waitFor({ timeout: WAIT_MS });
      await lens.click();
      const ready = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'dry-run: ready' }).first();
      // no reopening when it is late: a lens that does not follow the run is a defect (test/vscode/lenses.mjs)
      await ready.waitFor({ timeout: WAIT_MS });
      await page.locator('.tabs-container .tab[aria-label*="dry-run.md"]').first().waitFor({ timeout: WAIT_MS });
      // (the step lenses are further down; scrolling in headless chromium can leave the editor half painted
      // in the shot, so the shot shows the verdict lens and the report, and test/integration checks the steps)
      say(`dry-run lenses: ${(await page.locator('.editor-instance .monaco-editor .codelens-decoration').allInnerTexts()).filter(Boolean).join(' | ')}`);
      // the preview is a webview (nested iframes): wait until its frame shows the verdict
      const verdictShown = async () => {
        for (const f of page.frames()) if (await f.locator('text=Verdict: READY').count().catch(() => 0)) return true;
        return false;
      };
      const until = Date.now() + WAIT_MS;
      while (!(await verdictShown())) {
        if (Date.now() > until) throw new Error('the report preview never showed "Verdict: READY"');
        await page.waitForTimeout(250);
      }
      await page.waitForTimeout(500);
      dryShot = join(RESULTS, 'dry-run.png');
      await page.screenshot({ path: dryShot });
      say(`screenshot: ${dryShot}`);
    } catch (e) {
      const lenses = await page.locator('.editor-instance .monaco-editor .codelens-decoration').allInnerTexts().catch(() => []);
      failures.push(`dry-run from the CodeLens: ${e.message.split('\n')[0]} (lenses on screen: ${lenses.join(' | ') || 'none'})`);
      await page.screenshot({ path: join(RESULTS, 'dry-run-failed.png') }).catch(() => {});
    }
  }
  if (failures.length) {
    for (const f of failures) console.error(`[screenshot] FAIL: ${f}`);
    return 1;
  }
  if (UPDATE_DOCS) {
    mkdirSync(join(ROOT, 'media/screenshots'), { recursive: true });
    copyFileSync(shot, DOCS_SHOT);
    copyFileSync(dryShot, join(ROOT, 'media/screenshots/dry-run.png'));
    say(`updated ${DOCS_SHOT} and media/screenshots/dry-run.png`);
  }
  return 0;
}

const code = await runMain(main, 'screenshot', 'screenshot check');
process.exit(code);
