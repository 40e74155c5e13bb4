/**
 * Reading an image's platform content from the content store: the manifest of the wanted platform (through the
 * index when the record's target is one), the config, and the layer chain IDs.
 */
import type { ContentStore } from '../content/types.js';
import type { Digest } from '../digest.js';
import { hasCode, notFound } from '../errdefs.js';
import type { OpContext } from '../op-context.js';
import { hostPlatform, parsePlatform, type Platform } from '../platforms.js';
import type { Descriptor } from '../remotes/types.js';
import { hasBlob, readBytes } from './content-util.js';
import { chainIds, configPlatform, isIndexType, noMatchingManifest, parseConfig, parseIndex, parseManifest, selectManifests } from './manifest.js';
import type { ImageRecord } from './store.js';
import type { ImageContent } from './types.js';

/** The platforms to try for a record: the one it was pulled or unpacked for, then this host's. */
export function platformOfRecord(record: ImageRecord): Platform[] {
  const out: Platform[] = [];
  if (record.summary.platform !== undefined) {
    try {
      out.push(parsePlatform(record.summary.platform));
    } catch {
      // an odd stored platform falls back to the host's
    }
  }
  out.push(hostPlatform());
  return out;
}

async function read(ctx: OpContext, content: ContentStore, desc: Descriptor, name: string): Promise<Buffer> {
  try {
    return await readBytes(ctx, content, desc);
  } catch (err) {
    if (hasCode(err, 'not-found')) {
      throw notFound({ kind: 'content', ref: desc.digest }, { cause: err, hint: `the content of image ${name} is incomplete; pull it again` });
    }
    throw err;
  }
}

/**
 * Opens the content of `record` for `platform`. Without a platform: the record's summary platform, else this
 * host's, else (an index without a match) the first platform present locally. not-found when the content is
 * missing or the index has no manifest for an explicitly wanted platform.
 */
export async function openImage(
  ctx: OpContext,
  content: ContentStore,
  record: ImageRecord,
  platform?: Platform,
): Promise<ImageContent> {
  let manifestDesc = record.target;
  if (isIndexType(record.target.mediaType)) {
    const index = parseIndex(await read(ctx, content, record.target, record.name), record.target.digest);
    const wanted = platform !== undefined ? [platform] : platformOfRecord(record);
    let chosen: Descriptor | undefined;
    for (const w of wanted) {
      let pick: Descriptor | undefined;
      try {
        pick = selectManifests(index, { platforms: [w] })[0];
      } catch (err) {
        if (!hasCode(err, 'not-found')) throw err;
      }
      if (pick !== undefined && (await hasBlob(ctx, content, pick.digest))) {
        chosen = pick;
        break;
      }
    }
    if (chosen === undefined && platform === undefined) {
      for (const m of index.manifests) {
        if (await hasBlob(ctx, content, m.digest)) {
          chosen = m;
          break;
        }
      }
    }
    if (chosen === undefined) throw noMatchingManifest(platform ?? hostPlatform());
    manifestDesc = chosen;
  }
  const manifest = parseManifest(await read(ctx, content, manifestDesc, record.name), manifestDesc.mediaType, manifestDesc.digest);
  const config = parseConfig(await read(ctx, content, manifest.config, record.name), manifest.config.digest);
  const diffIds = config.rootfs.diff_ids;
  return {
    image: record,
    manifestDescriptor: manifestDesc,
    manifest,
    configDescriptor: manifest.config,
    config,
    id: manifest.config.digest as Digest,
    platform: configPlatform(config),
    diffIds,
    chainIds: chainIds(diffIds),
  };
}
