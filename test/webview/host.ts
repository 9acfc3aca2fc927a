// A stand-in for VS Code around the diff view's real webview bundle, for the
// browser tests and the benchmark: a loopback HTTP server serves media/ and
// the same HTML shell (and so the same CSP) the extension's panel uses;
// Debian's chromium (playwright-core, executablePath) loads it with a stub of
// acquireVsCodeApi whose postMessage reaches a real DiffSession (the host
// side's paging code) in this process, and whose answers come back as
// window messages, as in a webview. Theme colours are VS Code's variables,
// set on <html> as VS Code does, for light, dark and high contrast.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TestReport } from '../../src/core/contract/report';
import type { HostMessage, WebviewMessage } from '../../src/core/diff/protocol';
import { diffViewHtml } from '../../src/core/diff/html';
import { DiffSession } from '../../src/node/diff/session';
import type { RowSource } from '../../src/node/diff/rows';

// what the functions passed to page.evaluate / addInitScript see in the page (this file is typed for node)
declare const window: any;
declare const document: any;

export const CHROMIUM = process.env.ROLLBACK_LENS_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--enable-precise-memory-info'];

export type Theme = 'light' | 'dark' | 'high-contrast';

// A subset of VS Code's theme variables, with the values of its default themes.
const THEMES: Record<Theme, Record<string, string>> = {
  light: {
    foreground: '#616161', 'editor-background': '#ffffff', descriptionForeground: '#717171', errorForeground: '#a1260d', 'testing-iconPassed': '#388a34', 'testing-iconFailed': '#f14c4c',
    'editorWarning-foreground': '#bf8803', 'panel-border': '#e5e5e5', 'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'input-foreground': '#616161', 'input-background': '#ffffff', 'input-border': '#cecece',
    focusBorder: '#0090f1', 'list-hoverBackground': '#e8e8e8', 'list-inactiveSelectionBackground': '#e4e6f1', 'inputValidation-errorBackground': '#f2dede', 'inputValidation-errorBorder': '#be1100', 'editorWidget-background': '#f3f3f3', disabledForeground: '#61616180', 'editorGroup-border': '#e7e7e7',
  },
  dark: {
    foreground: '#cccccc', 'editor-background': '#1e1e1e', descriptionForeground: '#9d9d9d', errorForeground: '#f48771', 'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c',
    'editorWarning-foreground': '#cca700', 'panel-border': '#80808059', 'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'input-foreground': '#cccccc', 'input-background': '#3c3c3c', 'input-border': '#3c3c3c',
    focusBorder: '#007fd4', 'list-hoverBackground': '#2a2d2e', 'list-inactiveSelectionBackground': '#37373d', 'inputValidation-errorBackground': '#5a1d1d', 'inputValidation-errorBorder': '#be1100', 'editorWidget-background': '#252526', disabledForeground: '#cccccc80', 'editorGroup-border': '#444444',
  },
  'high-contrast': {
    foreground: '#ffffff', 'editor-background': '#000000', descriptionForeground: '#ffffff', errorForeground: '#f48771', 'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c',
    'editorWarning-foreground': '#ffd370', 'panel-border': '#6fc3df', 'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'input-foreground': '#ffffff', 'input-background': '#000000', 'input-border': '#6fc3df',
    focusBorder: '#f38518', 'list-hoverBackground': '#000000', 'list-inactiveSelectionBackground': '#000000', 'inputValidation-errorBackground': '#000000', 'inputValidation-errorBorder': '#be1100', 'editorWidget-background': '#0c141f', disabledForeground: '#a5a5a5', 'editorGroup-border': '#6fc3df', contrastBorder: '#6fc3df',
  },
};

