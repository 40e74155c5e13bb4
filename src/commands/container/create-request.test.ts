import { describe, expect, it } from 'vitest';
import { UsageError } from '../_lib/usage-error.js';
import { parseLabelFile, toRunPlan, type CreateFlagValues } from './create-request.js';
import { createFlags } from './run-flags.js';

/** Flag values with the parser's defaults, as the CLI would hand them over. */
function flags(over: Partial<CreateFlagValues> = {}): CreateFlagValues {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(createFlags)) {
    const d = (spec as { default?: unknown }).default;
    out[name] = spec.type === 'strings' ? [] : spec.type === 'boolean' ? (d ?? false) : d;
  }
  return { ...(out as CreateFlagValues), ...over };
}

const ctx = (files: Record<string, string> = {}) => ({
  env: { HOME: '/root', FROM_ENV: 'yes' },
  cwd: '/work',
  commandPath: ['run'],
  readFile: (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  },
});

describe('toRunPlan', () => {
  it('makes a foreground plan that attaches stdout/stderr (and stdin with -i)', () => {
    const p = toRunPlan(flags({ detach: false, interactive: true, tty: true }), ['busybox', 'sh'], ctx());
    expect(p.attach).toEqual({ stdin: true, stdout: true, stderr: true });
    expect(p.request.stdinOnce).toBe(true);
    expect(p.request.options.cmd).toEqual(['sh']);
    expect(p.request.network?.mode).toEqual({ kind: 'bridge', networks: [{ network: 'bridge' }], defaulted: true });
  });

  it('detaches without attaching, and refuses -a with -d', () => {
    expect(toRunPlan(flags({ detach: true }), ['busybox'], ctx()).attach).toEqual({ stdin: false, stdout: false, stderr: false });
    expect(() => toRunPlan(flags({ detach: true, attach: ['stdout'] }), ['busybox'], ctx())).toThrow('Conflicting options: -a and -d');
    expect(() => toRunPlan(flags({ attach: ['stdmiddle'] }), ['busybox'], ctx())).toThrow('valid streams are STDIN, STDOUT and STDERR');
  });

  it('parses ports, expose, networks with --ip/--network-alias, dns and add-host', () => {
    const p = toRunPlan(
      flags({
        publish: ['127.0.0.1:8080:80', '53/udp'],
        expose: ['9000-9001'],
        network: ['mynet'],
        ip: '10.1.2.3',
        'network-alias': ['web'],
        'add-host': ['db:10.0.0.5', 'gw:host-gateway'],
        dns: ['1.1.1.1'],
      }),
      ['busybox'],
      ctx(),
    );
    const n = p.request.network!;
    expect(n.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'tcp' },
      { hostIp: '', containerPort: 53, protocol: 'udp' },
    ]);
    expect(n.expose).toEqual(['9000/tcp', '9001/tcp']);
    expect(n.mode).toEqual({ kind: 'bridge', networks: [{ network: 'mynet', ip: '10.1.2.3', aliases: ['web'] }] });
    expect(n.extraHosts).toEqual([
      { host: 'db', ip: '10.0.0.5' },
      { host: 'gw', ip: 'host-gateway' },
    ]);
    expect(n.dns).toEqual(['1.1.1.1']);
  });

  it('maps none/host/container network modes and refuses --ip with them', () => {
    expect(toRunPlan(flags({ network: ['none'] }), ['busybox'], ctx()).request.network?.mode).toEqual({ kind: 'none' });
    expect(toRunPlan(flags({ network: ['container:web'] }), ['busybox'], ctx()).request.network?.mode).toEqual({ kind: 'container', container: 'web' });
    expect(() => toRunPlan(flags({ network: ['host'], ip: '10.0.0.2' }), ['busybox'], ctx())).toThrow(/supported only with user defined networks/);
  });

  it('reads labels from flags and label files, restart and --rm conflicts, pull policies', () => {
    const p = toRunPlan(flags({ label: ['a=1', 'flag'], 'label-file': ['/l'], restart: 'on-failure:3' }), ['busybox'], ctx({ '/l': '# c\nb=2\na=0\n' }));
    expect(p.request.labels).toEqual({ a: '1', b: '2', flag: '' });
    expect(p.request.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(() => toRunPlan(flags({ rm: true, restart: 'always' }), ['busybox'], ctx())).toThrow('Conflicting options: --restart and --rm');
    expect(() => toRunPlan(flags({ pull: 'sometimes' }), ['busybox'], ctx())).toThrow(`invalid pull option: 'sometimes'`);
  });

  it('turns a refused flag value into a usage error with Docker\'s wording', () => {
    let err: unknown;
    try {
      toRunPlan(flags({ memory: 'lots' }), ['busybox'], ctx());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^invalid argument "lots" for "-m, --memory" flag/);
  });

  it('refuses an existing --cidfile', () => {
    expect(() => toRunPlan(flags({ cidfile: '/cid' }), ['busybox'], ctx({ '/cid': 'x' }))).toThrow(/Container ID file found/);
  });

  it('parses label files', () => {
    expect(parseLabelFile('a=1\n\n# x\nb\nc=d=e\r\n')).toEqual({ a: '1', b: '', c: 'd=e' });
  });
});
