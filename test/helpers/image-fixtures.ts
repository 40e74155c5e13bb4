/**
 * Test images made by the tests themselves (no Docker Hub here): layers are tars built in memory, the base rootfs
 * is Debian's static busybox. Images can be written as docker-archive or OCI-layout tars (for `load`) or pushed
 * straight to a registry over HTTP (for `pull`), independently of the code under test.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pack, type Pack } from 'tar-stream';

export interface FileEntry {
  path: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

export interface LayerBlob extends Blob {
  diffId: string;
}

export interface ImageFixture {
  manifest: Blob;
  config: Blob;
  layers: LayerBlob[];
  /** Every blob by digest (config, layers, manifest). */
  blobs: Map<string, Blob>;
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const FIXED_TIME = new Date('2024-01-01T00:00:00Z');

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function blob(mediaType: string, data: Buffer | string): Blob {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { mediaType, digest: sha256(buf), size: buf.length, data: buf };
}

/** A tar made of `entries`, in order. */
export async function makeTar(entries: FileEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const type = e.type ?? (e.content !== undefined ? 'file' : 'directory');
    const header: Parameters<Pack['entry']>[0] = {
      name: e.path.replace(/^\//, ''),
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? FIXED_TIME,
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor ?? 0 } : {}),
      ...(e.pax !== undefined ? { pax: e.pax } : {}),
    };
    const content = type === 'file' ? (Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content ?? '')) : undefined;
    await new Promise<void>((res, rej) => {
      const cb = (err?: Error | null) => (err ? rej(err) : res());
      if (content !== undefined) p.entry(header, content, cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export type Compression = 'gzip' | 'zstd' | 'none';

export async function makeLayer(entries: FileEntry[], compression: Compression = 'gzip', docker = false): Promise<LayerBlob> {
  const tar = await makeTar(entries);
  const diffId = sha256(tar);
  if (compression === 'none') return { ...blob(MEDIA.ociLayer, tar), diffId };
  if (compression === 'zstd') {
    const z = execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 30 });
    return { ...blob(MEDIA.ociLayerZstd, z), diffId };
  }
  return { ...blob(docker ? MEDIA.dockerLayer : MEDIA.ociLayerGzip, gzipSync(tar)), diffId };
}

let busyboxApplets: string[] | undefined;

/** The root filesystem of a tiny busybox image: /bin/busybox, applet symlinks, /etc/passwd and /etc/group. */
export function busyboxRootfs(extra: FileEntry[] = []): FileEntry[] {
  busyboxApplets ??= execFileSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const entries: FileEntry[] = [
    { path: 'bin', type: 'directory' },
    { path: 'bin/busybox', content: readFileSync('/usr/bin/busybox'), mode: 0o755 },
    ...busyboxApplets.filter((a) => a !== 'busybox').map((a) => ({ path: `bin/${a}`, type: 'symlink' as const, linkname: 'busybox' })),
    { path: 'etc', type: 'directory' },
    {
      path: 'etc/passwd',
      content: 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nwww:x:33:33:www:/var/www:/bin/false\n',
    },
    { path: 'etc/group', content: 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:www\nnogroup:x:65534:\nstaff:x:50:www\n' },
    { path: 'root', type: 'directory', mode: 0o700 },
    { path: 'tmp', type: 'directory', mode: 0o1777 },
    { path: 'var', type: 'directory' },
    { path: 'var/www', type: 'directory' },
    { path: 'var/www/index.html', content: '<h1>hello from busybox httpd</h1>\n' },
    ...extra,
  ];
  return entries;
}

export interface ImageConfigInput {
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
}

/** An image from layers and config, as an OCI (default) or Docker schema2 manifest. */
export function makeImage(
  layers: LayerBlob[],
  config: ImageConfigInput = {},
  opts: { format?: 'oci' | 'docker'; architecture?: string; os?: string; variant?: string } = {},
): ImageFixture {
  const docker = opts.format === 'docker';
  const cfg = {
    created: FIXED_TIME.toISOString(),
    architecture: opts.architecture ?? 'amd64',
    os: opts.os ?? 'linux',
    ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...config },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: FIXED_TIME.toISOString(), created_by: `fixture layer ${i}` })),
  };
  const configBlob = blob(docker ? MEDIA.dockerConfig : MEDIA.ociConfig, JSON.stringify(cfg));
  const manifest = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
    config: { mediaType: configBlob.mediaType, digest: configBlob.digest, size: configBlob.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifestBlob = blob(manifest.mediaType, JSON.stringify(manifest));
  const blobs = new Map<string, Blob>();
  for (const b of [configBlob, manifestBlob, ...layers]) blobs.set(b.digest, b);
  return { manifest: manifestBlob, config: configBlob, layers, blobs };
}

