import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBlob } from '../content/helpers.js';
import { codeOf, testContext } from '../content/testsuite.js';
import { sha256Digest, type Digest } from '../digest.js';
import { GC } from '../labels.js';
import { gcRootsView } from './gc.js';
import { openStorage, type Storage } from './storage.js';

let root: string;
let st: Storage;
const ctx = testContext();

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nerdctl-gc-'));
  st = openStorage({ dataRoot: root, snapshotter: 'native', syncBlobs: false });
});
afterEach(() => {
  st.close();
  rmSync(root, { recursive: true, force: true });
});

async function blob(text: string, labels: Record<string, string> = {}, c = ctx): Promise<Digest> {
  return writeBlob(st.content, c, Buffer.from(text), { digest: sha256Digest(text) }, { labels });
}

const blobFile = (d: Digest) => path.join(root, 'content', 'blobs', 'sha256', d.slice(7));
const has = async (d: Digest, c = ctx) => (await codeOf(st.content.info(c, d))) === 'resolved';

describe('garbage collection', () => {
  it('frees unreferenced blobs and keeps leased, rooted and referenced ones', async () => {
    const lease = await st.leases.create(ctx, { id: 'pull' });
    const leased = await blob('leased', {}, testContext('default', lease.id));
    const loose = await blob('loose');
    const layer = await blob('layer');
    const manifest = await blob('manifest', { [GC.root]: 'yes', [`${GC.contentRefPrefix}l.0`]: layer });

    const res = await st.gc.collect();
    expect(res).toMatchObject({ content: 1, blobs: 1, blobBytes: 'loose'.length });
    expect(await has(loose)).toBe(false);
    expect(existsSync(blobFile(loose))).toBe(false);
    for (const d of [leased, layer, manifest]) {
      expect(await has(d)).toBe(true);
      expect(existsSync(blobFile(d))).toBe(true);
    }

    await st.leases.delete(ctx, lease.id);
    await st.gc.collect();
    expect(await has(leased)).toBe(false);
    expect(existsSync(blobFile(leased))).toBe(false);
    expect(await has(layer)).toBe(true);
  });

  it('collects what an expired lease protected and deletes the lease', async () => {
    const lease = await st.leases.create(ctx, { id: 'old', expiresInMs: 1 });
    const d = await blob('old data', {}, testContext('default', lease.id));
    await new Promise((r) => setTimeout(r, 10));
    const res = await st.gc.collect();
    expect(res.leases).toBe(1);
    expect(await has(d)).toBe(false);
    expect(await st.leases.list(ctx)).toEqual([]);
  });

  it('keeps a blob file while another namespace still records it', async () => {
    const a = testContext('a');
    const b = testContext('b');
    const d = await blob('shared', { [GC.root]: '1' }, a);
    await blob('shared', {}, b);
    await st.gc.collect();
    expect(await has(d, a)).toBe(true);
    expect(await has(d, b)).toBe(false);
    expect(existsSync(blobFile(d))).toBe(true);
  });

  it('honours roots other components declare as gc_roots_ views', async () => {
    st.db.migrate({
      component: 'images_test',
      migrations: [
        `CREATE TABLE images_test (namespace TEXT NOT NULL REFERENCES namespaces(name), name TEXT, target TEXT);
         ${gcRootsView('images_test', `SELECT namespace, 'content' AS type, target AS id FROM images_test`)}`,
      ],
    });
    const layer = await blob('image layer');
    const manifest = await blob('image manifest', { [`${GC.contentRefPrefix}l.0`]: layer });
    st.db.prepare('INSERT INTO images_test VALUES (?, ?, ?)').run('default', 'app:latest', manifest);
    await st.gc.collect();
    expect(await has(manifest)).toBe(true);
    expect(await has(layer)).toBe(true);
    st.db.prepare('DELETE FROM images_test').run();
    await st.gc.collect();
    expect(await has(manifest)).toBe(false);
    expect(await has(layer)).toBe(false);
  });

  it('honours in-process root providers', async () => {
    const d = await blob('provided');
    st.gc.registerRoots('test', () => [{ namespace: 'default', type: 'content', id: d }]);
    await st.gc.collect();
    expect(await has(d)).toBe(true);
  });

  it('stops without deleting anything when a declared root source is broken', async () => {
    const d = await blob('precious');
    st.db.migrate({
      component: 'broken',
      migrations: [
        `CREATE TABLE broken_t (x);
         ${gcRootsView('broken', 'SELECT x AS namespace, x AS type, x AS id FROM broken_t')};
         DROP TABLE broken_t;`,
      ],
    });
    expect(await codeOf(st.gc.collect())).toBe('internal');
    expect(await has(d)).toBe(true);
  });

  it('keeps snapshots a rooted blob references, with their parents, and removes the rest', async () => {
    const sn = st.snapshotter;
    await sn.prepare(ctx, 'a');
    await sn.commit(ctx, 'chain-1', 'a');
    await sn.prepare(ctx, 'b', 'chain-1');
    await sn.commit(ctx, 'chain-2', 'b');
    await sn.prepare(ctx, 'stray', 'chain-2');
    await sn.prepare(ctx, 'rooted', undefined, { labels: { [GC.root]: '1' } });
    await blob('config', { [GC.root]: '1', [`${GC.snapshotRefPrefix}native`]: 'chain-2' });

    const res = await st.gc.collect({ measureSnapshots: true });
    expect(res.snapshots).toBe(1);
    const names: string[] = [];
    for await (const i of sn.walk(ctx)) names.push(i.name);
    expect(names).toEqual(['chain-1', 'chain-2', 'rooted']);
    expect(readdirSync(path.join(root, 'snapshots', 'native')).sort()).toEqual(['1', '2', '4']);
  });

  it('removes stray blob files, orphaned ingest directories and abandoned ingests, but not live ones', async () => {
    const stray = sha256Digest('stray');
    mkdirSync(path.dirname(blobFile(stray)), { recursive: true });
    writeFileSync(blobFile(stray), 'stray');
    mkdirSync(path.join(root, 'content', 'ingest', 'f'.repeat(64)), { recursive: true });
    const abandoned = await st.content.writer(ctx, { ref: 'abandoned' });
    await abandoned.write(Buffer.from('x'));
    await abandoned.close();
    const live = await st.content.writer(ctx, { ref: 'live' });
    await live.write(Buffer.from('y'));

    const res = await st.gc.collect();
    expect(res.ingests).toBe(1);
    expect(existsSync(blobFile(stray))).toBe(false);
    expect((await st.content.listStatuses(ctx)).map((s) => s.ref)).toEqual(['live']);
    expect(readdirSync(path.join(root, 'content', 'ingest'))).toHaveLength(1);
    await live.write(Buffer.from('z'));
    await live.commit(2, sha256Digest('yz'));
    expect(await has(sha256Digest('yz'))).toBe(true); // the live writer was untouched
  });

  it('does not disturb a leased download running across a collection', async () => {
    const data = Buffer.alloc(64 * 1024, 7);
    const d = sha256Digest(data);
    const lease = await st.leases.create(ctx, { id: 'pull-x', expiresInMs: 60_000 });
    const lctx = testContext('default', lease.id);
    const w = await st.content.writer(lctx, { ref: 'layer', expected: d });
    await w.write(data.subarray(0, 1000));
    await w.close(); // a pull killed half-way: the lease keeps its ingest
    await st.gc.collect();
    const again = await st.content.writer(lctx, { ref: 'layer', expected: d });
    expect(again.offset).toBe(1000);
    await again.write(data.subarray(1000, 2000));
    await st.gc.collect(); // during the download
    await again.write(data.subarray(2000));
    await again.commit();
    await st.gc.collect();
    expect(await has(d)).toBe(true);
  });
});
