// The readiness review as one self-contained HTML page: the review's words
// (text.ts) and inline SVG charts (time to restore per run over the period
// with windows.restore as a line, one chart per runbook; success rate per
// runbook; fidelity per run), one inline stylesheet, no script unless the
// caller gives one (the editor's webview: a nonce'd script from media/ that
// keeps the panel's state). Strict CSP in a meta tag: nothing by default,
// the stylesheet only by the hash or nonce the caller gives, images only
// data:. Every value that comes from a file (paths, names, scenarios,
// waiver reasons, action items) is escaped. Colours are VS Code's theme
// variables with fallbacks, so the page reads the same in a browser and
// follows the theme in the editor. Pure.
import { formatDate, humanDuration } from '../util/values';
import type { Review, RunbookReview, RunPoint } from './review';
import { actionsPhrase, drillPhrase, durationPhrase, fidelityPhrase, percent, periodPhrase, runsPhrase, successPhrase, unsignedPhrase } from './text';

export const REVIEW_CSS = `
body { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 14px); color: var(--vscode-foreground, #1f2328); background: var(--vscode-editor-background, #ffffff); margin: 1.5em; max-width: 60em; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid var(--vscode-panel-border, #d0d7de); }
dl.figures { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; } dt { font-weight: 600; } dd { margin: 0; }
.attention { border-left: 4px solid var(--vscode-editorWarning-foreground, #bf8700); padding: 0.3em 0.8em; }
.overdue { color: var(--vscode-editorError-foreground, #cf222e); font-weight: 600; }
svg.chart { display: block; margin: 0.5em 0 1em; }
svg.chart text { fill: var(--vscode-descriptionForeground, #57606a); font-size: 11px; }
svg.chart .axis { stroke: var(--vscode-descriptionForeground, #57606a); stroke-width: 1; }
svg.chart .window { stroke: var(--vscode-editorError-foreground, #cf222e); stroke-width: 1.5; stroke-dasharray: 6 3; }
svg.chart .pt { fill: var(--vscode-charts-blue, #0969da); }
svg.chart .pt.fail { fill: var(--vscode-charts-red, #cf222e); }
svg.chart .bar { fill: var(--vscode-charts-green, #1a7f37); }
svg.chart .nodata { fill: var(--vscode-disabledForeground, #8c959f); }
table { border-collapse: collapse; } td, th { border: 1px solid var(--vscode-panel-border, #d0d7de); padding: 0.2em 0.5em; text-align: left; }
`;

