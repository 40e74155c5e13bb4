import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMemoryFs } from './fs.js';
import type { Project } from './model.js';
import { loadProject } from './project.js';
import { HANDLED_SERVICE_KEYS, serviceCreateSpec, type ServiceOptionsContext } from './service-options.js';

function load(yaml: string, env: Record<string, string> = {}): Project {
  const fs = createMemoryFs({ '/src/shop/compose.yaml': yaml, '/src/shop/secret.txt': 's3cret' });
  const { project } = loadProject({ cwd: '/src/shop', env, fs });
  return project!;
}

function spec(yaml: string, service = 'app', extra: Partial<ServiceOptionsContext> = {}) {
  const project = load(yaml);
  const s = project.services[service]!;
  return serviceCreateSpec(
    { project, image: s.image ?? `shop-${service}`, filesDir: '/data/compose/default/shop', containerName: `shop-${service}-1`, ...extra },
    s,
  );
}

describe('serviceCreateSpec', () => {
  it('maps the process keys: command, entrypoint, environment, user, workdir, tty, stdin_open, init, stop settings', () => {
    const { request } = spec(`
services:
  app:
    image: busybox
    command: sh -c "echo hi"
    entrypoint: ["/bin/env"]
    environment: {B: "2", A: "1", UNSET: null}
    user: "1000:1000"
    working_dir: /srv
    tty: true
    stdin_open: true
    init: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    hostname: h1
    domainname: example.org
    group_add: [audio]
`);
    const o = request.options;
    expect(o.cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(o.entrypoint).toEqual(['/bin/env']);
    expect(o.env).toEqual(['A=1', 'B=2', 'UNSET']);
    expect(o.user).toBe('1000:1000');
    expect(o.workdir).toBe('/srv');
    expect([o.tty, o.interactive, o.init]).toEqual([true, true, true]);
    expect(o.stopSignal).toBe('SIGINT');
    expect(o.stopTimeout).toBe(90);
    expect([o.hostname, o.domainname]).toEqual(['h1', 'example.org']);
    expect(o.groupAdd).toEqual(['audio']);
    expect(request.image).toBe('busybox');
    expect(request.pull).toBe('never');
  });

  it('clears the image command for `command: []` and the entrypoint for `entrypoint: []`', () => {
    const a = spec(`services: {app: {image: busybox, command: []}}`, 'app', { imageConfig: { Entrypoint: ['/ep'], Cmd: ['x'] } });
    expect(a.request.options.cmd).toEqual([]);
    expect(a.request.options.entrypoint).toEqual(['/ep']);
    const b = spec(`services: {app: {image: busybox, command: []}}`, 'app', { imageConfig: { Cmd: ['x'] } });
    expect(b.request.options.entrypoint).toEqual(['']);
    const c = spec(`services: {app: {image: busybox, entrypoint: []}}`);
    expect(c.request.options.entrypoint).toEqual(['']);
    expect(c.request.options.cmd).toBeUndefined();
  });

  it('maps ports, expose, dns, extra_hosts and networks with the container name, service name and aliases', () => {
    const { request } = spec(`
services:
  app:
    image: busybox
    ports: ["127.0.0.1:8080:80", "9000-9001:9000-9001/udp", "3000"]
    expose: ["7000-7001"]
    dns: [10.0.0.1]
    dns_search: [example.org]
    dns_opt: [ndots:1]
    extra_hosts: ["db.local:10.1.1.1", "gw=host-gateway"]
    networks:
      back:
        aliases: [api]
        ipv4_address: 172.30.0.10
      front:
        priority: 100
networks:
  front: {}
  back:
    ipam: {config: [{subnet: 172.30.0.0/24}]}
`);
    const n = request.network!;
    expect(n.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: { start: 8080, end: 8080 }, containerPort: 80, protocol: 'tcp' },
      { hostIp: '', hostPort: { start: 9000, end: 9000 }, containerPort: 9000, protocol: 'udp' },
      { hostIp: '', hostPort: { start: 9001, end: 9001 }, containerPort: 9001, protocol: 'udp' },
      { hostIp: '', containerPort: 3000, protocol: 'tcp' },
    ]);
    expect(n.expose).toEqual(['7000/tcp', '7001/tcp']);
    expect([n.dns, n.dnsSearch, n.dnsOptions]).toEqual([['10.0.0.1'], ['example.org'], ['ndots:1']]);
    expect(n.extraHosts).toEqual([
      { host: 'db.local', ip: '10.1.1.1' },
      { host: 'gw', ip: 'host-gateway' },
    ]);
    expect(n.mode).toEqual({
      kind: 'bridge',
      networks: [
        { network: 'shop_front', aliases: ['shop-app-1', 'app'] },
        { network: 'shop_back', ip: '172.30.0.10', aliases: ['shop-app-1', 'app', 'api'] },
      ],
    });
  });

  it('gives one-off containers only their own name as alias', () => {
    const { request } = spec(`services: {app: {image: busybox}}`, 'app', { useNetworkAliases: false, containerName: 'shop-app-run-0123456789ab' });
    expect(request.network!.mode).toEqual({ kind: 'bridge', networks: [{ network: 'shop_default', aliases: ['shop-app-run-0123456789ab'] }] });
  });

  it.each([
    ['host', { kind: 'host' }],
    ['none', { kind: 'none' }],
    ['bridge', { kind: 'bridge', networks: [{ network: 'bridge' }] }],
    ['container:other', { kind: 'container', container: 'other' }],
    ['service:db', { kind: 'container', container: 'shop-db-1' }],
  ])('maps network_mode %s', (mode, expected) => {
    const { request } = spec(`services: {db: {image: busybox}, app: {image: busybox, network_mode: "${mode}"}}`, 'app', {
      serviceContainer: (s) => (s === 'db' ? 'shop-db-1' : undefined),
    });
    expect(request.network!.mode).toEqual(expected);
  });

  it('refuses service:x when the service has no container', () => {
    expect(() => spec(`services: {db: {image: busybox}, app: {image: busybox, network_mode: "service:db"}}`)).toThrow(
      /services\.app\.network_mode: service "db" has no container/,
    );
  });

  it('maps bind, named, anonymous and tmpfs volumes with project-scoped volume names', () => {
    const { request } = spec(`
services:
  app:
    image: busybox
    volumes:
      - ./html:/www:ro
      - data:/data
      - /anon
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1m, mode: 0o1777}
      - type: volume
        source: ext
        target: /ext
        volume: {nocopy: true}
    tmpfs: ["/run:size=64k"]
volumes:
  data: {}
  ext: {external: true}
`);
    expect(request.options.mounts).toEqual([
      { type: 'bind', source: '/src/shop/html', target: '/www', readOnly: true, propagation: 'rprivate', nonRecursive: false, createSource: true },
      { type: 'volume', name: 'shop_data', target: '/data', readOnly: false, noCopy: false },
      { type: 'volume', target: '/anon', readOnly: false, noCopy: false },
      { type: 'tmpfs', target: '/scratch', options: ['mode=1777', 'size=1m'] },
      { type: 'volume', name: 'ext', target: '/ext', readOnly: false, noCopy: true },
      { type: 'tmpfs', target: '/run', options: ['size=64k'] },
    ]);
  });

  it('mounts secrets and configs read-only, writing inline and environment values to files', () => {
    const project = load(
      `
services:
  app:
    image: busybox
    secrets: [token, {source: pw, target: db_pw, mode: 0400, uid: "10"}]
    configs: [{source: conf, target: /etc/app.conf}, inline]
secrets:
  token: {file: ./secret.txt}
  pw: {environment: PW}
configs:
  conf: {content: "a=1"}
  inline: {content: "b=2"}
`,
      { PW: 'hunter2' },
    );
    const r = serviceCreateSpec({ project, image: 'busybox', filesDir: '/data/c' }, project.services.app!);
    const binds = r.request.options.mounts.map((m) => (m.type === 'bind' ? [m.source, m.target, m.readOnly] : m));
    expect(binds).toEqual([
      ['/src/shop/secret.txt', '/run/secrets/token', true],
      ['/data/c/secrets/pw', '/run/secrets/db_pw', true],
      ['/data/c/configs/conf', '/etc/app.conf', true],
      ['/data/c/configs/inline', '/inline', true],
    ]);
    expect(r.files).toEqual([
      { path: '/data/c/secrets/pw', content: 'hunter2', mode: 0o400, uid: 10 },
      { path: '/data/c/configs/conf', content: 'a=1', mode: 0o444 },
      { path: '/data/c/configs/inline', content: 'b=2', mode: 0o444 },
    ]);
  });

  it('maps resources, security and namespaces through the engine parsers', () => {
    const { request } = spec(`
services:
  app:
    image: busybox
    mem_limit: 64m
    memswap_limit: 128m
    cpus: 0.5
    cpu_shares: 512
    cpuset: "0"
    pids_limit: 50
    shm_size: 32m
    oom_score_adj: 100
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}
    privileged: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: [no-new-privileges]
    devices: ["/dev/null:/dev/mynull:rw"]
    sysctls: {net.core.somaxconn: "1024"}
    pid: host
    ipc: shareable
    uts: host
    restart: on-failure:3
    healthcheck: {test: ["CMD", "true"], interval: 2s, retries: 5, start_period: 1s}
`);
    const o = request.options;
    expect(o.resources).toMatchObject({ memory: 64 * 1024 ** 2, memorySwap: 128 * 1024 ** 2, nanoCpus: 5e8, cpuShares: 512, cpusetCpus: '0', pidsLimit: 50 });
    expect(o.resources.ulimits).toEqual([
      { name: 'nofile', soft: 1024, hard: 2048 },
      { name: 'nproc', soft: 512, hard: 512 },
    ]);
    expect([o.shmSize, o.oomScoreAdj, o.privileged, o.readOnly]).toEqual([32 * 1024 ** 2, 100, true, true]);
    expect(o.capAdd).toEqual(['CAP_NET_ADMIN']);
    expect(o.capDrop).toEqual(['ALL']);
    expect(o.security.noNewPrivileges).toBe(true);
    expect(o.devices).toEqual([{ pathOnHost: '/dev/null', pathInContainer: '/dev/mynull', cgroupPermissions: 'rw' }]);
    expect(o.sysctls).toEqual({ 'net.core.somaxconn': '1024' });
    expect([o.pid, o.ipc, o.uts]).toEqual([{ kind: 'host' }, { kind: 'shareable' }, 'host']);
    expect(request.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(o.healthcheck).toEqual({ Test: ['CMD', 'true'], Interval: 2e9, Retries: 5, StartPeriod: 1e9 });
  });

  it('takes deploy limits and restart_policy when the plain keys are absent', () => {
    const { request } = spec(`
services:
  app:
    image: busybox
    deploy:
      replicas: 2
      resources: {limits: {cpus: "1.5", memory: 100M, pids: 10}, reservations: {memory: 10M}}
      restart_policy: {condition: on-failure, max_attempts: 2}
      placement: {constraints: [node.role==manager]}
`);
    expect(request.options.resources).toMatchObject({ nanoCpus: 1.5e9, memory: 100 * 1024 ** 2, pidsLimit: 10, memoryReservation: 10 * 1024 ** 2 });
    expect(request.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 2 });
  });

  it('disables the healthcheck with disable: true', () => {
    const { request } = spec(`services: {app: {image: busybox, healthcheck: {disable: true}}}`);
    expect(request.options.healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('returns links as aliases to resolve later', () => {
    const { links } = spec(`services: {db: {image: busybox}, app: {image: busybox, links: ["db:database", db], external_links: ["legacy:old"]}}`);
    expect(links).toEqual([
      { kind: 'service', target: 'db', alias: 'database' },
      { kind: 'service', target: 'db', alias: 'db' },
      { kind: 'container', target: 'legacy', alias: 'old' },
    ]);
  });

  it.each([
    ['gpus: all', /services\.app\.gpus: not supported by nerdctl compose/],
    ['storage_opt: {size: 1G}', /services\.app\.storage_opt: not supported/],
    ['userns_mode: "keep-id"', /services\.app\.userns_mode: not supported/],
    ['logging: {driver: syslog}', /services\.app\.logging\.driver: logging driver "syslog" is not supported/],
    ['deploy: {mode: global}', /services\.app\.deploy\.mode: mode "global" is not supported/],
    ['restart: sometimes', /services\.app\.restart: invalid restart policy 'sometimes'/],
    ['mem_limit: 1k', /services\.app: Minimum memory limit allowed is 6MB/],
    ['cap_add: [NOPE]', /services\.app\.cap_add: .*NOPE/],
    ['volumes: [{type: image, source: busybox, target: /img}]', /services\.app\.volumes\.0\.type: volume type "image" is not supported/],
  ])('refuses %s with the service and key', (line, re) => {
    expect(() => spec(`services:\n  app:\n    image: busybox\n    ${line}\n`)).toThrow(re);
  });

  it('locates a refused key in its file when given a locator', () => {
    const project = load(`services:\n  app:\n    image: busybox\n    gpus: all\n`);
    const locate = (p: readonly (string | number)[]) => (p.join('.') === 'services.app.gpus' ? { file: '/src/shop/compose.yaml', line: 4, column: 5 } : undefined);
    expect(() => serviceCreateSpec({ project, image: 'busybox', locate }, project.services.app!)).toThrow(
      '/src/shop/compose.yaml:4:5: services.app.gpus: not supported by nerdctl compose (GPUs are not supported)',
    );
  });

  it('warns about logging options it cannot apply', () => {
    const { warnings } = spec(`services: {app: {image: busybox, logging: {driver: json-file, options: {max-size: 10m}}}}`);
    expect(warnings).toEqual(['services.app.logging.options: ignored (logs are written by the container monitor in k8s-file format)']);
  });

  it('handles or refuses every key of the service model', () => {
    // a model key added later must be mapped, refused or listed as not a container option
    const text = readFileSync(fileURLToPath(new URL('./model.ts', import.meta.url)), 'utf8');
    const body = text.slice(text.indexOf('export interface Service {'), text.indexOf('\n}\n', text.indexOf('export interface Service {')));
    const keys = [...body.matchAll(/^  ([a-z_]+)\??:/gm)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(80);
    expect(keys.filter((k) => !HANDLED_SERVICE_KEYS.includes(k))).toEqual([]);
  });
});
