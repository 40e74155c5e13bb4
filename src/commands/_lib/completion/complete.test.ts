import { describe, expect, it } from 'vitest';
import { fixtureRoot } from '../spec-fixture.js';
import { complete, renderCompletion, type CompletionResult } from './complete.js';
import type { CompletionData, CompletionQuery, ContainerStateFilter } from './data.js';
import { Directive } from './directive.js';

const containers: Record<string, ContainerStateFilter | 'exited' | 'created'> = {
  web: 'running',
  db: 'running',
  old: 'exited',
  fresh: 'created',
  frozen: 'paused',
};

const fixtureData: CompletionData = {
  async containers(filter) {
    return Object.entries(containers)
      .filter(([, s]) => filter === 'all' || s === filter || (filter === 'stopped' && (s === 'exited' || s === 'created')))
      .map(([n]) => n);
  },
  images: async () => ['busybox:latest', 'alpine:3.19', { value: 'nginx:1.25', description: 'sha256:1234' }],
  networks: async () => ['bridge', 'host', 'none', 'mynet'],
  volumes: async () => ['data', 'cache'],
  namespaces: async () => ['default', 'k8s.io', 'moby'],
  snapshots: async () => [],
  composeServices: async () => ['web', 'db', 'worker'],
};

const queries: CompletionQuery[] = [];
const opts = {
  data: (q: CompletionQuery) => {
    queries.push(q);
    return fixtureData;
  },
  env: {},
  cwd: '/tmp',
};

async function values(...words: string[]): Promise<string[]> {
  return (await complete(fixtureRoot, words, opts)).candidates.map((c) => c.value);
}

async function run(...words: string[]): Promise<CompletionResult> {
  return complete(fixtureRoot, words, opts);
}

describe('complete: subcommands', () => {
  it('offers the visible top-level commands with their summaries', async () => {
    const r = await run('');
    expect(r.directive).toBe(Directive.noFileComp);
    expect(r.candidates.map((c) => c.value)).toEqual(['compose', 'container', 'image', 'network', 'volume', 'exec', 'kill', 'ps', 'rm', 'rmi', 'run', 'start', 'version']);
    expect(r.candidates.find((c) => c.value === 'container')?.description).toBe('Manage containers');
  });

  it('filters by prefix and descends into groups', async () => {
    expect(await values('r')).toEqual(['rm', 'rmi', 'run']);
    expect(await values('container', '')).toEqual(['exec', 'kill', 'ls', 'rm', 'run', 'start']);
    expect(await values('network', 'c')).toEqual(['create']);
  });

  it('reaches commands past global flags and their values', async () => {
    expect(await values('-n', 'k8s.io', '--debug', 'network', '')).toEqual(['create', 'rm']);
    expect(await values('--namespace=moby', 'volume', 'rm', '')).toEqual(['data', 'cache']);
  });

  it('gives up quietly after an unknown command, leaving file completion to the shell', async () => {
    expect(await run('bogus', '')).toEqual({ candidates: [], directive: Directive.default });
  });
});

describe('complete: flag names', () => {
  it('offers long and short flags of the command, then group and global ones, without hidden or deprecated flags', async () => {
    const got = await values('run', '-');
    expect(got.slice(0, 6)).toEqual(['--cap-add', '--cidfile', '--cpus', '--detach', '-d', '--env']);
    expect(got).toContain('--help');
    expect(got).toContain('-h');
    expect(got).toContain('--namespace');
    expect(got).toContain('-n');
    expect(got).not.toContain('--oom-kill-disable');
    expect(got).not.toContain('--link');
    expect(got).not.toContain('--address');
    expect(got.indexOf('--volume')).toBeLessThan(got.indexOf('--namespace'));
  });

  it('filters by prefix and describes each flag', async () => {
    const r = await run('run', '--ne');
    expect(r).toEqual({ candidates: [{ value: '--network', description: 'Connect a container to a network' }], directive: Directive.noFileComp });
  });

  it('does not offer a single-valued flag twice but does offer repeatable ones', async () => {
    const got = await values('run', '--name', 'x', '-e', 'A=1', '--');
    expect(got).not.toContain('--name');
    expect(got).toContain('--env');
  });

  it('gives a shorthand to the closest scope: -n is --last for ps, the namespace elsewhere', async () => {
    const ps = await run('ps', '-n');
    expect(ps.candidates).toEqual([{ value: '-n', description: 'Show n last created containers (includes all states)' }]);
    const rm = await run('rm', '-n');
    expect(rm.candidates).toEqual([{ value: '-n', description: 'containerd namespace' }]);
  });

  it('offers group flags in compose subcommands', async () => {
    expect(await values('compose', 'up', '--project')).toEqual(['--project-directory', '--project-name']);
  });

  it('offers root flags and --version at the root', async () => {
    const got = await values('-');
    expect(got).toContain('--namespace');
    expect(got).toContain('--version');
    expect(got).toContain('-v');
  });

  it('stops offering flags after the image of a non-interspersed command and after --', async () => {
    expect(await run('run', 'busybox', '-')).toEqual({ candidates: [], directive: Directive.default });
    expect((await run('rm', '--', '-')).candidates).toEqual([]);
  });

  it('offers nothing once --help is given', async () => {
    expect(await run('run', '--help', '')).toEqual({ candidates: [], directive: Directive.noFileComp });
  });
});

