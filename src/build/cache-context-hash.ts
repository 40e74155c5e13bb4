/**
 * The cache-key material of COPY/ADD sources read from a directory tree (the build context): a tarsum-like digest
 * of what each source argument matched — for every entry its name, type, permission bits, uid, gid, size, link
 * target and content hash, never its timestamps. Only the matched paths are read, and file contents come from the
 * memo (cache-file-hash.ts) unless the file changed, so an unchanged rebuild costs one lstat per file.
 */
import { createHash } from 'node:crypto';
import { readlinkSync, type BigIntStats } from 'node:fs';
import type { FileHasher } from './cache-file-hash.js';
import { matchSources, walkSource, type SourceMatch, type SourceTree } from './copy-sources.js';
import type { IgnoreMatcher } from './dockerignore.js';

/** What each source argument matched, and the digest of all of it. */
export interface HashedSources {
  /** Per source argument, in order. */
  matches: SourceMatch[][];
  /** sha256 hex. */
  digest: string;
  /** Entries looked at (for debug logs). */
  entries: number;
}

function kind(st: BigIntStats): string {
  if (st.isFile()) return 'f';
  if (st.isDirectory()) return 'd';
  if (st.isSymbolicLink()) return 'l';
  if (st.isCharacterDevice()) return 'c';
  if (st.isBlockDevice()) return 'b';
  if (st.isFIFO()) return 'p';
  return 's';
}

function header(name: string, abs: string, st: BigIntStats, hasher: FileHasher): string {
  const k = kind(st);
  const mode = Number(st.mode & 0o7777n);
  const size = k === 'f' ? st.size : 0n;
  const link = k === 'l' ? readlinkSync(abs) : '';
  const content = k === 'f' ? hasher.hash(abs, st) : '';
  return `${name}\0${k}\0${mode.toString(8)}\0${st.uid}\0${st.gid}\0${size}\0${link}\0${content}\n`;
}

/**
 * Matches `sources` in `tree` and hashes what they name (see the module comment). `exclude` holds `--exclude`
 * patterns, applied inside matched directories. Sources matching nothing contribute only their text, the caller
 * decides whether that is an error.
 */
export function hashSources(tree: SourceTree, sources: readonly string[], hasher: FileHasher, exclude?: IgnoreMatcher): HashedSources {
  const h = createHash('sha256');
  const all: SourceMatch[][] = [];
  let entries = 0;
  sources.forEach((source, i) => {
    const matches = matchSources(tree, source);
    all.push(matches);
    h.update(`source ${i} ${source}\n`);
    for (const m of matches) {
      h.update(`match ${m.rel}\n`);
      h.update(header('.', m.abs, m.st, hasher));
      entries++;
      if (!m.st.isDirectory()) continue;
      for (const e of walkSource(tree, m, exclude)) {
        h.update(header(e.rel, e.abs, e.st, hasher));
        entries++;
      }
    }
  });
  return { matches: all, digest: h.digest('hex'), entries };
}
