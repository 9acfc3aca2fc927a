// "Adding a step kind means adding one file and one schema branch" (issue 9),
// checked: the kinds' table (src/node/runbook/steps/index.ts) has exactly the
// kinds of STEP_KINDS, each from its own file steps/<kind>.ts; the step schema
// has exactly one branch per kind (and asks an undo of exactly the kinds the
// lint offers an undo stub for); and no file outside the kinds' modules and
// src/core/runbook/steps.ts switches on a kind name (compares a kind with one,
// has a `case` for one in a switch on a kind, or writes out the list of kinds).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STEP_KINDS, UNDO_STUBS } from '../../src/core/runbook/steps';
import { STEP_MODULES, stepModule } from '../../src/node/runbook/steps';
import { stripComments } from './architecture.test';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const STEPS_DIR = path.join(SRC, 'node', 'runbook', 'steps');
const KIND_LIST = path.join(SRC, 'core', 'runbook', 'steps.ts');
const schema = JSON.parse(fs.readFileSync(path.join(SRC, 'schemas', 'runbook.schema.json'), 'utf8')) as {
  definitions: { step: { oneOf: Array<{ required: string[] }>; allOf: Array<{ if: { required: string[] }; then: { required: string[] } }> } };
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Where `src` switches on a step kind's name, as `line: what`. */
export function kindSwitches(src: string, kinds: readonly string[] = STEP_KINDS): string[] {
  const code = stripComments(src);
  const name = `(?:${kinds.join('|')})`;
  const lineOf = (i: number) => code.slice(0, i).split('\n').length;
  const out: string[] = [];
  const patterns: Array<[RegExp, string]> = [
    [new RegExp(`\\bkind\\??\\s*[!=]==?\\s*(['"\`])${name}\\1`, 'g'), 'compares a kind with a kind name'],
    [new RegExp(`(['"\`])${name}\\1\\s*[!=]==?\\s*[\\w.?!]*\\bkind\\b`, 'g'), 'compares a kind name with a kind'],
    [new RegExp(`\\[\\s*(?:(['"])${name}\\1\\s*,\\s*){2,}`, 'g'), 'writes out kind names as a list'],
  ];
  for (const [re, what] of patterns) for (const m of code.matchAll(re)) out.push(`${lineOf(m.index)}: ${what}: ${m[0].replace(/\s+/g, ' ')}`);
  // a `case 'run':` inside a switch on something named kind
  for (const m of code.matchAll(/\bswitch\s*\(([^)]*)\)\s*\{/g)) {
    if (!/kind/i.test(m[1]!)) continue;
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < code.length; end++) {
      if (code[end] === '{') depth++;
      else if (code[end] === '}' && --depth === 0) break;
    }
    const body = code.slice(m.index, end);
    for (const c of body.matchAll(new RegExp(`\\bcase\\s*(['"])${name}\\1`, 'g'))) out.push(`${lineOf(m.index + c.index)}: has a case for a kind name: ${c[0]}`);
  }
  return out.sort();
}

describe('step kinds: one module each', () => {
  it('the table has exactly the kinds of STEP_KINDS, each module from its own file steps/<kind>.ts', () => {
    assert.deepEqual(Object.keys(STEP_MODULES).sort(), [...STEP_KINDS].sort());
    for (const k of STEP_KINDS) assert.equal(STEP_MODULES[k].kind, k);
    const files = fs.readdirSync(STEPS_DIR).filter((f) => f.endsWith('.ts')).sort();
    assert.deepEqual(files, [...STEP_KINDS.map((k) => `${k}.ts`), 'index.ts', 'kind.ts'].sort());
    for (const k of STEP_KINDS) assert.match(fs.readFileSync(path.join(STEPS_DIR, `${k}.ts`), 'utf8'), new RegExp(`^export const ${k}: StepKindModule = \\{\\n  kind: '${k}',$`, 'm'));
  });

  it('the step schema has one branch per kind, and asks an undo of exactly the kinds the lint offers an undo stub for', () => {
    const step = schema.definitions.step;
    assert.deepEqual(step.oneOf.map((b) => b.required).sort(), STEP_KINDS.map((k) => [k]).sort());
    const undoOf = step.allOf.filter((c) => c.then.required.includes('undo')).map((c) => c.if.required[0]);
    assert.deepEqual(undoOf.sort(), Object.keys(UNDO_STUBS).sort());
  });

  it('a gate (the decide phase) is answered and not executed; every other kind is executed', () => {
    for (const k of STEP_KINDS) {
      const m = STEP_MODULES[k];
      assert.equal(m.phase === 'decide', !!m.answer && !m.execute, k);
      assert.equal(m.phase !== 'decide', !!m.execute && !m.answer, k);
    }
    assert.equal(stepModule('undo'), undefined);
    assert.equal(stepModule('constructor'), undefined);
    assert.equal(stepModule(undefined), undefined);
  });

  it('no file outside the kinds’ modules and src/core/runbook/steps.ts switches on a kind name', () => {
    const problems: string[] = [];
    for (const f of sourceFiles(SRC)) {
      if (f.startsWith(STEPS_DIR + path.sep) || f === KIND_LIST) continue;
      for (const p of kindSwitches(fs.readFileSync(f, 'utf8'))) problems.push(`${path.relative(SRC, f).split(path.sep).join('/')}:${p}`);
    }
    assert.deepEqual(problems, []);
  });

  it('the scan flags every form of switching on a kind, and not a kind key read or another switch', () => {
    assert.deepEqual(kindSwitches("if (s.kind === 'run') x();\nif ('http' !== step.kind) y();"), ["1: compares a kind with a kind name: kind === 'run'", "2: compares a kind name with a kind: 'http' !== step.kind"]);
    assert.deepEqual(kindSwitches("const k = ['run', 'http', 'flag'].find((x) => x in s);"), ["1: writes out kind names as a list: ['run', 'http', "]);
    assert.deepEqual(kindSwitches("switch (s.kind) {\n  case 'flag':\n    break;\n}"), ["2: has a case for a kind name: case 'flag'"]);
    assert.deepEqual(kindSwitches("// if (s.kind === 'run')\nconst f = step.flag;\nswitch (r.outcome) { case 'approve': }\nif (kind === 'section') z();"), []);
  });
});
