/**
 * The image service: everything the CLI and the other engine services do with images (containerd's
 * `client.Pull/Push/Image`, the images store, `archive.Import/Export` and the unpacker, behind one interface).
 *
 * Model. An image is a named record (see store.ts) pointing at a root descriptor in the content store: a manifest,
 * or an index (manifest list) with one manifest per platform. A manifest names an image config and its layers;
 * layers are unpacked into snapshots named by chain ID, shared between images. The image ID shown to users is the
 * config digest of the platform in use, as Docker shows it (nerdctl shows the manifest digest; we follow Docker).
 * Several records (tags) may point at one image; removing the last one makes its content and snapshots garbage,
 * which {@link ImageService.remove} and {@link ImageService.prune} collect at once.
 *
 * Garbage collection. Records are roots (`gc_roots_images`); a stored index or manifest labels its children
 * (`containerd.io/gc.ref.content.*`), a config labels its unpacked top snapshot
 * (`containerd.io/gc.ref.snapshot.<snapshotter>`), snapshots keep their parents. Long operations (pull, load,
 * import) run in a lease so that a collection beside them cannot take what they have written before the record
 * exists; a pull killed half-way leaves its lease (24 h) so the next pull resumes its downloads.
 *
 * For the containers service (and run/create):
 *
 *   const images = await engine.images();
 *   const img = await images.ensure(ctx, 'busybox', { policy: 'missing', onProgress });   // pull when missing
 *   const { chainId, snapshotter } = await images.unpack(ctx, img);                        // idempotent
 *   const sn = engine.storage.snapshotterFor(snapshotter);
 *   const mounts = await sn.prepare(ctx, containerId, chainId, { labels });              // the container rootfs
 *   img.config.config?.Cmd / Env / WorkingDir / User / ExposedPorts ...                   // the image config
 *   engine.setImageUsersProvider(async (ctx, image) => containersUsing(image));           // rmi/prune ask this
 *
 * A container's record should keep `img.id` (Docker's `Image` field) and the name it was created from. The rootfs
 * snapshot keeps the image's layers alive by its parent chain, whatever happens to the image records.
 *
 * For build/commit: put the layer blobs in the content store (with their diffIDs in `config.rootfs.diff_ids`), then
 * `create(ctx, { name, config, layers, layerSizes })`. Snapshots already committed under the layers' chain IDs are
 * reused as they are (nothing is extracted again).
 *
 * Errors (EngineError codes): not-found with subject `{kind: 'image'}` for a local image that does not exist (the
 * CLI prints Docker's "No such image: x"), invalid-argument (malformed reference, bad tar, bad --change), conflict
 * (an image in use, or referenced by several repositories without force), unavailable / unauthenticated /
 * permission-denied from the registry, canceled.
 */
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { OpContext } from '../op-context.js';
import type { Platform } from '../platforms.js';
import type { Descriptor } from '../remotes/types.js';
import type { HistoryEntry, ImageConfigFile, Manifest } from './manifest.js';
import type { ImageRecord } from './store.js';

export type { ImageRecord } from './store.js';

/** A local image as listings see it: one record (name) with its cached summary. Alias of {@link ImageRecord}. */
export type Image = ImageRecord;

/** The platform-specific content of an image, read from the content store. */
export interface ImageContent {
  /** The record the image was found by. */
  readonly image: Image;
  /** The manifest of the platform (the record's target when it is not an index). */
  readonly manifestDescriptor: Descriptor;
  readonly manifest: Manifest;
  readonly configDescriptor: Descriptor;
  /** The parsed config (`config.config` holds Cmd, Env, WorkingDir...). */
  readonly config: ImageConfigFile;
  /** The image ID: the config digest. */
  readonly id: Digest;
  readonly platform: Platform;
  /** Uncompressed layer digests, bottom first. */
  readonly diffIds: readonly Digest[];
  /** Snapshot names of the layers, bottom first; the last one is the image's rootfs. */
  readonly chainIds: readonly Digest[];
}

