import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { sha256Digest } from '../digest.js';
import { MediaTypes } from '../remotes/types.js';
import { dockerContainerConfig, dockerInspect, historyRows, repoDigests, repoTags, ZERO_TIME } from './inspect.js';
import type { ImageConfigFile } from './manifest.js';
import type { ImageRecord } from './store.js';
import type { ImageContent } from './types.js';

const cfgDigest = sha256Digest('config');
const mfDigest = sha256Digest('manifest');

function record(name: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  return {
    name,
    target: { mediaType: MediaTypes.dockerManifest, digest: mfDigest, size: 527 },
    labels: {},
    summary: { id: cfgDigest },
    repoDigest: undefined,
    source: 'pull',
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
    ...extra,
  };
}

function content(config: Partial<ImageConfigFile>, records: ImageRecord[]): ImageContent {
  const diffIds = (config.rootfs?.diff_ids ?? [sha256Digest('l0')]) as Digest[];
  return {
    image: records[0]!,
    manifestDescriptor: records[0]!.target,
    manifest: { schemaVersion: 2, config: { mediaType: MediaTypes.dockerConfig, digest: cfgDigest, size: 10 }, layers: [] },
    configDescriptor: { mediaType: MediaTypes.dockerConfig, digest: cfgDigest, size: 10 },
    config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds }, ...config } as ImageConfigFile,
    id: cfgDigest,
    platform: { os: 'linux', architecture: 'amd64' },
    diffIds,
    chainIds: diffIds,
  };
}

describe('dockerContainerConfig', () => {
  it("fills Docker's fields in Docker's order and leaves omitempty fields out", () => {
    const c = dockerContainerConfig({ Cmd: ['sh'] });
    expect(Object.keys(c)).toEqual([
      'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce',
      'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels',
    ]);
    expect(c).toMatchObject({ Env: null, Cmd: ['sh'], Volumes: null, Entrypoint: null, OnBuild: null, Labels: null, WorkingDir: '' });
  });

  it('places ExposedPorts after AttachStderr and StopSignal after Labels when set', () => {
    const keys = Object.keys(dockerContainerConfig({ ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGQUIT', Healthcheck: { Test: ['NONE'] } }));
    expect(keys.indexOf('ExposedPorts')).toBe(keys.indexOf('AttachStderr') + 1);
    expect(keys.indexOf('Healthcheck')).toBe(keys.indexOf('Cmd') + 1);
    expect(keys.at(-1)).toBe('StopSignal');
  });
});

describe('repo tags and digests', () => {
  it('shows familiar names, sorted, without dangling records, digests per repository', () => {
    const rs = [
      record('docker.io/library/busybox:latest', { repoDigest: mfDigest }),
      record('127.0.0.1:5000/a/b:v1'),
      record(`<none>@${mfDigest}`),
      record(`docker.io/library/alpine@${mfDigest}`),
    ];
    expect(repoTags(rs)).toEqual(['127.0.0.1:5000/a/b:v1', 'busybox:latest']);
    expect(repoDigests(rs)).toEqual([`alpine@${mfDigest}`, `busybox@${mfDigest}`]);
  });
});

describe('dockerInspect', () => {
  it('maps the config to Docker fields, with a zero LastTagTime for pulled images', () => {
    const rs = [record('docker.io/library/busybox:latest', { repoDigest: mfDigest })];
    const i = dockerInspect({
      content: content({ created: '2024-01-02T03:04:05.123456789Z', comment: 'Imported from -', docker_version: '20.10', config: { Cmd: ['sh'] } }, rs),
      records: rs,
      size: 1234,
      snapshotter: 'overlayfs',
    });
    expect(Object.keys(i)).toEqual([
      'Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Container', 'ContainerConfig', 'DockerVersion', 'Author',
      'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'GraphDriver', 'RootFS', 'Metadata',
    ]);
    expect(i).toMatchObject({
      Id: cfgDigest,
      RepoTags: ['busybox:latest'],
      RepoDigests: [`busybox@${mfDigest}`],
      Comment: 'Imported from -',
      Created: '2024-01-02T03:04:05.123456789Z',
      DockerVersion: '20.10',
      Size: 1234,
      VirtualSize: 1234,
      GraphDriver: { Data: null, Name: 'overlayfs' },
      Metadata: { LastTagTime: ZERO_TIME },
    });
  });

  it('reports the last tag time of tagged images', () => {
    const rs = [record('docker.io/library/x:1', { source: 'tag', updatedAt: new Date('2025-05-06T07:08:09.5Z') })];
    expect(dockerInspect({ content: content({}, rs), records: rs, size: 0, snapshotter: 'native' }).Metadata.LastTagTime).toBe('2025-05-06T07:08:09.5Z');
  });
});

describe('historyRows', () => {
  it('puts the image ID on the newest row and sizes on the layers that have them', () => {
    const rs = [record('docker.io/library/x:1')];
    const c = content(
      {
        rootfs: { type: 'layers', diff_ids: [sha256Digest('a'), sha256Digest('b')] },
        history: [
          { created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs' },
          { created: '2024-01-01T00:00:01Z', created_by: 'ENV A=1', empty_layer: true },
          { created: '2024-01-01T00:00:02Z', created_by: 'COPY x', comment: 'c' },
        ],
      },
      rs,
    );
    const rows = historyRows(c, [100, 7], ['x:1']);
    expect(rows.map((r) => [r.id, r.createdBy, r.size, r.comment])).toEqual([
      [cfgDigest, 'COPY x', 7, 'c'],
      ['<missing>', 'ENV A=1', 0, ''],
      ['<missing>', 'ADD rootfs', 100, ''],
    ]);
    expect(rows[0]!.tags).toEqual(['x:1']);
  });
});
