// A newcomer's first minutes, looked at as a user does (code-server +
// chromium through playwright-core): the Rollback Lens walkthrough opens from
// the palette (Welcome: Open Walkthrough...) with every step of package.json,
// its picture loaded; its New Runbook button creates and opens
// new.runbook.yaml and completes the step. Then the example runbook is
// dry-run and drilled, and every contract test run, from the palette, and the
// Rollback Lens view (activity bar) shows each with its verdict. Exit 1 when any of this is missing; PNG screenshots:
//
//   node test/vscode/walkthrough.mjs [--update-docs] [--vsix=FILE] [--verbose]
//
//   test-results/walkthrough.png   the walkthrough, its first step's picture
//   test-results/view.png          the Rollback Lens view after the dry-run
//   test-results/walkthrough-failed.png   the window when a check failed
//   --update-docs                  also copies both to media/screenshots/ (the README shows them)
//   --vsix=FILE                    installs FILE instead of loading the repository as the extension under development
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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
const WAIT_MS = 45_000;
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const WALKTHROUGH = PKG.contributes.walkthroughs[0];

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { sb, page } = await startWorkbench('walkthrough', {
    vsix: VSIX,
    // the example alone, as a newcomer's clone has it (the test fixtures would crowd the view)
    prepare: (sb) => rmSync(join(sb.workspace, 'fixtures'), { recursive: true, force: true }),
  });
  const shots = {};
  try {
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    say('workbench ready');

    // ---- the walkthrough, from the palette
    const container = await openWalkthrough(page);
    const titles = (await container.locator('.getting-started-step .step-title').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    const want = WALKTHROUGH.steps.map((s) => s.title);
    if (JSON.stringify(titles) !== JSON.stringify(want)) throw new Error(`the walkthrough's steps are ${JSON.stringify(titles)}, not ${JSON.stringify(want)}`);
    say(`walkthrough: ${titles.length} steps`);
    // the first step's picture: loaded (a broken or unshipped SVG has no natural size)
    const img = container.locator('.getting-started-media img').first();
    await img.waitFor({ timeout: WAIT_MS });
    const src = await img.evaluate((e) => e.currentSrc || e.src || e.outerHTML);
    if (!src?.includes(WALKTHROUGH.steps[0].media.image.split('/').pop())) throw new Error(`the first step shows ${src}, not ${WALKTHROUGH.steps[0].media.image}`);
    const until = Date.now() + WAIT_MS;
    while (!(await img.evaluate((e) => e.complete && e.naturalWidth > 0))) {
      if (Date.now() > until) throw new Error(`the picture ${WALKTHROUGH.steps[0].media.image} did not load`);
      await page.waitForTimeout(200);
    }
    await page.waitForTimeout(500);
    shots.walkthrough = join(RESULTS, 'walkthrough.png');
    await page.screenshot({ path: shots.walkthrough });
    say(`screenshot: ${shots.walkthrough}`);

    // its command button: New Runbook creates the file, opens it, and the step is done
    await container.locator('.getting-started-step.expanded').getByText('New Runbook', { exact: true }).first().click();
    await page.locator('.tabs-container .tab[aria-label^="new.runbook.yaml"]').first().waitFor({ timeout: WAIT_MS });
    if (!existsSync(join(sb.workspace, 'new.runbook.yaml'))) throw new Error('New Runbook did not write new.runbook.yaml');
    await openWalkthrough(page);
    const first = container.locator('.getting-started-step').first();
    try {
      await container.locator('.getting-started-step[aria-checked="true"]').first().waitFor({ timeout: WAIT_MS });
    } catch {
      throw new Error(`the first step is not marked complete: ${(await first.evaluate((e) => e.outerHTML)).slice(0, 600)}`);
    }
    const done = (await container.locator('.getting-started-step[aria-checked="true"] .step-title').allInnerTexts()).map((x) => x.trim());
    if (JSON.stringify(done) !== JSON.stringify([WALKTHROUGH.steps[0].title])) throw new Error(`completed steps: ${JSON.stringify(done)}`);
    say('the walkthrough\'s New Runbook button created new.runbook.yaml and completed its step');

    // ---- the Rollback Lens view after a dry-run, a drill and the contract tests, each from the palette
    await page.keyboard.press('Escape');
    await openFile(page, 'iris/iris.runbook.yaml', WAIT_MS);
    await runCommand(page, 'Rollback Lens: Dry-run Runbook', WAIT_MS);
    await page.locator('.activitybar .action-item a[aria-label^="Rollback Lens"], .activitybar .action-item[aria-label^="Rollback Lens"]').first().click();
    const view = page.locator('.pane-body .monaco-list');
    const row = (label, description) => view.locator('.monaco-list-row', { hasText: label }).filter({ hasText: description }).first();
    await row('iris/iris.runbook.yaml', 'ready').waitFor({ timeout: WAIT_MS });
    await row('Dry-run', 'ready · just now').waitFor({ timeout: WAIT_MS });
    await openFile(page, 'iris/iris.runbook.yaml', WAIT_MS);
    await runCommand(page, 'Rollback Lens: Run Drill Scenario…', WAIT_MS);
    const scenario = page.locator('.quick-input-list .monaco-list-row', { hasText: 'repoint-fails' }).first();
    await scenario.waitFor({ timeout: WAIT_MS });
    await scenario.click();
    await row('Drill repoint-fails', 'pass: undone').waitFor({ timeout: WAIT_MS });
    await runCommand(page, 'Rollback Lens: Run All Contract Tests', WAIT_MS);
    await row('iris/iris.contract.yaml', 'tests fail').waitFor({ timeout: WAIT_MS });
    await row('parity', 'fail: ').waitFor({ timeout: WAIT_MS });
    const rows = (await view.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    say(`view: ${rows.join(' | ')}`);
    // the reports opened beside the runbook: the shot shows the view and the runbook with its lenses
    await runCommand(page, 'View: Close All Editors', WAIT_MS);
    await openFile(page, 'iris/iris.runbook.yaml', WAIT_MS);
    // a wider side bar, so the rows' descriptions (verdicts, timings) are not cut off in the shot
    const bar = await page.locator('.part.sidebar').first().boundingBox();
    if (bar) {
      await page.mouse.move(bar.x + bar.width + 1, bar.y + bar.height / 2);
      await page.mouse.down();
      await page.mouse.move(bar.x + 560, bar.y + bar.height / 2, { steps: 5 });
      await page.mouse.up();
    }
    await page.waitForTimeout(1000);
    shots.view = join(RESULTS, 'view.png');
    await page.screenshot({ path: shots.view });
    say(`screenshot: ${shots.view}`);
  } catch (e) {
    console.error(`[walkthrough] FAIL: ${e.message.split('\n')[0]}`);
    await page.screenshot({ path: join(RESULTS, 'walkthrough-failed.png') }).catch(() => {});
    return 1;
  }
  if (UPDATE_DOCS) {
    for (const [name, file] of Object.entries(shots)) copyFileSync(file, join(ROOT, `media/screenshots/${name}.png`));
    say('updated media/screenshots/walkthrough.png and view.png');
  }
  return 0;
}

/** Opens the walkthrough by its title through Welcome: Open Walkthrough... and waits for its page. */
async function openWalkthrough(page) {
  await runCommand(page, 'Welcome: Open Walkthrough...', WAIT_MS);
  await page.locator('.quick-input-widget input').fill(WALKTHROUGH.title);
  const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: WALKTHROUGH.title }).first();
  await pick.waitFor({ timeout: WAIT_MS });
  await pick.click();
  const container = page.locator('.gettingStartedContainer');
  await container.locator('h2', { hasText: WALKTHROUGH.title }).first().waitFor({ timeout: WAIT_MS });
  return container;
}

const code = await runMain(main, 'walkthrough', 'walkthrough check');
process.exit(code);
