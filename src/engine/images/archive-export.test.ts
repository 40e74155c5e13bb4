import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../digest.js';
import { MediaTypes } from '../remotes/types.js';
import { dockerArchiveManifest, ociIndex, type SaveItem } from './archive-export.js';
import type { ImageContent } from './types.js';

const cfg = sha256Digest('cfg');
const l0 = sha256Digest('l0');
const l1 = sha256Digest('l1');
const mf = sha256Digest('mf');

function item(names: string[]): SaveItem {
  const content = {
    id: cfg,
    configDescriptor: { mediaType: MediaTypes.ociConfig, digest: cfg, size: 3 },
    manifestDescriptor: { mediaType: MediaTypes.ociManifest, digest: mf, size: 2 },
    manifest: {
      schemaVersion: 2,
      config: { mediaType: MediaTypes.ociConfig, digest: cfg, size: 3 },
      layers: [
        { mediaType: MediaTypes.ociLayerGzip, digest: l0, size: 1 },
        { mediaType: MediaTypes.ociLayerGzip, digest: l1, size: 1 },
      ],
    },
  } as unknown as ImageContent;
  return { content, names, root: { mediaType: MediaTypes.ociManifest, digest: mf, size: 2, platform: { os: 'linux', architecture: 'amd64' } } };
}

describe('dockerArchiveManifest', () => {
  it('writes one entry per image with its tags merged, paths into blobs/', () => {
    const m = dockerArchiveManifest([item(['docker.io/library/busybox:latest']), item(['127.0.0.1:5000/x/y:1'])]);
    expect(m).toEqual([
      {
        Config: `blobs/sha256/${cfg.slice(7)}`,
        RepoTags: ['busybox:latest', '127.0.0.1:5000/x/y:1'],
        Layers: [`blobs/sha256/${l0.slice(7)}`, `blobs/sha256/${l1.slice(7)}`],
      },
    ]);
  });

  it('writes RepoTags null for an image saved by ID', () => {
    expect(dockerArchiveManifest([item([])])[0]!.RepoTags).toBeNull();
  });
});

describe('ociIndex', () => {
  it('names each entry with containerd and OCI annotations', () => {
    const idx = ociIndex([item(['docker.io/library/busybox:latest']), item([])]) as { manifests: Record<string, unknown>[] };
    expect(idx.manifests).toEqual([
      {
        mediaType: MediaTypes.ociManifest,
        digest: mf,
        size: 2,
        annotations: { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest' },
        platform: { os: 'linux', architecture: 'amd64' },
      },
      { mediaType: MediaTypes.ociManifest, digest: mf, size: 2, platform: { os: 'linux', architecture: 'amd64' } },
    ]);
  });
});