describe('complete: flag values', () => {
  it.each([
    [['run', '--network', ''], ['bridge', 'host', 'none', 'mynet']],
    [['run', '--net', 'm'], ['mynet']],
    [['run', '-v', ''], ['data', 'cache']],
    [['run', '--restart', ''], ['no', 'always', 'on-failure', 'unless-stopped']],
    [['run', '--pull', ''], ['always', 'missing', 'never']],
    [['run', '--log-driver', 'j'], ['json-file', 'journald']],
    [['-n', ''], ['default', 'k8s.io', 'moby']],
    [['container', 'ps', '--namespace', 'k'], ['k8s.io']],
    [['ps', '--format', ''], ['json', 'table', '{{json .}}', '{{.ID}}', '{{.Image}}', '{{.Names}}']],
    [['version', '-f', ''], ['json', '{{json .}}']],
    [['--snapshotter', ''], ['overlayfs', 'native']],
    [['network', 'create', '-d', 'b'], ['bridge']],
  ])('%j', async (words, expected) => {
    const r = await run(...words);
    expect(r.candidates.map((c) => c.value)).toEqual(expected);
    expect(r.directive).toBe(Directive.noFileComp);
  });

  it('completes --flag=value and -s=value, returning bare values', async () => {
    expect(await values('run', '--network=')).toEqual(['bridge', 'host', 'none', 'mynet']);
    expect(await values('run', '--network=b')).toEqual(['bridge']);
    expect(await values('kill', '-s=SIGK')).toEqual(['SIGKILL']);
  });

  it('completes the value of the last shorthand in a group (-dv)', async () => {
    expect(await values('run', '-dv', '')).toEqual(['data', 'cache']);
  });

  it('offers capabilities lowercase without CAP_', async () => {
    const got = await values('run', '--cap-add', '');
    expect(got).toContain('all');
    expect(got).toContain('sys_admin');
    expect(got).toContain('net_bind_service');
    expect(got.some((c) => /[A-Z]|^cap_/.test(c))).toBe(false);
  });

  it('offers signal names and platforms', async () => {
    expect(await values('kill', '--signal', 'SIGTE')).toEqual(['SIGTERM']);
    const platforms = await values('run', '--platform', 'linux/arm');
    expect(platforms).toEqual(['linux/arm64', 'linux/arm/v7', 'linux/arm/v6']);
  });

  it('leaves file names to the shell for files, directories and plain strings, nothing for numbers', async () => {
    expect((await run('run', '--cidfile', '')).directive).toBe(Directive.default);
    expect((await run('run', '--name', '')).directive).toBe(Directive.default);
    expect((await run('--data-root', '')).directive).toBe(Directive.filterDirs);
    expect((await run('run', '--cpus', '')).directive).toBe(Directive.noFileComp);
    expect((await run('exec', '-w', '')).directive).toBe(Directive.noFileComp);
  });

  it('completes a boolean given with = as true/false', async () => {
    expect(await values('run', '--detach=')).toEqual(['true', 'false']);
  });
});

