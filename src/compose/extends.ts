/**
 * `extends`: a service starts from another service's definition (same file or another file), then its own keys
 * are merged over it with the merge rules (merge.ts). Nested extends resolve depth first; a cycle is an error
 * naming the chain; the base file's relative paths are resolved against the base file's directory; `!reset` and
 * `!override` in the extending service apply to the base.
 */
import { posix } from 'node:path';
import { composeError } from './errors.js';
import { applyResets, cloneRaw, extendService } from './merge.js';
import { isMap, type RawMap, type TreePath } from './tree-path.js';

export interface ExtendsContext {
  /**
   * The services of another compose file (interpolated, documents merged, relative paths resolved against its own
   * directory), for `extends.file`. Throws when it cannot be read.
   */
  loadServices(file: string): RawMap;
}

interface Ref {
  file: string;
  service: string;
}

/**
 * Resolves every `extends` of `services` (a document's `services` mapping, in place).
 * @param file the document's file (`extends.file` is relative to its directory)
 * @param resetPaths the document's `!reset`/`!override` paths
 * @throws ComposeError for unknown services, missing files and cycles
 */
export function applyExtends(services: RawMap, file: string, resetPaths: readonly TreePath[], ctx: ExtendsContext): void {
  for (const name of Object.keys(services)) {
    services[name] = extendOne(name, services, file, resetPaths, ctx, []);
  }
}

function extendOne(
  name: string,
  services: RawMap,
  file: string,
  resetPaths: readonly TreePath[],
  ctx: ExtendsContext,
  chain: Ref[],
): unknown {
  const s = services[name];
  if (!isMap(s)) return s;
  const ext = s.extends;
  if (ext === undefined || ext === null) return s;
  let ref: string;
  let extFile: string | undefined;
  if (typeof ext === 'string') ref = ext;
  else if (isMap(ext)) {
    if (typeof ext.service !== 'string') throw composeError(`extends.${name}.service is required`, { file });
    ref = ext.service;
    if (typeof ext.file === 'string') extFile = ext.file;
  } else throw composeError(`services.${name}.extends: invalid type`, { file });

  const here: Ref = { file, service: name };
  const seen = [...chain, here];
  let baseServices = services;
  let baseFile = file;
  if (extFile !== undefined) {
    baseFile = posix.isAbsolute(extFile) ? extFile : posix.join(posix.dirname(file), extFile);
    baseServices = ctx.loadServices(baseFile);
    if (!(ref in baseServices)) {
      throw composeError(`cannot extend service ${JSON.stringify(name)} in ${file}: service ${JSON.stringify(ref)} not found in ${extFile}`, { file });
    }
  } else if (!(ref in services)) {
    throw composeError(`cannot extend service ${JSON.stringify(name)} in ${file}: service ${JSON.stringify(ref)} not found`, { file });
  }
  const target: Ref = { file: baseFile, service: ref };
  if (seen.some((r) => r.file === target.file && r.service === target.service)) {
    const lines = ['Circular reference:', `  ${seen[0]!.service} in ${seen[0]!.file}`];
    for (const r of [...seen.slice(1), target]) lines.push(`  extends ${r.service} in ${r.file}`);
    throw composeError(lines.join('\n'), { file });
  }
  const base = extendOne(ref, baseServices, baseFile, baseFile === file ? resetPaths : [], ctx, seen);
  if (!isMap(base)) return s;
  const source = cloneRaw(base);
  // `!reset`/`!override` of the extending service clear what the base defines at those paths
  const wrapped = { services: { [name]: source } };
  applyResets(wrapped, resetPaths);
  const own = { ...s };
  delete own.extends;
  const merged = extendService(wrapped.services[name]!, own);
  delete merged.extends;
  services[name] = merged;
  return merged;
}
