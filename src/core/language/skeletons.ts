// What a quick fix writes where there is nothing yet: the skeleton of an
// empty runbook, contract or policy ("Insert a skeleton"), and the stub of a file a
// document names that does not exist ("Create it"). Each skeleton is a
// minimal document of its kind that validates with no diagnostics on its own
// (a unit test keeps it so); each stub is the least the file's reader accepts
// (a JSON Schema that allows an object, an empty JSONL, a flagd file with no
// flags, a script that starts with its shebang and is made executable). Pure:
// the editor writes the file (src/extension/createFile.ts).
import type { DocumentKind, FileToCreate } from '../types';
import type { PathSegment } from '../yaml';

/** A name for the document's `metadata.name` from its file name (`iris.runbook.yaml` -> `iris`). */
function nameOf(documentPath: string): string {
  const base = documentPath.split('/').pop() ?? '';
  const stem = base.replace(/\.(runbook|contract|policy)\.ya?ml$/i, '').replace(/\.ya?ml$/i, '');
  const name = stem.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return name || 'model';
}

/** A minimal valid document of `kind` for the file at `documentPath`. */
export function skeleton(kind: DocumentKind, documentPath: string): string {
  const name = nameOf(documentPath);
  if (kind === 'RollbackRunbook') {
    return [
      'apiVersion: rollback-lens/v1',
      'kind: RollbackRunbook',
      `metadata: { name: ${name}-rollback, owner: TODO }`,
      'release:',
      `  current: { model: ${name}, version: 2.0.0 }`,
      `  target: { model: ${name}, version: 1.0.0 }`,
      'roles:',
      '  decisionMaker: { name: TODO, contact: TODO }',
      'steps:',
      '  - id: approve',
      '    approve: [decisionMaker]',
      '',
    ].join('\n');
  }
  if (kind === 'RollbackPolicy') {
    return ['apiVersion: rollback-lens/v1', 'kind: RollbackPolicy', `metadata: { name: ${name} }`, 'roles:', '  required: [decisionMaker]', ''].join('\n');
  }
  return [
    'apiVersion: rollback-lens/v1',
    'kind: InterfaceContract',
    `metadata: { name: ${name}, version: 1 }`,
    'input:',
    '  schema: { type: object }',
    'output:',
    '  key: id',
    '  schema: { type: object, properties: { id: { type: string } }, required: [id] }',
    '',
  ].join('\n');
}

const JSON_SCHEMA_STUB = `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: {} }, null, 2)}\n`;

/**
 * The stub of the missing file `resolved` (workspace-relative) that a
 * document names at `path`, or undefined when there is no sensible empty one
 * (an MLflow MLmodel file, a file of unknown kind).
 */
export function stubFor(kind: DocumentKind, path: readonly PathSegment[], resolved: string): FileToCreate | undefined {
  const at = path.filter((s) => typeof s === 'string').join('.');
  const ext = /\.([^./]+)$/.exec(resolved)?.[1]?.toLowerCase() ?? '';
  const file = (content: string, executable = false): FileToCreate => ({ path: resolved, content, ...(executable ? { executable } : {}) });
  if (kind === 'InterfaceContract') {
    if (at === 'input.schema.$ref' || at === 'output.schema.$ref') return file(JSON_SCHEMA_STUB);
    if (at === 'tests.inputs' || at === 'tests.baseline' || at === 'source.file') return file('');
  } else {
    if (/(^|\.)contract$/.test(at)) return file(skeleton('InterfaceContract', resolved));
    if (at === 'state.writes' || at === 'state.targetReads') return file(JSON_SCHEMA_STUB);
    if (at === 'state.samples') return file('');
    if (at === 'metrics.file') return file('{}\n');
    if (/(^|\.)flag\.file$/.test(at)) return file(`${JSON.stringify({ flags: {} }, null, 2)}\n`);
  }
  if (ext === 'sh' || ext === 'bash') return file('#!/bin/sh\nset -eu\n', true);
  if (ext === 'py') return file('#!/usr/bin/env python3\n', true);
  if (ext === 'jsonl') return file('');
  return undefined;
}
