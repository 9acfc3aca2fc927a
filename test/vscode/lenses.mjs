// What a glance shows must be current: the CodeLens rows as the workbench
// renders them (the `.codelens-decoration` text in the editor, read through
// playwright-core from code-server, not a provider query), after runs a user
// starts by clicking the lenses:
//   - a runbook dry-run that is NOT READY, the runbook fixed in the editor
//     (Find/Replace, save), the dry-run again: `dry-run: ready` at once;
//     then broken again: `not ready` at once. The same for a drill scenario
//     lens (failed ↔ passed) and its step lens, and for a contract test lens
//     (failed ↔ passed) after editing its tolerance.
//   - a running drill: the running step's `running <id>… m:ss / m:ss`, ticking
//     each second, `waiting` on the steps after it, a Cancel lens that cancels
//     the drill (the completed step undone, the rest `skipped`).
//   - the `closure` lens's sign-off progress before and after a sign-off
//     through the Sign off… lens's quick picks.
// "At once" is LENS_MS after the run's record reached the workspace's audit
// log (the extension appends it just before it updates the lenses): the editor re-asks for lenses within
// its debounce (375 ms for an extension under development), and a stale lens
// never catches up on its own, so the bound tells the two apart on a loaded
// machine too. Exit 1 when an assertion fails (test-results/lenses-failed.png).
//
//   node test/vscode/lenses.mjs [--vsix=FILE] [--only=verdicts,contract,running,signoff] [--verbose]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const VSIX = arg('vsix') && resolve(arg('vsix'));
const ONLY = arg('only');
const RESULTS = join(ROOT, 'test-results');
/** How long a run, a file opening or a quick pick may take. */
const WAIT_MS = 90_000;
/** How soon after a run ends its lens must say so. */
const LENS_MS = 3_000;

const FLIP = 'glance/flip.runbook.yaml';
const RUNNING = 'glance/running.runbook.yaml';
const CONTRACT = 'iris/iris.contract.yaml';

// `exit 3` fails the step's dryRun variant (dry-run NOT READY) and its run (the drill fails); `exit 0` passes both
const FLIP_TEXT = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: flip, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
  dataSteward: { name: Steward, contact: "#data" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_ms, when: "> 250" }
steps:
  - id: repoint
    run: exit 3
    dryRun: exit 3
    undo: echo undone
    owner: decisionMaker
    timeout: 10s
drills:
  every: 90d
  scenarios:
    - { id: slow-p99, inject: { metrics: { p99_ms: 400 } }, approvals: auto }
closure:
  signOff: [decisionMaker, dataSteward]
`;

// a drill whose second step sleeps long enough to be watched and cancelled
const RUNNING_TEXT = `apiVersion: rollback-lens/v1
kind: RollbackRunbook
metadata: { name: running, owner: ml }
release:
  current: { model: m, version: 2.0.0 }
  target: { model: m, version: 1.4.2 }
roles:
  decisionMaker: { name: Lead, contact: "#lead" }
metrics: { file: metrics.json }
triggers:
  - { id: slow, metric: p99_ms, when: "> 250" }
steps:
  - id: flag-off
    run: echo off > flag.txt
    undo: rm -f flag.txt
    timeout: 10s
  - id: pin-serving
    run: sleep 60
    undo: exit 0
    requires: [flag-off]
    timeout: 2m
  - id: smoke
    run: exit 0
    requires: [pin-serving]
    timeout: 10s
drills:
  every: 90d
  scenarios:
    - { id: slow, inject: { metrics: { p99_ms: 400 } }, approvals: auto }
