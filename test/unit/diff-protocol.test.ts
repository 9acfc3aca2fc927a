// The diff view's boundary: the webview's messages are checked before the
// host acts on them, and the HTML shell carries the strict CSP.
import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, diffViewHtml } from '../../src/core/diff/html';
import { asWebviewMessage, DEFAULT_QUERY, MAX_PAGE } from '../../src/core/diff/protocol';

describe('diff view: protocol and shell', () => {
  it('accepts well-formed webview messages and caps page sizes', () => {
    assert.deepEqual(asWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(asWebviewMessage({ type: 'rows', requestId: 3, offset: 100, count: 10_000, query: DEFAULT_QUERY, extra: 1 }), { type: 'rows', requestId: 3, offset: 100, count: MAX_PAGE, query: DEFAULT_QUERY });
    assert.deepEqual(asWebviewMessage({ type: 'open', key: 'k', baselineLine: 2, currentLine: 3 }), { type: 'open', key: 'k', baselineLine: 2, currentLine: 3 });
    assert.deepEqual(asWebviewMessage({ type: 'rows', requestId: 1, offset: 0, count: 5, query: { ...DEFAULT_QUERY, sort: 'absdelta:probability' } })?.type, 'rows');
  });

  it('drops anything else', () => {
    for (const m of [
      null,
      'ready',
      { type: 'eval', code: '1' },
      { type: 'open', key: 'k', baselineLine: -1, currentLine: 3 },
      { type: 'open', key: 'k', baselineLine: 1.5, currentLine: 3 },
      { type: 'rows', requestId: 1, offset: 0, count: 5, query: { ...DEFAULT_QUERY, sort: 'constructor' } },
      { type: 'rows', requestId: 1, offset: 0, count: 5, query: { ...DEFAULT_QUERY, desc: 'yes' } },
      { type: 'rows', requestId: 1, offset: 0, count: 5 },
    ]) {
      assert.equal(asWebviewMessage(m), undefined, JSON.stringify(m));
    }
  });

  it('the shell: default-src none, a nonce for the one script, styles from the extension only, escaped attributes', () => {
    assert.equal(contentSecurityPolicy('https://x.vscode-cdn.net', 'abc'), "default-src 'none'; script-src 'nonce-abc'; style-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net");
    const html = diffViewHtml({ cspSource: 'https://x', nonce: 'n1', scriptUri: 'https://x/a.js?"><script>', styleUri: 'https://x/s.css', title: '<b>t</b>' });
    assert.match(html, /<script nonce="n1" src="https:\/\/x\/a.js\?&quot;&gt;&lt;script&gt;"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /style=|unsafe-inline|unsafe-eval|http:\/\/|<b>/);
  });
});
