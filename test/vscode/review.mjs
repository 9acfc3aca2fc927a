// The readiness review as a person opens it, in a real VS Code (code-server)
// driven by Debian's chromium through playwright-core: on the review's
// fixture workspace (test/fixtures/review/workspace.mjs, the calendar pinned
// to 2026-11-22 by the harness), run "Rollback Lens: Show Readiness Review"
// from the command palette, enter the webview's frames and read the figures
// and charts as rendered (alpha's success rate and time to restore, 5 restore
// points, the window line; beta's hostile name as text, no element made of
// it; the theme's foreground colour, not the page's fallback), then append a
// drill of gamma to the audit log and see the open panel say so, then reload
// the window and see the serializer bring the panel back. Screenshot
// test-results/review-vscode.png (…-failed.png on failure). Exit 1 when an
// assertion fails.
//
//   node test/vscode/review.mjs [--vsix=FILE] [--update-docs] [--verbose]
//
//   --update-docs copies the screenshot to media/screenshots/review.png
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, runMain, say, startWorkbench } from './harness.mjs';
import { HOSTILE_NAME, writeReviewWorkspace } from '../fixtures/review/workspace.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const VSIX = arg('vsix') && resolve(arg('vsix'));
const UPDATE_DOCS = process.argv.includes('--update-docs');
const RESULTS = join(ROOT, 'test-results');
const WAIT_MS = 60_000;
let WORKSPACE;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { page } = await startWorkbench('review', {
    vsix: VSIX,
    prepare: (sb) => {
      WORKSPACE = sb.workspace;
      // only the review's fixture: the examples' runbooks would be reviewed too
      for (const f of readdirSync(sb.workspace)) rmSync(join(sb.workspace, f), { recursive: true, force: true });
      writeReviewWorkspace(sb.workspace);
      const settings = join(sb.userData, 'User/settings.json');
      writeFileSync(settings, JSON.stringify({ ...JSON.parse(readFileSync(settings, 'utf8')), 'workbench.colorTheme': 'Default Dark Modern' }, null, 2));
    },
  });
  const failures = [];
  const check = (ok, message) => {
    if (!ok) failures.push(message);
    say(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
  };
  const webview = () => page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
  try {
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    say('workbench ready');
    await page.locator('.monaco-workbench').first().click({ position: { x: 700, y: 300 } }).catch(() => {});
    // the palette's own row for the command, clicked (Enter could take a stale first row while the list
    // filters); until the extension's contributions are in, the palette does not list it: ask again
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: WAIT_MS });
      await input.fill('>Rollback Lens: Show Readiness Review');
      const row = page.locator('.quick-input-list .monaco-list-row[aria-label*="Show Readiness Review"]').first();
      if (await row.waitFor({ timeout: 3_000 }).then(() => true, () => false)) {
        await row.click();
        break;
      }
      if (Date.now() > deadline) throw new Error('the command palette never listed Rollback Lens: Show Readiness Review');
      await page.keyboard.press('Escape');
    }
    const view = webview();
    const alpha = view.locator('section.runbook[data-path="alpha/alpha.runbook.yaml"]');
    await alpha.waitFor({ timeout: WAIT_MS });
    say('review panel open');
    const figure = (section, name) => section.locator(`dd[data-figure="${name}"]`).innerText();
    check((await figure(alpha, 'success rate')) === '80% (4 of 5 drills and rollbacks passed)', `alpha success rate: ${await figure(alpha, 'success rate')}`);
    const restore = await figure(alpha, 'time to restore');
    check(restore.startsWith('median 15m, p90 40m (n=5 restored runs); windows.restore 30m, 4 of 5 within it'), `alpha time to restore: ${restore}`);
    check((await alpha.locator('svg[data-chart="restore"] circle.pt').count()) === 5, 'alpha: 5 restore points');
    check((await alpha.locator('svg[data-chart="restore"] line.window').count()) === 1, 'alpha: the restore window line');
    const beta = view.locator('section.runbook[data-path="beta.runbook.yaml"]');
    check((await beta.locator('h2').innerText()) === `${HOSTILE_NAME} (beta.runbook.yaml)`, 'beta: the hostile name is text');
    check((await view.locator('section img').count()) === 0, 'no element made of the hostile name');
    check((await beta.locator('dd.overdue[data-figure="drills"]').innerText()).startsWith('OVERDUE: due every 30d'), 'beta: drill overdue');
    const color = await view.locator('body').evaluate((b) => getComputedStyle(b).color);
    check(color !== 'rgb(31, 35, 38)', `the page takes the theme's foreground (${color}), not its fallback`);
    await page.screenshot({ path: join(RESULTS, 'review-vscode.png'), clip: { x: 0, y: 0, width: 1280, height: 800 } }).catch(() => page.screenshot({ path: join(RESULTS, 'review-vscode.png') }));
    if (UPDATE_DOCS) {
      copyFileSync(join(RESULTS, 'review-vscode.png'), join(ROOT, 'media/screenshots/review.png'));
      say('updated media/screenshots/review.png');
    }

    // a drill of gamma reaches the log: the open panel renders again
    const log = join(WORKSPACE, '.rollback-lens/audit.jsonl');
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    const prev = `sha256:${createHash('sha256').update(lines.at(-1)).digest('hex')}`;
    const record = { v: 1, time: '2026-11-20T10:00:00.000Z', kind: 'drill', path: 'gamma.runbook.yaml', digest: null, commit: null, user: 'fixture', verdict: 'pass', scenario: 'latency-spike', outcome: 'restored', timings: { detectMs: 1, decideMs: 0, executeMs: 1000, verifyMs: 0, restoreMs: 1000 }, prev };
    appendFileSync(log, JSON.stringify(record) + '\n');
    const gamma = webview().locator('section.runbook[data-path="gamma.runbook.yaml"] dd[data-figure="runs"]', { hasText: '1 drill (1 passed, 0 failed)' });
    const seen = await gamma.waitFor({ timeout: 20_000 }).then(() => true, () => false);
    check(seen, 'after a drill of gamma is appended, the panel shows it');

    // a reload: the serializer reopens the panel on the period its page kept with setState
    await page.locator('.tabs-container .tab[aria-label*="Readiness Review"]').first().click();
    const quick = page.locator('.quick-input-widget input');
    await page.keyboard.press('F1');
    try {
      await quick.waitFor({ timeout: 5000 });
    } catch {
      // the webview took the keyboard focus and kept F1: open the palette from the command centre
      await page.locator('.command-center .search-label, .command-center').first().click();
      await quick.waitFor({ timeout: WAIT_MS });
    }
    await quick.fill('>Developer: Reload Window');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Reload Window' }).first().waitFor({ timeout: WAIT_MS });
    const reloaded = page.waitForEvent('domcontentloaded', { timeout: WAIT_MS });
    await page.keyboard.press('Enter');
    await reloaded;
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    const tab = page.locator('.tabs-container .tab[aria-label*="Readiness Review"]').first();
    await tab.waitFor({ timeout: WAIT_MS });
    await tab.click();
    const restored = webview().locator('section.runbook[data-path="gamma.runbook.yaml"] dd[data-figure="runs"]', { hasText: '1 drill (1 passed, 0 failed)' });
    check(await restored.waitFor({ timeout: WAIT_MS }).then(() => true, () => false), 'the panel is restored after a reload, read again');
  } catch (e) {
    console.error(`[review] FAIL: ${e.message}`);
    console.error(`[review] frames: ${page.frames().map((f) => f.url().slice(0, 120)).join('\n  ')}`);
    for (const f of page.frames()) {
      const t = await f.evaluate(() => document.body?.innerText?.slice(0, 300)).catch(() => '');
      if (t && /review|Readiness/i.test(t)) console.error(`[review] frame text: ${t}`);
    }
    await page.screenshot({ path: join(RESULTS, 'review-vscode-failed.png') }).catch(() => {});
    return 1;
  }
  if (failures.length) {
    await page.screenshot({ path: join(RESULTS, 'review-vscode-failed.png') }).catch(() => {});
    return 1;
  }
  return 0;
}

const code = await runMain(main, 'review', 'readiness review check');
process.exit(code);
