// The closure status of the iris example as the workbench renders it (the
// `.codelens-decoration` text, read through playwright-core from code-server,
// not a provider query), before and after each step a user takes by clicking
// the lenses on its `closure` key: a rollback record (appended before the
// server starts, as the rollback command would), Verify (the contract's
// tests for real: the copy's contract source runs model/v1.json, the release
// served after the rollback), Confirm checklist item… with its quick pick,
// Close refused (its warning names what is missing, nothing recorded), the
// other items and both sign-offs (the Sign off… lens), Close recorded.
// Each lens must say so within LENS_MS of the step's record reaching the
// audit log. Exit 1 when an assertion fails (test-results/closure-failed.png).
//
//   node test/vscode/closure-lenses.mjs [--vsix=FILE] [--verbose]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, openFile, runCommand, runMain, say, startWorkbench } from './harness.mjs';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const VSIX = arg('vsix') && resolve(arg('vsix'));
const RESULTS = join(ROOT, 'test-results');
/** How long a run, a file opening or a quick pick may take. */
const WAIT_MS = 90_000;
/** How soon after a step's record its lens must say so. */
const LENS_MS = 3_000;

const RUNBOOK = 'iris/iris.runbook.yaml';
const ITEMS = [
  'outputs within tolerance of the 1.4.2 baseline',
  'sampled user state intact (locale and consent unchanged)',
  'no trigger firing for 30 minutes after restore',
  'incident ticket updated with the timeline',
];
let WORKSPACE;

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const { page } = await startWorkbench('closure', {
    vsix: VSIX,
    prepare: (sb) => {
      WORKSPACE = sb.workspace;
      const contract = join(sb.workspace, 'iris/iris.contract.yaml');
      writeFileSync(contract, readFileSync(contract, 'utf8').replace('--model model/v2.json', '--model model/v1.json'));
      // the rollback, as the rollback command records it: the first record of this fresh workspace's log (prev: the genesis value)
      mkdirSync(join(sb.workspace, '.rollback-lens'), { recursive: true });
      const line = JSON.stringify({ v: 1, time: new Date().toISOString(), kind: 'rollback', path: RUNBOOK, digest: null, commit: null, user: 'dana', verdict: 'pass', prev: `sha256:${'0'.repeat(64)}` });
      writeFileSync(join(sb.workspace, '.rollback-lens/audit.jsonl'), line + '\n');
    },
  });
  try {
    await page.locator('.monaco-workbench .explorer-folders-view').first().waitFor({ timeout: WAIT_MS });
    say('workbench ready');
    await closure(page);
  } catch (e) {
    console.error(`[closure] FAIL: ${e.message}`);
    await page.screenshot({ path: join(RESULTS, 'closure-failed.png') }).catch(() => {});
    return 1;
  }
  return 0;
}

async function closure(page) {
  await openFile(page, RUNBOOK, WAIT_MS);
  await goToText(page, RUNBOOK, 'closure:');
  await expectLens(page, /^closure: open — 0\/4 checklist, signed 0\/2$/, WAIT_MS);
  say('before: closure: open — 0/4 checklist, signed 0/2');

  let n = auditRecords().length;
  await clickLens(page, /^Verify$/);
  await waitRecord(n, 'closure-verify', 'pass');
  await expectLens(page, /^closure: verified — 0\/4 checklist, signed 0\/2$/);
  say('after Verify: closure: verified — 0/4 checklist, signed 0/2');

  const confirm = async (index, after) => {
    const before = auditRecords().length;
    await clickLens(page, /^Confirm checklist item…$/);
    await pick(page, `${index}. ${ITEMS[index - 1]}`);
    const r = await waitRecord(before, 'checklist', 'confirmed');
    if (r.index !== index || r.text !== ITEMS[index - 1]) throw new Error(`confirmed ${r.index}. ${r.text}, not item ${index}`);
    await expectLens(page, after);
    say(`after confirming item ${index}: ${shown(after)}`);
  };
  await confirm(4, /^closure: verified — 1\/4 checklist, signed 0\/2$/);

  // Close is refused: the warning names what is missing, nothing is recorded, the status stays
  n = auditRecords().length;
  await clickLens(page, /^Close$/);
  const warning = await expectToast(page, (t) => t.includes('still missing:'));
  const expected = `checklist item 1: ${ITEMS[0]}; checklist item 2: ${ITEMS[1]}; checklist item 3: ${ITEMS[2]}; sign-off of decisionMaker; sign-off of dataSteward`;
  if (!warning.endsWith(expected)) throw new Error(`the refusal says "${warning}", not …"${expected}"`);
  if (auditRecords().length !== n) throw new Error('the refused close recorded something');
  await expectLens(page, /^closure: verified — 1\/4 checklist, signed 0\/2$/);
  say(`Close refused: ${warning}`);
  await page.keyboard.press('Escape');

  await confirm(1, /^closure: verified — 2\/4 checklist, signed 0\/2$/);
  await confirm(2, /^closure: verified — 3\/4 checklist, signed 0\/2$/);
  await confirm(3, /^closure: verified — 4\/4 checklist, signed 0\/2$/);
  for (const [role, after] of [
    ['decisionMaker', /^closure: verified — 4\/4 checklist, signed 1\/2$/],
    ['dataSteward', /^closure: signed — 4\/4 checklist, signed 2\/2$/],
  ]) {
    const before = auditRecords().length;
    await clickLens(page, /^Sign off…$/);
    await pick(page, role);
    await pick(page, 'Sign off');
    await waitRecord(before, 'sign-off', 'signed-off');
    await expectLens(page, after);
    say(`after the sign-off of ${role}: ${shown(after)}`);
  }

  n = auditRecords().length;
  await clickLens(page, /^Close$/);
  const closed = await waitRecord(n, 'close', 'closed');
  const title = `closure: closed (${closed.user}, ${closed.time.slice(0, 10)})`;
  await expectLens(page, (t) => t === title, LENS_MS, title);
  await expectNoLens(page, /^(Verify|Confirm checklist item…|Close)$/);
  say(`after Close: ${title}`);
}