`;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { sb, page } = await startWorkbench('lenses', {
    vsix: VSIX,
    prepare: (sb) => {
      WORKSPACE = sb.workspace;
      mkdirSync(join(sb.workspace, 'glance'), { recursive: true });
      writeFileSync(join(sb.workspace, FLIP), FLIP_TEXT);
      writeFileSync(join(sb.workspace, RUNNING), RUNNING_TEXT);
      writeFileSync(join(sb.workspace, 'glance/metrics.json'), '{"p99_ms": 100}\n');
    },
  });
  try {
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    say('workbench ready');
    const checks = { verdicts: runbookVerdicts, contract: contractVerdicts, running: runningDrill, signoff: signOffProgress };
    for (const [name, check] of Object.entries(checks)) if (!ONLY || ONLY.split(',').includes(name)) await check(page);
  } catch (e) {
    console.error(`[lenses] FAIL: ${e.message}`);
    await page.screenshot({ path: join(RESULTS, 'lenses-failed.png') }).catch(() => {});
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------- the checks

async function runbookVerdicts(page) {
  await closeAll(page);
  await openFile(page, FLIP, WAIT_MS);
  const dryRun = async (verdict, recorded) => {
    const n = auditRecords().length;
    await clickLens(page, /^Dry-run$/);
    await waitRecord(n, 'dry-run', FLIP, recorded);
    await expectLens(page, verdict);
  };
  const drill = async (verdict, recorded, step) => {
    const n = auditRecords().length;
    await clickLens(page, /^Run drill$/);
    await waitRecord(n, 'drill', FLIP, recorded);
    await expectLens(page, verdict);
    await expectLens(page, step);
  };
  await dryRun(/^dry-run: not ready \(1 error\)$/, 'not-ready');
  await drill(/^drill failed: undone$/, 'fail', /^failed after \d+ ms: `exit 3` exited with code 3$/);
  await replaceInEditor(page, FLIP, 'exit 3', 'exit 0');
  await dryRun(/^dry-run: ready$/, 'ready');
  await drill(/^drill passed: restored$/, 'pass', /^ran in \d+ ms$/);
  await replaceInEditor(page, FLIP, 'exit 0', 'exit 3');
  await dryRun(/^dry-run: not ready \(1 error\)$/, 'not-ready');
  await drill(/^drill failed: undone$/, 'fail', /^failed after \d+ ms: `exit 3` exited with code 3$/);
  say('runbook verdict lenses follow every run');
}

async function contractVerdicts(page) {
  await closeAll(page);
  await openFile(page, CONTRACT, WAIT_MS);
  await goToText(page, CONTRACT, '- id: parity');
  const run = async (verdict, recorded) => {
    const n = auditRecords().length;
    // the parity test's row: the one test with a baseline to record
    await clickLens(page, /^Run test$/, { row: /Record baseline/ });
    await waitRecord(n, 'contract-test', CONTRACT, recorded);
    await expectLens(page, verdict);
  };
  // 2.0.0's probabilities move by up to 0.215461 (the contract's comments): 0.05 fails, 0.25 passes
  await run(/^failed: probability\.abs$/, 'fail');
  await replaceInEditor(page, CONTRACT, 'abs: 0.05', 'abs: 0.25');
  await run(/^passed$/, 'pass');
  await replaceInEditor(page, CONTRACT, 'abs: 0.25', 'abs: 0.05');
  await run(/^failed: probability\.abs$/, 'fail');
  say('contract test verdict lens follows every run');
}

async function runningDrill(page) {
  await closeAll(page);
  await openFile(page, RUNNING, WAIT_MS);
  const n = auditRecords().length;
  await clickLens(page, /^Run drill$/);
  const running = /^running pin-serving… (\d+):(\d\d) \/ 2:00$/;
  const first = await expectLens(page, running, WAIT_MS);
  await expectLens(page, /^ran in \d+ ms$/);
  await expectLens(page, /^waiting$/);
  // it ticks: a later second is shown without anything else happening
  const seconds = (t) => Number(running.exec(t)[1]) * 60 + Number(running.exec(t)[2]);
  const later = await expectLens(page, (t) => running.test(t) && seconds(t) > seconds(first), 2 * LENS_MS);
  say(`running lens: "${first}", then "${later}"`);
  await clickLens(page, /^Cancel$/);
  await waitRecord(n, 'drill', RUNNING, 'cancelled');
  await expectLens(page, /^drill cancelled$/);
  await expectLens(page, /^ran in \d+ ms · undone$/);
  await expectLens(page, /^cancelled after \d+(\.\d)? s$|^cancelled after \d+ ms$/);
  await expectLens(page, /^skipped$/);
  await expectNoLens(page, /^waiting$|^running /);
  say('a running drill shows its running step, the waiting ones, and cancels from its lens');
}

async function signOffProgress(page) {
  await closeAll(page);
  await openFile(page, FLIP, WAIT_MS);
  await expectLens(page, /^signed 0\/2: decisionMaker —, dataSteward —$/);
  const n = auditRecords().length;
  await clickLens(page, /^Sign off…$/);
  await pick(page, 'decisionMaker');
  await pick(page, 'Sign off');
  // who and when come from the record the sign-off appended
  const last = await waitRecord(n, 'sign-off', FLIP, 'signed-off');
  if (last.role !== 'decisionMaker') throw new Error(`the sign-off was recorded for ${last.role}`);
  const expected = `signed 1/2: decisionMaker ✓ (${last.user}, ${last.time.slice(0, 10)}), dataSteward —`;
  await expectLens(page, (t) => t === expected, LENS_MS, expected);
  say(`closure lens: ${expected}`);
}

// ---------------------------------------------------------------- driving the workbench

// each lens of a row: a link, or a span when it has no command; the row's separators are spans too
const LENS = '.editor-instance .monaco-editor .codelens-decoration > a, .editor-instance .monaco-editor .codelens-decoration > span';
const text = (t) => t.replace(/\s+/g, ' ').trim();

/** The text of every lens the editors render (one entry per lens; icons are not text). */
async function lensTexts(page) {
  return (await page.locator(LENS).allInnerTexts()).map(text).filter((t) => t && t !== '|');
}

/** Waits until a rendered lens matches (a RegExp or a predicate); returns its text. */
async function expectLens(page, match, ms = LENS_MS, what = String(match)) {
  const ok = typeof match === 'function' ? match : (t) => match.test(t);
  const until = Date.now() + ms;
  for (;;) {
    const texts = await lensTexts(page);
    const hit = texts.find(ok);
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`no lens ${what} within ${ms / 1000} s; the editor shows: ${texts.join(' | ') || 'no lenses'}`);
    await page.waitForTimeout(100);
  }
}

async function expectNoLens(page, re) {
  const texts = await lensTexts(page);
  const hit = texts.find((t) => re.test(t));
  if (hit) throw new Error(`a lens still says "${hit}"; the editor shows: ${texts.join(' | ')}`);
}

/**
 * Clicks the lens whose text matches, where it is on screen, once nothing
 * covers it (the find widget slides away after Escape) and it is a link (a
 * reopened editor first paints VS Code's cached copy of its lenses, without
 * commands). `row`: a lens of the row whose text matches too. The rows
 * re-render while a drill runs, so no element is kept.
 */
async function clickLens(page, re, { row } = {}) {
  const until = Date.now() + WAIT_MS;
  let boxes = [];
  for (;;) {
    boxes = await page.locator(LENS).evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        const x = r.x + r.width / 2;
        const y = r.y + r.height / 2;
        const top = r.width > 0 ? document.elementFromPoint(x, y) : null;
        return { text: el.innerText.replace(/\s+/g, ' ').trim(), row: el.parentElement?.innerText ?? '', x, y, clickable: el.tagName === 'A' && !!top && el.contains(top) };
      }),
    );
    const hit = boxes.find((b) => re.test(b.text) && b.clickable && (!row || row.test(b.row)));
    if (hit) return page.mouse.click(hit.x, hit.y);
    if (Date.now() > until) break;
    await page.waitForTimeout(100);
  }
  throw new Error(`no lens ${re} to click within ${WAIT_MS / 1000} s; the editor shows: ${boxes.map((b) => b.text).filter((t) => t && t !== '|').join(' | ') || 'no lenses'}`);
}

let WORKSPACE;

/** The workspace's audit log, parsed. */
function auditRecords() {
  try {
    return readFileSync(join(WORKSPACE, '.rollback-lens/audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch (e) {
    if (e.code === 'ENOENT') return [];
    throw e;
  }
}

/** Waits for a record of `kind` for `rel` after the first `n`; fails if its verdict is not `verdict`. */
async function waitRecord(n, kind, rel, verdict) {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const r = auditRecords().slice(n).find((x) => x.kind === kind && x.path === rel);
    if (r) {
      if (r.verdict !== verdict) throw new Error(`the ${kind} of ${rel} was recorded ${r.verdict}, not ${verdict}`);
      return r;
    }
    if (Date.now() > until) throw new Error(`no ${kind} of ${rel} was recorded within ${WAIT_MS / 1000} s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function closeAll(page) {
  await runCommand(page, 'View: Close All Editors', WAIT_MS);
}

