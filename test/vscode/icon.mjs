// Draws the marketplace icon, media/icon.png (128×128 PNG, transparent
// corners), from media/icon.svg's glyph on a rounded tile, with Debian's
// chromium through playwright-core (no network, no image tool needed). Run it
// after changing media/icon.svg:   node test/vscode/icon.mjs
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cleanup, launchChromium, say } from './harness.mjs';

const glyph = readFileSync(join(ROOT, 'media/icon.svg'), 'utf8').match(/<path[^>]*d="([^"]+)"/)?.[1];
if (!glyph) throw new Error('media/icon.svg has no <path d="…">');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2b5797"/><stop offset="1" stop-color="#17324f"/></linearGradient></defs>
  <rect x="4" y="4" width="120" height="120" rx="24" fill="url(#bg)"/>
  <g transform="translate(16 16) scale(6)"><path d="${glyph}" fill="#ffffff"/></g>
  <circle cx="64" cy="64" r="13" fill="#89d185"/>
</svg>`;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.screenshot({ path: join(ROOT, 'media/icon.png'), omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
  say('wrote media/icon.png');
} finally {
  await cleanup();
}
