import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest.js';
import { openMetadataDb, type MetadataDb } from '../metadata/db.js';
import { MediaTypes } from '../remotes/types.js';
import { findImage, findImages } from './find.js';
import { createImageStore, danglingName, type ImageStore } from './store.js';

const ns = 'default';
const target = (s: string) => ({ mediaType: MediaTypes.ociManifest, digest: sha256Digest(`m-${s}`), size: 1 });
const id = (s: string) => sha256Digest(`c-${s}`);

let dir: string;
let db: MetadataDb;
let store: ImageStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-images-store-'));
  db = openMetadataDb({ dataRoot: dir });
  store = createImageStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (name: string, s: string) => store.put(ns, { name, target: target(s), summary: { id: id(s), created: '2024-01-01T00:00:00Z' }, source: 'pull' });

describe('image records', () => {
  it('keeps a retagged image as dangling until another name points at it (Docker)', () => {
    put('docker.io/library/app:latest', 'a');
    const r = put('docker.io/library/app:latest', 'b');
    expect(r.previous?.target.digest).toBe(target('a').digest);
    expect(r.dangling?.name).toBe(danglingName(target('a').digest));
    expect(store.list(ns).map((x) => x.name)).toEqual([danglingName(target('a').digest), 'docker.io/library/app:latest']);
    put('docker.io/library/old:1', 'a');
    expect(store.list(ns).map((x) => x.name)).toEqual(['docker.io/library/app:latest', 'docker.io/library/old:1']);
  });

  it('does not leave a dangling record when another name keeps the old target', () => {
    put('docker.io/library/app:latest', 'a');
    put('docker.io/library/app:v1', 'a');
    expect(put('docker.io/library/app:latest', 'b').dangling).toBeUndefined();
  });

  it('keeps records per namespace and counts them', () => {
    put('docker.io/library/app:latest', 'a');
    store.put('other', { name: 'docker.io/library/app:latest', target: target('b'), source: 'pull' });
    expect(store.list('other').map((r) => r.target.digest)).toEqual([target('b').digest]);
    expect(store.countByNamespace()).toEqual(new Map([['default', 1], ['other', 1]]));
  });

  it('refuses to create a taken name with create: true', () => {
    put('docker.io/library/app:latest', 'a');
    expect(() => store.put(ns, { name: 'docker.io/library/app:latest', target: target('a'), source: 'tag' }, { create: true })).toThrow(/already exists/);
  });

  it('declares record targets as GC roots', () => {
    put('docker.io/library/app:latest', 'a');
    expect(db.prepare('SELECT namespace, type, id FROM gc_roots_images').all()).toEqual([{ namespace: ns, type: 'content', id: target('a').digest }]);
  });
});

describe('findImages (Docker lookup rules)', () => {
  beforeEach(() => {
    put('docker.io/library/busybox:latest', 'a');
    put('docker.io/library/busybox:1', 'a');
    put('127.0.0.1:5000/x/busybox:latest', 'b');
    store.setRepoDigest(ns, '127.0.0.1:5000/x/busybox:latest', target('b').digest);
  });

  it('finds a short name with the default tag, and its siblings', () => {
    const f = findImage(store, ns, 'busybox');
    expect(f.byName).toBe(true);
    expect(f.records.map((r) => r.name)).toEqual(['docker.io/library/busybox:latest', 'docker.io/library/busybox:1']);
  });

  it('finds by full ID, short ID and sha256: prefix', () => {
    const hex = id('b').slice(7);
    for (const ref of [id('b'), hex, hex.slice(0, 12), `sha256:${hex.slice(0, 5)}`]) {
      const f = findImage(store, ns, ref);
      expect(f.byName).toBe(false);
      expect(f.records.map((r) => r.name)).toEqual(['127.0.0.1:5000/x/busybox:latest']);
    }
  });

  it('finds name@digest by the digest the registry knows', () => {
    expect(findImages(store, ns, `127.0.0.1:5000/x/busybox@${target('b').digest}`)[0]!.name).toBe('127.0.0.1:5000/x/busybox:latest');
  });

  it('says No such image for unknown names and refuses malformed ones', () => {
    expect(() => findImages(store, ns, 'nope')).toThrow('image "nope": not found');
    expect(() => findImages(store, ns, 'Bad:Ref')).toThrow(/invalid reference format/);
  });

  it('refuses an ambiguous short ID', () => {
    // Find two IDs sharing a first hex digit.
    let other = 'c';
    for (let i = 0; sha256Digest(`c-${other}`)[7] !== id('a')[7]; i++) other = `c${i}`;
    put('docker.io/library/other:1', other);
    expect(() => findImages(store, ns, id('a').slice(7, 8))).toThrow(/ambiguous/);
  });
});
