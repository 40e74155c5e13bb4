/**
 * The image-users hook the containers service fills: `rmi` refuses an image a container uses, as Docker does, and
 * `image prune -a` keeps it. Driven through the image service with a fake provider (containers do not exist yet).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createImageService } from '../../src/engine/images/service.js';
import type { ImageService, ImageUser } from '../../src/engine/images/types.js';
import { nullLogger } from '../../src/engine/log.js';
import { openStorage, type Storage } from '../../src/engine/metadata/storage.js';
import type { OpContext } from '../../src/engine/op-context.js';
import { isRoot } from '../helpers/cli.js';
import { busyboxRootfs, makeTar } from '../helpers/image-fixtures.js';

describe.skipIf(!isRoot())('images: users (containers) block removal', () => {
  let dir: string;
  let storage: Storage;
  let images: ImageService;
  let users: ImageUser[];
  const seen: { id: string | undefined; names: readonly string[] }[] = [];
  const ctx: OpContext = { namespace: 'default', signal: new AbortController().signal, log: nullLogger };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-test-users-'));
    storage = openStorage({ dataRoot: dir, snapshotter: 'native', syncBlobs: false });
    users = [];
    seen.length = 0;
    images = createImageService({
      storage,
      snapshotter: 'native',
      resolver: () => {
        throw new Error('no registry in this test');
      },
      users: async (_ctx, image) => {
        seen.push({ id: image.id, names: image.names });
        return users;
      },
      layerThreads: 0,
    });
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const importImage = async (name: string, marker: string) =>
    images.import(ctx, Readable.from([await makeTar(busyboxRootfs([{ path: 'm', content: marker }]))]), { name });

  it('refuses to untag the last name of an image a stopped container uses, unless forced', async () => {
    const img = await importImage('app:1', 'a');
    users = [{ id: 'c0ffee'.padEnd(64, '0'), running: false }];
    await expect(images.remove(ctx, 'app:1')).rejects.toThrow(
      `conflict: unable to remove repository reference "app:1" (must force) - container c0ffee000000 is using its referenced image ${img.summary.id!.slice(7, 19)}`,
    );
    expect(seen[0]).toEqual({ id: img.summary.id, names: ['docker.io/library/app:1'] });
    // Forced: the name goes, the image stays (dangling) with its content and snapshots.
    expect(await images.remove(ctx, 'app:1', { force: true })).toEqual({ untagged: ['app:1'], deleted: [] });
    const left = await images.list(ctx);
    expect(left.map((r) => r.name)).toEqual([`<none>@${img.target.digest}`]);
    await images.open(ctx, left[0]!);
  });

  it('refuses to delete by ID an image a running container uses, even forced', async () => {
    const img = await importImage('app:1', 'a');
    users = [{ id: 'beef'.padEnd(64, '1'), running: true }];
    await expect(images.remove(ctx, img.summary.id!, { force: true })).rejects.toThrow(/\(cannot be forced\) - image is being used by running container beef11111111/);
    users = [];
    const r = await images.remove(ctx, img.summary.id!);
    expect(r.untagged).toEqual(['app:1']);
    expect(r.deleted[0]).toBe(img.summary.id);
  });

  it('keeps used images on prune -a and removes the others', async () => {
    const a = await importImage('a:1', 'a');
    await importImage('b:1', 'b');
    users = [];
    const provider = async (_c: OpContext, image: { names: readonly string[] }) =>
      image.names.includes('docker.io/library/a:1') ? [{ id: 'x'.repeat(64), running: false }] : [];
    images.setUsersProvider(provider);
    const r = await images.prune(ctx, { all: true });
    expect(r.untagged).toEqual(['b:1']);
    expect(r.reclaimed).toBeGreaterThan(0);
    expect((await images.list(ctx)).map((i) => i.name)).toEqual(['docker.io/library/a:1']);
    expect((await images.get(ctx, 'a:1')).summary.id).toBe(a.summary.id);
  });
});
