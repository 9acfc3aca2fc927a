// The staged reintroduction in code-server as a user does it, driven by
// playwright-core in Chromium: the example runbook's "Reintroduce…" CodeLens
// on `reintroduction` must ask first, in a modal that names the release
// coming back and every stage; Cancel changes nothing (the flag file byte for
// byte, no audit record). The "Rehearse reintroduction" lens on the
// reintro-latency scenario asks the same way; "Reintroduce" in that modal runs
// the rehearsal: the report opens with the verdict (aborted at stage 2, as the
// scenario expects), the audit log gains the record, and the flag file is as
// before. Exit 1 on any failure.
//
//   node test/vscode/reintro-lens.mjs [--vsix=FILE] [--verbose]
//
//   test-results/reintroduce-confirm.png   the confirmation, as shown
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, openFile, runMain, say, startWorkbench } from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
const WAIT_MS = 45_000;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { sb, page } = await startWorkbench('reintro', { vsix: VSIX, hostLog: true });
  const flags = join(sb.workspace, 'iris/flags.flagd.json');
  const runbook = readFileSync(join(sb.workspace, 'iris/iris.runbook.yaml'), 'utf8').split('\n');
  const audit = join(sb.workspace, '.rollback-lens/audit.jsonl');
  const records = () => (existsSync(audit) ? readFileSync(audit, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.kind === 'reintroduction') : []);
  const original = readFileSync(flags);
  const failures = [];
  const check = (ok, what) => {
    if (ok) say(`ok   ${what}`);
    else failures.push(what);
  };
  const goTo = async (line) => {
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ timeout: WAIT_MS });
    await page.keyboard.type(String(line));
    await page.keyboard.press('Enter');
  };
  const lensClick = async (title) => {
    const lens = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: title }).first();
    await lens.waitFor({ timeout: WAIT_MS });
    await lens.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: WAIT_MS });
    return dialog;
  };
  const button = (d, title) => d.locator('.dialog-buttons a, .dialog-buttons .monaco-button', { hasText: title }).first();

  await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
  await openFile(page, 'iris/iris.runbook.yaml', WAIT_MS);
  await goTo(runbook.indexOf('reintroduction:') + 1);
  let dialog = await lensClick('Reintroduce…');
  const message = (await dialog.locator('.dialog-message-text').innerText()).trim();
  const detail = (await dialog.locator('.dialog-message-detail').innerText()).trim();
  say(`modal: ${message} | ${detail.replace(/\n/g, ' | ')}`);
  check(message === 'Reintroduce iris-classifier 2.0.0 in 4 stages?', `the modal names the release and the stages: "${message}"`);
  check(detail.split('\n')[0] === 'This edits flags.flagd.json for real and waits each hold.', 'the modal says it changes traffic for real');
  check(detail.includes('Stage 3: 50% for 1d; approval of decisionMaker (On-call ML lead, #ml-oncall)'), 'the modal lists each stage with its approvals');
  check(detail.includes('A breach of slow, errors, accuracy-drop, drift, unknown-label puts traffic back to the previous stage.'), 'the modal names the abort triggers');
  await page.screenshot({ path: join(RESULTS, 'reintroduce-confirm.png') });
  await button(dialog, 'Cancel').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
  await page.waitForTimeout(1500); // a reintroduction would have set stage 1 by now
  check(readFileSync(flags).equals(original), 'Cancel leaves the flag file byte for byte as it was');
  check(records().length === 0, 'Cancel records nothing');
  // Reintroduce in the modal is not enough for a real one: the release must be typed, and Escape there changes nothing
  dialog = await lensClick('Reintroduce…');
  await button(dialog, 'Reintroduce').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
  const box = page.locator('.quick-input-widget input[type="text"]');
  await box.waitFor({ timeout: WAIT_MS });
  check((await box.getAttribute('placeholder')) === '2.0.0', `the box asks for the release typed: "${await box.getAttribute('placeholder')}"`);
  await page.keyboard.press('Enter');
  const refusal = (await page.locator('.quick-input-widget .quick-input-message').innerText()).trim();
  check(refusal === 'type 2.0.0 to start the reintroduction, or press Escape to change nothing', `Enter on the empty box is refused: "${refusal}"`);
  await page.keyboard.press('Escape');
  await page.waitForTimeout(1500);
  check(readFileSync(flags).equals(original) && records().length === 0, 'Escape at the box leaves the flag file as it was and records nothing');

  await goTo(runbook.findIndex((l) => l.includes('- id: reintro-latency')) + 1);
  dialog = await lensClick('Rehearse reintroduction');
  const drillDetail = (await dialog.locator('.dialog-message-detail').innerText()).trim();
  check(drillDetail.split('\n')[0] === 'Drill reintro-latency: holds are not waited and the flag file is put back afterwards.', `the rehearsal's modal says it is a drill: "${drillDetail.split('\n')[0]}"`);
  await button(dialog, 'Reintroduce').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
  const report = join(sb.workspace, '.rollback-lens/reports/iris/iris.runbook reintroduction.md');
  const until = Date.now() + WAIT_MS;
  while (!existsSync(report) && Date.now() < until) await page.waitForTimeout(250);
  check(existsSync(report) && readFileSync(report, 'utf8').includes('**Verdict: PASS** — aborted\\-at\\-2'), 'the report says the rehearsal aborted at stage 2, as expected');
  const rec = records();
  check(rec.length === 1 && rec[0].outcome === 'aborted-at-2' && rec[0].scenario === 'reintro-latency', `the audit log records it: ${JSON.stringify(rec.map((r) => r.outcome))}`);
  check(readFileSync(flags).equals(original), 'the rehearsal leaves the flag file byte for byte as it was');
  const verdictLens = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'reintroduction: aborted-at-2' }).first();
  await goTo(runbook.indexOf('reintroduction:') + 1);
  check(await verdictLens.waitFor({ timeout: WAIT_MS }).then(() => true, () => false), 'the lens on reintroduction shows the verdict');

  for (const f of failures) console.error(`[reintro] FAIL: ${f}`);
  console.log(`reintroduction lenses in code-server: ${failures.length ? `${failures.length} failed` : 'passed'}`);
  return failures.length ? 1 : 0;
}

const code = await runMain(main, 'reintro', 'reintroduction lens check');
process.exit(code);