/** A tiny busybox image (one layer). */
export async function busyboxImage(config: ImageConfigInput = {}, extra: FileEntry[] = []): Promise<ImageFixture> {
  return makeImage([await makeLayer(busyboxRootfs(extra))], config);
}

export interface IndexFixture {
  index: Blob;
  images: ImageFixture[];
  blobs: Map<string, Blob>;
}

/** A multi-platform index over `images` (their config's os/architecture/variant give the platforms). */
export function makeIndex(images: { image: ImageFixture; platform: { os: string; architecture: string; variant?: string } }[], docker = false): IndexFixture {
  const index = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA.dockerList : MEDIA.ociIndex,
    manifests: images.map(({ image, platform }) => ({
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.size,
      platform,
    })),
  };
  const indexBlob = blob(index.mediaType, JSON.stringify(index));
  const blobs = new Map<string, Blob>([[indexBlob.digest, indexBlob]]);
  for (const { image } of images) for (const [d, b] of image.blobs) blobs.set(d, b);
  return { index: indexBlob, images: images.map((i) => i.image), blobs };
}

/** A docker-archive tar (what `docker save` writes) holding `image` under `repoTags`. */
export async function dockerArchive(image: ImageFixture, repoTags: string[]): Promise<Buffer> {
  const entries: FileEntry[] = [];
  const layerPaths: string[] = [];
  for (const l of image.layers) {
    const hex = l.digest.slice(7);
    entries.push({ path: hex, type: 'directory' }, { path: `${hex}/layer.tar`, content: l.mediaType.endsWith('gzip') ? gunzip(l.data) : l.data });
    layerPaths.push(`${hex}/layer.tar`);
  }
  const configName = `${image.config.digest.slice(7)}.json`;
  entries.push({ path: configName, content: image.config.data });
  entries.push({ path: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerPaths }]) });
  return makeTar(entries);
}

function gunzip(b: Buffer): Buffer {
  return gunzipSync(b);
}

/** An OCI image layout tar with `image` (or an index) referenced from index.json under `refName`. */
export async function ociLayoutArchive(target: { manifest: Blob; blobs: Map<string, Blob> } | IndexFixture, refName?: string): Promise<Buffer> {
  const top = 'index' in target ? target.index : target.manifest;
  const entries: FileEntry[] = [
    { path: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    {
      path: 'index.json',
      content: JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociIndex,
        manifests: [
          {
            mediaType: top.mediaType,
            digest: top.digest,
            size: top.size,
            ...(refName !== undefined ? { annotations: { 'org.opencontainers.image.ref.name': refName, 'io.containerd.image.name': refName } } : {}),
          },
        ],
      }),
    },
    { path: 'blobs', type: 'directory' },
    { path: 'blobs/sha256', type: 'directory' },
  ];
  for (const [d, b] of target.blobs) entries.push({ path: `blobs/sha256/${d.slice(7)}`, content: b.data });
  return makeTar(entries);
}

/** Pushes blobs and a manifest (or index) to a plain-HTTP registry, without the code under test. */
export async function pushFixture(registry: string, repo: string, tag: string, target: { manifest: Blob; blobs: Map<string, Blob> } | IndexFixture): Promise<void> {
  const base = `http://${registry}/v2/${repo}`;
  const top = 'index' in target ? target.index : target.manifest;
  const manifests = new Set<string>([top.digest, ...('images' in target ? target.images.map((i) => i.manifest.digest) : [])]);
  for (const [digest, b] of target.blobs) {
    if (manifests.has(digest)) continue;
    const head = await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' });
    if (head.ok) continue;
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`upload start ${start.status}`);
    const loc = new URL(start.headers.get('location')!, `http://${registry}`);
    loc.searchParams.set('digest', digest);
    const put = await fetch(loc, { method: 'PUT', body: b.data, headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`upload ${digest}: ${put.status} ${await put.text()}`);
  }
  if ('images' in target) {
    for (const img of target.images) {
      const r = await fetch(`${base}/manifests/${img.manifest.digest}`, { method: 'PUT', body: img.manifest.data, headers: { 'content-type': img.manifest.mediaType } });
      if (r.status !== 201) throw new Error(`manifest ${r.status} ${await r.text()}`);
    }
  }
  const r = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', body: top.data, headers: { 'content-type': top.mediaType } });
  if (r.status !== 201) throw new Error(`manifest ${tag}: ${r.status} ${await r.text()}`);
}
