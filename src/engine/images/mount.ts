/**
 * `image mount IMAGE DIR` / `image unmount DIR` (ctr's `images mount`): a view (or, with `rw`, an active
 * snapshot) on the image's top chain, mounted on DIR. The snapshot's key is derived from DIR and it lives in a lease
 * of its own (no expiry), so garbage collection keeps it, and the image's layers under it, until unmount.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import { EngineError, hasCode, invalidArgument, isErrno, notFound } from '../errdefs.js';
import { Nerdctl } from '../labels.js';
import type { Storage } from '../metadata/storage.js';
import { isMountPoint, mountAll, unmount } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';
import type { Snapshotter } from '../snapshots/types.js';
import type { ImageContent } from './types.js';

/** The snapshot key and lease id of a mount on `dir` (absolute). */
export function mountIds(dir: string): { key: string; lease: string } {
  const h = createHash('sha256').update(dir).digest('hex').slice(0, 24);
  return { key: `image-mount:${dir}`, lease: `image-mount-${h}` };
}

function absDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    if (!statSync(abs).isDirectory()) throw invalidArgument(`"${dir}" is not a directory`);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound({ kind: 'file', ref: dir }, { hint: 'create the mount point first' });
    throw err;
  }
  return abs;
}

/**
 * Mounts `content`'s root filesystem (already unpacked at `chainId` in `sn`) on `dir`. conflict when something is
 * mounted there by `image mount` already. A failure leaves no snapshot or lease behind.
 */
export async function mountImage(
  ctx: OpContext,
  storage: Storage,
  sn: Snapshotter,
  chainId: string,
  dir: string,
  options: { rw?: boolean; content?: ImageContent } = {},
): Promise<string> {
  const abs = absDir(dir);
  const ids = mountIds(abs);
  try {
    await storage.leases.create(ctx, { id: ids.lease, labels: { [Nerdctl.imageMount]: abs } });
  } catch (err) {
    if (hasCode(err, 'already-exists')) {
      throw new EngineError('conflict', `an image is already mounted on "${abs}"`, { hint: `unmount it first with "nerdctl image unmount ${dir}"` });
    }
    throw err;
  }
  const lctx: OpContext = { ...ctx, lease: ids.lease };
  let snapshotted = false;
  try {
    const mounts = options.rw ? await sn.prepare(lctx, ids.key, chainId) : await sn.view(lctx, ids.key, chainId);
    snapshotted = true;
    await mountAll(mounts, abs);
    return abs;
  } catch (err) {
    if (snapshotted) await sn.remove(ctx, ids.key).catch(() => {});
    await storage.leases.delete(ctx, ids.lease).catch(() => {});
    throw err;
  }
}

/**
 * Unmounts `dir` and removes the snapshot and lease of its `image mount`. not-found when no image was mounted there
 * (a plain mount on `dir` is still unmounted first, as ctr does).
 */
export async function unmountImage(ctx: OpContext, storage: Storage, snapshotters: readonly Snapshotter[], dir: string): Promise<string> {
  const abs = path.resolve(dir);
  const ids = mountIds(abs);
  const wasMounted = await isMountPoint(abs).catch(() => false);
  if (wasMounted) await unmount(abs, { recursive: true });
  let found = false;
  for (const sn of snapshotters) {
    try {
      await sn.remove(ctx, ids.key);
      found = true;
    } catch (err) {
      if (!hasCode(err, 'not-found')) throw err;
    }
  }
  try {
    await storage.leases.delete(ctx, ids.lease);
    found = true;
  } catch (err) {
    if (!hasCode(err, 'not-found')) throw err;
  }
  if (!found && !wasMounted) throw new EngineError('not-found', `no image is mounted on "${abs}"`);
  return abs;
}
