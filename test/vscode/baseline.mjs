// Recording a baseline in code-server as a user does, driven by playwright-core
// in Chromium: the example contract's "Record baseline" CodeLens on `parity`,
// Enter on the version box (prefilled with the served release, 2.0.0), and
// the modal that must come before anything is replaced. It must name the file,
// say how many rows differ, and warn that the file name says 1.4.2. Enter
// twice (the modal's default, then an empty version box) does not replace:
// the version must be typed; Escape, or Cancel in the modal, leaves the
// baseline byte for byte as it was and keeps nothing; Replace with 2.0.0
// typed replaces it and keeps the old baseline and sidecar as dated copies
// under .rollback-lens/baselines/. Exit 1 on any failure.
//
//   node test/vscode/baseline.mjs [--vsix=FILE] [--verbose]
//
//   test-results/record-baseline.png   the confirmation, as shown
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ROOT,
  openFile,
  runMain,
  say,
  startWorkbench,
} from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
const WAIT_MS = 45_000;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { sb, page } = await startWorkbench('baseline', { vsix: VSIX, hostLog: true });
  const baseline = join(sb.workspace, 'iris/data/baseline-1.4.2.jsonl');
  const sidecar = join(sb.workspace, 'iris/data/baseline-1.4.2.meta.json');
  const original = [readFileSync(baseline), readFileSync(sidecar)];
  const keptDir = join(sb.workspace, '.rollback-lens/baselines/iris/data');
  const failures = [];
  const check = (ok, what) => {
    if (ok) say(`ok   ${what}`);
    else failures.push(what);
  };

  await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
  await openFile(page, 'iris/iris.contract.yaml', WAIT_MS);
  // the parity test is below the first screen: go to its line (Ctrl+G) so its lenses are drawn
  const parityLine = readFileSync(join(sb.workspace, 'iris/iris.contract.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('id: parity')) + 1;
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor({ timeout: WAIT_MS });
  await page.keyboard.type(String(parityLine));
  await page.keyboard.press('Enter');

  /** Clicks "Record baseline" above parity, accepts the prefilled version, and returns the modal dialog. */
  const ask = async () => {
    const lens = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'Record baseline' }).first();
    await lens.waitFor({ timeout: WAIT_MS });
    await lens.click();
    const box = page.locator('.quick-input-widget input');
    await box.waitFor({ timeout: WAIT_MS });
    check((await box.inputValue()) === '2.0.0', `the version box is prefilled with the served release (2.0.0), got "${await box.inputValue()}"`);
    await page.keyboard.press('Enter');
    // the source runs (150 rows, a second or two), then the modal asks
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: WAIT_MS });
    return dialog;
  };

  let dialog = await ask();
  const message = (await dialog.locator('.dialog-message-text').innerText()).trim();
  const detail = (await dialog.locator('.dialog-message-detail').innerText()).trim();
  say(`modal: ${message} | ${detail.replace(/\n/g, ' | ')}`);
  check(message === 'Replace data/baseline-1.4.2.jsonl?', `the modal names the file it replaces: "${message}"`);
  check(detail.split('\n')[0] === '150 outputs of iris-classifier 2.0.0.', 'the modal says what is recorded');
  check(/^150 of 150 rows differ from the baseline it replaces \(iris-classifier 1\.4\.2, recorded [0-9T:-]+Z\)\.$/m.test(detail), 'the modal says how many rows differ');
  check(detail.includes('Warning: the file name says 1.4.2, the outputs are recorded as 2.0.0.'), 'the modal warns that the file name disagrees');
  check(detail.includes('The baseline it replaces and its sidecar are kept in .rollback-lens/baselines/iris/data.'), 'the modal says where the old baseline is kept');
  await page.screenshot({ path: join(RESULTS, 'record-baseline.png') });
  say(`screenshot: ${join(RESULTS, 'record-baseline.png')}`);
  const untouched = (how) => {
    check(readFileSync(baseline).equals(original[0]) && readFileSync(sidecar).equals(original[1]), `${how} leaves the baseline and sidecar byte for byte as they were`);
    check(!existsSync(keptDir), `${how} keeps no copy`);
    check(!readdirSync(join(sb.workspace, 'iris/data')).some((f) => f.endsWith('.tmp')), `${how} leaves no temporary file`);
  };
  const button = (d, title) => d.locator('.dialog-buttons a, .dialog-buttons .monaco-button', { hasText: title }).first();
  const box = page.locator('.quick-input-widget input');

  // Enter, Enter: the modal's Replace, then the version box, empty: refused there; Escape keeps the baseline
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
  await box.waitFor({ timeout: WAIT_MS });
  await page.keyboard.press('Enter');
  const validation = page.locator('.quick-input-message', { hasText: 'type 2.0.0 to replace the baseline' }).first();
  check(await validation.waitFor({ timeout: 5000 }).then(() => true, () => false), 'an empty confirmation is refused with "type 2.0.0 to replace the baseline…"');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(1000); // a replace would have been under way by now
  untouched('Enter, Enter, Escape');

  dialog = await ask();
  await button(dialog, 'Cancel').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
  await page.waitForTimeout(1000);
  untouched('Cancel');

  dialog = await ask();
  await button(dialog, 'Replace').click();
  await box.waitFor({ timeout: WAIT_MS });
  await box.fill('2.0.0');
  await page.keyboard.press('Enter');
  const until = Date.now() + WAIT_MS;
  while (JSON.parse(readFileSync(sidecar, 'utf8')).version !== '2.0.0' && Date.now() < until) await page.waitForTimeout(250);
  check(JSON.parse(readFileSync(sidecar, 'utf8')).version === '2.0.0', 'Replace records 2.0.0 into the baseline');
  const kept = existsSync(keptDir) ? readdirSync(keptDir).sort() : [];
  check(kept.length === 2 && kept[0].endsWith('.jsonl') && kept[1].endsWith('.meta.json'), `Replace keeps the old baseline and sidecar: ${kept.join(', ')}`);
  if (kept.length === 2) check(readFileSync(join(keptDir, kept[0])).equals(original[0]) && readFileSync(join(keptDir, kept[1])).equals(original[1]), 'the kept copies are the old files byte for byte');

  for (const f of failures) console.error(`[baseline] FAIL: ${f}`);
  console.log(`record baseline in code-server: ${failures.length ? `${failures.length} failed` : 'passed'}`);
  return failures.length ? 1 : 0;
}

const code = await runMain(main, 'baseline', 'record-baseline check');
process.exit(code);