/** Chooses the quick pick row whose label contains `label`. */
async function pick(page, label) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: WAIT_MS });
  await row.click();
}

/** Focuses the editor of `rel` (its tab). */
async function focusEditor(page, rel) {
  const name = rel.split('/').pop();
  await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().click();
  await page.locator('.editor-instance .monaco-editor.focused').first().waitFor({ timeout: WAIT_MS });
}

/** Moves the cursor to the first line holding `text` (Go to Line), so that line and its lenses are in view. */
async function goToText(page, rel, text) {
  const lines = readFileSync(join(ROOT, 'examples', rel.replace(/^iris\//, 'iris/')), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text)) + 1;
  if (!line) throw new Error(`${rel} has no line with ${text}`);
  await focusEditor(page, rel);
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: WAIT_MS });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
}

/** Edits the file as a user does: Find/Replace all in its editor, then save. */
async function replaceInEditor(page, rel, from, to) {
  await focusEditor(page, rel);
  await page.keyboard.press('Control+H');
  const widget = page.locator('.editor-instance .find-widget.visible');
  await widget.waitFor({ timeout: WAIT_MS });
  await widget.locator('.find-part .input').first().fill(from);
  // the search is debounced: replace-all before it has found the text replaces nothing (seen on a loaded
  // machine: the next run tested the unchanged file), so the match count is waited for, and after the
  // save the bytes on disk
  const count = widget.locator('.matchesCount');
  const until = Date.now() + WAIT_MS;
  while (!/\bof [1-9]/.test(await count.innerText().catch(() => '')) && Date.now() < until) await page.waitForTimeout(100);
  await widget.locator('.replace-part .input').first().fill(to);
  await page.keyboard.press('Control+Alt+Enter');
  const tab = rel.split('/').pop();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+S');
  await page.locator(`.tabs-container .tab:not(.dirty)[aria-label^="${tab}"]`).first().waitFor({ timeout: WAIT_MS });
  const saved = () => readFileSync(join(WORKSPACE, rel), 'utf8').includes(to);
  while (!saved() && Date.now() < until) await page.waitForTimeout(100);
  if (!saved()) throw new Error(`${rel}: "${to}" is not in the file on disk after the save`);
  say(`${rel}: replaced "${from}" with "${to}" and saved`);
}

const code = await runMain(main, 'lenses', 'lens check');
process.exit(code);
