/**
 * Relative paths of a raw model made absolute (compose-go paths.ResolveRelativePaths): build contexts (unless a
 * URL or `service:`), additional contexts, ssh keys, env files, label files, bind sources, secret and config files,
 * local-driver volumes bound with `o: bind`. `~` expands to the home directory.
 */
import { posix } from 'node:path';
import { isMap, type RawMap } from './tree-path.js';

export interface PathContext {
  /** The directory relative paths are resolved against. */
  workingDir: string;
  /** The home directory for `~`, if known. */
  home: string | undefined;
}

/** `~` and `~/x` expanded (other users' `~user` are left alone, as compose-go does). */
export function expandUser(p: string, home: string | undefined): string {
  if (home !== undefined && p.startsWith('~') && (p.length === 1 || p[1] === '/')) return posix.join(home, p.slice(1));
  return p;
}

/** An absolute version of `p` (unchanged when empty or already absolute). */
export function absPath(p: string, ctx: PathContext): string {
  const e = expandUser(p, ctx.home);
  if (e === '' || posix.isAbsolute(e)) return e;
  return posix.join(ctx.workingDir, e);
}

/** True for build contexts that are URLs (git, http, ssh...). */
export function isRemoteContext(v: string): boolean {
  return ['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'].some((p) => v.startsWith(p));
}

function contextPath(v: unknown, ctx: PathContext): unknown {
  if (typeof v !== 'string') return v;
  if (v.includes('://') || v.startsWith('service:') || isRemoteContext(v)) return v;
  return absPath(v, ctx);
}

/** Resolves the relative paths of a raw model in place. */
export function resolveRelativePaths(model: RawMap, ctx: PathContext): void {
  const services = isMap(model.services) ? model.services : {};
  for (const s of Object.values(services)) {
    if (!isMap(s)) continue;
    if (isMap(s.build)) {
      const b = s.build;
      if ('context' in b) b.context = contextPath(b.context, ctx);
      if (isMap(b.additional_contexts)) {
        for (const [k, v] of Object.entries(b.additional_contexts)) b.additional_contexts[k] = contextPath(v, ctx);
      }
      if (isMap(b.ssh)) for (const [k, v] of Object.entries(b.ssh)) if (typeof v === 'string') b.ssh[k] = absPath(v, ctx);
    }
    if (Array.isArray(s.env_file)) {
      for (const e of s.env_file) if (isMap(e) && typeof e.path === 'string') e.path = absPath(e.path, ctx);
    }
    if (Array.isArray(s.label_file)) s.label_file = s.label_file.map((f) => (typeof f === 'string' ? absPath(f, ctx) : f));
    if (isMap(s.extends) && typeof s.extends.file === 'string') s.extends.file = absPath(s.extends.file, ctx);
    if (isMap(s.develop) && Array.isArray(s.develop.watch)) {
      for (const w of s.develop.watch) if (isMap(w) && typeof w.path === 'string') w.path = absPath(w.path, ctx);
    }
    if (Array.isArray(s.volumes)) {
      for (const v of s.volumes) {
        if (isMap(v) && v.type === 'bind' && typeof v.source === 'string') v.source = absPath(v.source, ctx);
      }
    }
  }
  for (const kind of ['secrets', 'configs'] as const) {
    const top = model[kind];
    if (!isMap(top)) continue;
    for (const o of Object.values(top)) if (isMap(o) && typeof o.file === 'string') o.file = absPath(o.file, ctx);
  }
  if (isMap(model.volumes)) {
    for (const v of Object.values(model.volumes)) {
      if (!isMap(v) || v.driver !== 'local' || !isMap(v.driver_opts)) continue;
      const o = v.driver_opts;
      if (o.o === 'bind' && typeof o.device === 'string') o.device = absPath(o.device, ctx);
    }
  }
}
