// Rolling back from the editor in code-server as a user does, driven by
// playwright-core in Chromium (the integration runner's workbench refuses
// dialogs, so the modal is checked here): the iris example's "Roll back…"
// CodeLens opens a modal that names the release pair and the approvals
// needed; Cancel runs and records nothing; Roll back asks for the target
// version typed (Enter on the empty box is refused, Escape runs nothing);
// typed, the steps run for real
// (the copy's serving API is a loopback server here, its contract serves the
// release the champion alias names), the approval gate is a quick pick naming
// the role and its contact, Enter approves; the rollback ends restored and
// verified, its report is written (with the restore's fidelity and the
// messages rendered) and the audit log holds the approval (by person) and the
// rollback. Then a second rollback whose pin request is never answered is
// cancelled from its lens while the step lenses show it running: the
// completed steps undone, the flag file back, recorded cancelled. Exit 1 on
// any failure.
//
//   node test/vscode/rollback.mjs [--vsix=FILE] [--verbose]
//
//   test-results/rollback-confirm.png   the confirmation, as shown
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join, resolve } from 'node:path';
import { ROOT, openFile, runMain, say, startWorkbench } from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
const WAIT_MS = 45_000;

const SERVE = `#!/bin/sh
v=$(cat "$(dirname "$0")/../.registry/iris/champion" 2>/dev/null || echo 2.0.0)
case "$v" in 1.4.2) m=model/v1.json ;; *) m=model/v2.json ;; esac
exec node model/predict.mjs --model "$m"
`;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const requests = [];
  /** When set, the pin request is held unanswered (the cancel scenario); answered at the end. */
  let hang = false;
  const held = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${body}`);
      if (hang) held.push(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const prepare = (sb) => {
    const dir = join(sb.workspace, 'iris');
    const rb = join(dir, 'iris.runbook.yaml');
    writeFileSync(rb, readFileSync(rb, 'utf8').split('http://iris-serving.ml.svc:8080').join(`http://127.0.0.1:${port}`));
    const contract = join(dir, 'iris.contract.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('command: node model/predict.mjs --model model/v2.json', 'command: sh scripts/serve.sh'));
    writeFileSync(join(dir, 'scripts', 'serve.sh'), SERVE);
    chmodSync(join(dir, 'scripts', 'serve.sh'), 0o755);
  };
  const { sb, page } = await startWorkbench('rollback', { vsix: VSIX, prepare, hostLog: false });
  const dir = join(sb.workspace, 'iris');
  const audit = join(sb.workspace, '.rollback-lens', 'audit.jsonl');
  const records = () => (existsSync(audit) ? readFileSync(audit, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  const flags = readFileSync(join(dir, 'flags.flagd.json'), 'utf8');
  const failures = [];
  const check = (ok, what) => {
    if (ok) say(`ok   ${what}`);
    else failures.push(what);
  };

  try {
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    await openFile(page, 'iris/iris.runbook.yaml', WAIT_MS);
    const ask = async () => {
      const lens = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'Roll back…' }).first();
      await lens.waitFor({ timeout: WAIT_MS });
      await lens.click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: WAIT_MS });
      return dialog;
    };
    const button = (d, title) => d.locator('.dialog-buttons a, .dialog-buttons .monaco-button', { hasText: title }).first();

    const dialog = await ask();
    const message = (await dialog.locator('.dialog-message-text').innerText()).trim();
    const detail = (await dialog.locator('.dialog-message-detail').innerText()).trim();
    say(`modal: ${message} | ${detail.replace(/\n/g, ' | ')}`);
    check(message === 'Roll back iris-classifier 2.0.0 → iris-classifier 1.4.2 for real?', `the modal names the release pair: "${message}"`);
    check(detail.endsWith('Approvals needed:\napprove: decisionMaker (On-call ML lead, #ml-oncall)'), `the modal names the approvals needed: "${detail}"`);
    await page.screenshot({ path: join(RESULTS, 'rollback-confirm.png') });
    await button(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
    await page.waitForTimeout(1500); // a rollback would have been under way by now
    check(records().length === 0, 'Cancel records nothing');
    check(readFileSync(join(dir, 'flags.flagd.json'), 'utf8') === flags && requests.length === 0, 'Cancel changes nothing');

    // one Enter never starts it: after the modal, the target version must be typed
    const versionBox = async () => {
      const d = await ask();
      await button(d, 'Roll back').click();
      await d.waitFor({ state: 'detached', timeout: WAIT_MS });
      const box = page.locator('.quick-input-widget input[type="text"]');
      await box.waitFor({ timeout: WAIT_MS });
      return box;
    };
    let box = await versionBox();
    check((await box.getAttribute('placeholder')) === '1.4.2', `the box asks for the target version: "${await box.getAttribute('placeholder')}"`);
    await page.keyboard.press('Enter');
    const refusal = (await page.locator('.quick-input-widget .quick-input-message').innerText()).trim();
    check(refusal === 'type 1.4.2 to start the rollback, or press Escape to run nothing', `Enter on the empty box is refused: "${refusal}"`);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1500);
    check(records().length === 0 && requests.length === 0, 'Escape at the version box runs and records nothing');
    box = await versionBox();
    await page.keyboard.type('1.4.2');
    await page.keyboard.press('Enter');
    const pick = page.locator('.quick-input-widget');
    await pick.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: WAIT_MS });
    const title = (await pick.locator('.quick-input-title').innerText()).trim();
    check(title === 'Rollback: step approve needs the approval of decisionMaker (On-call ML lead, #ml-oncall)', `the gate's quick pick names the role and contact: "${title}"`);
    await page.keyboard.press('Enter');
    const until = Date.now() + WAIT_MS;
    while (!records().some((r) => r.kind === 'rollback') && Date.now() < until) await page.waitForTimeout(250);
    const got = records().map((r) => [r.kind, r.verdict, r.by ?? r.outcome].join(' '));
    check(JSON.stringify(got) === JSON.stringify(['approval approved person', 'rollback pass restored']), `the approval and the rollback are recorded: ${JSON.stringify(got)}`);
    check(readFileSync(join(dir, '.registry', 'iris', 'champion'), 'utf8') === '1.4.2\n', 'the champion alias points at 1.4.2');
    check(JSON.stringify(requests) === JSON.stringify(['PUT /admin/models/iris-classifier/pin {"version":"1.4.2"}']), `the serving API was told to pin 1.4.2: ${JSON.stringify(requests)}`);
    const result = page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'rollback: restored and verified' }).first();
    check(await result.waitFor({ timeout: 10_000 }).then(() => true, () => false), 'the lens says restored and verified');
    // the lens tells the verdict once the report is written (whole: it is written atomically)
    const report = join(sb.workspace, '.rollback-lens', 'reports', 'iris', 'iris.runbook rollback.md');
    check(existsSync(report) && readFileSync(report, 'utf8').includes('**Verdict: RESTORED and verified** — restored'), 'the report is written');
    // as a drill's report: the restore's fidelity and every message rendered (none sent: no webhook variable is set here)
    const text = existsSync(report) ? readFileSync(report, 'utf8') : '';
    check(text.includes('\n## Fidelity\n\n- fidelity\\: 150/150 rows within tolerance \\(1\\), label agreement 1 \\(150/150\\)'), 'the report has the fidelity of the restore');
    check(text.includes('\n## Messages\n\n20 rendered, 0 sent.\n') && text.includes('environment variable IRIS\\_INCIDENT\\_WEBHOOK is not set'), 'the report lists the messages, each with why it was not sent');

    // Cancel while a step runs: a second rollback whose pin request is never answered, cancelled from the lens
    hang = true;
    const flagsBefore = readFileSync(join(dir, 'flags.flagd.json'), 'utf8');
    const n = records().length;
    box = await versionBox();
    await page.keyboard.type('1.4.2');
    await page.keyboard.press('Enter');
    await pick.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: WAIT_MS });
    await page.keyboard.press('Enter');
    // the pin-serving step is far down the runbook: go to it, so its lenses are rendered
    const pins = requests.length;
    const putUntil = Date.now() + WAIT_MS;
    while (requests.length === pins && Date.now() < putUntil) await page.waitForTimeout(250);
    const pinLine = readFileSync(join(dir, 'iris.runbook.yaml'), 'utf8').split('\n').findIndex((l) => l === '  - id: pin-serving') + 1;
    await page.locator('.tabs-container .tab[aria-label^="iris.runbook.yaml"]').first().click();
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ timeout: WAIT_MS });
    await page.locator('.quick-input-widget input').fill(`:${pinLine}`);
    await page.keyboard.press('Enter');
    // a lens with a command is a link, one without (a running step's) a span; an icon adds no text, but spaces
    const lens = (re) => page.locator('.editor-instance .monaco-editor .codelens-decoration > a, .editor-instance .monaco-editor .codelens-decoration > span', { hasText: re }).first();
    check(await lens(/^\s*running pin-serving… \d+:\d\d \/ 2:00\s*$/).waitFor({ timeout: WAIT_MS }).then(() => true, () => false), 'the step lenses follow the rollback: pin-serving is running');
    await lens(/^\s*Cancel\s*$/).click();
    const cancelUntil = Date.now() + WAIT_MS;
    while (records().length < n + 2 && Date.now() < cancelUntil) await page.waitForTimeout(250);
    const last = records().at(-1);
    check(last?.kind === 'rollback' && last.verdict === 'cancelled' && last.outcome === 'cancelled', `the cancelled rollback is recorded: ${JSON.stringify([last?.kind, last?.verdict, last?.outcome])}`);
    check(JSON.stringify(last?.findings?.restored) === JSON.stringify(['repoint', 'flag-off']), `the completed steps were undone, newest first: ${JSON.stringify(last?.findings?.restored)}`);
    check(readFileSync(join(dir, 'flags.flagd.json'), 'utf8') === flagsBefore, 'the flag file is back byte for byte');
    check(await lens(/^\s*cancelled after \d+(\.\d)? (ms|s)\s*$/).waitFor({ timeout: 10_000 }).then(() => true, () => false), 'the step lens says pin-serving was cancelled');
    const undone = await page.locator('.editor-instance .monaco-editor .codelens-decoration > a, .editor-instance .monaco-editor .codelens-decoration > span', { hasText: /^\s*ran in \d+(\.\d)? (ms|s) ·\s*undone\s*$/ }).count();
    check(undone === 2, `the step lenses say repoint and flag-off were undone (${undone} say so)`);
    const goTo = async (line) => {
      await page.locator('.tabs-container .tab[aria-label^="iris.runbook.yaml"]').first().click();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input').waitFor({ timeout: WAIT_MS });
      await page.locator('.quick-input-widget input').fill(`:${line}`);
      await page.keyboard.press('Enter');
    };
    await goTo(1);
    check(await lens(/rollback: cancelled/).waitFor({ timeout: 10_000 }).then(() => true, () => false), 'the lens says the rollback was cancelled');
  } finally {
    for (const r of held) r.destroy();
    server.close();
  }
  for (const f of failures) console.error(`[rollback] FAIL: ${f}`);
  console.log(`rollback in code-server: ${failures.length ? `${failures.length} failed` : 'passed'}`);
  return failures.length ? 1 : 0;
}

const code = await runMain(main, 'rollback', 'rollback check');
process.exit(code);
