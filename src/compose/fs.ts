/**
 * The only file-system access of the compose loader. Everything else in src/compose is pure and gets a
 * {@link ComposeFs}: the real one for the CLI, an in-memory one for tests.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { isErrno } from '../engine/errdefs.js';

/** What the loader needs from a file system. Paths are absolute. */
export interface ComposeFs {
  /** The file's text, or `undefined` when it does not exist. Other errors (EACCES, EISDIR) are thrown. */
  readFile(path: string): string | undefined;
  /** `file`, `dir`, or `undefined` when nothing exists at `path`. */
  stat(path: string): 'file' | 'dir' | undefined;
  /** The path with symlinks resolved, or the path itself when it cannot be resolved. */
  realpath(path: string): string;
  /** The user's home directory, for `~` in paths. */
  homeDir(): string | undefined;
}

/** The host file system. */
export function createNodeFs(): ComposeFs {
  return {
    readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
        throw err;
      }
    },
    stat(path) {
      try {
        const st = statSync(path);
        return st.isDirectory() ? 'dir' : 'file';
      } catch {
        return undefined;
      }
    },
    realpath(path) {
      try {
        return realpathSync(path);
      } catch {
        return path;
      }
    },
    homeDir() {
      try {
        return homedir();
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * An in-memory file system for tests: `files` maps absolute paths to contents; every parent directory of a file
 * exists; `dirs` adds empty directories.
 */
export function createMemoryFs(files: Record<string, string>, opts: { dirs?: string[]; home?: string } = {}): ComposeFs {
  const dirs = new Set<string>(['/']);
  const addParents = (p: string): void => {
    let d = posix.dirname(p);
    while (!dirs.has(d)) {
      dirs.add(d);
      d = posix.dirname(d);
    }
  };
  for (const p of Object.keys(files)) addParents(p);
  for (const d of opts.dirs ?? []) {
    dirs.add(d);
    addParents(d);
  }
  return {
    readFile: (p) => files[p],
    stat: (p) => (files[p] !== undefined ? 'file' : dirs.has(p) ? 'dir' : undefined),
    realpath: (p) => p,
    homeDir: () => opts.home ?? '/root',
  };
}
