// The diff view's real webview bundle (media/diffview.js, built by
// esbuild.mjs) in headless Chromium from Debian's package, behind the same
// CSP as in VS Code, talking to the real host-side session and row index (in
// its worker thread). Exact texts and numbers on screen, exact DOM row counts,
// hostile strings that must not execute, state that survives a reload, and
// screenshots in light, dark and high-contrast themes (test-results/).
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { TestReport } from '../../src/core/contract/report';
import { resolveRowFiles } from '../../src/node/diff/session';
import { workerRows, type RowSource } from '../../src/node/diff/rows';
import { failingExample, hostile, million, passing, ROOT, HOSTILE, type Fixture } from './fixtures';
import { CHROMIUM, CHROMIUM_ARGS, openDiffPage, serveMedia, type DiffPage, type MediaServer, type Theme } from './host';

// what the functions passed to page.evaluate see (this file is typed for node)
declare const window: any;
declare const document: any;
declare function getComputedStyle(e: unknown): { getPropertyValue(p: string): string };

const WORKER = path.join(ROOT, 'dist', 'diff-worker.js');
const RESULTS = path.join(ROOT, 'test-results');

function rowsFor(f: Fixture): RowSource | { reason: string } {
  const r = resolveRowFiles(f.report, [f.dir]);
  if ('reason' in r) return r;
  return workerRows(WORKER, r.spec, r.files);
}

const text = (d: DiffPage, sel: string) => d.page.locator(sel).first().innerText();
const rowCount = (d: DiffPage) => d.page.locator('#rows-body .row').count();
const keys = (d: DiffPage) => d.page.locator('#rows-body .row').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { key?: string } }).dataset.key ?? ''));
const indexReady = (d: DiffPage) => d.page.locator('#index-state[data-state="ready"]').waitFor({ timeout: 120_000 });
/** Waits until the rendered rows' keys are `expected` (a filter or sort re-renders asynchronously). */
const waitKeys = async (d: DiffPage, expected: string[]) => {
  const deadline = Date.now() + 30_000;
  let got = await keys(d);
  while (JSON.stringify(got) !== JSON.stringify(expected) && Date.now() < deadline) {
    await d.page.waitForTimeout(50);
    got = await keys(d);
  }
  assert.deepEqual(got, expected);
};
/** Waits until the first rendered row is `key`; returns the keys then on screen. */
const expectFirstKeys = async (d: DiffPage, key: string) => {
  await d.page.locator(`#rows-body .row[data-key="${key}"]`).first().waitFor();
  const deadline = Date.now() + 30_000;
  while ((await keys(d))[0] !== key && Date.now() < deadline) await d.page.waitForTimeout(50);
  return keys(d);
};
/** Waits until `n` rows are rendered. */
const waitCount = async (d: DiffPage, n: number) => {
  const deadline = Date.now() + 30_000;
  while ((await rowCount(d)) !== n && Date.now() < deadline) await d.page.waitForTimeout(50);
  assert.equal(await rowCount(d), n);
};
/** Waits for the status line, which the view updates after every filter. */
const status = async (d: DiffPage, expected: string) => {
  await d.page.locator('#rows-status', { hasText: expected }).waitFor({ timeout: 30_000 }).catch(() => undefined);
  assert.equal(await text(d, '#rows-status'), expected);
};