/** Per-layer progress, for `pull`/`push`/`load` output. `id` is the 12-hex short digest Docker prints. */
export type LayerStatus =
  | 'waiting'
  | 'pulling'
  | 'downloading'
  | 'verifying'
  | 'downloaded'
  | 'extracting'
  | 'complete'
  | 'exists'
  | 'preparing'
  | 'pushing'
  | 'pushed'
  | 'mounted'
  | 'loading';

/** Progress events of long image operations. Emitted synchronously; a consumer must be quick. */
export type ImageProgressEvent =
  | {
      readonly kind: 'resolved';
      /** Normalised reference that was resolved. */
      readonly name: string;
      /** Repository path (`library/busybox`) and tag or digest, for Docker's `<tag>: Pulling from <path>`. */
      readonly path: string;
      readonly tagOrDigest: string;
      readonly digest: Digest;
    }
  | {
      readonly kind: 'layer';
      readonly id: string;
      readonly digest: Digest;
      readonly status: LayerStatus;
      readonly current?: number;
      readonly total?: number;
      /** For `mounted`: the repository the blob was mounted from. */
      readonly from?: string;
    }
  | { readonly kind: 'push-start'; readonly repository: string };

export type ProgressListener = (event: ImageProgressEvent) => void;

/** Options of {@link ImageService.pull}. */
export interface PullOptions {
  /** Platforms to fetch (default: this host's). The first is unpacked. */
  platforms?: readonly Platform[];
  /** Fetch every platform of an index (the host's, or the first available, is unpacked). */
  allPlatforms?: boolean;
  /** Unpack the layers into snapshots (default true). */
  unpack?: boolean;
  /** Snapshotter to unpack into (default: the engine's). */
  snapshotter?: string;
  /** Layer downloads at once (default 3). */
  maxConcurrentDownloads?: number;
  onProgress?: ProgressListener;
}

/** What {@link ImageService.pull} did. */
export interface PullResult {
  readonly image: Image;
  /** Normalised name (`docker.io/library/busybox:latest`). */
  readonly name: string;
  /** Digest of the root manifest or index. */
  readonly digest: Digest;
  /** `downloaded` when anything new was stored; `up-to-date` when the record already had everything. */
  readonly status: 'downloaded' | 'up-to-date';
}

/** `run --pull`: when to pull. */
export type PullPolicy = 'missing' | 'always' | 'never';

/** Options of {@link ImageService.ensure}. */
export interface EnsureOptions extends PullOptions {
  /** Default `missing`. */
  policy?: PullPolicy;
  /** The platform to open (default: as {@link ImageService.open}). */
  platform?: Platform;
}

/** Options of {@link ImageService.push}. */
export interface PushOptions {
  /** Push the whole index (every platform's content must be present). Default: the platform in use only. */
  allPlatforms?: boolean;
  platforms?: readonly Platform[];
  onProgress?: ProgressListener;
}

/** What {@link ImageService.push} did. */
export interface PushResult {
  readonly name: string;
  /** The tag pushed (or `latest`). */
  readonly tag: string;
  readonly digest: Digest;
  readonly size: number;
}

/** One line of `rmi` output: Docker prints `Untagged: x` and `Deleted: sha256:...`. */
export interface RemoveResult {
  readonly untagged: readonly string[];
  readonly deleted: readonly string[];
}

/** Options of {@link ImageService.remove}. */
export interface RemoveOptions {
  /** Docker's `-f`: untag every name of an ID, and remove images stopped containers use (they keep working). */
  force?: boolean;
  /** Collect garbage afterwards (default true). */
  gc?: boolean;
}

