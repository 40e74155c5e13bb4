/**
 * `builder prune`: removes build cache records and `RUN --mount=type=cache` directories, then collects the
 * snapshots and layer blobs nothing else holds, and reports the space reclaimed.
 *
 * Without `all`, records whose layer belongs to an image that exists are kept (their data cannot be reclaimed
 * anyway, and they keep rebuilds of that image fast), which is what "dangling" means here; with `all` every record
 * goes. Cache mount directories are removed in both cases, except one a running build holds locked.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { OpContext } from '../engine/op-context.js';
import { openImage } from '../engine/images/open.js';
import { cacheMountsRoot, treeSize } from './cache-mounts.js';
import type { ExecuteDeps } from './execute-session.js';

export interface PruneBuildCacheResult {
  /** Keys of the removed records. */
  removed: string[];
  /** Bytes freed (snapshots, blobs and cache mounts). */
  reclaimed: number;
}

/** See the module comment. */
export async function pruneBuildCache(ctx: OpContext, deps: ExecuteDeps, options: { all?: boolean } = {}): Promise<PruneBuildCacheResult> {
  const ns = ctx.namespace;
  const records = deps.cache.list(ns);
  let keep = new Set<string>();
  if (options.all !== true) {
    const layers = new Set<string>();
    for (const img of deps.imageStore.list(ns)) {
      try {
        const c = await openImage(ctx, deps.storage.content, img);
        for (const l of c.manifest.layers) layers.add(l.digest);
      } catch {
        // an image whose content is gone holds nothing
      }
    }
    keep = new Set(records.filter((r) => r.kind === 'fs' && r.layer !== undefined && layers.has(r.layer.digest)).map((r) => r.key));
  }
  const removed = records.filter((r) => !keep.has(r.key)).map((r) => r.key);
  deps.cache.remove(ns, removed);

  let reclaimed = 0;
  const mounts = cacheMountsRoot(deps.storage.dataRoot, ns);
  if (existsSync(mounts)) {
    for (const name of readdirSync(mounts)) {
      if (name.endsWith('.lock')) continue;
      if (existsSync(path.join(mounts, `${name}.lock`))) continue;
      const dir = path.join(mounts, name);
      reclaimed += treeSize(dir);
      rmSync(dir, { recursive: true, force: true });
      removed.push(`cache-mount:${name}`);
    }
  }
  const gc = await deps.storage.gc.collect({ log: ctx.log, measureSnapshots: true });
  reclaimed += gc.blobBytes + gc.snapshotBytes;
  return { removed, reclaimed };
}
