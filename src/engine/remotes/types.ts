/**
 * The registry client's contract (containerd's `remotes` package, in TypeScript).
 *
 * A {@link Resolver} turns a reference into the descriptor of its root manifest or index, and hands out a
 * {@link Fetcher} and a {@link Pusher} bound to one repository. Everything moves as Node streams, so this module
 * knows nothing about the content store or the image pipeline: a caller pipes `fetch()` into its ingest writer,
 * and gives `pushBlob()` a function that opens a stream of the blob.
 *
 * Invariants:
 * - A stream returned by {@link Fetcher.fetch} ends cleanly only if it delivered exactly `desc.size` bytes whose
 *   digest is `desc.digest`; otherwise it is destroyed with an `invalid-argument` EngineError (or `unavailable`,
 *   `canceled`, `deadline-exceeded` for transport failures). A consumer must therefore never commit content
 *   before the stream's `end`.
 * - Manifests fetched by digest are verified the same way; a resolve by digest checks the registry's digest.
 * - Errors are EngineErrors (src/engine/errdefs.ts); registry and socket errors are converted in exactly one
 *   place, docker/errors.ts.
 */
import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { OpContext } from '../op-context.js';

/** An OCI content descriptor (what a manifest or index points at). */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly urls?: readonly string[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: {
    readonly architecture: string;
    readonly os: string;
    readonly variant?: string;
    readonly 'os.version'?: string;
    readonly 'os.features'?: readonly string[];
  };
}

/** The media types of manifests and indexes, Docker's and OCI's. */
export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  /** Old signed schema 1 manifests: recognised only so they can be refused clearly. */
  dockerManifestV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const manifestTypes: ReadonlySet<string> = new Set([
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestV1Signed,
  'application/vnd.docker.distribution.manifest.v1+json',
]);

/** True when content of this media type lives under `/manifests/` rather than `/blobs/` in a registry. */
export function isManifestMediaType(mediaType: string): boolean {
  return manifestTypes.has(mediaType);
}

/** How many layer downloads an image pull should run at once (containerd's default). */
export const DEFAULT_MAX_CONCURRENT_DOWNLOADS = 3;

/** What {@link Resolver.resolve} found. */
export interface ResolveResult {
  /** The normalised reference that was resolved (`docker.io/library/nginx:latest`). */
  readonly name: string;
  /** Descriptor of the root manifest or index: `mediaType`, `digest` and `size` are always set. */
  readonly descriptor: Descriptor;
}

/**
 * Finds images in registries and hands out fetchers and pushers.
 *
 * `ref` is anything {@link ../reference.js parseReference} accepts (`nginx`, `localhost:5000/a/b:v1`,
 * `repo@sha256:...`). Hosts (mirrors first, then the upstream), TLS, plain HTTP and credentials come from the
 * options the resolver was made with.
 */
export interface Resolver {
  /**
   * Resolves `ref` (tag or digest) to its root descriptor: `HEAD /v2/<name>/manifests/<ref>`, then `GET` when the
   * registry does not give digest, size and type in the headers.
   * Errors: `invalid-argument` (malformed ref, digest mismatch), `not-found` (no such manifest on any host),
   * `unauthenticated` / `permission-denied` (access denied), `unavailable` (host unreachable, TLS failure,
   * 5xx after retries), `canceled`, `deadline-exceeded`.
   */
  resolve(ctx: OpContext, ref: string): Promise<ResolveResult>;
  /** A fetcher for the repository of `ref` (tag and digest of `ref` are ignored). Does no I/O. */
  fetcher(ctx: OpContext, ref: string): Fetcher;
  /** A pusher for the repository of `ref` (tag and digest of `ref` are ignored). Does no I/O. */
  pusher(ctx: OpContext, ref: string): Pusher;
}

export interface FetchOptions {
  /**
   * Start at this byte offset (an HTTP Range request), to resume a partial download. The stream then carries
   * bytes `offset .. size-1` only.
   */
  readonly offset?: number;
  /**
   * With `offset`: a sha256 hash already fed with the first `offset` bytes (for example the content store's
   * ingest state). The stream keeps updating it and verifies the full digest at the end. Without it a resumed
   * stream verifies only the size, and the caller must verify the digest.
   */
  readonly hash?: Hash;
}

/** Reads manifests and blobs of one repository. */
export interface Fetcher {
  /**
   * Opens the content of `desc` (a manifest when `desc.mediaType` is a manifest or index type, a blob
   * otherwise). The promise settles once a registry answered with content, so not-found and access errors
   * reject it; errors after that (wrong digest or size, a connection that cannot be resumed) destroy the
   * stream. A dropped connection in the middle of a blob is resumed transparently with a Range request.
   * Destroying the stream aborts the download. Errors as for {@link Resolver.resolve}, plus
   * `invalid-argument` for content that does not match `desc`.
   */
  fetch(ctx: OpContext, desc: Descriptor, options?: FetchOptions): Promise<Readable>;
}

/**
 * Blob content for a push: bytes in memory, or a function that opens a fresh stream of the blob each time it is
 * called (it is called only when the registry lacks the blob, and again if an upload must be restarted).
 */
export type PushContent = Uint8Array | (() => Readable | Promise<Readable>);

export interface PushBlobOptions {
  /**
   * Repositories on the same registry that are known to hold the blob (for example from the
   * `containerd.io/distribution.source.<host>` label). Each may be a repository path (`library/busybox`) or a
   * full name (`localhost:5000/library/busybox`); names on another registry are ignored. The first one is tried
   * as a cross-repository mount before uploading.
   */
  readonly mountFrom?: readonly string[];
}

export interface PushManifestOptions {
  /** Push under this tag (`PUT /v2/<name>/manifests/<tag>`); without it the manifest is pushed by digest. */
  readonly tag?: string;
}

/** What a push did: the registry had the content already, mounted it from another repository, or received it. */
export type PushStatus = 'exists' | 'mounted' | 'uploaded';

/** Writes manifests and blobs into one repository. */
export interface Pusher {
  /**
   * Makes the registry hold blob `desc`: `HEAD` for existence, then a cross-repository mount when `mountFrom`
   * names a source, else an upload (`POST` then one `PUT`, or `PATCH` chunks then `PUT` for large blobs).
   * Errors: `invalid-argument` (content does not match `desc`), `unauthenticated` / `permission-denied`
   * ("push access denied for ..."), `unavailable`, `canceled`.
   */
  pushBlob(ctx: OpContext, desc: Descriptor, content: PushContent, options?: PushBlobOptions): Promise<PushStatus>;
  /**
   * Puts manifest or index `desc` with the bytes `content` (verified against `desc` before sending), by tag or
   * by digest. Push every blob and child manifest first: registries refuse manifests whose references are
   * missing (`invalid-argument`, "manifest blob unknown").
   */
  pushManifest(
    ctx: OpContext,
    desc: Descriptor,
    content: Uint8Array,
    options?: PushManifestOptions,
  ): Promise<PushStatus>;
}
