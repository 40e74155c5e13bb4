/**
 * `include`: other compose files loaded as their own project (own project directory, own `.env` or `env_file`
 * visible only to them), whose services, networks, volumes, secrets and configs are copied into the including
 * model. On a name clash the including model's definition is merged over the included one (compose-go's
 * behaviour; `!override` replaces it). Includes recurse; a file including itself (directly or not) is an error.
 */
import { posix } from 'node:path';
import { composeError } from './errors.js';
import { applyResets, mergeRaw } from './merge.js';
import { isMap, type RawMap, type TreePath } from './tree-path.js';

export interface IncludeContext {
  /** Reads dotenv files (`env_file` of an include) with `env` as the lookup; throws when one is missing. */
  readEnvFiles(files: string[], env: Record<string, string>): Record<string, string>;
  /** True when `path` is an existing regular file. */
  isFile(path: string): boolean;
  /**
   * Loads `files` as a project of its own: documents merged, extends resolved, canonical, defaults set, paths
   * resolved against `workingDir`, environment lists resolved with `env`. `chain` lists the files including it.
   */
  loadModel(files: string[], workingDir: string, env: Record<string, string>, chain: string[]): RawMap;
}

const RESOURCES = ['services', 'volumes', 'networks', 'secrets', 'configs', 'models'] as const;

/**
 * Applies the `include` section of a raw document (in place) and removes it.
 * @param workingDir the including project's directory (include paths are relative to it)
 * @param chain the files being loaded, outermost first (for cycle detection)
 */
export function applyInclude(
  doc: RawMap,
  file: string,
  workingDir: string,
  env: Record<string, string>,
  chain: string[],
  resetPaths: readonly TreePath[],
  ctx: IncludeContext,
): void {
  const entries = doc.include;
  delete doc.include;
  if (entries === undefined || entries === null) return;
  if (!Array.isArray(entries)) throw composeError('`include` must be a list', { file, path: 'include' });
  for (const raw of entries) {
    const entry: RawMap = typeof raw === 'string' ? { path: raw } : isMap(raw) ? raw : {};
    const paths = (Array.isArray(entry.path) ? entry.path : [entry.path]).map(String);
    if (paths.length === 0 || paths[0] === 'undefined') throw composeError('include entry has no path', { file, path: 'include' });
    const abs = paths.map((p) => (posix.isAbsolute(p) ? p : posix.join(workingDir, p)));
    let projectDir: string;
    if (typeof entry.project_directory === 'string' && entry.project_directory !== '') {
      projectDir = posix.isAbsolute(entry.project_directory)
        ? entry.project_directory
        : posix.join(workingDir, entry.project_directory);
    } else projectDir = posix.dirname(abs[0]!);
    if (chain.includes(abs[0]!)) {
      const all = [...chain, abs[0]!];
      throw composeError(`include cycle detected:\n${all[0]}\n include ${all.slice(1).join('\n include ')}`, { file, path: 'include' });
    }
    let envFiles: string[];
    const declared = entry.env_file === undefined ? [] : Array.isArray(entry.env_file) ? entry.env_file.map(String) : [String(entry.env_file)];
    if (declared.length === 0) {
      const dotenv = posix.join(projectDir, '.env');
      envFiles = ctx.isFile(dotenv) ? [dotenv] : [];
    } else {
      envFiles = declared.filter((f) => f !== '/dev/null').map((f) => (posix.isAbsolute(f) ? f : posix.join(workingDir, f)));
    }
    const fromFiles = ctx.readEnvFiles(envFiles, env);
    // the including project's environment wins over the included env files
    const includeEnv = { ...fromFiles, ...env };
    const imported = ctx.loadModel(abs, projectDir, includeEnv, [...chain, abs[0]!]);
    for (const kind of RESOURCES) {
      const from = imported[kind];
      if (!isMap(from)) continue;
      const to: RawMap = isMap(doc[kind]) ? doc[kind] : {};
      for (const [name, value] of Object.entries(from)) {
        if (!(name in to)) {
          to[name] = value;
          continue;
        }
        const wrapped = { [kind]: { [name]: value } };
        applyResets(wrapped, resetPaths);
        const base = (wrapped[kind] as RawMap)[name];
        to[name] = base === undefined ? to[name] : mergeRaw(base, to[name], [kind, name]);
      }
      doc[kind] = to;
    }
  }
}
