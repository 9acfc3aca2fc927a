// The dry-run report as a reader sees it in code-server, driven by
// playwright-core in Chromium: dry-run the broken fixture runbook from its
// CodeLens and read the Markdown preview beside it. Each finding's place must
// be a working link (an <a>, not the raw `[14:30](file:///…)` text), and a
// click on it must put the cursor there in the runbook; a code span in a
// message (`releaseManager`) must render as code, not as backticks; and the
// severity must be said in words, not by an emoji alone. Exit 1 on any
// failure (test-results/report-failed.png).
//
//   node test/vscode/reports.mjs [--vsix=FILE] [--verbose]
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, openFile, runMain, say, startWorkbench } from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
const WAIT_MS = 60_000;
const RUNBOOK = 'fixtures/broken/iris-broken.runbook.yaml';

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { page } = await startWorkbench('reports', { vsix: VSIX });
  const failures = [];
  const check = (ok, what) => {
    if (ok) say(`ok   ${what}`);
    else failures.push(what);
  };
  try {
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    await openFile(page, RUNBOOK, WAIT_MS);
    const lens = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'Dry-run' }).first();
    await lens.waitFor({ timeout: WAIT_MS });
    await lens.click();
    // the preview is a webview (nested frames): find the frame that shows the report
    let frame;
    const until = Date.now() + WAIT_MS;
    while (!frame && Date.now() < until) {
      for (const f of page.frames()) if (await f.locator('text=Verdict: NOT READY').count().catch(() => 0)) frame = f;
      if (!frame) await page.waitForTimeout(250);
    }
    if (!frame) throw new Error('the report preview never showed "Verdict: NOT READY"');
    await page.waitForTimeout(500);
    const body = await frame.locator('body').innerText();
    check(!/\[\d+:\d+\]\(/.test(body), `no finding's place is raw Markdown link text${/\[\d+:\d+\]\(/.test(body) ? `: ${body.match(/\[\d+:\d+\]\([^)]*\)/)[0]}` : ''}`);
    const link = frame.locator('a', { hasText: /^14:30$/ }).first();
    check((await link.count()) === 1, 'the first finding\'s place "14:30" is a link');
    const code = frame.locator('code', { hasText: 'releaseManager' }).first();
    check((await code.count()) === 1, 'the code span `releaseManager` in a message renders as code');
    check(!body.includes('`releaseManager`'), 'no literal backticks around releaseManager');
    // findings are list items (a narrow side preview wraps them; a wide table it cut off)
    const items = (await frame.locator('li').allInnerTexts()).filter((r) => /undeclared-role|missing-undo/.test(r));
    check(items.length >= 2 && items.every((r) => /^error at \d+:\d+ /.test(r.trim())), `each finding is a list item that says its severity in words (${items.length}: ${items[0] ?? ''})`);
    check((await frame.locator('table').count()) <= 1, 'no wide table of findings or steps (at most the short timings one)');
    check(!/[\u{1F300}-\u{1FAFF}\u2705\u274C\u26A0]/u.test(body), 'no emoji carries a meaning alone');
    await page.screenshot({ path: join(RESULTS, 'report.png') });
    if ((await link.count()) === 1) {
      await link.click();
      // the runbook's editor, the cursor on line 14, column 30
      const status = page.locator('.statusbar-item', { hasText: /Ln 14, Col 30/ });
      check(await status.first().waitFor({ timeout: 10_000 }).then(() => true, () => false), 'a click on the place puts the cursor at Ln 14, Col 30 of the runbook');
    }
  } catch (e) {
    failures.push(e.message.split('\n')[0]);
  }
  if (failures.length) await page.screenshot({ path: join(RESULTS, 'report-failed.png') }).catch(() => {});
  for (const f of failures) console.error(`[reports] FAIL: ${f}`);
  console.log(`dry-run report in code-server: ${failures.length ? `${failures.length} failed` : 'passed'}`);
  return failures.length ? 1 : 0;
}

const code = await runMain(main, 'reports', 'report check');
process.exit(code);
