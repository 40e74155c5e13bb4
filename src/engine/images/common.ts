/**
 * Small pieces shared by pull, load, import and the service: where layers are staged, which platform to unpack,
 * the cached summary of an image, and how an operation's lease ends.
 */
import path from 'node:path';
import { hasCode } from '../errdefs.js';
import { Nerdctl } from '../labels.js';
import type { Storage } from '../metadata/storage.js';
import type { Snapshotter } from '../snapshots/types.js';
import type { OpContext } from '../op-context.js';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from '../platforms.js';
import type { ImageConfigFile, Manifest } from './manifest.js';
import type { ImageSummary } from './store.js';

/**
 * Where overlayfs layers are staged before their snapshot exists: inside the snapshotter's directory (same file
 * system, so a staged layer moves into its snapshot by a rename), under a name the snapshotter's own cleanup leaves
 * alone; unpack.ts removes debris of dead processes there.
 */
export function stagingRootOf(storage: Storage, snapshotter: string): string {
  return path.join(storage.dataRoot, 'snapshots', snapshotter, 'staging');
}


/** The image among `images` to unpack: the first wanted platform, else the host's, else the first. */
export function chooseUnpackTarget<T extends { platform: Platform }>(images: readonly T[], wanted?: readonly Platform[]): T | undefined {
  for (const w of wanted && wanted.length > 0 ? wanted : [hostPlatform()]) {
    const hit = images.find((i) => platformMatches(w, i.platform));
    if (hit !== undefined) return hit;
  }
  return images[0];
}

/** Summary cached on the record: image ID, created, sizes, platform. */
export function summaryOf(img: { manifest: Manifest; config: ImageConfigFile; platform: Platform }, layerSizes: readonly number[] | undefined): ImageSummary {
  return {
    id: img.manifest.config.digest,
    ...(img.config.created !== undefined ? { created: img.config.created } : {}),
    ...(layerSizes !== undefined ? { size: layerSizes.reduce((a, b) => a + b, 0), layerSizes: [...layerSizes] } : {}),
    platform: formatPlatform(img.platform),
  };
}

/**
 * Ends an operation's lease: deleted on success; on failure deleted and garbage collected at once so nothing
 * half-done stays; kept when canceled so that the work can resume (it expires by itself).
 */
export async function finishLease(ctx: OpContext, storage: Storage, leaseId: string, outcome: 'ok' | 'canceled' | 'failed'): Promise<void> {
  if (outcome === 'canceled') {
    ctx.log.debug('keeping lease of a canceled operation for resuming', { lease: leaseId });
    return;
  }
  try {
    await storage.leases.delete(ctx, leaseId);
  } catch (err) {
    ctx.log.warn('failed to delete lease', { lease: leaseId, error: err });
    return;
  }
  if (outcome === 'failed') {
    try {
      await storage.gc.collect({ log: ctx.log });
    } catch (err) {
      ctx.log.warn('garbage collection after a failed operation failed', { error: err });
    }
  }
}

/** The label on a committed layer snapshot holding its size (see {@link LayerSizeCounter}). */
export const LAYER_SIZE_LABEL = Nerdctl.layerSize;

/** True when the snapshotter has `name` committed. */
export async function snapshotExists(ctx: OpContext, sn: Snapshotter, name: string): Promise<boolean> {
  try {
    const info = await sn.stat(ctx, name);
    return info.kind === 'committed';
  } catch (err) {
    if (hasCode(err, 'not-found')) return false;
    throw err;
  }
}

/** The recorded size of a committed layer snapshot: its label, else its disk usage. */
export async function layerSize(ctx: OpContext, sn: Snapshotter, chainId: string): Promise<number | undefined> {
  try {
    const info = await sn.stat(ctx, chainId);
    const v = Number(info.labels[LAYER_SIZE_LABEL]);
    if (Number.isSafeInteger(v) && v >= 0) return v;
    return (await sn.usage(ctx, chainId)).size;
  } catch (err) {
    if (hasCode(err, 'not-found')) return undefined;
    throw err;
  }
}

