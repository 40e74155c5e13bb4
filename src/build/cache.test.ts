import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataDb, type MetadataDb } from '../engine/metadata/db.js';
import { createBuildCache, type BuildCache } from './cache.js';

describe('build cache records', () => {
  let dir: string;
  let db: MetadataDb;
  let cache: BuildCache;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-bcache-'));
    db = openMetadataDb({ dataRoot: dir });
    cache = createBuildCache(db);
    cache.list('default'); // migrates the tables the records join with
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const now = Date.now();
  const addSnapshot = (key: string) =>
    db.write(() =>
      db
        .prepare("INSERT INTO snapshots (namespace, snapshotter, key, kind, created_at, updated_at) VALUES ('default', 'overlayfs', ?, 'committed', ?, ?)")
        .run(key, now, now),
    );
  const addBlob = (digest: string) =>
    db.write(() => db.prepare("INSERT INTO content (namespace, digest, size, labels, created_at, updated_at) VALUES ('default', ?, 1, '{}', ?, ?)").run(digest, now, now));
  const layer = { digest: 'sha256:blob' as const, size: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', diffId: 'sha256:diff' as const, bytes: 5 };

  it('returns a record only while its snapshot and layer blob exist', () => {
    cache.put('default', [{ key: 'k1', kind: 'fs', snapshotter: 'overlayfs', chainId: 'sha256:chain', layer, description: '[1/2] RUN x', createdAt: new Date(1000) }]);
    expect(cache.get('default', 'k1')).toBeUndefined();
    addSnapshot('sha256:chain');
    expect(cache.get('default', 'k1')).toBeUndefined();
    addBlob('sha256:blob');
    const r = cache.get('default', 'k1');
    expect(r).toMatchObject({ key: 'k1', kind: 'fs', chainId: 'sha256:chain', layer, description: '[1/2] RUN x' });
    expect(r?.createdAt.getTime()).toBe(1000);
    expect(cache.get('other', 'k1')).toBeUndefined();
  });

  it('keeps the first creation time when a key is written again, and roots snapshots and blobs for GC', () => {
    addSnapshot('sha256:c');
    cache.put('default', [{ key: 'm', kind: 'meta', description: 'ENV', createdAt: new Date(5) }]);
    cache.put('default', [{ key: 'm', kind: 'meta', description: 'ENV', createdAt: new Date(9) }]);
    cache.put('default', [{ key: 'f', kind: 'fs', snapshotter: 'overlayfs', chainId: 'sha256:c', description: 'WORKDIR', createdAt: new Date(6) }]);
    expect(cache.get('default', 'm')?.createdAt.getTime()).toBe(5);
    const roots = db.prepare('SELECT namespace, type, id FROM gc_roots_build_cache ORDER BY id').all();
    expect(roots).toEqual([{ namespace: 'default', type: 'snapshots/overlayfs', id: 'sha256:c' }]);
    expect(cache.list('default').map((r) => r.key)).toEqual(['f', 'm']);
    expect(cache.remove('default', ['f', 'm', 'missing'])).toBe(2);
    expect(cache.list('default')).toEqual([]);
  });

  it('refreshes last use at most hourly', () => {
    cache.put('default', [{ key: 'm', kind: 'meta', description: 'x', createdAt: new Date(5) }]);
    const r = cache.get('default', 'm')!;
    cache.touch('default', [r]);
    expect(cache.get('default', 'm')!.lastUsedAt.getTime()).toBe(r.lastUsedAt.getTime());
    cache.touch('default', [{ ...r, lastUsedAt: new Date(0) }]);
    expect(cache.get('default', 'm')!.lastUsedAt.getTime()).toBeGreaterThan(r.lastUsedAt.getTime() - 1);
  });

  it('memoises file hashes by path and clears them by prefix', () => {
    const e = { path: '/ctx/a', dev: 1, ino: 2, size: 3, mtimeNs: 4n, ctimeNs: 5n, hash: 'h', hashedAt: 6 };
    cache.putFileHashes([e, { ...e, path: '/ctx/b' }, { ...e, path: '/ctx2/c' }]);
    expect(cache.fileHash('/ctx/a')).toEqual(e);
    expect(cache.clearFileHashes('/ctx')).toBe(2);
    expect(cache.fileHash('/ctx/a')).toBeUndefined();
    expect(cache.fileHash('/ctx2/c')).toBeDefined();
  });
});