describe('diff view in headless Chromium (the built webview bundle)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let media: MediaServer;
  const open: DiffPage[] = [];
  const show = async (report: TestReport, rows: RowSource | { reason: string }, theme: Theme = 'dark', state?: unknown, viewport?: { width: number; height: number }) => {
    const d = await openDiffPage(browser, media, { report, rows, theme, state, ...(viewport ? { viewport } : {}) });
    open.push(d);
    await d.page.locator('#headline').waitFor();
    return d;
  };

  before(async () => {
    assert.ok(existsSync(path.join(ROOT, 'media/diffview.js')), 'media/diffview.js is built (npm run build)');
    assert.ok(existsSync(WORKER), 'dist/diff-worker.js is built (npm run build)');
    assert.ok(existsSync(CHROMIUM), `Debian's chromium at ${CHROMIUM} (bash test/vscode/setup.sh installs it)`);
    mkdirSync(RESULTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    media = await serveMedia(ROOT);
  });
  afterEach(async () => {
    for (const d of open.splice(0)) {
      assert.deepEqual(d.problems, [], 'no page errors, console errors, dialogs or CSP violations');
      await d.close();
    }
  });
  after(async () => {
    await browser?.close();
    await media?.close();
  });

  describe("the example's failing parity test", () => {
    let f: Fixture;
    before(async () => {
      f = await failingExample();
    });

    it('shows the verdict, the failing rule with its numbers, counts and provenance at first paint', async () => {
      const d = await show(f.report, rowsFor(f));
      assert.equal(await text(d, 'h1'), 'FAIL parity iris-classifier v3');
      assert.equal(await text(d, '#headline'), 'Failed: 1 rule failed, 0 warned, 9 passed — 150 rows matched');
      const rule = d.page.locator('tr[data-rule="probability.abs"] td');
      assert.deepEqual(await rule.allInnerTexts(), ['FAIL', '0.2155', '≤ 0.05', '20', '`probability`: 20 of 150 rows differ from the baseline by more than 0.05 (max |Δ| 0.2155 at `iris-069`)']);
      assert.deepEqual(await d.page.locator('tr[data-rule="label.agreement"] td').allInnerTexts().then((t) => t.slice(0, 4)), ['PASS', '99.33%', '≥ 98%', '1']);
      assert.deepEqual(await d.page.locator('tr[data-rule="probability.psi"] td').allInnerTexts().then((t) => t.slice(0, 3)), ['PASS', '0.164', '≤ 0.25']);
      assert.equal(await text(d, '.counts'), 'matched\n150\nmissing\n0\nextra\n0\nduplicate (baseline)\n0\nduplicate (current)\n0\nunusable lines\n0');
      const prov = await d.page.locator('.provenance tbody tr').allInnerTexts();
      assert.ok(prov.includes('version\t1.4.2\t—'), prov.join(' | '));
      assert.ok(prov.includes('seed\t42\t42'), prov.join(' | '));
      // per field: statistics, a histogram of both series, the confusion of labels
      const bins = f.report.fields.find((x) => x.field === 'probability')!.histogram!.baseline.length;
      assert.equal(bins, 20);
      assert.equal(await d.page.locator('article[data-field="probability"] svg.histogram rect.bar-baseline').count(), bins);
      assert.equal(await d.page.locator('article[data-field="probability"] svg.histogram rect.bar-current').count(), bins);
      assert.match(await text(d, 'article[data-field="probability"] .delta'), /^Δ mean .* · max \|Δ\| 0\.2155 at iris-069 · outside tolerance 20 of 150 \(13\.33%\)$/);
      const off = await d.page.locator('article[data-field="label"] table.confusion td.off.nonzero').allInnerTexts();
      assert.deepEqual(off, ['1']);
      assert.equal(await text(d, 'article[data-field="label"] .delta'), 'agreement 99.33% (149 of 150 rows)');
    });

    it('fills the table from the row index: worst rows first, filters, search, sort; a click opens both lines', async () => {
      const d = await show(f.report, rowsFor(f), 'dark', undefined, { width: 1280, height: 1400 });
      await indexReady(d);
      assert.equal(await text(d, '#index-state').then((t) => t.replace(/\(\d+\.\d s\)/, '(t)')), 'Every row indexed: 150 matched rows, 21 outside tolerance (t)');
      await status(d, '150 rows of 150 matched');
      const first = d.page.locator('#rows-body .row').first();
      await d.page.locator('#rows-body .row[data-key="iris-069"]').waitFor();
      assert.equal(await first.getAttribute('data-key'), 'iris-069');
      assert.deepEqual(await first.locator('.c').allInnerTexts(), ['iris-069', '69 / 69', 'versicolor', 'versicolor', '', '0.657', '0.8725', '0.2155']);
      assert.deepEqual(await first.locator('.c.outside').count(), 3);
      await d.page.check('#filter-outside');
      await status(d, '21 rows (outside tolerance) of 150 matched');
      await waitCount(d, 21);
      await d.page.selectOption('#filter-field', 'label');
      await status(d, '1 row (outside tolerance, field label) of 150 matched');
      await waitKeys(d, ['iris-120']);
      await d.page.selectOption('#filter-field', 'probability');
      await status(d, '20 rows (outside tolerance, field probability) of 150 matched');
      await d.page.uncheck('#filter-outside');
      await d.page.selectOption('#filter-field', '');
      await d.page.fill('#filter-search', 'iris-12');
      await status(d, '10 rows (key contains "iris-12") of 150 matched');
      await d.page.selectOption('#sort', 'key:asc');
      await waitKeys(d, Array.from({ length: 10 }, (_, i) => `iris-12${i}`));
      // a click asks the host to open the row's line in both files
      const since = performance.now();
      await d.page.click('#rows-body .row[data-key="iris-123"]');
      const opened = await d.waitFor((m) => m.type === 'open', since);
      assert.deepEqual(opened.message, { type: 'open', key: 'iris-123', baselineLine: 123, currentLine: 123 });
      // and from the keyboard: the next row, Enter
      await d.page.keyboard.press('ArrowDown');
      const since2 = performance.now();
      await d.page.keyboard.press('Enter');
      assert.deepEqual((await d.waitFor((m) => m.type === 'open', since2)).message, { type: 'open', key: 'iris-124', baselineLine: 124, currentLine: 124 });
    });

    it('keeps its scroll position and sort in its state: shown again, it is where it was', async () => {
      const d = await show(f.report, rowsFor(f), 'dark', undefined, { width: 1280, height: 900 });
      await indexReady(d);
      await d.page.selectOption('#sort', 'line:asc');
      assert.equal((await expectFirstKeys(d, 'iris-001'))[0], 'iris-001');
      await d.page.locator('#rows-body').evaluate((b) => ((b as unknown as { scrollTop: number }).scrollTop = 50 * 24));
      await d.page.locator('#rows-body .row[data-key="iris-051"]').first().waitFor();
      const state = (await d.state()) as { scrollTop: number; query: { sort: string } };
      assert.deepEqual([state.scrollTop, state.query.sort], [1200, 'line']);
      const again = await show(f.report, rowsFor(f), 'dark', state, { width: 1280, height: 900 });
      await indexReady(again);
      await again.page.locator('#rows-body .row[data-key="iris-051"]').first().waitFor();
      assert.equal((await keys(again))[0], 'iris-051');
      assert.equal(await again.page.inputValue('#sort'), 'line:asc');
    });

    for (const theme of ['dark', 'light', 'high-contrast'] as const) {
      it(`renders with the ${theme} theme's colours (screenshot test-results/diffview-${theme}.png)`, async () => {
        const d = await show(f.report, rowsFor(f), theme, undefined, { width: 1280, height: 1500 });
        await indexReady(d);
        await d.page.locator('#rows-body .row[data-key="iris-069"]').waitFor();
        // The rows are a virtual list that may re-render between two calls, so the three elements are
        // looked up and read in one step, retried until all three are on the page (CI once caught the
        // row list between renders).
        const colours = await (
          await d.page.waitForFunction(() => {
            const picks: unknown[] = ['body', '#rows-body .row .c.outside', 'rect.bar-baseline'].map((sel) => document.querySelector(sel));
            if (picks.some((e) => e === null)) return false;
            const [body, outside, bar] = picks;
            return {
              bg: getComputedStyle(body).getPropertyValue('background-color'),
              outside: getComputedStyle(outside).getPropertyValue('color'),
              bar: getComputedStyle(bar).getPropertyValue('fill'),
            };
          })
        ).jsonValue();
        const expected = {
          dark: { bg: 'rgb(30, 30, 30)', outside: 'rgb(244, 135, 113)', bar: 'rgb(55, 148, 255)' },
          light: { bg: 'rgb(255, 255, 255)', outside: 'rgb(161, 38, 13)', bar: 'rgb(26, 133, 255)' },
          'high-contrast': { bg: 'rgb(0, 0, 0)', outside: 'rgb(244, 135, 113)', bar: 'rgb(55, 148, 255)' },
        }[theme];
        assert.deepEqual(colours, expected);
        await d.page.screenshot({ path: path.join(RESULTS, `diffview-${theme}.png`), fullPage: false });
      });
    }
  });

  it('a passing comparison: the verdict, and "outside tolerance only" leaves no row', async () => {
    const f = await passing();
    const d = await show(f.report, rowsFor(f), 'light');
    assert.equal(await text(d, 'h1'), 'PASS t fixture v1');
    assert.equal(await text(d, '#headline'), `Passed: 0 rules failed, 0 warned, ${f.report.rules.length} passed — 40 rows matched`);
    await indexReady(d);
    await status(d, '40 rows of 40 matched');
    await d.page.check('#filter-outside');
    await status(d, '0 rows (outside tolerance) of 40 matched');
    await waitCount(d, 0);
  });

  it('hostile keys, labels and values are shown as text and nothing executes', async () => {
    const f = await hostile();
    const d = await show(f.report, rowsFor(f));
    await indexReady(d);
    await status(d, '4 rows of 4 matched');
    await d.page.locator('#rows-body .row').nth(3).waitFor();
    const pwned = await d.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
    assert.equal(pwned, undefined, 'no hostile string ran');
    assert.equal(await d.page.locator('img, iframe, object, embed, a').count(), 0, 'no element from a hostile string');
    assert.equal(await d.page.locator('script').count(), 1, 'only the bundle script');
    assert.equal(await d.page.locator('svg:not(.histogram)').count(), 0);
    // the strings are on screen, literally
    const shown = await d.page.locator('#rows-body .row .c.key').allInnerTexts();
    assert.deepEqual([...shown].sort(), [...HOSTILE].sort());
    const body = await d.page.locator('body').innerText();
    for (const h of HOSTILE) assert.ok(body.includes(h), `${h} shown as text`);
    // three fields: the header's columns line up with the rows' (the grid's column count follows the fields)
    const lastHead = await d.page.locator('.grid-head .c').last().boundingBox();
    const lastCell = await d.page.locator('#rows-body .row').first().locator('.c').last().boundingBox();
    assert.equal(await d.page.locator('.grid-head .c').count(), 2 + 3 * 3);
    assert.deepEqual([Math.round(lastCell!.x), Math.round(lastCell!.width)], [Math.round(lastHead!.x), Math.round(lastHead!.width)]);
    await d.page.click('#rows-body .row >> nth=0');
    assert.equal(await d.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  });

  it('ten fields: one line per row, every cell on it (sample rows from the report, no index)', async () => {
    const f = await passing();
    const names = Array.from({ length: 10 }, (_, i) => `f${i}`);
    const report: TestReport = {
      ...f.report,
      verdict: 'fail',
      fields: names.map((field) => ({ field, kind: 'numeric', count: 1, outsideTolerance: 1 })),
      offending: [{ key: 'k1', baselineLine: 1, currentLine: 1, score: 2, fields: names.map((field) => ({ field, baseline: 1, current: 2, delta: 1, rules: [`${field}.abs`] })) }],
    };
    const d = await show(report, { reason: 'no files in this test' });
    await d.page.locator('#rows-body .row[data-key="k1"]').waitFor();
    assert.equal(await text(d, '#rows-status'), '1 of the 1 worst rows from the report; no files in this test');
    const boxes = await d.page.locator('#rows-body .row .c').evaluateAll((els) => els.map((e) => (e as unknown as { getBoundingClientRect(): { y: number; height: number } }).getBoundingClientRect()));
    assert.equal(boxes.length, 2 + 10 * 3);
    assert.deepEqual([...new Set(boxes.map((b) => Math.round(b.y)))].length, 1, 'all cells on one line');
  });

  describe('a million rows', () => {
    let f: Fixture;
    before(async function () {
      this.timeout(300_000);
      f = await million();
    });

    it('first paint from the report alone, then every row reachable with only the visible rows in the DOM', async () => {
      const d = await show(f.report, rowsFor(f), 'dark', undefined, { width: 1280, height: 900 });
      // before the index: the report's worst rows (its bounded sample)
      await d.waitFor((m) => m.type === 'painted' && m.what === 'rows');
      assert.equal(await text(d, '#headline'), 'Failed: 1 rule failed, 0 warned, 8 passed — 1000000 rows matched');
      await indexReady(d);
      assert.match(await text(d, '#index-state'), /^Every row indexed: 1000000 matched rows, 15001 outside tolerance \(\d+\.\d s\)$/);
      await status(d, '1000000 rows of 1000000 matched');
      const visible = await rowCount(d);
      const bodyHeight = await d.page.locator('#rows-body').evaluate((e) => (e as unknown as { clientHeight: number }).clientHeight);
      assert.equal(visible, Math.ceil(bodyHeight / 24) + 1, 'only the visible rows are in the DOM');
      assert.ok(visible < 60, `${visible} rows in the DOM`);
      await d.page.check('#filter-outside');
      await status(d, '15001 rows (outside tolerance) of 1000000 matched');
      await d.page.selectOption('#filter-field', 'label');
      await status(d, '4740 rows (outside tolerance, field label) of 1000000 matched');
      await d.page.uncheck('#filter-outside');
      await d.page.selectOption('#filter-field', '');
      await d.page.selectOption('#sort', 'line:asc');
      await status(d, '1000000 rows of 1000000 matched');
      // the very last row, through the keyboard
      await d.page.focus('#rows-body');
      await d.page.keyboard.press('End');
      await d.page.locator('#rows-body .row[data-key="row-0999999"]').waitFor({ timeout: 30_000 });
      await waitCount(d, visible - 1); // at the end there is no row below the last to render
      assert.deepEqual((await keys(d)).at(-1), 'row-0999999');
      // search by key across the million
      await d.page.fill('#filter-search', 'row-012348');
      await status(d, '10 rows (key contains "row-012348") of 1000000 matched');
      // the state a hidden panel keeps
      await d.page.check('#filter-outside');
      await status(d, '1 row (outside tolerance, key contains "row-012348") of 1000000 matched');
      const state = (await d.state()) as { query: unknown };
      assert.deepEqual(state.query, { sort: 'line', desc: false, outsideOnly: true, field: '', search: 'row-012348' });
      // shown again (a new webview document with the saved state): the same filters
      const again = await show(f.report, rowsFor(f), 'dark', state);
      await indexReady(again);
      assert.equal(await again.page.isChecked('#filter-outside'), true);
      assert.equal(await again.page.inputValue('#filter-search'), 'row-012348');
      await status(again, '1 row (outside tolerance, key contains "row-012348") of 1000000 matched');
    });
  });

  it('the stylesheet takes colours only from VS Code theme variables', () => {
    const css = readFileSync(path.join(ROOT, 'src/webview/diffview.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const vars = [...css.matchAll(/var\(--([\w-]+)/g)].map((m) => m[1]!);
    assert.ok(vars.length > 30, `${vars.length} theme variables`);
    assert.deepEqual(vars.filter((v) => !v.startsWith('vscode-') && v !== 'cols'), []);
    // property values only, without the variables' names
    const values = [...css.matchAll(/:\s*([^;{}]+);/g)].map((m) => m[1]!.replace(/var\(--[\w-]+/g, 'var(')).join('\n');
    assert.deepEqual(values.match(/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(|\b(white|black|red|green|blue|gray|grey)\b/gi), null);
  });
});
