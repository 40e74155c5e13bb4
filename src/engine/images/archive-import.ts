/**
 * `load`: images from a tar in either of the formats `docker save` and containerd write, possibly both at once:
 *
 * - docker-archive: `manifest.json` = `[{Config, RepoTags, Layers}]`, paths of the config JSON and of the layer
 *   tars (uncompressed `<id>/layer.tar` from Docker; blobs from containerd's exporter);
 * - OCI image layout: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`; names from the
 *   `io.containerd.image.name` annotation, else a full reference in `org.opencontainers.image.ref.name`.
 *
 * The tar streams through once (gzip/zstd compressed tars too): blobs go straight into the content store,
 * verified against their digests; other large members (docker-archive layers) are stored under the digest of
 * their bytes; small JSON members are kept in memory. Then the images are assembled, unpacked and named. When
 * the tar has `index.json`, its manifests are used as they are (digests preserved); `manifest.json` fills in
 * names the index lacks and is the only source for pure docker-archives.
 *
 * Everything is written under a lease; a failure (a corrupt tar, a blob with the wrong digest, a layer that does
 * not unpack) deletes it and collects garbage, so a failed load leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { detectCompression, openDecompressed } from '../archive/compression.js';
import { openWriter, writeBlob } from '../content/helpers.js';
import { isDigest, sha256Digest, type Digest } from '../digest.js';
import { EngineError, hasCode, invalidArgument } from '../errdefs.js';
import { Nerdctl } from '../labels.js';
import { DEFAULT_LEASE_EXPIRY_MS } from '../leases/with-lease.js';
import type { OpContext } from '../op-context.js';
import { formatReference, parseReference } from '../reference.js';
import { MediaTypes, type Descriptor } from '../remotes/types.js';
import { ensureLabels, readBytes } from './content-util.js';
import { createImage, unpackOptions, type CreateDeps } from './create.js';
import { chainIds, childLabels, isIndexType, isManifestType, parseConfig, parseIndex, parseManifest, sniffMediaType, type Index } from './manifest.js';
import { chooseUnpackTarget, finishLease, summaryOf } from './common.js';
import { danglingName } from './store.js';
import type { LoadedImage, LoadOptions } from './types.js';
import { unpackImageLayers } from './unpack.js';
import { configPlatform } from './manifest.js';

/** Members kept in memory (JSON metadata); anything else large is stored as a blob. */
const SMALL_LIMIT = 16 << 20;

interface StoredFile {
  digest: Digest;
  size: number;
}

/** The members of an archive after the single pass. */
interface ArchiveFiles {
  small: Map<string, Buffer>;
  stored: Map<string, StoredFile>;
}

function cleanName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function isSmallName(name: string): boolean {
  return (
    name === 'manifest.json' ||
    name === 'index.json' ||
    name === 'oci-layout' ||
    name === 'repositories' ||
    name.endsWith('.json') ||
    name.endsWith('/json') ||
    name.endsWith('/VERSION')
  );
}

/** Tar parser errors are the archive's fault: invalid-argument. */
function tarError(err: unknown): unknown {
  if (err instanceof EngineError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/tar|header|unexpected end|end of data|gzip|zlib|incorrect header/i.test(msg)) {
    return invalidArgument(`invalid tar archive: ${msg.replace(/\.$/, '')}`, { cause: err });
  }
  return err;
}

