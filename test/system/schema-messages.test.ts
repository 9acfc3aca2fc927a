// Schema messages (test/unit/schema-messages.test.ts checks each error kind)
// as a contract-test run prints them: the CLI as a real process on a copy of
// the example whose output schema no longer allows `probability` says
// "unknown property", never ajv's wording.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCliProcess } from '../unit/helpers';

describe('schema messages in a contract test run (the CLI as a real process)', function () {
  this.timeout(60_000);
  it('an output property the schema does not allow: "unknown property `probability`", not ajv\'s wording', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rl-schema-msg-'));
    try {
      cpSync(path.resolve(__dirname, '..', '..', 'examples', 'iris'), dir, { recursive: true, filter: (src) => !src.includes('.rollback-lens') });
      const file = path.join(dir, 'schemas', 'iris-output.schema.json');
      const schema = JSON.parse(readFileSync(file, 'utf8'));
      delete schema.properties.probability;
      schema.required = ['id', 'label'];
      writeFileSync(file, JSON.stringify(schema, null, 2));
      const r = runCliProcess(dir, ['test', 'iris.contract.yaml', '--test', 'parity']);
      assert.equal(r.code, 1);
      const lines = r.stdout.split('\n');
      assert.ok(lines.includes('    ✗ output-schema: 150 outputs do not match the output schema; first: current line 1: does not match the output schema: unknown property `probability`'), r.stdout);
      assert.ok(lines.includes('      current line 1: does not match the output schema: unknown property `probability`'), r.stdout);
      assert.doesNotMatch(r.stdout, /must NOT|\(record\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
