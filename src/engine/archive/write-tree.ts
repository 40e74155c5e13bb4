/**
 * Archiving a directory tree as it is: `export`, a rootfs for `image save`/`import`, `cp` out of a container,
 * docker-archive layers.
 */
import type { Writable } from 'node:stream';
import { realpathSync } from 'node:fs';
import { EngineError, invalidArgument, isErrno, notFound, wrap } from '../errdefs.js';
import type { Logger } from '../log.js';
import { cleanArchivePath, resolveInRoot } from './root-path.js';
import { TarWriter, type TarOutputOptions, type TarOutputResult } from './tar-writer.js';
import { lstatIfExists, sortedNames, TreeEmitter } from './tree-emitter.js';

export interface WriteTreeOptions extends TarOutputOptions {
  /**
   * Name `dir` itself in the archive: `dir` is written as `<prefix>/` and everything below as
   * `<prefix>/<path>` (what `docker cp CONTAINER:/etc -` produces with prefix `etc`). Without a prefix the
   * members are the paths below `dir` and `dir` itself is not a member.
   */
  prefix?: string;
  /**
   * Only these paths (relative to `dir`) and everything below them, in the given order. Their parent
   * directories are resolved inside `dir` (symlinks cannot lead out); the last component is not followed,
   * so a symlink is archived as a symlink. A missing path is not-found.
   */
  include?: string[];
  /** Carry extended attributes (one `getfattr` run). Default true. */
  xattrs?: boolean;
  log?: Logger;
}

/**
 * Writes `dir` as a tar to `out` (ended when done unless `end: false`) and returns the digests. Members are
 * sorted, hard links within the tree are link members, ownership, permission bits, whole-second mtimes,
 * device numbers and xattrs are kept; sockets are skipped. Identical trees give identical bytes.
 *
 * Errors: not-found (`dir` or an `include` path missing), invalid-argument (an `include` path leaving `dir`),
 * errors of `out` unchanged; others prefixed `write archive: `.
 */
export async function writeTree(dir: string, out: Writable, opts: WriteTreeOptions = {}): Promise<TarOutputResult> {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound({ kind: 'file', ref: dir });
    throw err;
  }
  const writer = new TarWriter(out, opts);
  const emitter = new TreeEmitter(writer, { prefix: opts.prefix, log: opts.log });
  try {
    const roots: Array<{ rel: string; abs: string }> = [];
    if (opts.include) {
      for (const p of opts.include) {
        const parts = cleanArchivePath(p);
        if (parts.length === 0) {
          roots.push({ rel: '', abs: root });
          continue;
        }
        const r = resolveInRoot(root, parts.join('/'), { followFinal: false });
        if (!r.exists) throw notFound({ kind: 'file', ref: p });
        roots.push({ rel: parts.join('/'), abs: r.path });
      }
    } else {
      roots.push({ rel: '', abs: root });
    }
    if (opts.xattrs !== false) await emitter.loadXattrs(...roots.map((r) => r.abs));
    for (const r of roots) {
      const st = lstatIfExists(r.abs);
      if (!st) throw notFound({ kind: 'file', ref: r.rel || dir });
      if (r.rel === '' && !opts.prefix) {
        // The root is not a member of its own archive; its contents are.
        if (!st.isDirectory()) throw invalidArgument(`"${dir}" is not a directory`);
        for (const n of sortedNames(r.abs)) {
          const cst = lstatIfExists(r.abs + '/' + n);
          if (cst) await emitter.subtree(n, r.abs + '/' + n, cst);
        }
      } else {
        await emitter.subtree(r.rel, r.abs, st);
      }
    }
    return await writer.finish();
  } catch (err) {
    writer.destroy(err instanceof Error ? err : new Error(String(err)));
    if (err instanceof EngineError) throw wrap(err, 'write archive');
    throw err;
  }
}
