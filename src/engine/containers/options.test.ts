import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import {
  type ContainerFlags,
  containerOptionsFromFlags,
  emptyContainerOptions,
  flagLabel,
  mergeEnv,
  mergeHealthcheck,
  mergeImageConfig,
  mountRequestFromFields,
  parseCsvRecord,
  parseEnvFile,
  parseIpcMode,
  parseMountFlag,
  parseSecurityOpts,
  parseVolumeSpec,
  parseVolumesFrom,
  replaceOrAppendEnv,
  validateContainerOptions,
} from './options.js';

const files: Record<string, string | Uint8Array> = {
  '/env/good': '# comment\n\n  FOO=bar\nQUOTED="x y" \nPASS\nMISSING\nEMPTY=\n',
  '/env/bom': '\ufeffA=1\n',
  '/env/space': 'A B=1\n',
  '/env/noname': '=1\n',
  '/env/badutf8': new Uint8Array([0x41, 0x3d, 0x31, 0x0a, 0x42, 0x3d, 0xff, 0x0a]),
  '/seccomp.json': '{"defaultAction":"SCMP_ACT_ALLOW"}',
  '/bad.json': '{bad',
};

function readFile(p: string): string | Uint8Array {
  const f = files[p];
  if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  return f;
}

const ctx = { env: { PASS: 'from-caller', HOME: '/home/me' }, cwd: '/work', readFile };

