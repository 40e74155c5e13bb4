import { describe, expect, it } from 'vitest';
import { createMemoryFs } from '../../compose/fs.js';
import { loadProject } from '../../compose/project.js';
import type { ContainerSummary } from '../../engine/containers/types.js';
import { combinedStatus, projectRows } from './ls.js';
import { composePsRow } from './ps.js';
import { plainEventLine } from './shared.js';
import { attachedServices, parseScale, toUpOptions } from './up.js';

const flags = {
  build: false,
  'no-build': false,
  pull: 'policy',
  'quiet-pull': false,
  'force-recreate': false,
  'no-recreate': false,
  'remove-orphans': false,
  scale: [] as string[],
};

describe('compose up options', () => {
  it('parses --scale', () => {
    expect(parseScale(['web=3', 'db=0'])).toEqual({ web: 3, db: 0 });
    expect(() => parseScale(['web'])).toThrow('invalid --scale value "web": expected SERVICE=NUM');
    expect(() => parseScale(['web=x'])).toThrow(/expected SERVICE=NUM/);
  });

  it('maps the flags onto the planner options', () => {
    expect(toUpOptions({ ...flags, 'force-recreate': true, scale: ['web=2'], pull: 'always', timeout: 3 }, ['web'])).toMatchObject({
      services: ['web'],
      recreate: 'force',
      recreateDependencies: 'diverged',
      scale: { web: 2 },
      build: 'auto',
      pull: 'always',
      timeoutSeconds: 3,
      removeOrphans: false,
    });
    expect(toUpOptions({ ...flags, 'no-recreate': true, 'no-build': true }, [])).toMatchObject({ recreate: 'never', recreateDependencies: 'never', build: 'never' });
    expect(toUpOptions({ ...flags, 'always-recreate-deps': true, build: true }, [])).toMatchObject({ recreateDependencies: 'force', build: 'always' });
    expect(toUpOptions(flags, [], { COMPOSE_REMOVE_ORPHANS: 'true' }).removeOrphans).toBe(true);
  });

  it.each([
    [{ build: true, 'no-build': true }, '--build and --no-build are incompatible'],
    [{ 'force-recreate': true, 'no-recreate': true }, '--force-recreate and --no-recreate are incompatible'],
    [{ pull: 'sometimes' }, 'invalid --pull option "sometimes"'],
  ])('refuses conflicting flags %o', (extra, msg) => {
    expect(() => toUpOptions({ ...flags, ...extra }, [])).toThrow(msg);
  });

  it('attaches to the named services (or all), minus --no-attach and attach: false', () => {
    const fs = createMemoryFs({ '/p/compose.yaml': 'services: {db: {image: x}, web: {image: x, depends_on: [db]}, quiet: {image: x, attach: false}}' });
    const project = loadProject({ cwd: '/p', env: {}, fs }).project!;
    const order = ['db', 'quiet', 'web'];
    const base = { attach: [], noAttach: [], attachDependencies: false };
    expect(attachedServices(project, order, [], base)).toEqual(['db', 'web']);
    expect(attachedServices(project, ['db', 'web'], ['web'], base)).toEqual(['web']);
    expect(attachedServices(project, ['db', 'web'], ['web'], { ...base, attachDependencies: true })).toEqual(['db', 'web']);
    expect(attachedServices(project, order, [], { ...base, noAttach: ['db'] })).toEqual(['web']);
    expect(attachedServices(project, order, [], { ...base, attach: ['quiet'] })).toEqual(['quiet']);
  });
});

describe('compose output', () => {
  it('prints plain progress lines as Compose v2', () => {
    expect(plainEventLine({ id: 'Container p-web-1', text: 'Started', status: 'done' })).toBe(' Container p-web-1  Started');
    expect(plainEventLine({ id: 'Volume "p_data"', text: 'Created', status: 'done' })).toBe(' Volume "p_data"  Created');
  });

  const summary = (name: string, status: string, labels: Record<string, string>): ContainerSummary =>
    ({
      id: 'a'.repeat(64),
      name,
      image: 'busybox',
      imageName: 'docker.io/library/busybox:latest',
      imageId: 'sha256:x',
      command: ['sh', '-c', 'sleep 1000 && echo done'],
      createdAt: new Date(Date.now() - 65_000).toISOString(),
      labels,
      state: {
        status,
        pid: 1,
        exitCode: 0,
        error: '',
        oomKilled: false,
        startedAt: new Date(Date.now() - 60_000).toISOString(),
        finishedAt: '',
        restartCount: 0,
        stoppedByUser: false,
        network: { netns: { path: '' }, mode: 'bridge', attached: true, endpoints: [], ports: [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
      },
      exposedPorts: ['80/tcp'],
      networks: ['p_default'],
      volumes: [],
      snapshotter: 'overlayfs',
      snapshotKey: 'k',
    }) as unknown as ContainerSummary;

  it('lists projects with their combined status', () => {
    expect(combinedStatus(['running', 'exited', 'running'])).toBe('exited(1), running(2)');
    const rows = projectRows([
      summary('b-web-1', 'running', { 'com.docker.compose.project': 'b', 'com.docker.compose.project.config_files': '/b/compose.yaml' }),
      summary('a-web-1', 'exited', { 'com.docker.compose.project': 'a', 'com.docker.compose.project.config_files': '/a/compose.yaml' }),
      summary('other', 'running', {}),
    ]);
    expect(rows).toEqual([
      { Name: 'a', Status: 'exited(1)', ConfigFiles: '/a/compose.yaml' },
      { Name: 'b', Status: 'running(1)', ConfigFiles: '/b/compose.yaml' },
    ]);
  });

  it('renders a ps row in Compose v2 columns', () => {
    const r = composePsRow(summary('p-web-1', 'running', { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'web' }), false);
    expect(r).toMatchObject({
      Name: 'p-web-1',
      Image: 'busybox',
      Command: `"sh -c 'sleep 1000 &…"`,
      Service: 'web',
      Project: 'p',
      RunningFor: 'About a minute ago',
      Status: 'Up About a minute',
      Ports: '0.0.0.0:8080->80/tcp',
      Publishers: [{ URL: '0.0.0.0', TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp' }],
    });
  });
});
