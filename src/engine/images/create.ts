/**
 * Making an image from a config and layer blobs that are already in the content store: write the config and a
 * manifest, label them for garbage collection, unpack, and record the name. Used by `import`, `load` of
 * docker-archives, and by build/commit.
 */
import type { Digest } from '../digest.js';
import { sha256Digest } from '../digest.js';
import { invalidArgument } from '../errdefs.js';
import { GC } from '../labels.js';
import type { Storage } from '../metadata/storage.js';
import type { OpContext } from '../op-context.js';
import { formatReference, parseReference } from '../reference.js';
import { MediaTypes, type Descriptor } from '../remotes/types.js';
import { ensureLabels, storeBytes } from './content-util.js';
import { chainIds, childLabels, configPlatform, parseConfig, type ImageConfigFile, type Manifest } from './manifest.js';
import { stagingRootOf, summaryOf } from './common.js';
import { danglingName, type ImageSource, type ImageStore } from './store.js';
import type { ImageContent } from './types.js';
import type { LayerApplier } from './layer-worker.js';
import { unpackImageLayers, type UnpackImageOptions } from './unpack.js';

/** Worker threads and staging for unpacking, when the engine provides them. */
export async function unpackOptions(deps: CreateDeps, snapshotter: string): Promise<UnpackImageOptions> {
  if (deps.applier === undefined) return {};
  return { applier: await deps.applier(), stagingRoot: stagingRootOf(deps.storage, snapshotter) };
}

/** What image creation needs from the engine. */
export interface CreateDeps {
  readonly storage: Storage;
  readonly store: ImageStore;
  readonly defaultSnapshotter: string;
  /** Applies layers in worker threads (see layer-worker.ts). */
  readonly applier?: () => Promise<LayerApplier>;
}

/** Options of {@link createImage}. */
export interface CreateImageInput {
  /** Record names (references, normalised here); a dangling image when empty. */
  names: readonly string[];
  /** The config bytes exactly as they are to be stored (the image ID is their digest). */
  configBytes: Uint8Array;
  layers: readonly Descriptor[];
  format?: 'oci' | 'docker';
  labels?: Record<string, string>;
  source: ImageSource;
  /** Snapshotter to unpack into; nothing is unpacked when undefined. */
  snapshotter?: string;
  /** Per-layer sizes when known without unpacking. */
  layerSizes?: readonly number[];
}

/** Serialises a config the way it will be stored: compact JSON, keys as given. */
export function configBytesOf(config: ImageConfigFile): Buffer {
  return Buffer.from(JSON.stringify(config));
}

/**
 * Creates the image (see the file header). `ctx` should carry a lease: the blobs written here are unreferenced
 * until the record exists. Errors: invalid-argument (layer count and diff IDs disagree, bad names, a layer that
 * does not unpack), not-found (a layer blob is missing).
 */
export async function createImage(ctx: OpContext, deps: CreateDeps, input: CreateImageInput): Promise<ImageContent> {
  const content = deps.storage.content;
  const config = parseConfig(input.configBytes);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== input.layers.length) {
    throw invalidArgument(`image config lists ${diffIds.length} layers, ${input.layers.length} were given`);
  }
  const names = input.names.map((n) => formatReference(parseReference(n)));
  const docker = input.format === 'docker';
  const configDesc: Descriptor = {
    mediaType: docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
    digest: sha256Digest(input.configBytes),
    size: input.configBytes.byteLength,
  };
  await storeBytes(ctx, content, configDesc, input.configBytes, {}, 'config');
  for (let i = 0; i < input.layers.length; i++) {
    await ensureLabels(ctx, content, input.layers[i]!.digest, { [GC.uncompressed]: diffIds[i]! });
  }
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
    config: configDesc,
    layers: input.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDesc: Descriptor = { mediaType: manifest.mediaType!, digest: sha256Digest(manifestBytes), size: manifestBytes.length };
  await storeBytes(ctx, content, manifestDesc, manifestBytes, childLabels(manifestDesc.mediaType, manifestBytes), 'manifest');

  const chains = chainIds(diffIds);
  let sizes = input.layerSizes !== undefined ? [...input.layerSizes] : undefined;
  if (input.snapshotter !== undefined) {
    sizes = await unpackImageLayers(
      ctx,
      content,
      deps.storage.snapshotterFor(input.snapshotter),
      { layers: input.layers, diffIds, chainIds: chains, configDigest: configDesc.digest as Digest },
      await unpackOptions(deps, input.snapshotter),
    );
  }
  const platform = configPlatform(config);
  const summary = summaryOf({ manifest, config, platform }, sizes);
  let record = undefined;
  for (const name of names.length > 0 ? names : [danglingName(manifestDesc.digest as Digest)]) {
    record = deps.store.put(ctx.namespace, { name, target: manifestDesc, labels: input.labels ?? {}, summary, source: input.source }).record;
  }
  return {
    image: record!,
    manifestDescriptor: manifestDesc,
    manifest,
    configDescriptor: configDesc,
    config,
    id: configDesc.digest as Digest,
    platform,
    diffIds,
    chainIds: chains,
  };
}
