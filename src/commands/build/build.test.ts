import { describe, expect, it } from 'vitest';
import { buildFlags, parseLabels, parseSecret, toBuildOptions } from './build.js';

type Flags = Parameters<typeof toBuildOptions>[0];

function flags(over: Partial<Flags> = {}): Flags {
  return {
    tag: [],
    file: undefined,
    'build-arg': [],
    target: undefined,
    platform: undefined,
    'no-cache': false,
    'no-cache-filter': [],
    pull: false,
    quiet: false,
    iidfile: undefined,
    label: [],
    progress: 'auto',
    output: [],
    secret: [],
    network: 'default',
    'cache-from': [],
    ssh: [],
    rm: true,
    'force-rm': false,
    ...over,
  } as Flags;
}

describe('toBuildOptions', () => {
  it("maps docker build's flags onto the build service's options", async () => {
    const o = await toBuildOptions(
      flags({
        tag: ['app:1', 'app:2'],
        file: 'x.Dockerfile',
        'build-arg': ['A=1', 'FROM_ENV', 'EMPTY='],
        target: 'prod',
        label: ['k=v', 'bare'],
        output: ['type=tar,dest=out.tar'],
        secret: ['id=tok,src=t.txt'],
        network: 'none',
        'no-cache-filter': ['base'],
      }),
      'ctx',
      { FROM_ENV: 'env-value' },
      '/work',
    );
    expect(o).toMatchObject({
      context: 'ctx',
      dockerfile: 'x.Dockerfile',
      cwd: '/work',
      tags: ['app:1', 'app:2'],
      target: 'prod',
      labels: { k: 'v', bare: '' },
      outputs: [{ type: 'tar', dest: 'out.tar' }],
      secrets: [{ id: 'tok', src: 't.txt' }],
      network: 'none',
      noCacheFilter: ['base'],
      noCache: false,
      pull: false,
    });
    expect([...(o.buildArgs as Map<string, string | undefined>)]).toEqual([
      ['A', '1'],
      ['FROM_ENV', 'env-value'],
      ['EMPTY', ''],
    ]);
  });

  it('refuses --ssh, a bad --progress and stdin for both inputs', async () => {
    await expect(toBuildOptions(flags({ ssh: ['default'] }), '.', {}, '/')).rejects.toThrow(/--ssh is not supported/);
    await expect(toBuildOptions(flags({ progress: 'fancy' }), '.', {}, '/')).rejects.toThrow(/invalid --progress "fancy"/);
    await expect(toBuildOptions(flags({ file: '-' }), '-', {}, '/')).rejects.toThrow("can't use stdin for both");
  });

  it("declares docker build's flags with their shorthands", () => {
    expect(buildFlags.tag.short).toBe('t');
    expect(buildFlags.file.short).toBe('f');
    expect(buildFlags.quiet.short).toBe('q');
    expect(buildFlags.output.short).toBe('o');
    expect(buildFlags.progress.default).toBe('auto');
  });
});

describe('--secret and --label', () => {
  it.each([
    ['id=a,src=/x', { id: 'a', src: '/x' }],
    ['id=a,source=/x', { id: 'a', src: '/x' }],
    ['id=a,env=VAR', { id: 'a', env: 'VAR' }],
    ['id=a,type=env,src=VAR', { id: 'a', env: 'VAR' }],
    ['src=/path/token.txt', { id: 'token.txt', src: '/path/token.txt' }],
    ['id=a', { id: 'a' }],
  ])('parses --secret %s', (v, want) => {
    expect(parseSecret(v)).toEqual(want);
  });

  it.each([
    ['env=X', /id is required/],
    ['id=a,foo=b', /unexpected key "foo"/],
    ['id=a,type=socket', /type must be file or env/],
    ['ida', /must be key=value/],
  ])('refuses --secret %s', (v, want) => {
    expect(() => parseSecret(v)).toThrow(want);
  });

  it('parses --label values, a bare name being empty', () => {
    expect(parseLabels(['a=b=c', 'x'])).toEqual({ a: 'b=c', x: '' });
    expect(() => parseLabels(['=v'])).toThrow(/empty name/);
  });
});
