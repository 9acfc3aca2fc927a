// Output formats of `validate`: compiler-style text, JSON, SARIF 2.1.0.
import type { Diagnostic, Severity } from '../core/types';
import type { Position } from '../core/util/text';

export interface FileDiagnostic {
  /** Path as shown to the user (relative to the working folder when inside it). */
  file: string;
  range: { start: Position; end: Position };
  severity: Severity;
  code: string;
  message: string;
  related?: Array<{ range: { start: Position; end: Position }; message: string }>;
}

export function toText(items: FileDiagnostic[]): string {
  return items.map((d) => `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code} ${d.message}`).join('\n');
}

export function toJson(items: FileDiagnostic[]): string {
  return JSON.stringify(
    items.map(({ file, range, severity, code, message }) => ({ file, range, severity, code, message })),
    null,
    2,
  );
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(items: FileDiagnostic[], toolVersion: string, codeDescriptions: Record<string, string>): string {
  const ruleIds = [...new Set(items.map((d) => d.code))].sort();
  const region = (r: FileDiagnostic['range']) => ({
    startLine: r.start.line + 1,
    startColumn: r.start.character + 1,
    endLine: r.end.line + 1,
    endColumn: r.end.character + 1,
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Rollback Lens',
            version: toolVersion,
            semanticVersion: toolVersion,
            informationUri: 'https://github.com/rollback-lens/rollback-lens',
            rules: ruleIds.map((id) => ({
              id,
              name: id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: codeDescriptions[id] ?? id },
              fullDescription: { text: codeDescriptions[id] ?? id },
              help: {
                text: `${codeDescriptions[id] ?? id} Rollback Lens code \`${id}\`; the message says what to change.`,
                markdown: `${codeDescriptions[id] ?? id}\n\nRollback Lens code \`${id}\`; the message of each result says what to change.`,
              },
              defaultConfiguration: { level: SARIF_LEVEL[items.find((d) => d.code === id)!.severity] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: items.map((d) => ({
          ruleId: d.code,
          ruleIndex: ruleIds.indexOf(d.code),
          level: SARIF_LEVEL[d.severity],
          message: { text: d.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(d.file), uriBaseId: '%SRCROOT%' }, region: region(d.range) } }],
          ...(d.related?.length
            ? {
                relatedLocations: d.related.map((r, i) => ({
                  id: i,
                  message: { text: r.message },
                  physicalLocation: { artifactLocation: { uri: encodeURI(d.file), uriBaseId: '%SRCROOT%' }, region: region(r.range) },
                })),
              }
            : {}),
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}

export function toFileDiagnostic(file: string, d: Diagnostic, positionAt: (offset: number) => Position): FileDiagnostic {
  return {
    file,
    range: { start: positionAt(d.span.start), end: positionAt(d.span.end) },
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.related?.length ? { related: d.related.map((r) => ({ range: { start: positionAt(r.span.start), end: positionAt(r.span.end) }, message: r.message })) } : {}),
  };
}
