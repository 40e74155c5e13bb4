import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataDb, type MetadataDb } from '../metadata/db.js';
import { holdOwner, releaseOwner } from '../metadata/owner.js';
import { initialState, normalizeNetworkConfig } from './create.js';
import { emptyContainerOptions } from './options.js';
import { createContainerStore, type ContainerStore } from './store.js';
import type { ContainerRecord } from './types.js';

function record(id: string, name: string, createdAt: string): ContainerRecord {
  return {
    id,
    namespace: 'default',
    name,
    image: 'busybox',
    imageName: 'docker.io/library/busybox:latest',
    imageId: `sha256:${'b'.repeat(64)}`,
    snapshotter: 'overlayfs',
    snapshotKey: id,
    labels: { a: '1' },
    createdAt,
    config: {
      options: emptyContainerOptions(),
      merged: { env: [], entrypoint: [], cmd: ['sh'], args: ['sh'], workingDir: '/', user: '', volumes: [] },
      hostname: id.slice(0, 12),
      domainname: '',
      network: normalizeNetworkConfig(undefined),
      exposedPorts: ['80/tcp'],
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      autoRemove: false,
      mounts: [{ type: 'volume', source: '/v/_data', destination: '/data', readOnly: false, mode: '', name: 'vol1' }],
      attachStdin: false,
      attachStdout: true,
      attachStderr: true,
      stdinOnce: false,
      runtime: 'runc',
      warnings: [],
      platform: 'linux/amd64',
      logPath: '/x.log',
    },
    state: initialState(),
  };
}

describe('container store', () => {
  let dir: string;
  let db: MetadataDb;
  let store: ContainerStore;
  const a = 'a1b2c3'.padEnd(64, '0');
  const b = 'a1b2ff'.padEnd(64, '1');
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ctr-store-'));
    db = openMetadataDb({ dataRoot: dir });
    store = createContainerStore(db);
    store.insert(record(a, 'first', '2026-01-01T00:00:00.000000001Z'));
    store.insert(record(b, 'second', '2026-01-01T00:00:00.000000002Z'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves full ids, names (with or without a slash) and unique prefixes, as Docker does', () => {
    expect(store.resolve('default', a).name).toBe('first');
    expect(store.resolve('default', '/second').id).toBe(b);
    expect(store.resolve('default', 'a1b2c').id).toBe(a);
    expect(() => store.resolve('default', 'a1b2')).toThrow('multiple IDs found with provided prefix: a1b2');
    expect(() => store.resolve('default', 'nope')).toThrow(/not found/);
    expect(() => store.resolve('other', a)).toThrow(/not found/);
  });

  it('refuses a duplicate name with Docker\'s conflict message', () => {
    expect(() => store.insert(record('c'.repeat(64), 'first', '2026-01-02T00:00:00.000000000Z'))).toThrow(
      `Conflict. The container name "/first" is already in use by container "${a}".`,
    );
    expect(() => store.rename('default', b, 'first')).toThrow(/already in use/);
    store.rename('default', b, 'renamed');
    expect(store.resolve('default', 'renamed').id).toBe(b);
  });

  it('lists newest first without configs, and answers image and volume users', () => {
    const list = store.list('default');
    expect(list.map((c) => c.name)).toEqual(['second', 'first']);
    expect(list[0]).toMatchObject({ command: ['sh'], exposedPorts: ['80/tcp'], networks: ['bridge'], volumes: ['vol1', '/data'] });
    expect(store.usersOfImage('default', `sha256:${'b'.repeat(64)}`).map((u) => u.id).sort()).toEqual([a, b]);
    expect(store.usersOfVolume('default', 'vol1').sort()).toEqual([a, b]);
    expect(store.usersOfVolume('default', 'vol2')).toEqual([]);
  });

  it('updates state in a transaction and locks per container, taking over a dead owner', () => {
    store.updateState('default', a, (s) => ({ ...s, status: 'running', pid: 42 }));
    expect(store.get('default', a)?.state).toMatchObject({ status: 'running', pid: 42 });
    const me = holdOwner();
    expect(store.tryLock('default', a, me)).toBe('acquired');
    const other = holdOwner();
    expect(store.tryLock('default', a, other)).toBe('held');
    releaseOwner(me); // as if the holder had died
    expect(store.tryLock('default', a, other)).toBe('acquired');
    store.unlock('default', a, other);
    releaseOwner(other);
    expect(store.tryLock('default', 'f'.repeat(64), 'x')).toBe('gone');
  });

  it('declares GC roots for the snapshot and the image', () => {
    const roots = db.sqlite.prepare('SELECT type, id FROM gc_roots_containers WHERE namespace = ? ORDER BY type, id').all('default');
    expect(roots).toEqual([
      { type: 'content', id: `sha256:${'b'.repeat(64)}` },
      { type: 'content', id: `sha256:${'b'.repeat(64)}` },
      { type: 'snapshots/overlayfs', id: a },
      { type: 'snapshots/overlayfs', id: b },
    ]);
  });
});
