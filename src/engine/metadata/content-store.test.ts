import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBlob } from '../content/helpers.js';
import { createLocalStore } from '../content/local-store.js';
import { codeOf, contentStoreSuite, testContext } from '../content/testsuite.js';
import type { ContentStore } from '../content/types.js';
import { sha256Digest } from '../digest.js';
import { createContentStore } from './content-store.js';
import { openMetadataDb, type MetadataDb } from './db.js';
import { createLeaseManager } from './leases.js';

function open(root: string): { db: MetadataDb; cs: ContentStore } {
  const db = openMetadataDb({ dataRoot: root });
  return { db, cs: createContentStore(db, { local: createLocalStore(path.join(root, 'content'), { sync: false }) }) };
}

contentStoreSuite('metadata', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'nerdctl-content-'));
  const { db, cs } = open(root);
  return {
    store: cs,
    async cleanup() {
      db.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

describe('metadata content store', () => {
  let root: string;
  let db: MetadataDb;
  let cs: ContentStore;
  const data = Buffer.from('layer bytes');
  const dgst = sha256Digest(data);
  const hex = dgst.slice('sha256:'.length);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nerdctl-content-'));
    ({ db, cs } = open(root));
  });
  afterEach(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('stores blobs at content/blobs/sha256/<hex> and ingests under content/ingest/', async () => {
    const w = await cs.writer(testContext(), { ref: 'r', expected: dgst });
    await w.write(data);
    const ingests = readdirSync(path.join(root, 'content', 'ingest'));
    expect(ingests).toHaveLength(1);
    expect(readdirSync(path.join(root, 'content', 'ingest', ingests[0]!)).sort()).toEqual([
      'data',
      'ref',
      'startedat',
    ]);
    await w.commit();
    expect(readdirSync(path.join(root, 'content', 'blobs', 'sha256'))).toEqual([hex]);
    expect(readdirSync(path.join(root, 'content', 'ingest'))).toEqual([]);
  });

  it('leaves no blob file after a digest mismatch', async () => {
    const w = await cs.writer(testContext(), { ref: 'r', expected: sha256Digest('other') });
    await w.write(data);
    expect(await codeOf(w.commit())).toBe('failed-precondition');
    await w.close();
    expect(readdirSync(path.join(root, 'content')).includes('blobs')).toBe(false);
  });

  it('shares a blob across namespaces on disk but records visibility per namespace', async () => {
    const a = testContext('a');
    const b = testContext('b');
    await writeBlob(cs, a, data, { digest: dgst });
    expect(await codeOf(cs.info(b, dgst))).toBe('not-found');
    // b's writer finds the bytes on disk: recorded for b without a download.
    expect(await codeOf(cs.writer(b, { ref: 'x', expected: dgst }))).toBe('already-exists');
    expect((await cs.info(b, dgst)).size).toBe(data.length);
    await cs.delete(a, dgst);
    expect(readdirSync(path.join(root, 'content', 'blobs', 'sha256'))).toEqual([hex]);
    await cs.delete(b, dgst);
    expect(readdirSync(path.join(root, 'content', 'blobs', 'sha256'))).toEqual([]);
  });

  it('attaches ingests and committed blobs to the context lease', async () => {
    const leases = createLeaseManager(db);
    const lease = await leases.create(testContext(), { id: 'pull-1' });
    const ctx = testContext('default', lease.id);
    const w = await cs.writer(ctx, { ref: 'r', expected: dgst });
    expect(await leases.listResources(ctx, 'pull-1')).toEqual([{ type: 'ingests', id: 'r' }]);
    await w.write(data);
    await w.commit();
    expect(await leases.listResources(ctx, 'pull-1')).toEqual([
      { type: 'content', id: dgst },
      { type: 'ingests', id: 'r' },
    ]);
    expect(await codeOf(cs.writer(testContext('default', 'missing'), { ref: 'q' }))).toBe('not-found');
  });

  it('takes over the lock of a writer that went away without closing', async () => {
    // Simulates a process killed mid-download: the row names an owner whose pid does not exist.
    const w = await cs.writer(testContext(), { ref: 'r' });
    await w.write(data);
    await w.close();
    db.prepare(`UPDATE ingests SET owner = '999999999:1:dead'`).run();
    const again = await cs.writer(testContext(), { ref: 'r' });
    expect(again.offset).toBe(data.length);
    await again.close();
  });
});