/** Options of {@link ImageService.prune}. */
export interface PruneOptions {
  /** Remove all images not used by any container, not only dangling ones. */
  all?: boolean;
  /** Only images created before this time (`until=`). */
  until?: Date;
  /** `label=` / `label!=` matcher over the config labels. */
  labelMatch?: (labels: Readonly<Record<string, string>>) => boolean;
}

/** What {@link ImageService.prune} removed. */
export interface PruneResult {
  readonly untagged: readonly string[];
  readonly deleted: readonly string[];
  /** Bytes freed (blobs and snapshots). */
  readonly reclaimed: number;
}

/** Options of {@link ImageService.save}. */
export interface SaveOptions {
  platforms?: readonly Platform[];
  allPlatforms?: boolean;
}

/** Options of {@link ImageService.load}. */
export interface LoadOptions {
  platforms?: readonly Platform[];
  allPlatforms?: boolean;
  snapshotter?: string;
  onProgress?: ProgressListener;
}

/** One image {@link ImageService.load} created. */
export interface LoadedImage {
  /** Normalised name, or undefined for an untagged image. */
  readonly name: string | undefined;
  readonly id: Digest;
}

/** Options of {@link ImageService.import}. */
export interface ImportOptions {
  /** `REPOSITORY[:TAG]`; an untagged image without it. */
  name?: string;
  /** Dockerfile-style changes (`CMD ["sh"]`, `ENV A=1`...), see changes.ts. */
  changes?: readonly string[];
  /** Commit message (`-m`); default `Imported from <source>`. */
  message?: string;
  /** Shown in the default message: `-` for stdin or a file, the URL otherwise. */
  source?: string;
  platform?: Platform;
  snapshotter?: string;
}

/** Options of {@link ImageService.create}. */
export interface CreateImageOptions {
  /** Record name (a reference, normalised here); dangling without it. */
  name?: string;
  /** The config; `rootfs.diff_ids` must list the layers' diffIDs. */
  config: ImageConfigFile;
  /** Layer blobs already in the content store, bottom first. */
  layers: readonly Descriptor[];
  /** Per-layer sizes when known (default: read from the unpacked snapshots). */
  layerSizes?: readonly number[];
  /** Manifest format (default `oci`). */
  format?: 'oci' | 'docker';
  labels?: Record<string, string>;
  source?: 'build' | 'commit' | 'import' | 'load';
  /** Unpack into the default snapshotter (default true). */
  unpack?: boolean;
}

/** Who uses an image: the containers service reports its containers through this. */
export interface ImageUser {
  /** Container ID. */
  readonly id: string;
  readonly running: boolean;
}

/**
 * Reports the containers using an image, identified by its ID (config digest) and its names. Called by `rmi` and
 * `prune`; must not be slow (one database query).
 */
export type ImageUsersProvider = (ctx: OpContext, image: { id: Digest | undefined; names: readonly string[]; targets: readonly Digest[] }) => Promise<readonly ImageUser[]>;

/** Docker's `image inspect` object (moby's types.ImageInspect). */
export interface DockerImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: Record<string, unknown>;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** One `docker history` row, newest first. */
export interface HistoryRow {
  /** The image ID for the top row, `<missing>` for the others (as Docker shows pulled images). */
  readonly id: string;
  readonly created: Date | undefined;
  readonly createdBy: string;
  readonly size: number;
  readonly comment: string;
  readonly tags: readonly string[];
}

/** Options of {@link ImageService.mount}. */
export interface MountImageOptions {
  /** A writable snapshot instead of a read-only view. */
  rw?: boolean;
  platform?: Platform;
}

/** Result of {@link ImageService.list}: records plus what listings need. */
export type ImageList = Image[];