function opts(flags: ContainerFlags, command: string[] = []) {
  return containerOptionsFromFlags(flags, command, ctx);
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(hasCode(e, 'invalid-argument')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('flag errors', () => {
  it('names flags as pflag does', () => {
    expect(flagLabel('memory')).toBe('-m, --memory');
    expect(flagLabel('memory-swap')).toBe('--memory-swap');
    expect(flagLabel('cpu-shares')).toBe('-c, --cpu-shares');
  });

  it.each<[ContainerFlags, string]>([
    [{ memory: 'x' }, `invalid argument "x" for "-m, --memory" flag: invalid size: 'x'`],
    [{ memory: '1x' }, `invalid argument "1x" for "-m, --memory" flag: invalid suffix: 'x'`],
    [{ 'memory-swap': 'abc' }, `invalid argument "abc" for "--memory-swap" flag: invalid size: 'abc'`],
    [{ 'shm-size': '-1' }, `invalid argument "-1" for "--shm-size" flag: invalid size: '-1'`],
    [{ cpus: 'abc' }, 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'],
    [{ cpus: '0.0000000001' }, 'invalid argument "0.0000000001" for "--cpus" flag: value is too precise'],
    [{ ulimit: ['nofile'] }, 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile'],
    [{ ulimit: ['nofile=x'] }, 'invalid argument "nofile=x" for "--ulimit" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [{ ulimit: ['foo=1'] }, 'invalid argument "foo=1" for "--ulimit" flag: invalid ulimit type: foo'],
    [
      { ulimit: ['nofile=10:5'] },
      'invalid argument "nofile=10:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 10 > 5',
    ],
    [{ sysctl: ['kernel.foo=1'] }, `invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl 'kernel.foo=1' is not allowed`],
    [{ env: ['=x'] }, 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'],
    [{ 'cpu-shares': 'x' }, 'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [{ 'blkio-weight': '70000' }, 'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range'],
    [{ 'device-cgroup-rule': ['x'] }, `invalid argument "x" for "--device-cgroup-rule" flag: invalid device cgroup format 'x'`],
    [{ 'health-interval': '5x' }, 'invalid argument "5x" for "--health-interval" flag: time: unknown unit "x" in duration "5x"'],
    [{ mount: ['type=bind'] }, 'invalid argument "type=bind" for "--mount" flag: target is required'],
    [{ mount: ['foo=bar'] }, `invalid argument "foo=bar" for "--mount" flag: unexpected key 'foo' in 'foo=bar'`],
    [
      { mount: ['type=tmpfs,tmpfs-size=x,target=/x'] },
      'invalid argument "type=tmpfs,tmpfs-size=x,target=/x" for "--mount" flag: invalid value for tmpfs-size: x',
    ],
  ])('%j', (flags, expected) => {
    expect(message(() => opts(flags))).toBe(expected);
  });

  it.each<[ContainerFlags, string]>([
    [{ 'env-file': ['/nonexist'] }, 'open /nonexist: no such file or directory'],
    [{ 'env-file': ['/env/space'] }, "invalid env file (/env/space): variable 'A B' contains whitespaces"],
    [{ 'env-file': ['/env/noname'] }, "invalid env file (/env/noname): no variable name on line '=1'"],
    [{ 'env-file': ['/env/badutf8'] }, 'invalid env file (/env/badutf8): invalid utf8 bytes at line 2'],
    [{ 'security-opt': ['foo'] }, 'Invalid --security-opt: "foo"'],
    [{ 'security-opt': ['foo=bar'] }, 'invalid --security-opt 2: "foo=bar"'],
    [{ 'security-opt': ['no-new-privileges=maybe'] }, 'invalid --security-opt 2: "no-new-privileges=maybe"'],
    [
      { 'security-opt': ['seccomp=/nonexist.json'] },
      'opening seccomp profile (/nonexist.json) failed: open /nonexist.json: no such file or directory',
    ],
    [{ pid: 'foo' }, '--pid: invalid PID mode'],
    [{ uts: 'foo' }, '--uts: invalid UTS mode'],
    [{ cgroupns: 'foo' }, '--cgroupns: invalid CGROUP mode'],
    [{ ipc: 'foo' }, 'invalid IPC mode: foo'],
    [{ device: ['/dev/x:rwz:y'] }, 'bad mode specified: y'],
    [{ device: ['/dev/x:rel'] }, 'rel is not an absolute path'],
    [{ 'cap-add': ['foo'] }, 'unknown capability: "CAP_FOO"'],
    [{ 'memory-swappiness': '200' }, 'invalid value: 200. Valid memory swappiness range is 0-100'],
    [{ 'health-interval': '-1s' }, '--health-interval cannot be negative'],
    [{ 'no-healthcheck': true, 'health-cmd': 'x' }, '--no-healthcheck conflicts with --health-* options'],
    [{ memory: '1m' }, 'Minimum memory limit allowed is 6MB'],
    [{ memory: '64m', 'memory-swap': '32m' }, 'Minimum memoryswap limit should be larger than memory limit, see usage'],
    [{ 'memory-swap': '64m' }, 'You should always set the Memory limit when using Memoryswap limit, see usage'],
    [{ memory: '64m', 'memory-reservation': '128m' }, 'Minimum memory limit can not be less than memory reservation limit, see usage'],
    [{ 'memory-reservation': '1m' }, 'Minimum memory reservation allowed is 6MB'],
    [{ cpus: '1', 'cpu-period': '50000' }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set'],
    [{ cpus: '1', 'cpu-quota': '50000' }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
    [{ 'cpu-period': '10' }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)'],
    [{ 'cpu-quota': '10' }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)'],
    [{ 'cpu-shares': '-2' }, 'invalid CPU shares (-2): value must be a positive integer'],
    [{ 'cpuset-cpus': '3-1' }, 'Invalid value 3-1 for cpuset cpus: invalid format: 3-1'],
    [{ 'blkio-weight': '5' }, 'Range of blkio weight is from 10 to 1000'],
    [{ 'oom-score-adj': '1001' }, 'Invalid value 1001, range for oom score adj is [-1000, 1000]'],
    [{ workdir: 'rel' }, "the working directory 'rel' is invalid, it needs to be an absolute path"],
    [{ 'stop-signal': 'FOO' }, 'Invalid signal: FOO'],
    [{ hostname: 'h'.repeat(65) }, `hostname "${'h'.repeat(65)}" is too long (maximum 64 bytes)`],
    [{ sysctl: ['net.ipv4.ip_forward=1'], network: ['host'] }, 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'],
    [{ volume: ['/a:/x'], tmpfs: ['/x'] }, 'Duplicate mount point: /x'],
  ])('%j', (flags, expected) => {
    expect(message(() => opts(flags))).toBe(expected);
  });
});

describe('environment', () => {
  it('reads env files by Docker\'s rules, then -e, taking bare keys from the caller', () => {
    const o = opts({ 'env-file': ['/env/good', '/env/bom'], env: ['FOO=override', 'PASS', 'UNSET_HERE', 'E='] });
    expect(o.env).toEqual([
      'FOO=bar',
      'QUOTED="x y" ',
      'PASS=from-caller',
      'EMPTY=',
      'A=1',
      'FOO=override',
      'PASS=from-caller',
      'UNSET_HERE',
      'E=',
    ]);
  });

  it('parses env-file bytes and strings alike', () => {
    expect(parseEnvFile(new TextEncoder().encode('X=1\r\nY=2'), () => undefined)).toEqual(['X=1', 'Y=2']);
  });

  it('merges with the image env: user first, image keys not overridden, later duplicates win', () => {
    expect(mergeEnv(['PATH=/bin', 'A=image', 'B=image'], ['A=user', 'C=1', 'C=2'])).toEqual(['A=user', 'C=2', 'PATH=/bin', 'B=image']);
    expect(mergeEnv(null, [])).toEqual([]);
  });

  it('replaces, appends and unsets like ReplaceOrAppendEnvValues', () => {
    expect(replaceOrAppendEnv(['PATH=/d', 'HOSTNAME=h'], ['PATH=/x', 'N=1', 'HOSTNAME'])).toEqual(['PATH=/x', 'N=1']);
  });
});

describe('mergeImageConfig: entrypoint and cmd', () => {
  const image = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port', '80'], WorkingDir: '/app', User: 'app' };
  const merged = (flags: ContainerFlags, command: string[] = []) => mergeImageConfig(image, opts(flags, command));

  it.each<[string, ContainerFlags, string[], string[], string[]]>([
    ['image defaults', {}, [], ['/entry.sh'], ['serve', '--port', '80']],
    ['a command replaces CMD', {}, ['debug'], ['/entry.sh'], ['debug']],
    ['--entrypoint drops the image CMD', { entrypoint: '/bin/sh' }, [], ['/bin/sh'], []],
    ['--entrypoint with a command', { entrypoint: '/bin/sh' }, ['-c', 'true'], ['/bin/sh'], ['-c', 'true']],
    ['--entrypoint "" with a command', { entrypoint: '' }, ['ls', '/'], [], ['ls', '/']],
    ['--entrypoint with spaces is one word', { entrypoint: 'sh -c' }, [], ['sh -c'], []],
  ])('%s', (_name, flags, command, entrypoint, cmd) => {
    const m = merged(flags, command);
    expect(m.entrypoint).toEqual(entrypoint);
    expect(m.cmd).toEqual(cmd);
    expect(m.args).toEqual([...entrypoint, ...cmd]);
  });

  it('refuses --entrypoint "" without a command: no command specified', () => {
    expect(message(() => merged({ entrypoint: '' }))).toBe('no command specified');
    expect(message(() => mergeImageConfig({}, opts({})))).toBe('no command specified');
  });

  it('takes workdir and user from the image unless given', () => {
    expect(merged({}).workingDir).toBe('/app');
    expect(merged({}).user).toBe('app');
    expect(merged({ workdir: '/tmp/', user: '0:0' })).toMatchObject({ workingDir: '/tmp', user: '0:0' });
    expect(mergeImageConfig({ Cmd: ['x'] }, opts({})).workingDir).toBe('/');
  });

  it('lists image volumes and anonymous -v targets', () => {
    const m = mergeImageConfig({ Cmd: ['x'], Volumes: { '/data/': {} } }, opts({ volume: ['/cache', 'named:/n', '/h:/b'] }));
    expect(m.volumes).toEqual(['/data', '/cache']);
  });

  it('merges healthchecks field by field', () => {
    const img = { Test: ['CMD', 'true'], Interval: 30e9, Retries: 3 };
    expect(mergeHealthcheck(img, { Interval: 5e9 })).toEqual({ Test: ['CMD', 'true'], Interval: 5e9, Retries: 3 });
    expect(opts({ 'no-healthcheck': true }).healthcheck).toEqual({ Test: ['NONE'] });
    expect(opts({ 'health-cmd': 'curl -f x', 'health-interval': '1m30s', 'health-retries': '2' }).healthcheck).toEqual({
      Test: ['CMD-SHELL', 'curl -f x'],
      Interval: 90e9,
      Retries: 2,
    });
  });
});

describe('parseVolumeSpec (-v)', () => {
  it.each([
    ['/host:/ctr', { type: 'bind', source: '/host', target: '/ctr', readOnly: false, propagation: 'rprivate', nonRecursive: false, createSource: true }],
    ['/host/:/ctr/:ro', { type: 'bind', source: '/host', target: '/ctr', readOnly: true, propagation: 'rprivate', nonRecursive: false, createSource: true }],
    ['/h:/c:rw,rshared', { type: 'bind', source: '/h', target: '/c', readOnly: false, propagation: 'rshared', nonRecursive: false, createSource: true }],
    ['/h:/c:Z', { type: 'bind', source: '/h', target: '/c', readOnly: false, propagation: 'rprivate', nonRecursive: false, createSource: true, selinuxRelabel: 'Z' }],
    ['./rel:/c', { type: 'bind', source: '/work/rel', target: '/c', readOnly: false, propagation: 'rprivate', nonRecursive: false, createSource: true }],
    ['data:/var/lib/data', { type: 'volume', name: 'data', target: '/var/lib/data', readOnly: false, noCopy: false }],
    ['data:/d:ro,nocopy', { type: 'volume', name: 'data', target: '/d', readOnly: true, noCopy: true }],
    ['/anon', { type: 'volume', target: '/anon', readOnly: false, noCopy: false }],
  ])('%s', (spec, req) => {
    expect(parseVolumeSpec(spec, '/work')).toEqual(req);
  });

  it.each([
    ['', 'invalid empty volume spec'],
    ['/a::/b', 'invalid spec: /a::/b: empty section between colons'],
    ['/a:/b:c:d', "invalid volume specification: '/a:/b:c:d'"],
    ['/foo:ro', "invalid volume specification: '/foo:ro'"],
    ['/a:/b:bogus', 'invalid mode: bogus'],
    ['/a:/b:ro,rw', 'invalid mode: ro,rw'],
    ['/a:/', "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'"],
    ['/a:rel', "invalid volume specification: '/a:rel': invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"],
    ['/a:/b:nocopy', "invalid volume specification: '/a:/b:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified"],
    ['v:/b:shared', "invalid volume specification: 'v:/b:shared': invalid mount config for type \"volume\": field BindOptions must not be specified"],
    ['x/y:/b', 'create x/y: "x/y" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'],
  ])('refuses %j', (spec, expected) => {
    expect(message(() => parseVolumeSpec(spec, '/work'))).toBe(expected);
  });
});

describe('--mount', () => {
  const parse = (v: string) => mountRequestFromFields(parseMountFlag(v, '/work'));

  it.each([
    ['type=bind,source=/h,target=/c', { type: 'bind', source: '/h', target: '/c', readOnly: false, propagation: 'rprivate', nonRecursive: false, createSource: false }],
    ['type=bind,src=./h,dst=/c,readonly,bind-propagation=rslave,bind-recursive=disabled', { type: 'bind', source: '/work/h', target: '/c', readOnly: true, propagation: 'rslave', nonRecursive: true, createSource: false }],
    ['type=bind,source=/h,target=/c,ro=true,bind-create-src', { type: 'bind', source: '/h', target: '/c', readOnly: true, propagation: 'rprivate', nonRecursive: false, createSource: true }],
    ['source=data,target=/d', { type: 'volume', name: 'data', target: '/d', readOnly: false, noCopy: false }],
    ['type=volume,target=/d,volume-nocopy', { type: 'volume', target: '/d', readOnly: false, noCopy: true }],
    ['type=volume,src=v,dst=/d,volume-subpath=sub,volume-label=a=b,volume-driver=local,volume-opt=o=1', { type: 'volume', name: 'v', target: '/d', readOnly: false, noCopy: false, subpath: 'sub', labels: { a: 'b' }, driver: 'local', driverOptions: { o: '1' } }],
    ['type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770', { type: 'tmpfs', target: '/t', options: ['mode=1770', 'size=64m'] }],
    ['type=tmpfs,destination=/t,readonly,tmpfs-size=1000', { type: 'tmpfs', target: '/t', options: ['ro', 'size=1000'] }],
    ['"type=bind","source=/a,b",target=/c', { type: 'bind', source: '/a,b', target: '/c', readOnly: false, propagation: 'rprivate', nonRecursive: false, createSource: false }],
  ])('%s', (v, req) => {
    expect(parse(v)).toEqual(req);
  });

  it.each([
    ['type=bind,target=/x,readonly=x', 'invalid value for readonly: x'],
    ['type=bind,target=/x,bind-recursive=readonly', "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"],
    ['type=bind,target=/x,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=volume,target=/x,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['type=bind,target=/x,tmpfs-mode=9', 'invalid value for tmpfs-mode: 9'],
    ['type=bind,target', "invalid field 'target' must be a key=value pair"],
    ['type=,target=/x', 'type is required'],
    ['type=bind,target=/a"b', 'parse error on line 1, column 20: bare " in non-quoted-field'],
    ['"type=bind,target=/x', 'parse error on line 1, column 21: extraneous or missing " in quoted-field'],
  ])('refuses %j (client side)', (v, expected) => {
    expect(() => parseMountFlag(v, '/work')).toThrow(expected);
  });

  it.each([
    ['type=bind,target=/x', 'invalid mount config for type "bind": field Source must not be empty'],
    ['type=bind,source=rel,target=/x', "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"],
    ['type=bind,source=/a,target=/x,bind-propagation=weird', 'invalid mount config for type "bind": invalid propagation mode: weird'],
    ['type=bind,source=/a,target=/', "invalid mount config for type \"bind\": invalid specification: destination can't be '/'"],
    ['type=tmpfs,source=/a,target=/x', 'invalid mount config for type "tmpfs": field Source must not be specified'],
    ['type=volume,target=/x,volume-subpath=a', 'invalid mount config for type "volume": must not set Subpath when using anonymous volumes'],
    ['type=volume,src=v,target=/x,volume-subpath=../a', 'invalid mount config for type "volume": subpath must be a relative path within the volume'],
    ['type=npipe,target=/x', 'invalid mount config for type "npipe": mount type unknown'],
  ])('refuses %j (daemon side)', (v, expected) => {
    expect(message(() => parse(v))).toBe(expected);
  });

  it('reads Go CSV records', () => {
    expect(parseCsvRecord('a,"b,c","d""e",')).toEqual(['a', 'b,c', 'd"e', '']);
  });
});

describe('--tmpfs and --volumes-from', () => {
  it('parses --tmpfs into a tmpfs request', () => {
    expect(opts({ tmpfs: ['/run:rw,size=64m'] }).mounts).toEqual([{ type: 'tmpfs', target: '/run', options: ['rw', 'size=64m'] }]);
    expect(message(() => opts({ tmpfs: ['/x:foo'] }))).toBe('invalid tmpfs option ["foo"]');
    expect(message(() => opts({ tmpfs: ['rel'] }))).toBe("invalid mount path: 'rel' mount path must be absolute");
  });

  it('parses --volumes-from', () => {
    expect(parseVolumesFrom('data')).toEqual({ container: 'data', readOnly: false });
    expect(parseVolumesFrom('data:ro')).toEqual({ container: 'data', readOnly: true });
    expect(parseVolumesFrom('data:rw,z')).toEqual({ container: 'data', readOnly: false });
    expect(message(() => parseVolumesFrom('data:shared'))).toBe('invalid mode: shared');
    expect(message(() => parseVolumesFrom('data:nocopy'))).toBe('invalid mode: nocopy');
    expect(message(() => parseVolumesFrom(''))).toBe('volumes-from specification cannot be an empty string');
  });

  it('keeps Docker\'s order: -v, --mount, --tmpfs', () => {
    const o = opts({ tmpfs: ['/t'], mount: ['type=volume,target=/m'], volume: ['/v'] });
    expect(o.mounts.map((m) => m.target)).toEqual(['/v', '/m', '/t']);
  });
});

describe('security options and namespaces', () => {
  it('parses every accepted --security-opt', () => {
    const s = parseSecurityOpts(
      ['no-new-privileges', 'seccomp=/seccomp.json', 'apparmor=unconfined', 'label=disable', 'systempaths=unconfined', 'writable-cgroups=true', 'mask=/a:/b', 'unmask=ALL'],
      readFile,
    );
    expect(s).toEqual({
      noNewPrivileges: true,
      seccomp: { mode: 'profile', path: '/seccomp.json', profile: { defaultAction: 'SCMP_ACT_ALLOW' } },
      apparmor: 'unconfined',
      labels: ['disable'],
      systemPaths: 'unconfined',
      writableCgroups: true,
      mask: ['/a', '/b'],
      unmask: ['ALL'],
    });
    expect(parseSecurityOpts(['seccomp:unconfined']).seccomp).toEqual({ mode: 'unconfined' });
    expect(parseSecurityOpts(['seccomp=builtin']).seccomp).toEqual({ mode: 'default' });
    expect(parseSecurityOpts(['no-new-privileges:false']).noNewPrivileges).toBe(false);
  });

  it('refuses an unparsable seccomp profile', () => {
    expect(message(() => parseSecurityOpts(['seccomp=/bad.json'], readFile))).toMatch(
      /^compacting json for seccomp profile \(\/bad\.json\) failed: /,
    );
  });

  it('parses namespace modes', () => {
    expect(opts({ pid: 'host', ipc: 'shareable', uts: 'host', cgroupns: 'host' })).toMatchObject({
      pid: { kind: 'host' },
      ipc: { kind: 'shareable' },
      uts: 'host',
      cgroupns: 'host',
    });
    expect(opts({ pid: 'container:db' }).pid).toEqual({ kind: 'container', container: 'db' });
    expect(parseIpcMode('container:x')).toEqual({ kind: 'container', container: 'x' });
    expect(message(() => opts({ pid: 'container:' }))).toBe('--pid: invalid PID mode');
  });
});

describe('containerOptionsFromFlags', () => {
  it('gives Docker\'s defaults for no flags', () => {
    expect(opts({})).toEqual(emptyContainerOptions());
  });

  it('fills every field', () => {
    const o = opts(
      {
        user: 'app:staff',
        'group-add': ['audio'],
        workdir: '/w',
        hostname: 'h',
        domainname: 'd.example',
        tty: true,
        interactive: true,
        init: true,
        memory: '512m',
        'memory-swap': '-1',
        cpus: '0.5',
        'cpuset-cpus': '0',
        'pids-limit': '-1',
        ulimit: ['nofile=100:200', 'nofile=300:400', 'nproc=50'],
        'shm-size': '1g',
        'oom-score-adj': '100',
        privileged: true,
        'read-only': true,
        'cap-add': ['net_admin'],
        'cap-drop': ['all'],
        device: ['/dev/fuse'],
        sysctl: ['net.core.somaxconn=1024'],
        'stop-signal': 'SIGINT',
        'stop-timeout': '30',
        annotation: ['k=v'],
        'volumes-from': ['other:ro'],
      },
      ['echo', 'hi'],
    );
    expect(o).toMatchObject({
      cmd: ['echo', 'hi'],
      user: 'app:staff',
      groupAdd: ['audio'],
      workdir: '/w',
      hostname: 'h',
      domainname: 'd.example',
      tty: true,
      interactive: true,
      init: true,
      shmSize: 1024 ** 3,
      oomScoreAdj: 100,
      privileged: true,
      readOnly: true,
      capAdd: ['CAP_NET_ADMIN'],
      capDrop: ['ALL'],
      devices: [{ pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', cgroupPermissions: 'rwm' }],
      sysctls: { 'net.core.somaxconn': '1024' },
      stopSignal: 'SIGINT',
      stopTimeout: 30,
      annotations: { k: 'v' },
      volumesFrom: [{ container: 'other', readOnly: true }],
    });
    expect(o.resources).toEqual({
      memory: 512 * 1024 ** 2,
      memorySwap: -1,
      nanoCpus: 500_000_000,
      cpusetCpus: '0',
      pidsLimit: -1,
      ulimits: [
        { name: 'nofile', soft: 300, hard: 400 },
        { name: 'nproc', soft: 50, hard: 50 },
      ],
    });
  });

  it('lets compose build options field by field and validate them', () => {
    const o = emptyContainerOptions();
    o.resources.memory = 1024;
    expect(message(() => validateContainerOptions(o))).toBe('Minimum memory limit allowed is 6MB');
  });
});
