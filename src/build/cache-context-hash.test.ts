import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileHasher } from './cache-file-hash.js';
import { hashSources } from './cache-context-hash.js';
import type { BuildCache, FileHashEntry } from './cache.js';
import { createIgnoreMatcher } from './dockerignore.js';

/** A memo in memory, standing in for the database table. */
function memo(): BuildCache {
  const m = new Map<string, FileHashEntry>();
  return {
    fileHash: (p) => m.get(p),
    putFileHashes: (es) => es.forEach((e) => m.set(e.path, e)),
  } as BuildCache;
}

describe('context source hashing', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nerdctl-hash-'));
    mkdirSync(path.join(root, 'dir'));
    writeFileSync(path.join(root, 'dir/a'), 'a');
    writeFileSync(path.join(root, 'f'), 'f');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const digest = (sources: string[], patterns: string[] = []) => hashSources({ root, matcher: createIgnoreMatcher(patterns) }, sources, createFileHasher(undefined)).digest;

  it('ignores timestamps but not content, modes, names or the set of files', () => {
    const d0 = digest(['dir', 'f']);
    utimesSync(path.join(root, 'f'), new Date(1), new Date(1));
    expect(digest(['dir', 'f'])).toBe(d0);
    writeFileSync(path.join(root, 'f'), 'g');
    const d1 = digest(['dir', 'f']);
    expect(d1).not.toBe(d0);
    chmodSync(path.join(root, 'f'), 0o600);
    expect(digest(['dir', 'f'])).not.toBe(d1);
    const d2 = digest(['dir']);
    writeFileSync(path.join(root, 'dir/b'), 'b');
    expect(digest(['dir'])).not.toBe(d2);
    expect(digest(['dir'], ['dir/b'])).toBe(d2);
  });

  it('reads a file again only when its stat changed (or it was hashed right after a change)', () => {
    const cache = memo();
    const hasher = createFileHasher(cache);
    hashSources({ root }, ['f'], hasher);
    hasher.flush();
    expect(hasher.filesRead).toBe(1);
    // Hashed less than 2 s after its modification: the memo does not trust it yet ("racy").
    const again = createFileHasher(cache);
    hashSources({ root }, ['f'], again);
    expect(again.filesRead).toBe(1);
    again.flush();
    const old = new Date(Date.now() - 60_000);
    utimesSync(path.join(root, 'f'), old, old);
    const h3 = createFileHasher(cache);
    hashSources({ root }, ['f'], h3);
    h3.flush();
    const h4 = createFileHasher(cache);
    hashSources({ root }, ['f'], h4);
    expect(h4.filesRead).toBe(0);
  });

  it('reports what each source matched', () => {
    const r = hashSources({ root }, ['f', 'nope*', 'dir'], createFileHasher(undefined));
    expect(r.matches.map((m) => m.map((x) => x.rel))).toEqual([['f'], [], ['dir']]);
  });
});