/** The image service. All methods are scoped by `ctx.namespace`; see the file header for the model and errors. */
export interface ImageService {
  /** All records of the namespace, sorted by name. Reads the database only (no content). */
  list(ctx: OpContext): Promise<ImageList>;
  /**
   * The record a user's reference names: a name (`busybox`, `busybox:1`, `host/repo@sha256:...`), a full or
   * abbreviated image ID, or `sha256:<id>`. not-found (`No such image: x`); invalid-argument for an ambiguous
   * short ID.
   */
  get(ctx: OpContext, ref: string): Promise<Image>;
  /** Every record of the image `ref` names (all its tags), the matched one first. Errors as {@link get}. */
  getAll(ctx: OpContext, ref: string): Promise<Image[]>;
  /**
   * Reads the manifest and config of `image` for `platform` (default: the platform the image was pulled or
   * unpacked for, else this host's). not-found when the platform's content is not present.
   */
  open(ctx: OpContext, image: Image | string, options?: { platform?: Platform }): Promise<ImageContent>;
  /**
   * Makes sure the layers of `content` are unpacked in `snapshotter` (default the engine's) and returns the top
   * chain ID (the name to prepare a container rootfs on). Idempotent and safe beside other processes.
   */
  unpack(ctx: OpContext, content: ImageContent, options?: { snapshotter?: string }): Promise<{ chainId: Digest; snapshotter: string }>;
  /** `run`'s image step: the local image, pulled first according to `policy`. */
  ensure(ctx: OpContext, ref: string, options?: EnsureOptions): Promise<ImageContent>;
  /** Pulls `ref` from its registry (see PullOptions). */
  pull(ctx: OpContext, ref: string, options?: PullOptions): Promise<PullResult>;
  /** Pushes the local image `ref` to the registry its name points at. */
  push(ctx: OpContext, ref: string, options?: PushOptions): Promise<PushResult>;
  /** Points `target` (a reference, normalised) at the image `source` names. Returns the new record. */
  tag(ctx: OpContext, source: string, target: string): Promise<Image>;
  /** `rmi`: untags and, when nothing else needs it, deletes the image `ref` names (Docker's rules). */
  remove(ctx: OpContext, ref: string, options?: RemoveOptions): Promise<RemoveResult>;
  /** `image prune`: removes dangling (or, with `all`, unused) images and collects garbage. */
  prune(ctx: OpContext, options?: PruneOptions): Promise<PruneResult>;
  /** Docker's inspect object for `ref`. */
  inspect(ctx: OpContext, ref: string): Promise<DockerImageInspect>;
  /** `docker history` rows for `ref`, newest first. */
  history(ctx: OpContext, ref: string): Promise<HistoryRow[]>;
  /**
   * Writes `refs` as one tar that is both a docker-archive (`manifest.json`, what `docker load` reads) and an
   * OCI image layout (`index.json`, `blobs/`), as containerd's exporter does.
   */
  save(ctx: OpContext, refs: readonly string[], out: Writable, options?: SaveOptions): Promise<void>;
  /** Reads a docker-archive or OCI-layout tar (optionally gzip/zstd compressed) and creates its images. */
  load(ctx: OpContext, input: Readable, options?: LoadOptions): Promise<LoadedImage[]>;
  /** Makes a one-layer image from a root filesystem tar (`docker import`). */
  import(ctx: OpContext, input: Readable, options?: ImportOptions): Promise<Image>;
  /** Creates an image from a config and layer blobs already in the content store (build, commit, load). */
  create(ctx: OpContext, options: CreateImageOptions): Promise<ImageContent>;
  /** Mounts the image's root filesystem on `dir` (read-only unless `rw`). */
  mount(ctx: OpContext, ref: string, dir: string, options?: MountImageOptions): Promise<void>;
  /** Unmounts `dir` and removes the snapshot `mount` made. not-found when nothing was mounted there by `mount`. */
  unmount(ctx: OpContext, dir: string): Promise<void>;
  /** Installs the provider of image users (containers). The last one set wins. */
  setUsersProvider(provider: ImageUsersProvider): void;
}

/** Re-exported for callers of {@link ImageContent.config}. */
export type { HistoryEntry, ImageConfigFile, Manifest };
