import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testContext } from '../content/testsuite.js';
import { createNativeDriver } from '../snapshots/native.js';
import { createOverlayDriver } from '../snapshots/overlay.js';
import { snapshotterSuite, withBindSource } from '../snapshots/testsuite.js';
import type { Snapshotter } from '../snapshots/types.js';
import { openMetadataDb, type MetadataDb } from './db.js';
import { createLeaseManager } from './leases.js';
import { createSnapshotter } from './snapshotter.js';

// The native driver's mounts are plain bind mounts, so its conformance run reads and writes the bind sources
// directly: no root needed. Both drivers run with real mounts in test/storage.
snapshotterSuite(
  'native (bind sources)',
  async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'nerdctl-snap-'));
    const db = openMetadataDb({ dataRoot: root });
    return {
      snapshotter: createSnapshotter(db, createNativeDriver(path.join(root, 'snapshots', 'native'))),
      root,
      async cleanup() {
        db.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
  { withMounts: withBindSource, deepLayers: 40 },
);

describe('metadata snapshotter', () => {
  let root: string;
  let db: MetadataDb;
  let sn: Snapshotter;
  const snapRoot = () => path.join(root, 'snapshots', 'overlayfs');
  const ctx = testContext();

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nerdctl-snap-'));
    db = openMetadataDb({ dataRoot: root });
    sn = createSnapshotter(db, createOverlayDriver(snapRoot()));
  });
  afterEach(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('names snapshot directories by short numeric ids', async () => {
    await sn.prepare(ctx, 'a');
    await sn.commit(ctx, 'a1', 'a');
    await sn.prepare(ctx, 'b', 'a1');
    expect(readdirSync(snapRoot()).sort()).toEqual(['1', '2']);
    expect(readdirSync(path.join(snapRoot(), '2')).sort()).toEqual(['fs', 'work']);
  });

  it('returns overlay mounts with nearest parent first, bind mounts for the single-layer cases', async () => {
    const m0 = await sn.prepare(ctx, 'base');
    expect(m0).toEqual([{ type: 'bind', source: path.join(snapRoot(), '1', 'fs'), options: ['rbind', 'rw'] }]);
    await sn.commit(ctx, 'l1', 'base');
    expect(await sn.view(ctx, 'v1', 'l1')).toEqual([
      { type: 'bind', source: path.join(snapRoot(), '1', 'fs'), options: ['rbind', 'ro'] },
    ]);
    await sn.prepare(ctx, 'x', 'l1');
    await sn.commit(ctx, 'l2', 'x');
    const active = await sn.prepare(ctx, 'top', 'l2');
    const d = (id: number, sub = 'fs') => path.join(snapRoot(), String(id), sub);
    expect(active[0]?.type).toBe('overlay');
    expect(active[0]?.options.filter((o) => o !== 'index=off')).toEqual([
      `workdir=${d(4, 'work')}`,
      `upperdir=${d(4)}`,
      `lowerdir=${d(3)}:${d(1)}`,
    ]);
    const view = await sn.view(ctx, 'v2', 'l2');
    expect(view[0]?.options.filter((o) => o !== 'index=off')).toEqual(['ro', `lowerdir=${d(3)}:${d(1)}`]);
  });

  it('attaches prepared and committed snapshots to the context lease', async () => {
    const leases = createLeaseManager(db);
    await leases.create(ctx, { id: 'unpack' });
    const lctx = testContext('default', 'unpack');
    await sn.prepare(lctx, 'extract-1');
    await sn.commit(lctx, 'sha256:chain', 'extract-1');
    expect(await leases.listResources(ctx, 'unpack')).toEqual([
      { type: 'snapshots/overlayfs', id: 'extract-1' },
      { type: 'snapshots/overlayfs', id: 'sha256:chain' },
    ]);
  });

  it('cleans up directories no record owns and staging left by dead processes', async () => {
    await sn.prepare(ctx, 'live');
    mkdirSync(path.join(snapRoot(), '77', 'fs'), { recursive: true });
    writeFileSync(path.join(snapRoot(), '77', 'fs', 'junk'), 'x');
    mkdirSync(path.join(snapRoot(), 'tmp-999999999-abcd'));
    mkdirSync(path.join(snapRoot(), 'rm-5-abc'));
    await sn.cleanup(ctx);
    expect(readdirSync(snapRoot())).toEqual(['1']);
    expect(existsSync(path.join(snapRoot(), '1', 'fs'))).toBe(true);
  });

  it('removes the staging directory when the record cannot be written', async () => {
    const leaseCtx = testContext('default', 'no-such-lease');
    await expect(sn.prepare(leaseCtx, 'k')).rejects.toThrow(/lease "no-such-lease": not found/);
    expect(readdirSync(snapRoot())).toEqual([]);
    await expect(sn.stat(ctx, 'k')).rejects.toThrow(/not found/);
  });
});