async function readAll(stream: AsyncIterable<Buffer>, limit: number, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (n > limit) throw invalidArgument(`archive member "${name}" is larger than ${limit} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** Stores a member whose digest is not known in advance under the digest of its bytes. */
async function storeUnknown(ctx: OpContext, deps: CreateDeps, body: AsyncIterable<Buffer>, size: number): Promise<StoredFile> {
  const ref = `load-${process.pid}-${randomBytes(6).toString('hex')}`;
  const w = await openWriter(deps.storage.content, ctx, { ref, total: size });
  try {
    for await (const c of body) await w.write(c);
    const digest = w.digest();
    try {
      await w.commit(size);
    } catch (err) {
      if (!hasCode(err, 'already-exists')) throw err;
    }
    return { digest, size };
  } finally {
    await w.close();
  }
}

/** Reads the whole archive once (see the file header). */
async function readArchive(ctx: OpContext, deps: CreateDeps, input: Readable): Promise<ArchiveFiles> {
  const files: ArchiveFiles = { small: new Map(), stored: new Map() };
  const decompressed = await openDecompressed(input as AsyncIterable<Buffer>);
  const extract = tarExtract();
  // The input's own failure (corrupt compression, a read error) is the one worth reporting; the extractor then only
  // says it was destroyed.
  let feedError: unknown;
  const feeding = pipeline(Readable.from(decompressed.chunks, { objectMode: false }), extract).catch((err: unknown) => {
    feedError = err;
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = cleanName(h.name);
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const size = h.size ?? 0;
      const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
      if (blob !== null && isDigest(`${blob[1]}:${blob[2]}`)) {
        const digest = `${blob[1]}:${blob[2]}` as Digest;
        await writeBlob(deps.storage.content, ctx, entry as AsyncIterable<Buffer>, { digest, size }, { ref: `load-${digest}` });
        // A blob the store had already was not read: skip its bytes.
        for await (const _ of entry as AsyncIterable<Buffer>) void _;
        files.stored.set(name, { digest, size });
      } else if (isSmallName(name) && size <= SMALL_LIMIT) {
        files.small.set(name, await readAll(entry as AsyncIterable<Buffer>, SMALL_LIMIT, name));
      } else if (size > 0) {
        files.stored.set(name, await storeUnknown(ctx, deps, entry as AsyncIterable<Buffer>, size));
      } else {
        files.small.set(name, Buffer.alloc(0));
      }
    }
  } catch (err) {
    await feeding;
    throw tarError(feedError ?? err);
  } finally {
    await feeding;
  }
  return files;
}

/** The bytes of an archive member, wherever it was kept. */
async function memberBytes(ctx: OpContext, deps: CreateDeps, files: ArchiveFiles, path: string): Promise<Buffer> {
  const p = cleanName(path);
  const small = files.small.get(p);
  if (small !== undefined) return small;
  const stored = files.stored.get(p);
  if (stored !== undefined) return readBytes(ctx, deps.storage.content, stored);
  throw invalidArgument(`archive has no member "${p}"`);
}

/** A docker-archive `manifest.json` entry. */
interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function parseDockerManifest(bytes: Buffer): DockerArchiveEntry[] {
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`manifest.json: invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(j)) throw invalidArgument('manifest.json: not a list');
  return j.map((e: Partial<DockerArchiveEntry>, i) => {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw invalidArgument(`manifest.json: entry ${i} lacks Config or Layers`);
    return { Config: e.Config, RepoTags: e.RepoTags ?? [], Layers: e.Layers.map(String) };
  });
}

/** The layer media type for a stored layer, from its first bytes. */
async function layerMediaType(ctx: OpContext, deps: CreateDeps, digest: Digest): Promise<string> {
  const stream = await deps.storage.content.createReadStream(ctx, { digest }, { start: 0, end: 5 });
  const head = await readAll(stream as AsyncIterable<Buffer>, 64, digest);
  switch (detectCompression(head)) {
    case 'gzip':
      return MediaTypes.dockerLayerGzip;
    case 'zstd':
      return MediaTypes.ociLayerZstd;
    default:
      return 'application/vnd.docker.image.rootfs.diff.tar';
  }
}

/** Image names from an OCI index entry's annotations (tag-only `ref.name` values name nothing). */
export function ociEntryNames(d: Descriptor): string[] {
  const a = d.annotations ?? {};
  const out: string[] = [];
  const add = (v: string | undefined) => {
    if (v === undefined || v === '') return;
    // A bare tag ("latest") would parse as a repository name: only values that look like references count.
    if (!v.includes('/') && !v.includes(':') && !v.includes('@')) return;
    try {
      out.push(formatReference(parseReference(v)));
    } catch {
      // not a reference
    }
  };
  add(a['io.containerd.image.name']);
  if (out.length === 0) add(a['org.opencontainers.image.ref.name']);
  return [...new Set(out)];
}

