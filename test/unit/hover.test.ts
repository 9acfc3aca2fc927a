// Hover: the schema's description and type for the key or value under the
// cursor, the allowed values of an enum, and what a duration amounts to.
import * as assert from 'node:assert/strict';
import { CLEAN_CONTRACT, CLEAN_RUNBOOK, offsetOf, rangeIn, rangeOf, replaceOnce, setup } from './helpers';
import runbookSchema from '../../src/schemas/runbook.schema.json';
import contractSchema from '../../src/schemas/contract.schema.json';

const RS = runbookSchema as unknown as { definitions: Record<string, { properties: Record<string, { description: string }> }>; properties: Record<string, { description: string; properties: Record<string, { description: string }> }> };
const CS = contractSchema as unknown as typeof RS;

function hoverAt(text: string, offset: number, path = 'iris.runbook.yaml'): ReturnType<ReturnType<typeof setup>['service']['hover']> {
  const { service, doc } = setup(text, { path });
  return service.hover(doc, offset);
}

describe('hover', () => {
  const t = CLEAN_RUNBOOK;
  const stepTimeout = RS.definitions.step!.properties.timeout!.description;

  it('on a duration key: its description from the schema, its type and what the value amounts to, over the key', async () => {
    const h = (await hoverAt(t, offsetOf(t, 'timeout: 60s') + 2))!;
    assert.deepEqual(rangeOf(t, h.span), rangeIn(t, 'timeout: 60s', 'timeout'));
    assert.equal(h.contents, `**timeout** · \`string\`\n\n${stepTimeout}\n\n\`60s\` = 1m (60 s)`);
  });

  it('on a duration value: the same, over the value', async () => {
    const h = (await hoverAt(t, offsetOf(t, 'timeout: 60s') + 'timeout: '.length + 1))!;
    assert.deepEqual(rangeOf(t, h.span), rangeIn(t, 'timeout: 60s', '60s'));
    assert.equal(h.contents, `**timeout** · \`string\`\n\n${stepTimeout}\n\n\`60s\` = 1m (60 s)`);
  });

  it('on a key that is not a duration: description and type only', async () => {
    const h = (await hoverAt(t, offsetOf(t, 'samples:') + 1))!;
    assert.deepEqual(rangeOf(t, h.span), rangeIn(t, 'samples:', 'samples'));
    assert.equal(h.contents.split('\n\n').length, 2);
    assert.match(h.contents, /^\*\*samples\*\* · `string`\n\n/);
  });

  it('on other durations: windows.restore and drills.every', async () => {
    const restore = (await hoverAt(t, offsetOf(t, 'restore: 30m') + 'restore: '.length))!;
    assert.equal(restore.contents, `**restore** · \`string\`\n\n${RS.properties.windows!.properties.restore!.description}\n\n\`30m\` = 30m (1800 s)`);
    const every = (await hoverAt(t, offsetOf(t, 'every: 90d') + 'every: '.length + 2))!;
    assert.deepEqual(rangeOf(t, every.span), rangeIn(t, 'every: 90d', '90d'));
    assert.equal(every.contents, `**every** · \`string\`\n\n${RS.properties.drills!.properties.every!.description}\n\n\`90d\` = 90d (7776000 s)`);
  });

  it('on an enum: the allowed values', async () => {
    const withCall = replaceOnce(t, '  - id: verify\n', '  - id: call\n    http: { method: POST, url: "https://x" }\n    undo: { method: DELETE, url: "https://x" }\n  - id: verify\n');
    const h = (await hoverAt(withCall, offsetOf(withCall, 'method: POST') + 1))!;
    assert.deepEqual(rangeOf(withCall, h.span), rangeIn(withCall, 'method: POST', 'method'));
    assert.equal(
      h.contents,
      `**method** · \`string\`\n\n${RS.definitions.httpRequest!.properties.method!.description}\n\nAllowed: \`GET\`, \`POST\`, \`PUT\`, \`PATCH\`, \`DELETE\`, \`HEAD\``,
    );
  });

  it('on a top-level section key', async () => {
    const h = (await hoverAt(t, offsetOf(t, 'steps:')))!;
    assert.deepEqual(rangeOf(t, h.span), rangeIn(t, 'steps:', 'steps'));
    assert.equal(h.contents, `**steps** · \`array\`\n\n${RS.properties.steps!.description}`);
  });

  it('on a contract key', async () => {
    const h = (await hoverAt(CLEAN_CONTRACT, offsetOf(CLEAN_CONTRACT, 'seed: 42') + 1, 'iris.contract.yaml'))!;
    assert.deepEqual(rangeOf(CLEAN_CONTRACT, h.span), rangeIn(CLEAN_CONTRACT, 'seed: 42', 'seed'));
    assert.equal(h.contents, `**seed** · \`integer\`\n\n${CS.properties.source!.properties.seed!.description}`);
  });

  it('on a key the schema does not know: nothing', async () => {
    const bad = replaceOnce(t, '    undo: ./scripts', '    undoo: ./scripts');
    assert.equal(await hoverAt(bad, offsetOf(bad, 'undoo') + 1), null);
  });

  it('past the end of the document: nothing', async () => {
    const withComment = t + '# trailing comment\n';
    assert.equal(await hoverAt(withComment, withComment.length - 3), null);
  });
});
