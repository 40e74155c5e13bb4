/**
 * The conformance suite every {@link Snapshotter} runs (containerd's snapshots/testsuite): each implementation's
 * test calls `snapshotterSuite(name, factory, options)`. Only the public interface is used, plus a way to look
 * inside mounts: real mounts (root) by default, or direct access to bind-mount sources for unit tests of drivers
 * that only produce bind mounts.
 */
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeOf, testContext } from '../content/testsuite.js';
import { invalidArgument } from '../errdefs.js';
import { isReadonly, mountPointsUnder, withTempMount, type Mount } from '../mount/mount.js';
import type { Info, Snapshotter } from './types.js';

/** What a factory gives the suite. */
export interface SnapshotSuiteHarness {
  snapshotter: Snapshotter;
  /** A scratch directory the suite may use (temporary mount points go here). Removed by `cleanup`. */
  root: string;
  cleanup(): Promise<void>;
}

/** Runs `fn` with the tree of `mounts` visible at a directory. */
export type WithMounts = <T>(mounts: readonly Mount[], scratch: string, fn: (dir: string) => Promise<T>) => Promise<T>;

/** Real mounts under `scratch` (needs root). */
export const withRealMounts: WithMounts = (mounts, scratch, fn) => withTempMount(mounts, fn, { tmpRoot: scratch });

/**
 * For drivers whose mounts are single bind mounts: uses the bind source directly, which shows the same tree as
 * mounting it would, without root. Anything else is invalid-argument.
 */
export const withBindSource: WithMounts = async (mounts, _scratch, fn) => {
  const m = mounts[0];
  if (mounts.length !== 1 || m === undefined || m.type !== 'bind') {
    throw invalidArgument('withBindSource needs exactly one bind mount');
  }
  return fn(m.source);
};