describe('complete: positional arguments', () => {
  it.each([
    [['exec', ''], ['web', 'db']],
    [['container', 'exec', '-it', ''], ['web', 'db']],
    [['kill', ''], ['web', 'db']],
    [['start', ''], ['old', 'fresh']],
    [['rm', ''], ['web', 'db', 'old', 'fresh', 'frozen']],
    [['rm', 'f'], ['fresh', 'frozen']],
    [['rmi', ''], ['busybox:latest', 'alpine:3.19', 'nginx:1.25']],
    [['image', 'remove', 'busybox:'], ['busybox:latest']],
    [['run', '-d', ''], ['busybox:latest', 'alpine:3.19', 'nginx:1.25']],
    [['network', 'rm', ''], ['bridge', 'host', 'none', 'mynet']],
    [['volume', 'rm', '-f', 'c'], ['cache']],
    [['compose', 'logs', ''], ['web', 'db', 'worker']],
    [['compose', '-f', 'x.yml', 'up', '-d', 'w'], ['web', 'worker']],
  ])('%j', async (words, expected) => {
    const r = await run(...words);
    expect(r.candidates.map((c) => c.value)).toEqual(expected);
    expect(r.directive).toBe(Directive.noFileComp);
  });

  it('does not offer a name twice for multi-target commands', async () => {
    expect(await values('rm', 'web', 'old', '')).toEqual(['db', 'fresh', 'frozen']);
  });

  it('keeps descriptions that the data gives', async () => {
    const r = await run('rmi', 'nginx');
    expect(r.candidates).toEqual([{ value: 'nginx:1.25', description: 'sha256:1234' }]);
  });

  it('follows args.complete per position, the last entry repeating', async () => {
    expect((await run('run', 'busybox', '')).directive).toBe(Directive.default);
    expect((await run('exec', 'web', '')).directive).toBe(Directive.noFileComp);
    expect((await run('exec', 'web', 'ls', '')).candidates).toEqual([]);
  });

  it('offers nothing past the maximum argument count', async () => {
    expect(await run('network', 'create', 'x', '')).toEqual({ candidates: [], directive: Directive.noFileComp });
    expect(await run('ps', '')).toEqual({ candidates: [], directive: Directive.noFileComp });
  });

  it('passes what was typed to the data provider', async () => {
    queries.length = 0;
    await run('-n', 'k8s.io', 'compose', '-f', 'a.yml', '--project-directory', '/p', 'logs', 'web', '');
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({
      globals: { namespace: 'k8s.io' },
      flags: { file: ['a.yml'], 'project-directory': '/p' },
      path: ['compose', 'logs'],
      args: ['web'],
      cwd: '/tmp',
    });
    expect([...queries[0]!.changed].sort()).toEqual(['file', 'namespace', 'project-directory']);
  });

  it('does not open the data for static candidates', async () => {
    queries.length = 0;
    await run('run', '--restart', '');
    await run('container', '');
    expect(queries).toHaveLength(0);
  });

  it('answers "no candidates, no files" when a lookup fails', async () => {
    const failing = { ...fixtureData, containers: async () => Promise.reject(new Error('database is locked')) };
    const r = await complete(fixtureRoot, ['exec', ''], { ...opts, data: () => failing });
    expect(r).toEqual({ candidates: [], directive: Directive.noFileComp });
    const throwing = await complete(fixtureRoot, ['exec', ''], {
      ...opts,
      data: () => {
        throw new Error('cannot open');
      },
    });
    expect(throwing).toEqual({ candidates: [], directive: Directive.noFileComp });
  });
});

describe('renderCompletion', () => {
  it('prints value<TAB>description lines then :directive', () => {
    const text = renderCompletion(
      { candidates: [{ value: 'web', description: 'running\nsecond line' }, { value: 'db' }], directive: 4 },
      { descriptions: true },
    );
    expect(text).toBe('web\trunning\ndb\n:4\n');
  });

  it('drops descriptions for __completeNoDesc', () => {
    expect(renderCompletion({ candidates: [{ value: 'a', description: 'x' }], directive: 0 }, { descriptions: false })).toBe('a\n:0\n');
  });

  it('prints only the directive when there is nothing to offer', () => {
    expect(renderCompletion({ candidates: [], directive: 16 }, { descriptions: true })).toBe(':16\n');
  });
});
