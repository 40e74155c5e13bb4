/**
 * The image step of `create` for an image that is already here, without the image service: find the record
 * (images/find.ts, Docker's lookup), open its platform content (images/open.ts) and check that its top layer is
 * unpacked. This is exactly what ImageService.ensure and unpack do when nothing has to be pulled or unpacked, but
 * it loads only the record store and manifest parsing — not the registry client, the layer archive code or the
 * TOML and tar libraries the full service brings — which takes a good part of the time off `run`.
 * Anything else (a pull, an unpack) goes to the image service.
 */
import type { Digest } from '../digest.js';
import { hasCode } from '../errdefs.js';
import { findImage } from '../images/find.js';
import { openImage } from '../images/open.js';
import { createImageStore } from '../images/store.js';
import type { ImageContent } from '../images/types.js';
import type { Storage } from '../metadata/storage.js';
import type { OpContext } from '../op-context.js';
import type { Platform } from '../platforms.js';

/** The local image `ref` names, opened for `platform`; undefined when it (or its content) is not here. */
export async function openLocalImage(storage: Storage, ctx: OpContext, ref: string, platform?: Platform): Promise<ImageContent | undefined> {
  try {
    const store = createImageStore(storage.db);
    const record = findImage(store, ctx.namespace, ref).records[0];
    if (!record) return undefined;
    return await openImage(ctx, storage.content, record, platform);
  } catch (err) {
    if (hasCode(err, 'not-found')) return undefined;
    throw err;
  }
}

/** The image's top chain ID when it is unpacked (committed) in `snapshotter`, else undefined. */
export async function unpackedTop(storage: Storage, ctx: OpContext, snapshotter: string, content: ImageContent): Promise<Digest | undefined> {
  const top = content.chainIds[content.chainIds.length - 1];
  if (top === undefined) return undefined;
  try {
    const info = await storage.snapshotterFor(snapshotter).stat(ctx, top);
    return info.kind === 'committed' ? top : undefined;
  } catch (err) {
    if (hasCode(err, 'not-found')) return undefined;
    throw err;
  }
}
