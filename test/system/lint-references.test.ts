// The references a runbook names that must exist (test/unit/lint-references.test.ts
// checks each in the service), through the CLI as a real process: every one at
// its line and column, exit 1.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineIndex } from '../../src/core';
import { CLEAN_FILES, replaceOnce, runCliProcess } from '../unit/helpers';
import { WITH_REINTRO } from '../support/lint-references';

describe('lint: references that must exist', () => {
  it('the CLI (a real process) reports each of them at its line and column, exit 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-lint-'));
    try {
      for (const [rel, content] of CLEAN_FILES) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), content);
      }
      let t = replaceOnce(WITH_REINTRO, '  - id: repoint\n', '  - id: repoint\n    owner: technicalLaed\n');
      t = replaceOnce(t, 'test: parity', 'test: parityy');
      t = replaceOnce(t, 'p99_latency_ms: 400', 'p99_latency_msx: 400');
      t = replaceOnce(t, 'variant: "off"', 'variant: "of"');
      t = replaceOnce(t, '{{target.version}}', '{{target.versoin}}');
      t = replaceOnce(t, 'abortOn: [slow, drift]', 'abortOn: [slow, drfit]');
      fs.writeFileSync(path.join(dir, 'iris.runbook.yaml'), t);
      const index = new LineIndex(t);
      const at = (needle: string) => {
        const p = index.positionAt(t.indexOf(needle));
        return `iris.runbook.yaml:${p.line + 1}:${p.character + 1}`;
      };
      const res = runCliProcess(dir, ['validate', 'iris.runbook.yaml']);
      assert.equal(
        res.stdout,
        [
          `${at('"of"')}: error unknown-flag-variant flag \`iris-v2\` in \`flags.flagd.json\` has no variant \`of\` — did you mean \`off\`? (its variants: \`on\`, \`off\`)`,
          `${at('technicalLaed')}: error undeclared-role role \`technicalLaed\` (step owner) is not declared under \`roles\` — did you mean \`technicalLead\`?`,
          `${at('parityy')}: error unknown-contract-test contract \`iris.contract.yaml\` has no test \`parityy\` — did you mean \`parity\`? (its tests: \`parity\`)`,
          `${at('{{target.versoin}}')}: error unknown-placeholder \`{{target.versoin}}\` has no value — did you mean \`{{target.version}}\`? (a message can use \`metadata.*\`, \`current.*\`, \`target.*\`, \`phase\`, \`roles.*\`, \`triggers.*\`, \`timings.*\`, \`event\`, \`verdict\` and \`outcome\`)`,
          `${at('p99_latency_msx')}: error unknown-metric drill scenario \`latency-spike\` injects metric \`p99_latency_msx\`, which is not in the metrics snapshot \`metrics/now.json\`: nothing collects it, so no trigger sees the fault — did you mean \`p99_latency_ms\`?`,
          `${at('drfit')}: error unknown-trigger \`abortOn\` names trigger \`drfit\`, which is not declared under \`triggers\` — did you mean \`drift\`?`,
          '',
        ].join('\n'),
      );
      assert.equal(res.stderr, '1 file checked: 6 errors, 0 warnings\n');
      assert.equal(res.code, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
