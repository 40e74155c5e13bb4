/**
 * The image formats, as data: OCI and Docker schema 2 manifests, indexes (manifest lists) and image configs, with
 * the pure helpers the pipeline needs around them: parsing with validation, the children of a manifest or index,
 * platform selection from an index, layer chain IDs, and the garbage-collection labels that tie a stored blob to
 * the blobs it names (containerd's `images.Children`, `images.Manifest`, `SetChildrenLabels`, `identity.ChainIDs`).
 *
 * Nothing here does I/O; every function is unit-tested in manifest.test.ts.
 */
import { createHash } from 'node:crypto';
import { isDigest, type Digest } from '../digest.js';
import { EngineError, invalidArgument, notImplemented } from '../errdefs.js';
import { GC } from '../labels.js';
import {
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  platformMatches,
  rankPlatforms,
  type Platform,
} from '../platforms.js';
import { MediaTypes, type Descriptor } from '../remotes/types.js';

/** Layer media types this engine reads, beyond the ones in {@link MediaTypes}. */
export const LayerMediaTypes = {
  dockerGzip: MediaTypes.dockerLayerGzip,
  dockerUncompressed: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociGzip: MediaTypes.ociLayerGzip,
  ociZstd: MediaTypes.ociLayerZstd,
  ociUncompressed: MediaTypes.ociLayer,
  ociNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
} as const;

/** An image manifest (OCI or Docker schema 2): one config and its layers, bottom first. */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker): one manifest per platform. */
export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** One step of an image's history, as in the config (`docker history` rows, newest last). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The runtime part of an image config (OCI `config`, Docker's container.Config subset). */
export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: {
    Test?: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    StartInterval?: number;
    Retries?: number;
  };
  OnBuild?: string[] | null;
  Shell?: string[];
  /** Docker-written configs carry the rest of container.Config too (Hostname, Tty, Image...). */
  [key: string]: unknown;
}

/** An image config (OCI image-spec `config.json`, with Docker's extra fields). */
export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
  config?: ImageRuntimeConfig;
  rootfs: { type: string; diff_ids: Digest[] };
  history?: HistoryEntry[];
  /** Docker: the container a build step ran in, its config, the daemon version, the commit/import message. */
  container?: string;
  container_config?: ImageRuntimeConfig;
  docker_version?: string;
  comment?: string;
  [key: string]: unknown;
}

