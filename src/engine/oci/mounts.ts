/**
 * Mount options: propagation modes, tmpfs option merging (moby/sys/mount MergeTmpfsOptions) and the `--tmpfs`
 * syntax, plus the mounts the spec builder receives once volumes and host paths are resolved.
 */
import path from 'node:path';
import { ValueSyntaxError } from './units.js';

export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;
export type Propagation = (typeof PROPAGATIONS)[number];

/** Go's `path.Clean` for slash paths: normalised, no trailing slash (except `/`). */
export function cleanPath(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export function isPropagation(s: string): s is Propagation {
  return (PROPAGATIONS as readonly string[]).includes(s);
}

/**
 * A mount ready for the spec: every name and path resolved on the host.
 * - `bind`: a host path (bind mount, named or anonymous volume's data directory, `--volumes-from` source);
 * - `tmpfs`: a tmpfs with data options (`size=64m`, `mode=1777`, `ro`, `exec`...).
 */
export type ResolvedMount =
  | {
      type: 'bind';
      source: string;
      destination: string;
      readOnly: boolean;
      /** Absent: the kernel default for the new mount (Docker leaves volumes so; binds get `rprivate`). */
      propagation?: Propagation;
      /** `bind` instead of `rbind` (submounts of the source are not carried over). */
      nonRecursive?: boolean;
    }
  | { type: 'tmpfs'; destination: string; options: string[] };

// Mount flags that exclude each other share a key, so the last one given wins.
const flagKeys: Record<string, string> = {
  ro: 'rdonly',
  rw: 'rdonly',
  suid: 'nosuid',
  nosuid: 'nosuid',
  dev: 'nodev',
  nodev: 'nodev',
  exec: 'noexec',
  noexec: 'noexec',
  sync: 'sync',
  async: 'sync',
  dirsync: 'dirsync',
  remount: 'remount',
  mand: 'mand',
  nomand: 'mand',
  atime: 'noatime',
  noatime: 'noatime',
  diratime: 'nodiratime',
  nodiratime: 'nodiratime',
  bind: 'bind',
  rbind: 'rbind',
  relatime: 'relatime',
  norelatime: 'relatime',
  strictatime: 'strictatime',
  nostrictatime: 'strictatime',
  unbindable: 'propagation',
  runbindable: 'propagation',
  private: 'propagation',
  rprivate: 'propagation',
  shared: 'propagation',
  rshared: 'propagation',
  slave: 'propagation',
  rslave: 'propagation',
};

const tmpfsDataKeys = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

function goQuoteList(parts: string[]): string {
  return `[${parts.map((p) => JSON.stringify(p)).join(' ')}]`;
}

/**
 * Merges tmpfs options where later ones override earlier ones of the same kind (`noexec` then `exec` gives
 * `exec`; `size=1m` then `size=2m` gives `size=2m`), keeping the order of the survivors. Unknown options raise
 * Docker's `invalid tmpfs option ["foo"]`.
 */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seenFlags = new Set<string>();
  const seenData = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const opt = options[i] as string;
    if (opt === 'defaults') continue;
    const flag = flagKeys[opt];
    if (flag !== undefined) {
      if (!seenFlags.has(flag)) {
        out.unshift(opt);
        seenFlags.add(flag);
      }
      continue;
    }
    const eq = opt.indexOf('=');
    const parts = eq < 0 ? [opt] : [opt.slice(0, eq), opt.slice(eq + 1)];
    if (parts.length !== 2 || !tmpfsDataKeys.has(parts[0] as string)) {
      throw new ValueSyntaxError(`invalid tmpfs option ${goQuoteList(parts)}`);
    }
    if (!seenData.has(parts[0] as string)) {
      out.unshift(opt);
      seenData.add(parts[0] as string);
    }
  }
  return out;
}

/**
 * Checks a mount destination as Docker does for every mount type: absolute and not `/`.
 * Messages: `invalid mount path: 'x' mount path must be absolute`, `invalid specification: destination can't be '/'`.
 */
export function validateMountDestination(dest: string): void {
  if (path.posix.normalize(dest.replaceAll('\\', '/')) === '/') {
    throw new ValueSyntaxError("invalid specification: destination can't be '/'");
  }
  if (!dest.replaceAll('\\', '/').startsWith('/')) {
    throw new ValueSyntaxError(`invalid mount path: '${dest}' mount path must be absolute`);
  }
}

/**
 * Parses `--tmpfs /path[:options]` (Docker: the destination up to the first colon, the rest are tmpfs options
 * such as `rw,noexec,size=64m,mode=1777`). Returns the cleaned destination and the options as given, already
 * checked with {@link mergeTmpfsOptions}.
 */
export function parseTmpfs(text: string): { destination: string; options: string[] } {
  const colon = text.indexOf(':');
  const dest = colon < 0 ? text : text.slice(0, colon);
  const data = colon < 0 ? '' : text.slice(colon + 1);
  validateMountDestination(dest);
  const options = data === '' ? [] : data.split(',');
  mergeTmpfsOptions(options);
  return { destination: cleanPath(dest), options };
}

/** Sorts mounts so that a parent directory is mounted before anything below it (by path depth, stable). */
export function sortMountsByDepth<T extends { destination: string }>(mounts: readonly T[]): T[] {
  const depth = (p: string) => cleanPath(p).split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination));
}
