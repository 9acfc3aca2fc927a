// The language service in a worker thread, so a 50k-line document never
// blocks the editor's extension host: parsing and validation run here.
import { parentPort } from 'node:worker_threads';
import { DEFAULT_ANALYSIS_OPTIONS, LanguageService, type TextDocumentInput } from '../../core';
import { drillHistoryFromAudit, setAuditUrl } from '../audit';
import { NodeHost } from './host';
import { lastRunsFromAudit } from './lastRuns';
import type { DocRef, Requests } from './protocol';
import { serve, type Handlers } from '../rpc';

const services = new Map<string, LanguageService>();
const texts = new Map<string, { version: number; text: string }>();
let maxSize = DEFAULT_ANALYSIS_OPTIONS.maxSize;
/** The `rollbackLens.policy` setting, confined to the workspace (src/node/policy.ts). */
let policySetting = '';

class MissingText extends Error {
  readonly data = { missingText: true };
}

function serviceFor(root: string): LanguageService {
  let s = services.get(root);
  if (!s) {
    // the overdue-drill check reads the workspace's audit log
    // and hovers show the last drill's step results and the last contract run's measured values
    const runs = lastRunsFromAudit(root);
    const policy = () => (policySetting ? { name: policySetting, from: 'setting' as const } : undefined);
    s = new LanguageService(new NodeHost(root, { ...drillHistoryFromAudit(root), lastDrillRun: runs.lastDrillRun, lastContractRun: runs.lastContractRun, policy }), { ...DEFAULT_ANALYSIS_OPTIONS, maxSize });
    services.set(root, s);
  }
  return s;
}

function input(doc: DocRef): TextDocumentInput {
  if (doc.text !== undefined) texts.set(doc.uri, { version: doc.version, text: doc.text });
  const t = texts.get(doc.uri);
  if (!t || t.version !== doc.version) throw new MissingText(`no text for ${doc.uri}@${doc.version}`);
  return { uri: doc.uri, version: doc.version, path: doc.path, text: t.text };
}

const handlers: Handlers<Requests> = {
  validate: ({ doc }) => serviceFor(doc.root).validate(input(doc)),
  complete: ({ doc, offset }) => serviceFor(doc.root).complete(input(doc), offset),
  hover: ({ doc, offset }) => serviceFor(doc.root).hover(input(doc), offset),
  symbols: ({ doc }) => serviceFor(doc.root).symbols(input(doc)),
  contractTests: ({ doc }) => serviceFor(doc.root).contractTests(input(doc)),
  codeActions: ({ doc, span }) => serviceFor(doc.root).codeActions(input(doc), span),
  close: ({ uri }) => {
    texts.delete(uri);
    for (const s of services.values()) s.close(uri);
    return null;
  },
  invalidate: () => {
    for (const s of services.values()) s.invalidate();
    return null;
  },
  configure: (p) => {
    if (p.maxSize && p.maxSize > 0) maxSize = p.maxSize;
    if (p.auditUrl !== undefined) {
      setAuditUrl(p.auditUrl);
      for (const s of services.values()) s.invalidate();
    }
    if (p.policy !== undefined) policySetting = p.policy.trim();
    for (const s of services.values()) s.configure({ maxSize });
    return null;
  },
};

if (parentPort) serve(parentPort, handlers);