const indexTypes: ReadonlySet<string> = new Set([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
const manifestTypes: ReadonlySet<string> = new Set([MediaTypes.ociManifest, MediaTypes.dockerManifest]);
const configTypes: ReadonlySet<string> = new Set([MediaTypes.ociConfig, MediaTypes.dockerConfig]);

/** True for an OCI index or a Docker manifest list. */
export function isIndexType(mediaType: string): boolean {
  return indexTypes.has(mediaType);
}

/** True for an OCI image manifest or a Docker schema 2 manifest. */
export function isManifestType(mediaType: string): boolean {
  return manifestTypes.has(mediaType);
}

/** True for an image config media type (OCI or Docker). */
export function isConfigType(mediaType: string): boolean {
  return configTypes.has(mediaType);
}

/** True for a layer media type this engine can unpack (gzip, zstd or uncompressed tar, Docker's or OCI's). */
export function isLayerType(mediaType: string): boolean {
  return (Object.values(LayerMediaTypes) as string[]).includes(mediaType);
}

function parseJson(bytes: Uint8Array, what: string, digest?: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw invalidArgument(`${what}${digest ? ` ${digest}` : ''}: invalid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const o = d as Partial<Descriptor> | null;
  if (o === null || typeof o !== 'object') throw invalidArgument(`${what}: descriptor is not an object`);
  if (typeof o.mediaType !== 'string' || o.mediaType === '') throw invalidArgument(`${what}: descriptor has no media type`);
  if (typeof o.digest !== 'string' || !isDigest(o.digest)) throw invalidArgument(`${what}: invalid digest "${String(o.digest)}"`);
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) {
    throw invalidArgument(`${what}: invalid size ${String(o.size)}`);
  }
  return o as Descriptor;
}

function refuseSchema1(mediaType: string, digest?: string): void {
  if (mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw notImplemented(
      `manifest${digest ? ` ${digest}` : ''}: Docker image format v1 (schema 1) is not supported; push the image again with a current client`,
    );
  }
}

/**
 * Parses an image manifest. `mediaType` is the descriptor's (the JSON's own `mediaType` wins when present).
 * invalid-argument for malformed JSON or fields, not-implemented for schema 1.
 */
export function parseManifest(bytes: Uint8Array, mediaType: string = MediaTypes.ociManifest, digest?: string): Manifest {
  refuseSchema1(mediaType, digest);
  const j = parseJson(bytes, 'manifest', digest) as Omit<Partial<Manifest>, 'schemaVersion'> & { schemaVersion?: unknown };
  const what = `manifest${digest ? ` ${digest}` : ''}`;
  if (j === null || typeof j !== 'object') throw invalidArgument(`${what}: not a JSON object`);
  if (j.schemaVersion === 1) refuseSchema1('application/vnd.docker.distribution.manifest.v1+json', digest);
  if (j.schemaVersion !== 2) throw invalidArgument(`${what}: unsupported schemaVersion ${String(j.schemaVersion)}`);
  if ('manifests' in j) throw invalidArgument(`${what}: is an index, not a manifest`);
  const config = checkDescriptor(j.config, `${what}: config`);
  if (!Array.isArray(j.layers)) throw invalidArgument(`${what}: layers must be a list`);
  const layers = j.layers.map((l, i) => checkDescriptor(l, `${what}: layer ${i}`));
  return { ...(j as unknown as Manifest), config, layers };
}

/** Parses an image index or manifest list. invalid-argument for malformed JSON or fields. */
export function parseIndex(bytes: Uint8Array, digest?: string): Index {
  const j = parseJson(bytes, 'index', digest) as Partial<Index> & { schemaVersion?: unknown };
  const what = `index${digest ? ` ${digest}` : ''}`;
  if (j === null || typeof j !== 'object') throw invalidArgument(`${what}: not a JSON object`);
  if (j.schemaVersion !== 2) throw invalidArgument(`${what}: unsupported schemaVersion ${String(j.schemaVersion)}`);
  if (!Array.isArray(j.manifests)) throw invalidArgument(`${what}: manifests must be a list`);
  const manifests = j.manifests.map((m, i) => checkDescriptor(m, `${what}: manifest ${i}`));
  return { ...(j as Index), manifests };
}

/** Parses an image config. invalid-argument for malformed JSON or a missing rootfs. */
export function parseConfig(bytes: Uint8Array, digest?: string): ImageConfigFile {
  const j = parseJson(bytes, 'image config', digest) as Partial<ImageConfigFile>;
  const what = `image config${digest ? ` ${digest}` : ''}`;
  if (j === null || typeof j !== 'object') throw invalidArgument(`${what}: not a JSON object`);
  const rootfs = j.rootfs;
  if (rootfs === undefined || rootfs === null || !Array.isArray(rootfs.diff_ids)) {
    throw invalidArgument(`${what}: rootfs.diff_ids is missing`);
  }
  for (const d of rootfs.diff_ids) if (typeof d !== 'string' || !isDigest(d)) throw invalidArgument(`${what}: invalid diff ID "${String(d)}"`);
  return { ...(j as ImageConfigFile), architecture: j.architecture ?? '', os: j.os ?? '' };
}

/** The media type of manifest or index bytes when the descriptor does not say (OCI layouts, docker-archives). */
export function sniffMediaType(bytes: Uint8Array): string {
  const j = parseJson(bytes, 'manifest') as { mediaType?: unknown; manifests?: unknown; config?: unknown };
  if (typeof j.mediaType === 'string' && j.mediaType !== '') return j.mediaType;
  return Array.isArray(j.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
}

/**
 * The descriptors a manifest or index names, in containerd's order: an index's manifests; a manifest's config then
 * its layers. Everything else has no children.
 */
export function childrenOf(mediaType: string, bytes: Uint8Array, digest?: string): Descriptor[] {
  if (isIndexType(mediaType)) return parseIndex(bytes, digest).manifests;
  if (isManifestType(mediaType)) {
    const m = parseManifest(bytes, mediaType, digest);
    return [m.config, ...m.layers];
  }
  return [];
}

/**
 * The GC labels a stored manifest or index carries so that garbage collection keeps what it names
 * (`containerd.io/gc.ref.content.m.<i>` for an index's manifests, `.config` and `.l.<i>` for a manifest's config
 * and layers). Children that were not fetched (other platforms) may be named: references to absent blobs are
 * ignored by the collector.
 */
export function childLabels(mediaType: string, bytes: Uint8Array, digest?: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (isIndexType(mediaType)) {
    parseIndex(bytes, digest).manifests.forEach((m, i) => (labels[`${GC.contentRefPrefix}m.${i}`] = m.digest));
  } else if (isManifestType(mediaType)) {
    const m = parseManifest(bytes, mediaType, digest);
    labels[`${GC.contentRefPrefix}config`] = m.config.digest;
    m.layers.forEach((l, i) => (labels[`${GC.contentRefPrefix}l.${i}`] = l.digest));
  }
  return labels;
}

/** The GC label with which an image config keeps its unpacked snapshot chain (the top chain ID) alive. */
export function snapshotRefLabel(snapshotter: string): string {
  return `${GC.snapshotRefPrefix}${snapshotter}`;
}

/**
 * Layer chain IDs (OCI image-spec "ChainID"): the first is the first diffID, each next one is
 * `sha256(previous + " " + diffID)`. Snapshots are named by chain ID so that images sharing lower layers share
 * their snapshots.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  let prev: Digest | undefined;
  for (const d of diffIds) {
    prev = prev === undefined ? d : (`sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` as Digest);
    out.push(prev);
  }
  return out;
}

/** The platform a manifest descriptor declares in an index (undefined when it declares none). */
export function descriptorPlatform(d: Descriptor): Platform | undefined {
  const p = d.platform;
  if (p === undefined) return undefined;
  return normalizePlatform({
    os: p.os,
    architecture: p.architecture,
    ...(p.variant !== undefined ? { variant: p.variant } : {}),
  });
}

/** The platform an image config declares. */
export function configPlatform(c: Pick<ImageConfigFile, 'os' | 'architecture' | 'variant'>): Platform {
  return normalizePlatform({
    os: c.os || 'linux',
    architecture: c.architecture || 'amd64',
    ...(c.variant ? { variant: c.variant } : {}),
  });
}

/** Which manifests of an index to take. */
export interface PlatformSelection {
  /** Wanted platforms, best first per platform (default: this host's). */
  platforms?: readonly Platform[];
  /** Every manifest of the index (attestation manifests excepted). */
  all?: boolean;
}

/** Buildx attaches attestation manifests to indexes as `unknown/unknown`; they are not images. */
function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

/**
 * Picks the manifests of `index` to pull: for each wanted platform the best match (exact variant first, then older
 * arm variants; index order breaks ties), or all image manifests with `all`. A platform nothing matches is
 * not-found with Docker's wording (`no matching manifest for linux/arm64 in the manifest list entries`).
 * Descriptors without a platform match only when the index has a single entry.
 */
export function selectManifests(index: Index, selection: PlatformSelection = {}): Descriptor[] {
  const candidates = index.manifests.filter((m) => !isAttestation(m) && (isManifestType(m.mediaType) || isIndexType(m.mediaType)));
  if (selection.all) {
    if (candidates.length === 0) throw new EngineError('not-found', 'the image index lists no image manifests');
    return candidates;
  }
  const wanted = selection.platforms && selection.platforms.length > 0 ? selection.platforms : [hostPlatform()];
  const out: Descriptor[] = [];
  for (const w of wanted) {
    let best = rankPlatforms(w, candidates, descriptorPlatform)[0];
    if (best === undefined && candidates.length === 1 && candidates[0]!.platform === undefined) best = candidates[0];
    if (best === undefined) throw noMatchingManifest(w);
    if (!out.some((o) => o.digest === best!.digest)) out.push(best);
  }
  return out;
}

/** Docker's error for a platform an index does not have (not-found). */
export function noMatchingManifest(p: Platform): EngineError {
  const name = formatPlatform(normalizePlatform(p));
  // No subject: the CLI must print this line as it is, not "No such image".
  return new EngineError('not-found', `no matching manifest for ${name} in the manifest list entries`);
}

/** True when a config's platform can run as `wanted`. */
export function configMatches(config: Pick<ImageConfigFile, 'os' | 'architecture' | 'variant'>, wanted: Platform): boolean {
  return platformMatches(wanted, configPlatform(config));
}
