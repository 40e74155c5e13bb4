import { describe, expect, it } from 'vitest';
import type { ContainerState, ContainerSummary } from '../../engine/containers/types.js';
import { imageSizes, reclaimableText, summaryRows, verboseReport, type DfImage, type DiskUsage } from './df.js';
import { deletedBuildCacheText, deletedImagesText, systemPruneWarning } from './prune.js';

const MB = 1_000_000;
const NOW = Date.parse('2024-01-02T03:04:05Z');

const img = (id: string, layers: [string, number][], containers: number, repoTags: string[] = []): DfImage => ({
  id: `sha256:${id.padEnd(64, '0')}`,
  repoTags,
  created: new Date(NOW - 30 * 60_000),
  layers: layers.map(([key, size]) => ({ key, size })),
  containers,
});

function container(id: string, status: ContainerState['status'], over: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id: id.padEnd(64, 'f'),
    name: `c-${id}`,
    image: 'busybox',
    imageName: 'docker.io/library/busybox:latest',
    imageId: 'sha256:x',
    command: ['sleep', '300'],
    createdAt: new Date(NOW - 16_000).toISOString(),
    labels: {},
    state: {
      status,
      pid: 0,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: new Date(NOW - 10_000).toISOString(),
      finishedAt: status === 'exited' ? new Date(NOW - 5_000).toISOString() : '',
      restartCount: 0,
      stoppedByUser: false,
    },
    exposedPorts: [],
    networks: [],
    volumes: [],
    snapshotter: 'overlayfs',
    snapshotKey: id,
    ...over,
  };
}

describe('imageSizes', () => {
  it('counts each layer once overall and marks layers used by several images as shared', () => {
    // Docker's own numbers from this machine: busybox (1.984MB) and an image on top of it (+3MB).
    const r = imageSizes([img('a', [['l1', 1.984 * MB]], 3), img('b', [['l1', 1.984 * MB], ['l2', 3 * MB]], 0)]);
    expect(r.layersSize).toBe(4.984 * MB);
    expect(r.perImage.get(`sha256:${'a'.padEnd(64, '0')}`)).toEqual({ size: 1.984 * MB, shared: 1.984 * MB });
    expect(r.perImage.get(`sha256:${'b'.padEnd(64, '0')}`)).toEqual({ size: 4.984 * MB, shared: 1.984 * MB });
  });
});

describe('summaryRows', () => {
  const du: DiskUsage = {
    images: [img('a', [['l1', 1.984 * MB]], 3, ['busybox:latest', 'bb:1']), img('b', [['l1', 1.984 * MB], ['l2', 3 * MB]], 0, ['ml:v1'])],
    containers: [
      { summary: container('1', 'running'), sizeRw: 1000 },
      { summary: container('2', 'exited'), sizeRw: 3000 },
      { summary: container('3', 'created'), sizeRw: 0 },
    ],
    volumes: [
      { name: 'used', size: 2000, refCount: 1 },
      { name: 'free', size: 102_400, refCount: 0 },
    ],
    buildCache: [{ id: 'k'.repeat(64), description: 'RUN x', size: 5000, createdAt: new Date(NOW), lastUsedAt: new Date(NOW), inUse: false, shared: false }],
  };

  it('computes Docker TYPE TOTAL ACTIVE SIZE RECLAIMABLE', () => {
    expect(summaryRows(du)).toEqual([
      // Docker's rule: an image with containers keeps only its unshared part, so here everything is reclaimable.
      { Type: 'Images', TotalCount: '2', Active: '1', Size: '4.984MB', Reclaimable: '4.984MB (100%)' },
      { Type: 'Containers', TotalCount: '3', Active: '1', Size: '4kB', Reclaimable: '3kB (75%)' },
      { Type: 'Local Volumes', TotalCount: '2', Active: '1', Size: '104.4kB', Reclaimable: '102.4kB (98%)' },
      { Type: 'Build Cache', TotalCount: '1', Active: '0', Size: '5kB', Reclaimable: '5kB' },
    ]);
  });

  it('prints 0B without a percentage when empty', () => {
    expect(reclaimableText(0, 0)).toBe('0B');
    expect(summaryRows({ images: [], containers: [], volumes: [], buildCache: [] }).map((r) => `${r.TotalCount} ${r.Size} ${r.Reclaimable}`)).toEqual([
      '0 0B 0B',
      '0 0B 0B',
      '0 0B 0B',
      '0 0B 0B',
    ]);
  });

  it('renders the verbose sections in Docker layout', () => {
    const text = verboseReport(du, NOW);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Images space usage:');
    expect(lines[2]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS$/);
    expect(lines[3]).toMatch(/^busybox\s+latest\s+a00000000000\s+30 minutes ago\s+1.984MB\s+1.984MB\s+0B\s+3$/);
    expect(lines[4]).toMatch(/^ml\s+v1\s+b00000000000\s+30 minutes ago\s+4.984MB\s+1.984MB\s+3MB\s+0$/);
    expect(text).toContain('\nContainers space usage:\n\nCONTAINER ID');
    expect(text).toMatch(/\n1fffffffffff\s+busybox\s+"sleep 300"\s+0\s+1kB\s+16 seconds ago\s+Up 10 seconds\s+c-1\n/);
    expect(text).toMatch(/\n2fffffffffff\s+busybox\s+"sleep 300"\s+0\s+3kB\s+16 seconds ago\s+Exited \(0\) 5 seconds ago\s+c-2\n/);
    expect(text).toContain('\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\nused          1         2kB\nfree          0         102.4kB\n');
    expect(text).toMatch(/\nBuild cache usage: 5kB\n\nCACHE ID\s+CACHE TYPE\s+SIZE\s+CREATED\s+LAST USED\s+USAGE\s+SHARED\nkkkkkkkkkkkk\s+regular\s+5kB/);
  });
});

describe('system prune texts', () => {
  it('warns as Docker does', () => {
    expect(systemPruneWarning({ all: false, volumes: false, filters: [] })).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - all dangling build cache\n\nAre you sure you want to continue?',
    );
    expect(systemPruneWarning({ all: true, volumes: true, filters: ['label=zzz', 'until=1h'] })).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
        '  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n' +
        '  - all build cache\n\n  Items to be pruned will be filtered with:\n  - label=zzz\n  - until=1h\n\nAre you sure you want to continue?',
    );
  });

  it('reports deleted images and cache objects', () => {
    expect(deletedImagesText([], [])).toBe('');
    expect(deletedImagesText(['a:1'], ['sha256:1'])).toBe('Deleted Images:\nuntagged: a:1\ndeleted: sha256:1\n');
    expect(deletedBuildCacheText(['k1', 'k2'])).toBe('Deleted build cache objects:\nk1\nk2\n');
  });
});
