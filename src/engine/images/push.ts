/**
 * Push: blobs first (config and layers; a cross-repository mount when the blob's
 * `containerd.io/distribution.source.<registry>` label names another repository of the same registry), then the
 * platform manifests, then the tagged root. By default only the platform in use is pushed, as a plain manifest
 * (what Docker pushes); `allPlatforms` pushes the whole index, which needs every platform's content.
 */
import { Transform } from 'node:stream';
import type { Digest } from '../digest.js';
import { shortId } from '../digest.js';
import { EngineError, hasCode, notFound } from '../errdefs.js';
import type { Storage } from '../metadata/storage.js';
import type { OpContext } from '../op-context.js';
import { familiarRepository, formatReference, parseReference, repositoryName, type Reference } from '../reference.js';
import type { Descriptor, Pusher, Resolver } from '../remotes/index.js';
import { distributionSourceLabel, ensureLabels, hasBlob, readBytes } from './content-util.js';
import { isIndexType, parseConfig, parseIndex, parseManifest, selectManifests } from './manifest.js';
import type { ImageStore } from './store.js';
import type { ImageProgressEvent, PushOptions, PushResult } from './types.js';
import { platformOfRecord } from './open.js';

/** What push needs from the engine. */
export interface PushDeps {
  readonly storage: Storage;
  readonly store: ImageStore;
  readonly resolver: () => Resolver | Promise<Resolver>;
}

/** Docker's error for pushing a name that has no local image. */
function noSuchTag(ref: Reference): EngineError {
  return new EngineError('not-found', `An image does not exist locally with the tag: ${familiarRepository(ref)}`, {
    subject: { kind: 'object', ref: formatReference(ref) },
  });
}

/** Pushes the local image named `refText`; see the file header. */
export async function pushImage(ctx: OpContext, deps: PushDeps, refText: string, options: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(refText);
  const name = formatReference(ref);
  const record = deps.store.get(ctx.namespace, name);
  if (record === undefined) throw noSuchTag(ref);
  const content = deps.storage.content;
  const emit = options.onProgress ?? (() => {});
  const resolver = await deps.resolver();
  const pusher = resolver.pusher(ctx, name);
  emit({ kind: 'push-start', repository: repositoryName(ref) });

  const sourceKey = distributionSourceLabel(ref.domain);
  let root: Descriptor = record.target;
  let rootBytes = await readBytes(ctx, content, root).catch((err: unknown) => {
    if (hasCode(err, 'not-found')) throw notFound({ kind: 'content', ref: root.digest }, { hint: `the content of ${name} is incomplete` });
    throw err;
  });
  const manifests: { desc: Descriptor; bytes: Buffer }[] = [];
  if (isIndexType(root.mediaType)) {
    const index = parseIndex(rootBytes, root.digest);
    if (options.allPlatforms) {
      for (const m of index.manifests) {
        if (!(await hasBlob(ctx, content, m.digest))) {
          throw notFound({ kind: 'content', ref: m.digest }, { hint: 'pull the image with --all-platforms before pushing all platforms' });
        }
        manifests.push({ desc: m, bytes: await readBytes(ctx, content, m) });
      }
    } else {
      const wanted = options.platforms && options.platforms.length > 0 ? options.platforms : platformOfRecord(record);
      const [chosen] = selectManifests(index, { platforms: wanted });
      if (chosen === undefined || !(await hasBlob(ctx, content, chosen.digest))) {
        throw notFound({ kind: 'content', ref: chosen?.digest ?? root.digest }, { hint: 'the platform is not present locally' });
      }
      // Like Docker, push the platform's manifest itself under the tag.
      root = chosen;
      rootBytes = await readBytes(ctx, content, chosen);
      manifests.push({ desc: chosen, bytes: rootBytes });
    }
  } else {
    manifests.push({ desc: root, bytes: rootBytes });
  }

  for (const m of manifests) {
    const manifest = parseManifest(m.bytes, m.desc.mediaType, m.desc.digest);
    const config = parseConfig(await readBytes(ctx, content, manifest.config), manifest.config.digest);
    const layers = manifest.layers.map((desc, i) => ({ desc, id: shortId(config.rootfs.diff_ids[i] ?? desc.digest) }));
    for (const l of layers) emit({ kind: 'layer', id: l.id, digest: l.desc.digest, status: 'preparing' });
    // Layers in parallel (three at once, as Docker), then the config.
    let next = 0;
    const worker = async () => {
      for (;;) {
        const l = layers[next++];
        if (l === undefined) return;
        await pushBlob(ctx, deps, pusher, l.desc, sourceKey, ref, (status, extra) =>
          emit({ kind: 'layer', id: l.id, digest: l.desc.digest, status, ...extra }),
        );
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    await pushBlob(ctx, deps, pusher, manifest.config, sourceKey, ref, () => {});
  }
  for (const m of manifests) {
    if (m.desc.digest === root.digest) continue;
    await pusher.pushManifest(ctx, m.desc, m.bytes);
  }
  const tag = ref.tag ?? 'latest';
  await pusher.pushManifest(ctx, root, rootBytes, ref.digest !== undefined ? {} : { tag });
  deps.store.setRepoDigest(ctx.namespace, name, root.digest);
  return { name, tag, digest: root.digest as Digest, size: root.size };
}

async function pushBlob(
  ctx: OpContext,
  deps: PushDeps,
  pusher: Pusher,
  desc: Descriptor,
  sourceKey: string,
  ref: Reference,
  report: (status: 'pushing' | 'pushed' | 'mounted' | 'exists', extra?: { current?: number; total?: number; from?: string }) => void,
): Promise<void> {
  const content = deps.storage.content;
  let info;
  try {
    info = await content.info(ctx, desc.digest);
  } catch (err) {
    if (hasCode(err, 'not-found')) throw notFound({ kind: 'content', ref: desc.digest }, { hint: 'the image content is incomplete (pulled for another platform?)' });
    throw err;
  }
  const sources = (info.labels[sourceKey] ?? '').split(',').filter((s) => s !== '' && s !== ref.path);
  const status = await pusher.pushBlob(
    ctx,
    desc,
    async () => {
      const stream = await content.createReadStream(ctx, desc);
      let sent = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sent += chunk.length;
          report('pushing', { current: sent, total: desc.size });
          cb(null, chunk);
        },
      });
      stream.on('error', (e) => meter.destroy(e));
      return stream.pipe(meter);
    },
    sources.length > 0 ? { mountFrom: sources } : {},
  );
  if (status === 'mounted') report('mounted', { from: sources[0]! });
  else if (status === 'exists') report('exists');
  else report('pushed');
  await ensureLabels(ctx, content, desc.digest, { [sourceKey]: ref.path });
}

/** Event type re-export for command code. */
export type { ImageProgressEvent };
