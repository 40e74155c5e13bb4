/**
 * Small content-store steps the image pipeline repeats: store a small blob with GC labels (adding the labels when
 * the blob was there already), read and parse JSON blobs, test presence.
 */
import type { ContentStore } from '../content/types.js';
import { readBlob, writeBlob } from '../content/helpers.js';
import type { Digest } from '../digest.js';
import { hasCode } from '../errdefs.js';
import { GC } from '../labels.js';
import type { OpContext } from '../op-context.js';
import type { Descriptor } from '../remotes/types.js';

/** True when the namespace has the blob. */
export async function hasBlob(ctx: OpContext, content: ContentStore, digest: Digest): Promise<boolean> {
  try {
    await content.info(ctx, digest);
    return true;
  } catch (err) {
    if (hasCode(err, 'not-found')) return false;
    throw err;
  }
}

/**
 * Adds `labels` to a blob's labels where they differ (one update with field paths, nothing when all are set).
 * `containerd.io/distribution.source.*` values are comma-separated lists: a new repository is appended.
 */
export async function ensureLabels(
  ctx: OpContext,
  content: ContentStore,
  digest: Digest,
  labels: Record<string, string>,
): Promise<void> {
  if (Object.keys(labels).length === 0) return;
  const info = await content.info(ctx, digest);
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    const cur = info.labels[k];
    if (k.startsWith(GC.distributionSourcePrefix) && cur !== undefined && cur !== '') {
      const repos = cur.split(',');
      if (!repos.includes(v)) next[k] = [...repos, v].join(',');
    } else if (cur !== v) {
      next[k] = v;
    }
  }
  const paths = Object.keys(next).map((k) => `labels.${k}`);
  if (paths.length === 0) return;
  await content.update(ctx, { digest, labels: next }, paths);
}

/**
 * Stores small content (a manifest, index or config) whose bytes are in memory, verified against `desc`, with
 * `labels`. Present content keeps its data and gets the labels added.
 */
export async function storeBytes(
  ctx: OpContext,
  content: ContentStore,
  desc: Pick<Descriptor, 'digest' | 'size'>,
  bytes: Uint8Array,
  labels: Record<string, string> = {},
  refPrefix = 'blob',
): Promise<void> {
  const existed = await hasBlob(ctx, content, desc.digest);
  if (!existed) {
    await writeBlob(content, ctx, bytes, { digest: desc.digest, size: desc.size }, { ref: `${refPrefix}-${desc.digest}`, labels });
  }
  // A blob that another writer committed first (or that existed) may lack our labels.
  await ensureLabels(ctx, content, desc.digest, labels);
}

/** Reads a small blob whole. */
export async function readBytes(ctx: OpContext, content: ContentStore, desc: Pick<Descriptor, 'digest'> & { size?: number }): Promise<Buffer> {
  return readBlob(content, ctx, { digest: desc.digest, ...(desc.size !== undefined ? { size: desc.size } : {}) });
}

/** The config key of a registry's distribution-source label (`containerd.io/distribution.source.<domain>`). */
export function distributionSourceLabel(domain: string): string {
  return `${GC.distributionSourcePrefix}${domain}`;
}
