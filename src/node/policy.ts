// Which RollbackPolicy applies to a runbook or contract, read from disk:
//
// 1. one named explicitly: the CLI's `--policy` or the `rollbackLens.policy`
//    setting, either a path (`team/strict.policy.yaml`, `./x.policy.yml`, an
//    absolute path) or an npm package a team shares (`@acme/rollback-policy`,
//    resolved in the workspace's own node_modules: its package.json
//    `rollbackLens.policy` names the file, else the one `*.policy.yaml` at
//    its root; `@acme/rollback-policy/strict.policy.yaml` names a file in it);
// 2. otherwise the nearest ancestor folder of the document (its own folder
//    first, up to the workspace root) that holds a `*.policy.yaml` /
//    `*.policy.yml`; several in that folder are ambiguous: none is applied,
//    and the document says so (policy-ambiguous).
//
// signedRolesFor reads, for `audit verify`, the roles whose approvals and
// sign-offs the applicable policy requires to be signed (`signatures.requiredFor`).
//
// Confinement: everything is read inside the workspace (through links too),
// except the path or package the user named on the command line (`from:
// 'cli'`), which may live anywhere. A setting is workspace configuration a
// cloned repository can carry, so it stays confined.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PolicySource } from '../core/language/host';
import { readPolicy } from '../core/policy/model';
import { parseYaml } from '../core/yaml';
import { confinePath, isWithin, toWorkspacePath } from './workspace';

export interface PolicyChoice {
  /** A path (relative to `cwd`, else to the workspace root) or a package name, as the user wrote it. */
  name: string;
  from: 'cli' | 'setting';
  /** Where a relative path given on the command line is resolved (default: the workspace root). */
  cwd?: string;
}

const POLICY_FILE = /\.policy\.ya?ml$/i;
const PACKAGE = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/.+)?$/i;
const MAX_POLICY_BYTES = 1024 * 1024;

/** What the policy of one runbook says of signatures: the roles it requires signed, or why it could not be read. */
export type SignaturePolicy = { policy: string; roles: string[] } | { policy: string; problem: string };

/**
 * The roles whose approvals and sign-offs must be signed for the document at `documentPath`, by the policy
 * that applies to it (its `signatures.requiredFor`); undefined when no policy applies. A policy that cannot be
 * found, is ambiguous or does not parse as a RollbackPolicy is a `problem` (validate locates its errors).
 */
export async function signedRolesFor(workspace: string, documentPath: string, choice?: PolicyChoice): Promise<SignaturePolicy | undefined> {
  const source = await policyFor(workspace, documentPath, choice);
  if (!source) return undefined;
  if ('code' in source) return { policy: choice?.name ?? '', problem: source.message };
  const parsed = parseYaml(source.text);
  const value = parsed.value as { kind?: unknown } | null | undefined;
  if (parsed.hasSyntaxErrors || !value || typeof value !== 'object' || value.kind !== 'RollbackPolicy') {
    return { policy: source.shown, problem: `${source.shown} is not a valid RollbackPolicy: run \`rollback-lens validate ${source.shown}\`` };
  }
  return { policy: source.shown, roles: readPolicy(value).signaturesRequiredFor };
}

/** The policy for the document at `documentPath` (workspace-relative posix), or null when none applies. */
export async function policyFor(workspace: string, documentPath: string, choice?: PolicyChoice): Promise<PolicySource | null> {
  if (choice && choice.name.trim() !== '') return explicitPolicy(workspace, choice);
  return nearestPolicy(workspace, documentPath);
}