/** The lens text a pattern stands for: `^closure: … 1\/4 …$` without its anchors and escapes. */
const shown = (re) => re.source.replace(/^\^|\$$/g, '').replace(/\\/g, '');

// ---------------------------------------------------------------- driving the workbench (as lenses.mjs)

const LENS = '.editor-instance .monaco-editor .codelens-decoration > a, .editor-instance .monaco-editor .codelens-decoration > span';
const text = (t) => t.replace(/\s+/g, ' ').trim();

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

/** Waits for a notification whose text matches (a toast, else in the notification center, opened for it); returns its text. */
async function expectToast(page, ok) {
  const until = Date.now() + WAIT_MS;
  let opened = false;
  for (;;) {
    const texts = (await page.locator('.notification-list-item-message').allInnerTexts()).map(text);
    const hit = texts.find(ok);
    if (hit) return hit;
    if (!opened && Date.now() > until - WAIT_MS + 2_000) {
      opened = true;
      await runCommand(page, 'Notifications: Show Notifications', WAIT_MS);
    }
    if (Date.now() > until) throw new Error(`no such notification within ${WAIT_MS / 1000} s; shown: ${texts.join(' | ') || 'none'}`);
    await page.waitForTimeout(100);
  }
}

/** Clicks the lens whose text matches, once it is a link nothing covers. */
async function clickLens(page, re) {
  const until = Date.now() + WAIT_MS;
  let boxes = [];
  for (;;) {
    boxes = await page.locator(LENS).evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        const x = r.x + r.width / 2;
        const y = r.y + r.height / 2;
        const top = r.width > 0 ? document.elementFromPoint(x, y) : null;
        return { text: el.innerText.replace(/\s+/g, ' ').trim(), x, y, clickable: el.tagName === 'A' && !!top && el.contains(top) };
      }),
    );
    const hit = boxes.find((b) => re.test(b.text) && b.clickable);
    if (hit) return page.mouse.click(hit.x, hit.y);
    if (Date.now() > until) break;
    await page.waitForTimeout(100);
  }
  throw new Error(`no lens ${re} to click within ${WAIT_MS / 1000} s; the editor shows: ${boxes.map((b) => b.text).filter((t) => t && t !== '|').join(' | ') || 'no lenses'}`);
}

/** The runbook's records in the workspace's audit log. */
function auditRecords() {
  return readFileSync(join(WORKSPACE, '.rollback-lens/audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.path === RUNBOOK);
}

/** Waits for a record of `kind` after the first `n`; fails if its verdict is not `verdict`. */
async function waitRecord(n, kind, verdict) {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const r = auditRecords().slice(n).find((x) => x.kind === kind);
    if (r) {
      if (r.verdict !== verdict) throw new Error(`the ${kind} was recorded ${r.verdict}, not ${verdict}`);
      return r;
    }
    if (Date.now() > until) throw new Error(`no ${kind} of ${RUNBOOK} was recorded within ${WAIT_MS / 1000} s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Chooses the quick pick row whose label contains `label`. */
async function pick(page, label) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: WAIT_MS });
  await row.click();
}

/** Moves the cursor to the first line holding `text` (Go to Line), so that line and its lenses are in view. */
async function goToText(page, rel, needle) {
  const line = readFileSync(join(WORKSPACE, rel), 'utf8').split('\n').findIndex((l) => l.startsWith(needle)) + 1;
  if (!line) throw new Error(`${rel} has no line starting with ${needle}`);
  await page.locator(`.tabs-container .tab[aria-label^="${rel.split('/').pop()}"]`).first().click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: WAIT_MS });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
}

const code = await runMain(main, 'closure', 'closure lens check');
process.exit(code);