/** Loads an archive; see the file header. */
export async function loadArchive(ctx: OpContext, deps: CreateDeps, input: Readable, options: LoadOptions = {}): Promise<LoadedImage[]> {
  const lease = await deps.storage.leases.create(ctx, { expiresInMs: DEFAULT_LEASE_EXPIRY_MS, labels: { [Nerdctl.leasePurpose]: 'load' } });
  const lctx: OpContext = { ...ctx, lease: lease.id };
  const snapshotter = options.snapshotter ?? deps.defaultSnapshotter;
  let outcome: 'ok' | 'failed' | 'canceled' = 'failed';
  try {
    const files = await readArchive(lctx, deps, input);
    const loaded: LoadedImage[] = [];
    const dockerEntries = files.small.has('manifest.json') ? parseDockerManifest(files.small.get('manifest.json')!) : [];
    const namesByConfig = new Map<string, string[]>();
    for (const e of dockerEntries) {
      const cfg = sha256Digest(await memberBytes(lctx, deps, files, e.Config));
      namesByConfig.set(cfg, [...(namesByConfig.get(cfg) ?? []), ...(e.RepoTags ?? [])]);
    }

    if (files.small.has('index.json')) {
      const index: Index = parseIndex(files.small.get('index.json')!);
      for (const top of index.manifests) {
        const content = deps.storage.content;
        const bytes = await readBytes(lctx, content, top);
        const mediaType = top.mediaType || sniffMediaType(bytes);
        await ensureLabels(lctx, content, top.digest, childLabels(mediaType, bytes, top.digest));
        const images: { manifestDesc: Descriptor; manifest: ReturnType<typeof parseManifest>; config: ReturnType<typeof parseConfig>; platform: ReturnType<typeof configPlatform> }[] = [];
        const manifestDescs = isIndexType(mediaType) ? parseIndex(bytes, top.digest).manifests : [top];
        for (const md of manifestDescs) {
          if (!isManifestType(md.mediaType)) continue;
          let mb: Buffer;
          try {
            mb = await readBytes(lctx, content, md);
          } catch (err) {
            if (hasCode(err, 'not-found')) continue; // a platform the archive does not carry
            throw err;
          }
          await ensureLabels(lctx, content, md.digest, childLabels(md.mediaType, mb, md.digest));
          const manifest = parseManifest(mb, md.mediaType, md.digest);
          const config = parseConfig(await readBytes(lctx, content, manifest.config), manifest.config.digest);
          images.push({ manifestDesc: md, manifest, config, platform: configPlatform(config) });
        }
        const target = chooseUnpackTarget(images, options.platforms);
        if (target === undefined) throw invalidArgument(`archive: image ${top.digest} has no manifest with content`);
        const chains = chainIds(target.config.rootfs.diff_ids);
        const sizes = await unpackImageLayers(
          lctx,
          deps.storage.content,
          deps.storage.snapshotterFor(snapshotter),
          { layers: target.manifest.layers, diffIds: target.config.rootfs.diff_ids, chainIds: chains, configDigest: target.manifest.config.digest as Digest },
          await unpackOptions(deps, snapshotter),
        );
        let names = ociEntryNames(top);
        if (names.length === 0) names = (namesByConfig.get(target.manifest.config.digest) ?? []).map((n) => formatReference(parseReference(n)));
        const summary = summaryOf(target, sizes);
        const rootDesc: Descriptor = { mediaType, digest: top.digest, size: top.size };
        for (const name of names.length > 0 ? names : [danglingName(top.digest as Digest)]) {
          deps.store.put(ctx.namespace, { name, target: rootDesc, summary, source: 'load' });
        }
        if (names.length === 0) loaded.push({ name: undefined, id: target.manifest.config.digest as Digest });
        for (const n of names) loaded.push({ name: n, id: target.manifest.config.digest as Digest });
      }
    } else if (dockerEntries.length > 0) {
      for (const e of dockerEntries) {
        const configBytes = await memberBytes(lctx, deps, files, e.Config);
        const layers: Descriptor[] = [];
        for (const p of e.Layers) {
          const stored = files.stored.get(cleanName(p));
          if (stored === undefined) throw invalidArgument(`archive has no layer "${p}"`);
          layers.push({ mediaType: await layerMediaType(lctx, deps, stored.digest), digest: stored.digest, size: stored.size });
        }
        const names = (e.RepoTags ?? []).map((n) => formatReference(parseReference(n)));
        const created = await createImage(lctx, deps, {
          names,
          configBytes,
          layers,
          format: 'docker',
          source: 'load',
          snapshotter,
        });
        if (names.length === 0) loaded.push({ name: undefined, id: created.id });
        for (const n of names) loaded.push({ name: n, id: created.id });
      }
    } else {
      throw invalidArgument('archive contains neither manifest.json (docker-archive) nor index.json (OCI image layout)');
    }
    outcome = 'ok';
    return loaded;
  } catch (err) {
    if (hasCode(err, 'canceled')) outcome = 'canceled';
    throw err;
  } finally {
    await finishLease(ctx, deps.storage, lease.id, outcome);
  }
}

export { loadedLine } from './names.js';

