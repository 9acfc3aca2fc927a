// The readiness review's HTML file (what `rollback-lens review --format html`
// writes, from the fixture workspace: test/fixtures/review/workspace.mjs) in
// headless Chromium from Debian's package, served from loopback: the page
// loads nothing but itself, runs no script (the hostile runbook name and
// waiver reason are text, no dialog opens, no element they name exists),
// the CSP refuses nothing it needs (its inline stylesheet's hash is right:
// the window line is dashed), the charts hold one point per restored run and
// per measured fidelity, one bar per runbook with a success rate, and the
// figures read as the CLI prints them. Screenshot in test-results/.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { loadReview, reviewFileHtml } from '../../src/node/review';
import { HOSTILE_NAME, writeReviewWorkspace } from '../fixtures/review/workspace.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from './host';

declare function getComputedStyle(e: unknown): { getPropertyValue(p: string): string };

const ROOT = path.resolve(__dirname, '..', '..');
const NOW = Date.parse('2026-11-22T00:00:00Z');

describe('the readiness review page in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: Server;
  let origin: string;
  let ws: string;
  const requests: string[] = [];
  const pages = new Map<string, string>();

  before(async () => {
    ws = mkdtempSync(path.join(tmpdir(), 'rl-review-page-'));
    writeReviewWorkspace(ws);
    const loaded = await loadReview({ workspace: ws, now: NOW, sinceMs: 90 * 86_400_000 });
    const html = reviewFileHtml(loaded.review, 'fixture');
    pages.set('/', html);
    // the same page with a stylesheet hash that does not match: the control for the CSP check
    pages.set('/wrong-hash', html.replace(/sha256-[A-Za-z0-9+/]+=*/, 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const page = pages.get(req.url ?? '');
      res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page ?? '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    rmSync(ws, { recursive: true, force: true });
  });

  it('loads only itself, runs nothing, refuses nothing, and shows the figures and charts', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 1400 } });
    const console: string[] = [];
    const dialogs: string[] = [];
    const outside: string[] = [];
    page.on('console', (m) => console.push(m.text()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith(origin)) {
        outside.push(url);
        return route.abort();
      }
      return route.continue();
    });
    await page.goto(`${origin}/`);
    await page.waitForLoadState('load');

    assert.deepEqual(requests, ['/'], 'one request: the page');
    assert.deepEqual(outside, []);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(console.filter((c) => /Content Security Policy|Refused/i.test(c)), []);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('section img').count(), 0, 'the hostile name made no element');
    assert.equal(await page.locator('section.runbook[data-path="beta.runbook.yaml"] h2').innerText(), `${HOSTILE_NAME} (beta.runbook.yaml)`);
    assert.ok((await page.locator('section.runbook[data-path="beta.runbook.yaml"] dd[data-figure="waivers"]').innerText()).includes('<b>seasonal</b> model'));

    // the stylesheet applied (its hash matches the CSP): the window line is dashed
    const dash = await page.locator('section.runbook[data-path="alpha/alpha.runbook.yaml"] line.window').evaluate((e) => getComputedStyle(e).getPropertyValue('stroke-dasharray'));
    assert.equal(dash, '6px, 3px');

    const alpha = page.locator('section.runbook[data-path="alpha/alpha.runbook.yaml"]');
    assert.equal(await alpha.locator('svg[data-chart="restore"] circle.pt').count(), 5);
    assert.equal(await alpha.locator('svg[data-chart="restore"] circle.pt.fail').count(), 1);
    assert.equal(await alpha.locator('svg[data-chart="fidelity"] circle.pt').count(), 2);
    assert.equal(await alpha.locator('svg[data-chart="restore"] line.window title').textContent(), 'windows.restore 30m');
    assert.equal(await page.locator('svg[data-chart="success"] rect.bar').count(), 2);
    assert.equal(await page.locator('svg[data-chart="success"] text.nodata').count(), 1, 'gamma: no data, not 0%');
    assert.equal(
      await alpha.locator('dd[data-figure="time to restore"]').innerText(),
      'median 15m, p90 40m (n=5 restored runs); windows.restore 30m, 4 of 5 within it; trend faster (median 15m → 10m, earlier vs later half)',
    );
    assert.equal(await alpha.locator('dd[data-figure="success rate"]').innerText(), '80% (4 of 5 drills and rollbacks passed)');
    assert.equal(await page.locator('section.runbook[data-path="beta.runbook.yaml"] dd.overdue[data-figure="drills"]').count(), 1);
    assert.equal(await page.locator('section.runbook[data-path="beta.runbook.yaml"] p.nodata-note').first().innerText(), 'time to restore chart: no data (no restored runs)');
    // a point's tooltip names the run and its audit line
    assert.equal(await alpha.locator('svg[data-chart="restore"] circle.pt title').first().textContent(), 'drill latency-spike 2026-09-01 10:00Z pass: 10m (audit line 2)');

    mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'review-page.png'), fullPage: true });
    await page.close();
  });

  it('the page with the CSP and no stylesheet hash would be unstyled: the hash is what allows it', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin}/wrong-hash`);
    const dash = await page.locator('line.window').first().evaluate((e) => getComputedStyle(e).getPropertyValue('stroke-dasharray'));
    assert.equal(dash, 'none');
    await page.close();
  });
});
