// Regressions (test/unit/regressions.test.ts holds the others) whose proof
// needs a process of its own: a crash that no try/catch can stop would take
// mocha down with it, so the check runs in a child and reads its exit.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

describe('regressions', () => {
  // src/core/yaml/parse.ts parseYaml hands any nesting depth to the yaml library;
  // at ~5000 levels V8 aborts the whole process ("FATAL ERROR: RegExpCompiler
  // Allocation failed - process out of memory", exit 134), which no try/catch
  // can stop: the CLI dies without a report, the editor loses its server.
  it('bug 9: 5000 nested `[` does not crash the process (run in a child so mocha survives)', () => {
    const root = path.resolve(__dirname, '..', '..');
    const script = `
      require(${JSON.stringify(path.join(root, 'test/unit/register.cjs'))});
      const { LanguageService } = require(${JSON.stringify(path.join(root, 'src/core/index.ts'))});
      const host = { readFile: async () => undefined, stat: async () => 'missing', now: () => 0 };
      (async () => {
        const service = new LanguageService(host);
        const text = '['.repeat(5000);
        let n = 0;
        for (const p of ['a.runbook.yaml', 'b.contract.yaml', 'c.runbook.yaml', 'd.contract.yaml']) {
          n += (await service.validate({ uri: p, version: 1, path: p, text })).length;
        }
        console.log('ok ' + n);
      })();`;
    const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    const fatal = /FATAL ERROR[^\n]*/.exec(res.stderr ?? '')?.[0];
    assert.equal(res.status, 0, `exit ${res.status} signal ${res.signal} ${fatal ?? ''}`);
    assert.match(res.stdout, /^ok \d+/);
  });
});