export interface ReviewHtmlOptions {
  /** The page's title (the workspace's name). */
  title: string;
  /** What the CSP allows the inline stylesheet by: `'sha256-…'` (a file) or `'nonce-…'` (the webview, with styleNonce). */
  styleSrc: string;
  styleNonce?: string;
  /** The webview's script, from its own origin, with this load's nonce. */
  script?: { src: string; nonce: string; cspSource: string };
  /** Kept on the body (data-state) for the webview's script. */
  state?: string;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function reviewCsp(o: Pick<ReviewHtmlOptions, 'styleSrc' | 'script'>): string {
  return [`default-src 'none'`, `style-src ${o.styleSrc}`, `img-src data:`, ...(o.script ? [`script-src 'nonce-${o.script.nonce}'`] : [])].join('; ');
}

const W = 560;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function fmt(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** Time to restore per run over the period, windows.restore as a dashed line. */
export function restoreChart(b: RunbookReview, since: number, now: number): string {
  const pts = b.points.filter((p) => p.restoreMs !== undefined);
  const label = `time to restore per run of ${b.path}`;
  if (!pts.length) return `<p class="nodata-note">time to restore chart: no data (no restored runs)</p>`;
  const top = Math.max(...pts.map((p) => p.restoreMs!), b.restore.window ?? 0) * 1.15 || 1;
  const x = (t: number) => PAD.left + ((t - since) / Math.max(1, now - since)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [axes(humanDuration(top), '0', formatDate(since), formatDate(now))];
  if (b.restore.window !== undefined) {
    const wy = fmt(y(b.restore.window));
    parts.push(`<line class="window" x1="${PAD.left}" x2="${W - PAD.right}" y1="${wy}" y2="${wy}"><title>windows.restore ${esc(humanDuration(b.restore.window))}</title></line>`);
    parts.push(`<text x="${W - PAD.right - 4}" y="${fmt(y(b.restore.window) - 4)}" text-anchor="end">window ${esc(humanDuration(b.restore.window))}</text>`);
  }
  for (const p of pts) parts.push(point(p, fmt(x(p.time)), fmt(y(p.restoreMs!)), 'restore', `${humanDuration(p.restoreMs!)}`));
  return svg('restore', label, parts);
}

/** Label agreement (else rows within tolerance) per run over the period. */
export function fidelityChart(b: RunbookReview, since: number, now: number): string {
  const pts = b.points.filter((p) => p.fidelity);
  if (!pts.length) return `<p class="nodata-note">fidelity chart: no data (fidelity measured in no run)</p>`;
  const low = Math.min(0.9, ...pts.map((p) => p.fidelity!.value));
  const x = (t: number) => PAD.left + ((t - since) / Math.max(1, now - since)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - low) / (1 - low || 1)) * (H - PAD.top - PAD.bottom);
  const parts = [axes('100%', percent(low), formatDate(since), formatDate(now))];
  for (const p of pts) parts.push(point(p, fmt(x(p.time)), fmt(y(p.fidelity!.value)), 'fidelity', `${p.fidelity!.measure === 'agreement' ? 'agreement' : 'within tolerance'} ${percent(p.fidelity!.value)} (${p.fidelity!.agree}/${p.fidelity!.of} rows)`));
  return svg('fidelity', `fidelity per run of ${b.path}`, parts);
}

/** One bar per runbook: its success rate; a runbook without judged runs says no data. */
export function successChart(r: Review): string {
  const rowH = 22;
  const labelW = 220;
  const barW = W - labelW - 60;
  const h = PAD.top + r.runbooks.length * rowH + 8;
  const parts: string[] = [];
  r.runbooks.forEach((b, i) => {
    const ty = PAD.top + i * rowH;
    parts.push(`<text x="${labelW - 6}" y="${ty + 14}" text-anchor="end">${esc(short(b.name ?? b.path))}</text>`);
    if (b.successRate) {
      const s = b.successRate;
      parts.push(
        `<rect class="bar success" x="${labelW}" y="${ty + 3}" width="${fmt(Math.max(1, s.value * barW))}" height="${rowH - 8}"><title>${esc(`${b.path}: ${successPhrase(s)}`)}</title></rect>`,
        `<text x="${fmt(labelW + Math.max(1, s.value * barW) + 4)}" y="${ty + 14}">${esc(`${percent(s.value)} (${s.part}/${s.of})`)}</text>`,
      );
    } else {
      parts.push(`<text class="nodata" x="${labelW}" y="${ty + 14}">no data</text>`);
    }
  });
  return `<svg class="chart" data-chart="success" role="img" aria-label="success rate per runbook" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function short(s: string): string {
  return s.length > 34 ? `…${s.slice(-33)}` : s;
}

function axes(yTop: string, yBottom: string, xLeft: string, xRight: string): string {
  const bottom = H - PAD.bottom;
  return [
    `<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${bottom}"/>`,
    `<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${bottom}" y2="${bottom}"/>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${esc(yTop)}</text>`,
    `<text x="${PAD.left - 4}" y="${bottom}" text-anchor="end">${esc(yBottom)}</text>`,
    `<text x="${PAD.left}" y="${H - 8}">${esc(xLeft)}</text>`,
    `<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${esc(xRight)}</text>`,
  ].join('');
}

function point(p: RunPoint, cx: string, cy: string, chart: string, value: string): string {
  const what = `${p.kind}${p.scenario ? ` ${p.scenario}` : ''} ${new Date(p.time).toISOString().slice(0, 16).replace('T', ' ')}Z ${p.verdict}: ${value} (audit line ${p.line})`;
  return `<circle class="pt ${chart}${p.verdict === 'fail' ? ' fail' : ''}" cx="${cx}" cy="${cy}" r="4"><title>${esc(what)}</title></circle>`;
}

function svg(chart: string, label: string, parts: string[]): string {
  return `<svg class="chart" data-chart="${chart}" role="img" aria-label="${esc(label)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

function dl(rows: Array<[string, string, string?]>): string {
  return `<dl class="figures">${rows.map(([k, v, cls]) => `<dt>${esc(k)}</dt><dd${cls ? ` class="${cls}"` : ''} data-figure="${esc(k)}">${esc(v)}</dd>`).join('')}</dl>`;
}

function runbookSection(b: RunbookReview, r: Review): string {
  const overdue = b.drillStatus.state === 'overdue';
  const rows: Array<[string, string, string?]> = [
    ['runs', `${runsPhrase(b.drills, 'drill')}; ${runsPhrase(b.rollbacks, 'rollback')}`],
    ['success rate', successPhrase(b.successRate)],
    ['time to restore', durationPhrase(b.restore, 'restored runs', 'windows.restore')],
    ['time to decide', durationPhrase(b.decide, 'judged runs', 'windows.decide')],
    ['fidelity', fidelityPhrase(b.fidelity)],
    ['drills', drillPhrase(b, r.now), overdue ? 'overdue' : undefined],
    ['action items', actionsPhrase(b.actionItems), b.actionItems.overdue.length ? 'overdue' : undefined],
    ['signatures', unsignedPhrase(b.unsigned)],
    ['waivers', b.waivers.length ? b.waivers.map((w) => `${w.rule}: ${w.reason}`).join('; ') : 'none'],
  ];
  const items = b.actionItems.open.length
    ? `<table class="actions"><thead><tr><th>open action item</th><th>owner</th><th>due</th><th>post-mortem</th></tr></thead><tbody>${b.actionItems.open
        .map((i) => `<tr${b.actionItems.overdue.includes(i) ? ' class="overdue"' : ''}><td>${esc(i.action)}</td><td>${esc(i.owner)}</td><td>${esc(i.due)}</td><td>${esc(i.file)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  return `<section class="runbook" data-path="${esc(b.path)}"><h2>${esc(b.name ? `${b.name} (${b.path})` : b.path)}</h2>${b.problem ? `<p class="note">${esc(b.problem)}</p>` : ''}${dl(rows)}<h3>Time to restore</h3>${restoreChart(b, r.since, r.now)}<h3>Fidelity</h3>${fidelityChart(b, r.since, r.now)}${items}</section>`;
}

/** The whole page. */
export function reviewHtml(r: Review, o: ReviewHtmlOptions): string {
  const a = r.across;
  const across = dl([
    ['runbooks', String(a.runbooks)],
    ['runs', `${a.drills} ${a.drills === 1 ? 'drill' : 'drills'}, ${a.rollbacks} ${a.rollbacks === 1 ? 'rollback' : 'rollbacks'}`],
    ['success rate', successPhrase(a.successRate)],
    ['time to restore', durationPhrase(a.restore, 'restored runs', 'common window')],
    ['time to decide', durationPhrase(a.decide, 'judged runs', 'common window')],
    ['fidelity', fidelityPhrase(a.fidelity)],
    ['overdue drills', a.overdueDrills.length ? a.overdueDrills.join(', ') : 'none', a.overdueDrills.length ? 'overdue' : undefined],
    ['action items', `${a.openActionItems} open, ${a.overdueActionItems} overdue`],
    ['signatures', unsignedPhrase(a.unsigned)],
    ['waivers', String(a.waivers)],
  ]);
  const attention = r.attention.length ? `<div class="attention"><strong>Needs attention</strong><ul>${r.attention.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></div>` : '<p class="attention-none">Nothing needs attention.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(reviewCsp(o))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(`Readiness review: ${o.title}`)}</title>
<style${o.styleNonce ? ` nonce="${esc(o.styleNonce)}"` : ''}>${REVIEW_CSS}</style>
</head>
<body${o.state !== undefined ? ` data-state="${esc(o.state)}"` : ''}>
<h1>${esc(`Readiness review: ${o.title}`)}</h1>
<p class="period">${esc(`${periodPhrase(r)} (as of ${new Date(r.now).toISOString()})`)}</p>
${attention}
<h2>Across runbooks</h2>
${across}
<h3>Success rate per runbook</h3>
${r.runbooks.length ? successChart(r) : '<p>no data (no runbooks)</p>'}
${r.runbooks.map((b) => runbookSection(b, r)).join('\n')}
${o.script ? `<script nonce="${esc(o.script.nonce)}" src="${esc(o.script.src)}"></script>` : ''}
</body>
</html>
`;
}
