// The diff view's HTML shell: a strict Content Security Policy (nothing by
// default; scripts only with this load's nonce; styles and images only from
// the extension's media folder), one stylesheet, one script. Shared by the
// editor's panel and the browser tests, so both run the same page. Pure.

export interface ShellOptions {
  /** The webview's resource origin (webview.cspSource). */
  cspSource: string;
  /** A fresh random nonce for this load. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource} data:`, `font-src ${cspSource}`].join('; ');
}

export function diffViewHtml(o: ShellOptions): string {
  const a = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(o.styleUri)}">
<title>${escapeText(o.title ?? 'Rollback Lens diff')}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading the report…</p></main>
<script nonce="${a(o.nonce)}" src="${a(o.scriptUri)}"></script>
</body>
</html>
`;
}

export function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A nonce from 16 random bytes, given a source of them (crypto.getRandomValues). */
export function makeNonce(random: (a: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(16));
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
