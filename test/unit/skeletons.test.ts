// The skeletons New Runbook and New Contract start a file from: each one,
// checked by the language service in an empty workspace (nothing else on
// disk), gives no diagnostic at all, and
// parses as the kind its language id names.
import * as assert from 'node:assert/strict';
import { LanguageService } from '../../src/core';
import { CONTRACT_SKELETON } from '../../src/core/contract/skeleton';
import { RUNBOOK_SKELETON } from '../../src/core/runbook/skeleton';
import { doc, FakeHost, showAll } from './helpers';

async function check(path: string, text: string): Promise<unknown[]> {
  const host = new FakeHost({ files: { [path]: text } });
  const service = new LanguageService(host);
  return showAll(text, await service.validate(doc(path, text)), true);
}

describe('skeletons of New Runbook and New Contract', () => {
  it('the runbook skeleton validates with no diagnostic, alone in its workspace', async () => {
    assert.deepEqual(await check('new.runbook.yaml', RUNBOOK_SKELETON), []);
    assert.match(RUNBOOK_SKELETON, /^kind: RollbackRunbook$/m);
  });

  it('the contract skeleton validates with no diagnostic, alone in its workspace', async () => {
    assert.deepEqual(await check('new.contract.yaml', CONTRACT_SKELETON), []);
    assert.match(CONTRACT_SKELETON, /^kind: InterfaceContract$/m);
  });

  it('both are indented with 2 spaces and no tab', () => {
    for (const text of [RUNBOOK_SKELETON, CONTRACT_SKELETON]) {
      assert.doesNotMatch(text, /\t/);
      for (const line of text.split('\n')) assert.equal((line.match(/^ */)![0].length) % 2, 0, line);
    }
  });
});