/** Options for {@link snapshotterSuite}. */
export interface SnapshotSuiteOptions {
  withMounts?: WithMounts;
  /** Layers in the deep-chain test (default 130: past the one-page option limit with absolute paths). */
  deepLayers?: number;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Registers the snapshotter conformance tests under `describe(name)`. */
export function snapshotterSuite(
  name: string,
  factory: () => Promise<SnapshotSuiteHarness>,
  options: SnapshotSuiteOptions = {},
): void {
  const withMounts = options.withMounts ?? withRealMounts;
  const deep = options.deepLayers ?? 130;

  describe(`snapshotter conformance: ${name}`, () => {
    let h: SnapshotSuiteHarness;
    let sn: Snapshotter;
    const ctx = testContext();
    const inside = <T>(mounts: readonly Mount[], fn: (dir: string) => Promise<T>) => withMounts(mounts, h.root, fn);

    /** prepare → write files → commit; returns nothing. `files` maps paths to contents, null deletes. */
    async function layer(nameOf: string, parent: string | undefined, files: Record<string, string | null>) {
      const key = `${nameOf}-active`;
      const mounts = await sn.prepare(ctx, key, parent);
      await inside(mounts, async (dir) => {
        for (const [p, content] of Object.entries(files)) {
          const full = path.join(dir, p);
          if (content === null) await rm(full, { recursive: true });
          else {
            await mkdir(path.dirname(full), { recursive: true });
            await writeFile(full, content);
          }
        }
      });
      await sn.commit(ctx, nameOf, key);
    }

    beforeEach(async () => {
      h = await factory();
      sn = h.snapshotter;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('prepares an empty snapshot, commits it, and shows its files in a view', async () => {
      const mounts = await sn.prepare(ctx, 'base-active');
      expect(isReadonly(mounts)).toBe(false);
      expect((await sn.stat(ctx, 'base-active')).kind).toBe('active');
      await inside(mounts, async (dir) => {
        expect(await readdir(dir)).toEqual([]);
        await mkdir(path.join(dir, 'etc'));
        await writeFile(path.join(dir, 'etc', 'hostname'), 'base\n');
      });
      await sn.commit(ctx, 'base', 'base-active', { labels: { layer: '1' } });
      expect(await codeOf(sn.stat(ctx, 'base-active'))).toBe('not-found');
      const info = await sn.stat(ctx, 'base');
      expect(info).toMatchObject({ kind: 'committed', name: 'base', labels: { layer: '1' } });
      expect(info.parent).toBeUndefined();

      const view = await sn.view(ctx, 'base-view', 'base');
      expect(isReadonly(view)).toBe(true);
      expect((await sn.stat(ctx, 'base-view')).parent).toBe('base');
      await inside(view, async (dir) => {
        expect(await readFile(path.join(dir, 'etc', 'hostname'), 'utf8')).toBe('base\n');
      });
    });

    it('keeps a child layer’s changes out of its parent', async () => {
      await layer('l1', undefined, { 'a.txt': 'a1', 'b.txt': 'b1', 'dir/c.txt': 'c1' });
      await layer('l2', 'l1', { 'a.txt': 'a2', 'b.txt': null, 'dir': null, 'new.txt': 'n2' });

      await inside(await sn.view(ctx, 'v2', 'l2'), async (dir) => {
        expect((await readdir(dir)).sort()).toEqual(['a.txt', 'new.txt']);
        expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('a2');
      });
      await inside(await sn.view(ctx, 'v1', 'l1'), async (dir) => {
        expect((await readdir(dir)).sort()).toEqual(['a.txt', 'b.txt', 'dir']);
        expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('a1');
      });
      // An active snapshot on top sees the child and writes only to itself.
      const top = await sn.prepare(ctx, 'top', 'l2');
      await inside(top, async (dir) => {
        expect(await readFile(path.join(dir, 'new.txt'), 'utf8')).toBe('n2');
        await writeFile(path.join(dir, 'top.txt'), 't');
      });
      await inside(await sn.mounts(ctx, 'top'), async (dir) => {
        expect(await exists(path.join(dir, 'top.txt'))).toBe(true);
      });
      await inside(await sn.view(ctx, 'v2b', 'l2'), async (dir) => {
        expect(await exists(path.join(dir, 'top.txt'))).toBe(false);
      });
    });

    it('stats and walks snapshots with kinds and parents', async () => {
      await layer('p', undefined, { f: '1' });
      await sn.prepare(ctx, 'work', 'p');
      await sn.view(ctx, 'look', 'p');
      const all: Info[] = await collect(sn.walk(ctx));
      expect(all.map((i) => [i.name, i.kind, i.parent])).toEqual([
        ['look', 'view', 'p'],
        ['p', 'committed', undefined],
        ['work', 'active', 'p'],
      ]);
      expect((await collect(sn.walk(ctx, (i) => i.kind === 'active'))).map((i) => i.name)).toEqual(['work']);
      // Another namespace sees none of them.
      expect(await collect(sn.walk(testContext('other-ns')))).toEqual([]);
      expect(await codeOf(sn.stat(testContext('other-ns'), 'p'))).toBe('not-found');
    });

    it('classifies misuse', async () => {
      await layer('c', undefined, { f: '1' });
      await sn.prepare(ctx, 'act');
      await sn.view(ctx, 'vw', 'c');
      expect(await codeOf(sn.prepare(ctx, 'act'))).toBe('already-exists');
      expect(await codeOf(sn.prepare(ctx, 'c'))).toBe('already-exists');
      expect(await codeOf(sn.prepare(ctx, 'x', 'missing'))).toBe('not-found');
      expect(await codeOf(sn.prepare(ctx, 'x', 'act'))).toBe('failed-precondition');
      expect(await codeOf(sn.view(ctx, 'x', 'vw'))).toBe('failed-precondition');
      expect(await codeOf(sn.commit(ctx, 'y', 'vw'))).toBe('failed-precondition');
      expect(await codeOf(sn.commit(ctx, 'y', 'c'))).toBe('failed-precondition');
      expect(await codeOf(sn.commit(ctx, 'c', 'act'))).toBe('already-exists');
      expect(await codeOf(sn.commit(ctx, 'y', 'missing'))).toBe('not-found');
      expect(await codeOf(sn.mounts(ctx, 'c'))).toBe('failed-precondition');
      expect(await codeOf(sn.stat(ctx, 'missing'))).toBe('not-found');
      expect(await codeOf(sn.usage(ctx, 'missing'))).toBe('not-found');
      expect(await codeOf(sn.remove(ctx, 'missing'))).toBe('not-found');
      expect(await codeOf(sn.prepare(ctx, ''))).toBe('invalid-argument');
      // Failed attempts left nothing behind.
      expect((await collect(sn.walk(ctx))).map((i) => i.name)).toEqual(['act', 'c', 'vw']);
    });

    it('refuses to remove a snapshot with children, and removes it once they are gone', async () => {
      await layer('parent', undefined, { f: '1' });
      await layer('child', 'parent', { g: '2' });
      await sn.view(ctx, 'child-view', 'child');
      expect(await codeOf(sn.remove(ctx, 'parent'))).toBe('failed-precondition');
      expect(await codeOf(sn.remove(ctx, 'child'))).toBe('failed-precondition');
      await sn.remove(ctx, 'child-view');
      await sn.remove(ctx, 'child');
      await sn.remove(ctx, 'parent');
      expect(await collect(sn.walk(ctx))).toEqual([]);
      // Names are free again.
      await layer('parent', undefined, { f: '3' });
      await inside(await sn.view(ctx, 'v', 'parent'), async (dir) => {
        expect(await readFile(path.join(dir, 'f'), 'utf8')).toBe('3');
      });
    });

    it('updates labels by field path', async () => {
      await sn.prepare(ctx, 'lbl', undefined, { labels: { a: '1', b: '2' } });
      expect((await sn.update(ctx, { name: 'lbl', labels: { c: '3' } }, ['labels.c'])).labels).toEqual({
        a: '1',
        b: '2',
        c: '3',
      });
      expect((await sn.update(ctx, { name: 'lbl', labels: {} }, ['labels.a'])).labels).toEqual({ b: '2', c: '3' });
      expect((await sn.update(ctx, { name: 'lbl', labels: { only: 'x' } })).labels).toEqual({ only: 'x' });
      expect(await codeOf(sn.update(ctx, { name: 'lbl', labels: {} }, ['kind']))).toBe('invalid-argument');
    });

    it('reports the disk usage of a snapshot’s own layer', async () => {
      const mounts = await sn.prepare(ctx, 'u');
      const before = await sn.usage(ctx, 'u');
      await inside(mounts, async (dir) => {
        await writeFile(path.join(dir, 'big'), Buffer.alloc(256 * 1024, 1));
        await mkdir(path.join(dir, 'd'));
      });
      const after = await sn.usage(ctx, 'u');
      expect(after.size - before.size).toBeGreaterThanOrEqual(256 * 1024);
      expect(after.inodes - before.inodes).toBe(2);
      await sn.commit(ctx, 'u-done', 'u');
      expect(await sn.usage(ctx, 'u-done')).toEqual(after);
    });

    it(`mounts a chain of ${deep} layers with every layer's changes in place`, async () => {
      let parent: string | undefined;
      for (let i = 0; i < deep; i++) {
        const files: Record<string, string | null> = { [`layer-${i}`]: String(i), shared: String(i) };
        if (i % 10 === 9) files[`layer-${i - 1}`] = null; // every tenth layer deletes its parent's file
        await layer(`deep-${i}`, parent, files);
        parent = `deep-${i}`;
      }
      const check = async (dir: string) => {
        const names = new Set(await readdir(dir));
        for (let i = 0; i < deep; i++) {
          const deleted = i % 10 === 8 && i + 1 < deep;
          expect(names.has(`layer-${i}`), `layer-${i}`).toBe(!deleted);
        }
        expect(await readFile(path.join(dir, 'shared'), 'utf8')).toBe(String(deep - 1));
      };
      await inside(await sn.view(ctx, 'deep-view', parent), check);
      const top = await sn.prepare(ctx, 'deep-top', parent);
      await inside(top, async (dir) => {
        await check(dir);
        await writeFile(path.join(dir, 'top'), 'x');
      });
    });

    it('leaves no mounts behind and keeps live snapshots through cleanup', async () => {
      await layer('keep', undefined, { f: 'kept' });
      await sn.prepare(ctx, 'keep-active', 'keep');
      await sn.prepare(ctx, 'gone');
      await sn.remove(ctx, 'gone');
      await sn.cleanup(ctx);
      expect(await mountPointsUnder(h.root)).toEqual([]);
      expect((await collect(sn.walk(ctx))).map((i) => i.name)).toEqual(['keep', 'keep-active']);
      await inside(await sn.mounts(ctx, 'keep-active'), async (dir) => {
        expect(await readFile(path.join(dir, 'f'), 'utf8')).toBe('kept');
      });
      expect(await mountPointsUnder(h.root)).toEqual([]);
    });
  });
}
