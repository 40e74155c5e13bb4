import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest.js';
import { hostPlatform } from '../platforms.js';
import { MediaTypes } from '../remotes/types.js';
import {
  chainIds,
  childLabels,
  childrenOf,
  isLayerType,
  parseConfig,
  parseIndex,
  parseManifest,
  selectManifests,
  sniffMediaType,
  type Index,
} from './manifest.js';

const d = (c: string) => sha256Digest(c);
const desc = (mediaType: string, c: string, platform?: { os: string; architecture: string; variant?: string }) => ({
  mediaType,
  digest: d(c),
  size: c.length,
  ...(platform ? { platform } : {}),
});
const bytes = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseManifest', () => {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifest,
    config: desc(MediaTypes.dockerConfig, 'cfg'),
    layers: [desc(MediaTypes.dockerLayerGzip, 'l0'), desc(MediaTypes.dockerLayerGzip, 'l1')],
  };

  it('reads config and layers in order', () => {
    const m = parseManifest(bytes(manifest), MediaTypes.dockerManifest);
    expect(m.config.digest).toBe(d('cfg'));
    expect(m.layers.map((l) => l.digest)).toEqual([d('l0'), d('l1')]);
  });

  it.each([
    ['not JSON', Buffer.from('{'), /invalid JSON/],
    ['schema 1', bytes({ schemaVersion: 1, fsLayers: [] }), /schema 1\) is not supported/],
    ['an index', bytes({ schemaVersion: 2, manifests: [] }), /is an index/],
    ['a bad digest', bytes({ ...manifest, config: { ...manifest.config, digest: 'sha256:xyz' } }), /invalid digest/],
    ['no layers list', bytes({ ...manifest, layers: undefined }), /layers must be a list/],
  ])('refuses %s', (_name, b, re) => {
    expect(() => parseManifest(b)).toThrow(re);
  });
});

describe('parseConfig', () => {
  it('needs rootfs.diff_ids', () => {
    expect(() => parseConfig(bytes({ architecture: 'amd64', os: 'linux' }))).toThrow(/rootfs.diff_ids is missing/);
    const c = parseConfig(bytes({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [d('a')] } }));
    expect(c.rootfs.diff_ids).toEqual([d('a')]);
  });
});

describe('children and GC labels', () => {
  it('labels a manifest with its config and layers, an index with its manifests', () => {
    const m = bytes({ schemaVersion: 2, config: desc(MediaTypes.ociConfig, 'c'), layers: [desc(MediaTypes.ociLayerGzip, 'x')] });
    expect(childLabels(MediaTypes.ociManifest, m)).toEqual({
      'containerd.io/gc.ref.content.config': d('c'),
      'containerd.io/gc.ref.content.l.0': d('x'),
    });
    expect(childrenOf(MediaTypes.ociManifest, m).map((c) => c.digest)).toEqual([d('c'), d('x')]);
    const i = bytes({ schemaVersion: 2, manifests: [desc(MediaTypes.ociManifest, 'a'), desc(MediaTypes.ociManifest, 'b')] });
    expect(childLabels(MediaTypes.ociIndex, i)).toEqual({
      'containerd.io/gc.ref.content.m.0': d('a'),
      'containerd.io/gc.ref.content.m.1': d('b'),
    });
    expect(childLabels(MediaTypes.ociConfig, Buffer.from('{}'))).toEqual({});
  });

  it('sniffs manifests and indexes without a media type', () => {
    expect(sniffMediaType(bytes({ schemaVersion: 2, manifests: [] }))).toBe(MediaTypes.ociIndex);
    expect(sniffMediaType(bytes({ schemaVersion: 2, config: {}, layers: [] }))).toBe(MediaTypes.ociManifest);
    expect(sniffMediaType(bytes({ mediaType: MediaTypes.dockerManifest }))).toBe(MediaTypes.dockerManifest);
  });

  it('knows the layer media types it can unpack', () => {
    expect(isLayerType(MediaTypes.dockerLayerGzip)).toBe(true);
    expect(isLayerType(MediaTypes.ociLayerZstd)).toBe(true);
    expect(isLayerType('application/vnd.docker.image.rootfs.diff.tar')).toBe(true);
    expect(isLayerType('application/vnd.in-toto+json')).toBe(false);
  });
});

describe('chainIds', () => {
  it('follows the OCI definition', () => {
    const a = d('a');
    const b = d('b');
    const c = d('c');
    const ab = sha256Digest(`${a} ${b}`);
    expect(chainIds([a, b, c])).toEqual([a, ab, sha256Digest(`${ab} ${c}`)]);
    expect(chainIds([])).toEqual([]);
  });
});

describe('selectManifests', () => {
  const index: Index = parseIndex(
    bytes({
      schemaVersion: 2,
      manifests: [
        desc(MediaTypes.ociManifest, 'arm64', { os: 'linux', architecture: 'arm64' }),
        desc(MediaTypes.ociManifest, 'amd64', { os: 'linux', architecture: 'amd64' }),
        desc(MediaTypes.ociManifest, 'armv6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
        desc(MediaTypes.ociManifest, 'armv7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
        { ...desc(MediaTypes.ociManifest, 'att', { os: 'unknown', architecture: 'unknown' }), annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    }),
  );

  it('picks the host platform by default', () => {
    const host = hostPlatform();
    const [m] = selectManifests(index);
    expect(m?.platform?.architecture).toBe(host.architecture);
  });

  it('picks the wanted platform, exact arm variant first, older variants next', () => {
    expect(selectManifests(index, { platforms: [{ os: 'linux', architecture: 'arm64' }] })[0]?.digest).toBe(d('arm64'));
    expect(selectManifests(index, { platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }] })[0]?.digest).toBe(d('armv7'));
    expect(selectManifests(index, { platforms: [{ os: 'linux', architecture: 'arm', variant: 'v8' }] })[0]?.digest).toBe(d('armv7'));
  });

  it('takes every image manifest with all, but no attestations', () => {
    expect(selectManifests(index, { all: true }).map((m) => m.digest)).toEqual([d('arm64'), d('amd64'), d('armv6'), d('armv7')]);
  });

  it("says what Docker says when nothing matches", () => {
    expect(() => selectManifests(index, { platforms: [{ os: 'linux', architecture: 's390x' }] })).toThrow(
      'no matching manifest for linux/s390x in the manifest list entries',
    );
  });
});