export interface MediaServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `/` (the shell, a fresh nonce each time) and `/media/*` from the repository on 127.0.0.1. */
export async function serveMedia(root: string): Promise<MediaServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const html = diffViewHtml({ cspSource: origin, nonce: randomBytes(16).toString('hex'), scriptUri: `${origin}/media/diffview.js`, styleUri: `${origin}/media/diffview-style.css` });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end(); // a browser asks; a webview does not
    const m = /^\/media\/([\w.-]+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    try {
      const body = readFileSync(path.join(root, 'media', m[1]!));
      res.writeHead(200, { 'content-type': m[1]!.endsWith('.js') ? 'text/javascript' : m[1]!.endsWith('.css') ? 'text/css' : 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface OpenOptions {
  report: TestReport;
  rows: RowSource | { reason: string };
  theme?: Theme;
  /** The webview's saved state (as VS Code would hand it back after hiding the panel). */
  state?: unknown;
  viewport?: { width: number; height: number };
  canOpen?: boolean;
}

export interface DiffPage {
  page: Page;
  session: DiffSession;
  /** Every message the webview posted, with the time (performance.now() in this process) it arrived. */
  received: Array<{ at: number; message: WebviewMessage }>;
  /** When open() started. */
  openedAt: number;
  /** Resolves with the first message after `since` that satisfies `accept`. */
  waitFor(accept: (m: WebviewMessage) => boolean, since?: number, timeoutMs?: number): Promise<{ at: number; message: WebviewMessage }>;
  /** The state the webview last saved with setState. */
  state(): Promise<unknown>;
  /** CSP violations and page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export async function openDiffPage(browser: Browser, media: MediaServer, o: OpenOptions): Promise<DiffPage> {
  const openedAt = performance.now();
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1280, height: 900 } });
  const page = await context.newPage();
  const received: DiffPage['received'] = [];
  const waiters: Array<() => void> = [];
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  // host -> webview, in order
  let chain = Promise.resolve();
  const post = (m: HostMessage) => {
    chain = chain.then(() => page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown as Record<string, unknown>).then(() => undefined, () => undefined));
    return chain.then(() => true);
  };
  const session = new DiffSession({ report: o.report, title: o.report.testId, origin: 'browser test host', canOpen: o.canOpen ?? true, rows: o.rows, post });
  await page.exposeFunction('__rollbackLensToHost', (m: WebviewMessage) => {
    received.push({ at: performance.now(), message: m });
    for (const w of waiters.splice(0)) w();
    void session.handle(m);
  });
  const theme = THEMES[o.theme ?? 'dark'];
  await page.addInitScript(
    ({ state, vars, kind }) => {
      let saved = state;
      const w = window as unknown as Record<string, unknown>;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__rollbackLensToHost as (m: unknown) => void)(m),
        getState: () => saved,
        setState: (s: unknown) => {
          saved = s;
          w.__rollbackLensState = s;
        },
      });
      w.__rollbackLensState = state;
      // VS Code sets its theme as variables on <html> and a class on <body>: through the CSSOM, which the CSP allows
      const apply = () => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(`--vscode-${k}`, v);
        document.documentElement.style.setProperty('--vscode-font-family', 'system-ui, sans-serif');
        document.documentElement.style.setProperty('--vscode-font-size', '13px');
        document.documentElement.style.setProperty('--vscode-editor-font-family', 'monospace');
        document.body?.classList.add(kind === 'light' ? 'vscode-light' : kind === 'dark' ? 'vscode-dark' : 'vscode-high-contrast');
      };
      if (document.documentElement) apply();
      document.addEventListener('DOMContentLoaded', apply);
      document.addEventListener('securitypolicyviolation', (e: { violatedDirective: string; blockedURI: string }) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    },
    { state: o.state, vars: theme, kind: o.theme ?? 'dark' },
  );
  await page.goto(media.origin + '/', { waitUntil: 'domcontentloaded' });
  const waitFor: DiffPage['waitFor'] = (accept, since = 0, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        const hit = received.find((r) => r.at >= since && accept(r.message));
        if (hit) return resolve(hit);
        if (Date.now() > deadline) return reject(new Error(`timed out waiting for a webview message; got ${JSON.stringify(received.map((r) => r.message.type + ('what' in r.message ? `:${r.message.what}` : '')))}`));
        waiters.push(check);
        setTimeout(check, 250);
      };
      check();
    });
  return {
    page,
    session,
    received,
    openedAt,
    waitFor,
    problems,
    state: () => page.evaluate(() => (window as unknown as Record<string, unknown>).__rollbackLensState),
    async close() {
      await session.dispose();
      await context.close();
    },
  };
}