async function nearestPolicy(workspace: string, documentPath: string): Promise<PolicySource | null> {
  const parts = documentPath.split('/').slice(0, -1);
  for (let n = parts.length; n >= 0; n--) {
    const dir = parts.slice(0, n).join('/');
    const abs = path.join(workspace, ...parts.slice(0, n));
    const c = await confinePath(workspace, abs);
    if (!c.ok) continue;
    let names: string[];
    try {
      names = (await fs.readdir(c.real, { withFileTypes: true })).filter((e) => (e.isFile() || e.isSymbolicLink()) && POLICY_FILE.test(e.name)).map((e) => e.name).sort();
    } catch {
      continue;
    }
    if (names.length === 0) continue;
    const rel = (f: string) => (dir ? `${dir}/${f}` : f);
    if (names.length > 1) {
      return {
        code: 'policy-ambiguous',
        message: `several policies apply here (${names.map((f) => `\`${rel(f)}\``).join(', ')}), so none is applied; name one with the \`rollbackLens.policy\` setting or \`--policy\``,
      };
    }
    return read(workspace, path.join(abs, names[0]!), rel(names[0]!), false);
  }
  return null;
}

async function explicitPolicy(workspace: string, choice: PolicyChoice): Promise<PolicySource> {
  const name = choice.name.trim();
  const anywhere = choice.from === 'cli';
  const base = choice.from === 'cli' ? (choice.cwd ?? workspace) : workspace;
  const asPath = path.resolve(base, name);
  // a path: absolute, ./relative, or an existing file; else a package name (maybe with a file in it)
  if (path.isAbsolute(name) || name.startsWith('.') || !PACKAGE.test(name) || (await exists(asPath))) {
    return read(workspace, asPath, shownPath(workspace, asPath), anywhere);
  }
  const m = /^((?:@[^/]+\/)?[^/]+)(?:\/(.+))?$/.exec(name)!;
  const pkg = m[1]!;
  const dir = path.join(workspace, 'node_modules', ...pkg.split('/'));
  if (!(await exists(path.join(dir, 'package.json')))) {
    return notFound(`no policy \`${name}\`: no such file (looked for \`${shownPath(workspace, asPath)}\`), and no package \`${pkg}\` is installed in the workspace (looked for \`node_modules/${pkg}/package.json\`)`);
  }
  let file: string | undefined = m[2];
  if (file === undefined) {
    try {
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')) as { rollbackLens?: { policy?: unknown } };
      const named = manifest.rollbackLens?.policy;
      if (typeof named === 'string') file = named;
    } catch (e) {
      return notFound(`package \`${pkg}\`: its package.json cannot be read (${(e as Error).message})`);
    }
  }
  if (file === undefined) {
    const found = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => POLICY_FILE.test(f)).sort();
    if (found.length !== 1) {
      return notFound(
        `package \`${pkg}\` ${found.length ? `has several policies (${found.join(', ')})` : 'has no *.policy.yaml at its root'} and its package.json names none (\`"rollbackLens": { "policy": "<file>" }\`); name the file, e.g. \`${pkg}/${found[0] ?? 'strict.policy.yaml'}\``,
      );
    }
    file = found[0]!;
  }
  const abs = path.resolve(dir, file);
  if (!isWithin(dir, abs)) return notFound(`package \`${pkg}\` names a policy outside the package (\`${file}\`)`);
  return read(workspace, abs, shownPath(workspace, abs), anywhere);
}

function shownPath(workspace: string, abs: string): string {
  return isWithin(workspace, abs) ? toWorkspacePath(workspace, abs) : abs;
}

async function read(workspace: string, abs: string, shown: string, anywhere: boolean): Promise<PolicySource> {
  let real = abs;
  if (!anywhere) {
    const c = await confinePath(workspace, abs, shown, 'the policy');
    if (!c.ok) return notFound(`${c.message}; a policy named by a setting or found beside a document must live in the workspace (the CLI's \`--policy\` may name one anywhere)`);
    real = c.real;
  }
  try {
    const st = await fs.stat(real);
    if (st.isDirectory()) return notFound(`the policy \`${shown}\` is a folder, not a file`);
    if (st.size > MAX_POLICY_BYTES) return notFound(`the policy \`${shown}\` is larger than 1 MiB`);
    const text = await fs.readFile(real, 'utf8');
    return { shown, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return notFound(`the policy \`${shown}\` ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`}`);
  }
}

function notFound(message: string): PolicySource {
  return { code: 'policy-not-found', message };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}
