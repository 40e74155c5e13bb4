import { describe, expect, it } from 'vitest';
import { ComposeError } from './errors.js';
import { createMemoryFs } from './fs.js';
import type { Project } from './model.js';
import { loadProject, type LoadedProject, type LoadProjectOptions } from './project.js';

type Files = Record<string, string>;

function load(files: Files, opts: Partial<LoadProjectOptions> = {}): LoadedProject {
  const fs = createMemoryFs(files, { dirs: opts.cwd !== undefined ? [opts.cwd] : [] });
  return loadProject({ cwd: '/p', env: {}, fs, ...opts });
}

function project(files: Files, opts: Partial<LoadProjectOptions> = {}): Project {
  return load(files, opts).project!;
}

function error(files: Files, opts: Partial<LoadProjectOptions> = {}): ComposeError {
  try {
    load(files, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ComposeError);
    return err as ComposeError;
  }
  throw new Error('expected an error');
}

const one = (yaml: string): Files => ({ '/p/compose.yaml': yaml });

describe('discovery and project name', () => {
  it('finds compose.yaml walking up from cwd and adds the matching override', () => {
    const r = load(
      {
        '/p/compose.yaml': 'services:\n  a:\n    image: x\n',
        '/p/compose.override.yaml': 'services:\n  a:\n    image: y\n',
      },
      { cwd: '/p/sub/dir' },
    );
    expect(r.project!.configFiles).toEqual(['/p/compose.yaml', '/p/compose.override.yaml']);
    expect(r.project!.workingDir).toBe('/p');
    expect(r.project!.name).toBe('p');
    expect(r.project!.services.a!.image).toBe('y');
  });

  it('takes the first of several default files and warns', () => {
    const r = load({ '/p/compose.yml': 'services:\n  a:\n    image: yml\n', '/p/docker-compose.yml': 'services:\n  a:\n    image: old\n' });
    expect(r.project!.services.a!.image).toBe('yml');
    expect(r.warnings.map((w) => w.message)).toEqual([
      'Found multiple config files with supported names: /p/compose.yml, /p/docker-compose.yml',
      'Using /p/compose.yml',
    ]);
  });

  it('fails with not-found when no file exists', () => {
    const err = error({}, { cwd: '/empty' });
    expect(err.message).toBe('no configuration file provided: not found');
    expect(err.code).toBe('not-found');
  });

  it('reads -f files in order, -f - from stdin, and the project directory of the first file', () => {
    const p = project(
      { '/a/base.yml': 'services:\n  web:\n    image: base\n    build: ./ctx\n' },
      { files: ['/a/base.yml', '-'], stdin: 'services:\n  web:\n    image: fromstdin\n' },
    );
    expect(p.configFiles).toEqual(['/a/base.yml', '-']);
    expect(p.workingDir).toBe('/a');
    expect(p.services.web!.image).toBe('fromstdin');
    expect(p.services.web!.build!.context).toBe('/a/ctx');
  });

  it('uses COMPOSE_FILE with the path separator and --project-directory', () => {
    const p = project(
      { '/x/one.yml': 'services:\n  a:\n    image: one\n', '/x/two.yml': 'services:\n  a:\n    image: two\n' },
      { cwd: '/x', env: { COMPOSE_FILE: 'one.yml;two.yml', COMPOSE_PATH_SEPARATOR: ';' }, projectDirectory: '/elsewhere' },
    );
    expect(p.configFiles).toEqual(['/x/one.yml', '/x/two.yml']);
    expect(p.workingDir).toBe('/elsewhere');
    expect(p.name).toBe('elsewhere');
    expect(p.services.a!.image).toBe('two');
  });

  it('ranks -p over COMPOSE_PROJECT_NAME over name: over the directory (case 15)', () => {
    const files = {
      '/p/a.yml': 'services:\n  s:\n    image: "img-${COMPOSE_PROJECT_NAME}"\n',
      '/p/b.yml': 'name: fromfile\n',
      '/p/c.yml': 'services:\n  s:\n    labels: [n=$COMPOSE_PROJECT_NAME]\n',
    };
    const f = ['/p/a.yml', '/p/b.yml', '/p/c.yml'];
    const byName = project(files, { files: f });
    expect(byName.name).toBe('fromfile');
    expect(byName.services.s!.image).toBe('img-fromfile');
    expect(byName.services.s!.labels).toEqual({ n: 'fromfile' });
    expect(project(files, { files: f, env: { COMPOSE_PROJECT_NAME: 'fromenv' } }).name).toBe('fromenv');
    expect(project(files, { files: f, projectName: 'flag', env: { COMPOSE_PROJECT_NAME: 'fromenv' } }).name).toBe('flag');
    expect(project({ '/My Dir/compose.yaml': 'services:\n  a:\n    image: x\n' }, { cwd: '/My Dir' }).name).toBe('mydir');
  });

  it('validates explicit names and normalises derived ones (case 14)', () => {
    for (const bad of ['Foo', 'a.b', '-x', '_x']) {
      expect(error(one('services:\n  a:\n    image: x\n'), { projectName: bad }).message).toBe(
        `invalid project name "${bad}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
      );
    }
    expect(error(one('services:\n  a:\n    image: x\n'), { env: { COMPOSE_PROJECT_NAME: 'UP' } }).message).toContain('invalid project name "UP"');
    expect(project(one('services:\n  a:\n    image: x\n'), { projectName: '1st' }).name).toBe('1st');
    expect(project({ '/UNNORMALIZED PATH/compose.yaml': 'services:\n  a:\n    image: x\n' }, { cwd: '/UNNORMALIZED PATH' }).name).toBe(
      'unnormalizedpath',
    );
    expect(project(one('name: My_App.1\nservices:\n  a:\n    image: x\n')).name).toBe('my_app1');
    expect(error({ '/compose.yaml': 'services:\n  a:\n    image: x\n' }, { cwd: '/' }).message).toBe('project name must not be empty');
  });

  it('rejects a non-string name: (case 15)', () => {
    expect(error(one('name: 123\nservices: {}\n')).message).toBe('validating /p/compose.yaml:1:1: name must be a string');
  });
});

describe('environment and interpolation', () => {
  it('lets the shell environment win over .env, whose lines see the shell values (case 11)', () => {
    const p = project(
      {
        '/p/compose.yaml': 'services:\n  a:\n    image: "${IMG}:${TAG}"\n    environment: [BAR]\n',
        '/p/.env': 'FOO=fromfile\nIMG=img\nTAG=${FOO}\nBAR=b\n',
      },
      { env: { FOO: 'shell', BAR: 'shellbar' } },
    );
    expect(p.services.a!.image).toBe('img:shell');
    expect(p.services.a!.environment).toEqual({ BAR: 'shellbar' });
    expect(p.envFiles).toEqual(['/p/.env']);
  });

  it('reads --env-file files in order instead of .env', () => {
    const p = project(
      { '/p/compose.yaml': 'services:\n  a:\n    image: "${A}-${B}"\n', '/p/.env': 'A=dot\nB=dot\n', '/p/one.env': 'A=1\nB=1\n', '/p/two.env': 'B=2\n' },
      { envFiles: ['one.env', 'two.env'] },
    );
    expect(p.services.a!.image).toBe('1-2');
    expect(error(one('services: {}\n'), { envFiles: ['missing.env'] }).message).toBe("couldn't find env file: /p/missing.env");
  });

  it('stringifies environment values and keeps unset/empty apart (case 13)', () => {
    const p = project(one('services:\n  a:\n    image: x\n    environment:\n      FOO: true\n      N: 1.5\n      ZO:\n      BU: ""\n'));
    expect(p.services.a!.environment).toEqual({ FOO: 'true', N: '1.5', ZO: null, BU: '' });
  });

  it('re-types interpolated values and accepts yes as a boolean (cases 10, 17)', () => {
    const r = load(one('services:\n  a:\n    image: x\n    scale: ${N}\n    init: yes\n    read_only: ${RO}\n'), { env: { N: '2', RO: 'false' } });
    expect(r.project!.services.a!.scale).toBe(2);
    expect(r.project!.services.a!.init).toBe(true);
    expect(r.project!.services.a!.read_only).toBe(false);
    expect(r.warnings.map((w) => w.message)).toContain('"yes" for boolean is not supported by YAML 1.2, please use `true`');
  });

  it('warns about missing variables and names the file and path of invalid templates', () => {
    const r = load(one('services:\n  a:\n    image: "x${MISSING}"\n'));
    expect(r.project!.services.a!.image).toBe('x');
    expect(r.warnings[0]).toMatchObject({ message: 'The "MISSING" variable is not set. Defaulting to a blank string.' });
    const err = error(one('services:\n  a:\n    image: x\n    command: "echo ${"\n'));
    expect(err.message).toBe(
      '/p/compose.yaml:4:5: invalid interpolation format for services.a.command: "echo ${": you may need to escape any $ with another $',
    );
  });

  it('keeps values as written with interpolate: false', () => {
    const r = load(one('services:\n  a:\n    image: "${IMG:-x}"\n    scale: ${N}\n'), { interpolate: false });
    expect(r.project).toBeUndefined();
    expect((r.model.services as any).a.image).toBe('${IMG:-x}');
    expect((r.model.services as any).a.scale).toBe('${N}');
  });

  it('reads env_file (later files win, environment wins, required: false tolerated)', () => {
    const p = project({
      '/p/compose.yaml':
        'services:\n  a:\n    image: x\n    env_file: [one.env, {path: two.env, required: false}, {path: gone.env, required: false}]\n    environment: {C: own}\n',
      '/p/one.env': 'A=1\nB=1\nC=1\n',
      '/p/two.env': 'B=2\n',
    });
    expect(p.services.a!.environment).toEqual({ A: '1', B: '2', C: 'own' });
    expect(p.services.a!.env_file).toBeUndefined();
    expect(error(one('services:\n  a:\n    image: x\n    env_file: nope.env\n')).message).toContain('env file /p/nope.env not found');
  });
});

describe('merging', () => {
  const base = `services:
  web:
    image: base
    command: [a, b]
    environment: {A: "1", B: "1"}
    labels: [x=1]
    ports: ["80:80", "443:443"]
    volumes: ["./a:/data", "/cache"]
    logging: {driver: json-file, options: {max-size: 1m}}
    build: ./src
    dns: 1.1.1.1
`;
  const override = `services:
  web:
    command: [c]
    environment: [B=2, C=3]
    labels: {y: "2"}
    ports: ["80:80", "8080:8080"]
    volumes: ["./b:/data"]
    logging: {options: {max-file: "3"}}
    build: {dockerfile: Other}
    dns: [8.8.8.8]
`;

  it('merges several files with the compose rules', () => {
    const w = project({ '/p/compose.yaml': base, '/p/compose.override.yaml': override }).services.web!;
    expect(w.command).toEqual(['c']);
    expect(w.environment).toEqual({ A: '1', B: '2', C: '3' });
    expect(w.labels).toEqual({ x: '1', y: '2' });
    expect(w.ports!.map((p) => `${p.published}:${p.target}`)).toEqual(['80:80', '443:443', '8080:8080']);
    expect(w.volumes!.map((v) => `${v.source ?? ''}:${v.target}`)).toEqual(['/p/b:/data', ':/cache']);
    expect(w.logging).toEqual({ driver: 'json-file', options: { 'max-size': '1m', 'max-file': '3' } });
    expect(w.build).toEqual({ context: '/p/src', dockerfile: 'Other' });
    expect(w.dns).toEqual(['1.1.1.1', '8.8.8.8']);
  });

  it('replaces logging when the drivers differ', () => {
    const w = project({
      '/p/compose.yaml': base,
      '/p/compose.override.yaml': 'services:\n  web:\n    logging: {driver: syslog}\n',
    }).services.web!;
    expect(w.logging).toEqual({ driver: 'syslog' });
  });

  it('merges the documents of one file in order (case 16)', () => {
    const p = project(one('services:\n  a:\n    image: first\n    ports: ["1:1"]\n---\nservices:\n  a:\n    image: second\n'));
    expect(p.services.a!.image).toBe('second');
    expect(p.services.a!.ports).toHaveLength(1);
  });

  it('honours !reset and !override', () => {
    const p = project({
      '/p/compose.yaml': base,
      '/p/compose.override.yaml': 'services:\n  web:\n    ports: !reset []\n    environment: !override {Z: z}\n    labels: !reset null\n',
    });
    const w = p.services.web!;
    expect(w.ports).toBeUndefined();
    expect(w.environment).toEqual({ Z: 'z' });
    expect(w.labels).toBeUndefined();
  });

  it('reports schema errors of an override file at its own line', () => {
    const err = error({ '/p/compose.yaml': base, '/p/compose.override.yaml': 'services:\n  web:\n    image: x\n    imagee: y\n' });
    expect(err.message).toBe("validating /p/compose.override.yaml:4:5: services.web additional properties 'imagee' not allowed");
    expect(err.location).toMatchObject({ file: '/p/compose.override.yaml', path: 'services.web.imagee', line: 4, column: 5 });
  });
});

describe('extends', () => {
  it('extends services of the same file, nested, and of other files with rebased paths', () => {
    const p = project({
      '/p/compose.yaml': `services:
  base:
    image: b
    environment: {A: "1"}
    volumes: ["./here:/here"]
  mid:
    extends: base
    environment: {B: "2"}
  top:
    extends: {service: mid}
    environment: {A: top}
  remote:
    extends: {file: lib/common.yml, service: tmpl}
    ports: ["81:81"]
`,
      '/p/lib/common.yml': 'services:\n  tmpl:\n    image: remote\n    build: ./ctx\n    env_file: vars.env\n    ports: ["80:80"]\n',
      '/p/lib/vars.env': 'V=1\n',
    });
    expect(p.services.top!.environment).toEqual({ A: 'top', B: '2' });
    expect(p.services.top!.volumes![0]!.source).toBe('/p/here');
    expect(p.services.remote!.build!.context).toBe('/p/lib/ctx');
    expect(p.services.remote!.environment).toEqual({ V: '1' });
    expect(p.services.remote!.ports!.map((x) => x.target)).toEqual([80, 81]);
  });

  it('detects cycles and unknown services', () => {
    expect(error(one('services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n')).message).toContain('Circular reference:');
    expect(error(one('services:\n  a:\n    image: x\n    extends: nope\n')).message).toContain('service "nope" not found');
  });

  it('lets !override replace the base depends_on (case 20)', () => {
    const p = project(
      one(`services:
  db: {image: db}
  cache: {image: cache}
  base:
    image: b
    depends_on: [db]
  app:
    extends: base
    depends_on: !override [cache]
`),
    );
    expect(Object.keys(p.services.app!.depends_on!)).toEqual(['cache']);
  });
});

describe('include', () => {
  it('loads included projects with their own directory and env file (case 20)', () => {
    const p = project(
      {
        '/p/compose.yaml': 'include:\n  - path: sub/compose.yaml\n    env_file: sub/custom.env\nservices:\n  root:\n    image: r\n    environment: [VAR_NAME]\n',
        '/p/sub/compose.yaml': 'services:\n  inc:\n    image: "i-${VAR_NAME}"\n    build: ./b\n    environment: [VAR_NAME]\n',
        '/p/sub/custom.env': 'VAR_NAME=included\n',
      },
      {},
    );
    expect(p.services.inc!.image).toBe('i-included');
    expect(p.services.inc!.build!.context).toBe('/p/sub/b');
    expect(p.services.inc!.environment).toEqual({ VAR_NAME: 'included' });
    expect(p.services.root!.environment).toEqual({ VAR_NAME: null });
  });

  it('merges a local definition over an included one and detects cycles', () => {
    const p = project({
      '/p/compose.yaml': 'include: [other.yaml]\nservices:\n  s:\n    environment: {LOCAL: "1"}\n',
      '/p/other.yaml': 'services:\n  s:\n    image: inc\n    environment: {INC: "1"}\n',
    });
    expect(p.services.s!.image).toBe('inc');
    expect(p.services.s!.environment).toEqual({ INC: '1', LOCAL: '1' });
    const err = error({ '/p/compose.yaml': 'include: [a.yaml]\nservices: {}\n', '/p/a.yaml': 'include: [compose.yaml]\nservices: {}\n' });
    expect(err.message).toContain('include cycle detected');
  });
});

describe('normalisation', () => {
  it('adds the default network, names resources and keeps externals verbatim (case 18)', () => {
    const p = project(
      one(`services:
  a:
    image: x
  b:
    image: x
    networks: [front]
  c:
    image: x
    network_mode: host
  d:
    build:
      context: .
      args: [FROM_ENV, ABSENT, SET=1]
networks:
  front: {}
  ext: {external: true}
  named: {name: my-net}
volumes:
  data: {}
  old: {external: {name: legacy}}
`),
      { env: { FROM_ENV: 'e' } },
    );
    expect(p.services.a!.networks).toEqual({ default: null });
    expect(p.services.c!.networks).toBeUndefined();
    expect(Object.fromEntries(Object.entries(p.networks).map(([k, n]) => [k, n.name]))).toEqual({
      default: 'p_default',
      ext: 'ext',
      front: 'p_front',
      named: 'my-net',
    });
    expect(p.volumes.data!.name).toBe('p_data');
    expect(p.volumes.old).toEqual({ name: 'legacy', external: true });
    expect(p.services.d!.build!.args).toEqual({ FROM_ENV: 'e', SET: '1' });
    expect(p.services.d!.image).toBeUndefined();
  });

  it('does not declare the default network when nothing uses it', () => {
    const p = project(one('services:\n  a:\n    image: x\n    network_mode: none\n'));
    expect(p.networks).toEqual({});
  });

  it('adds implicit dependencies without overriding explicit ones (case 19)', () => {
    const p = project(
      one(`services:
  net: {image: x}
  vol: {image: x}
  lnk: {image: x}
  app:
    image: x
    network_mode: service:net
    volumes_from: [vol:ro]
    links: [lnk:alias]
    depends_on:
      lnk: {condition: service_healthy}
`),
    );
    expect(p.services.app!.depends_on).toEqual({
      lnk: { condition: 'service_healthy', required: true },
      net: { condition: 'service_started', required: true, restart: true },
      vol: { condition: 'service_started', required: true, restart: false },
    });
  });

  it('rejects unknown, disabled, self and cyclic dependencies naming the services', () => {
    expect(error(one('services:\n  a:\n    image: x\n    depends_on: [nope]\n')).message).toBe('service "a" depends on undefined service "nope"');
    expect(error(one('services:\n  a:\n    image: x\n    depends_on: [a]\n')).message).toBe('dependency cycle detected: a -> a');
    expect(error(one('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n')).message).toBe(
      'dependency cycle detected: a -> b -> a',
    );
    expect(error(one('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    profiles: [debug]\n')).message).toBe(
      'service "a" depends on service "b" which is not enabled by the active profiles (enable one of: debug)',
    );
    const optional = project(one('services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_started, required: false}\n  b:\n    image: x\n    profiles: [debug]\n'));
    expect(Object.keys(optional.services)).toEqual(['a']);
  });

  it('requires an image or a build and refuses container_name with replicas', () => {
    expect(error(one('services:\n  a:\n    command: x\n')).message).toBe('service "a" has neither an image nor a build context specified');
    expect(error(one('services:\n  a:\n    image: x\n    container_name: cc\n    scale: 2\n')).message).toBe(
      "services.a: can't set container_name and scale as container name must be unique",
    );
  });
});

describe('profiles', () => {
  const yaml = one(`services:
  always: {image: x}
  dbg: {image: x, profiles: [debug]}
  tools: {image: x, profiles: [tools, debug]}
`);

  it('enables services without profiles and those of the active profiles', () => {
    expect(Object.keys(project(yaml).services)).toEqual(['always']);
    expect(Object.keys(project(yaml, { profiles: ['debug'] }).services)).toEqual(['always', 'dbg', 'tools']);
    expect(Object.keys(project(yaml, { env: { COMPOSE_PROFILES: 'tools' } }).services)).toEqual(['always', 'tools']);
    expect(Object.keys(project(yaml, { profiles: ['*'] }).services)).toEqual(['always', 'dbg', 'tools']);
  });

  it('activates the profiles of explicitly named services', () => {
    const p = project(yaml, { services: ['tools'] });
    expect(Object.keys(p.services)).toEqual(['always', 'dbg', 'tools']);
    expect(p.profiles).toEqual(['tools', 'debug']);
  });

  it('selects named services and their dependencies', () => {
    const p = project(one('services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x}\n  c: {image: x}\n'), { services: ['a'], select: true });
    expect(Object.keys(p.services)).toEqual(['a', 'b']);
    const alone = project(one('services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x}\n'), { services: ['a'], select: true, withDependencies: false });
    expect(Object.keys(alone.services)).toEqual(['a']);
    expect(alone.services.a!.depends_on).toEqual({});
  });
});

describe('short and long syntaxes', () => {
  it('expands port ranges into one mapping per port with string published values (case 22)', () => {
    const p = project(one('services:\n  a:\n    image: x\n    ports: ["80-82:8080-8082", "127.0.0.1::53/udp", 9000, "[::1]:7000:7000", "6000-6005:6000"]\n'));
    expect(p.services.a!.ports).toEqual([
      { mode: 'ingress', target: 8080, published: '80', protocol: 'tcp' },
      { mode: 'ingress', target: 8081, published: '81', protocol: 'tcp' },
      { mode: 'ingress', target: 8082, published: '82', protocol: 'tcp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 53, protocol: 'udp' },
      { mode: 'ingress', target: 9000, protocol: 'tcp' },
      { mode: 'ingress', host_ip: '::1', target: 7000, published: '7000', protocol: 'tcp' },
      { mode: 'ingress', target: 6000, published: '6000-6005', protocol: 'tcp' },
    ]);
  });

  it('reads volume short syntax like compose-go (case 21)', () => {
    const p = project(
      { '/p/compose.yaml': 'services:\n  a:\n    image: x\n    volumes: ["name:/t:nocopy", "/s:/t2:slave", "name:/t3:bogus", "/anon", "~/cfg:/cfg:ro,z", "../up:/up"]\nvolumes:\n  name: {}\n' },
      { env: { HOME: '/home/me' } },
    );
    expect(p.services.a!.volumes).toEqual([
      { type: 'volume', source: 'name', target: '/t', volume: { nocopy: true } },
      { type: 'bind', source: '/s', target: '/t2', bind: { propagation: 'slave', create_host_path: true } },
      { type: 'volume', source: 'name', target: '/t3', volume: {} },
      { type: 'volume', target: '/anon', volume: {} },
      { type: 'bind', source: '/home/me/cfg', target: '/cfg', read_only: true, bind: { selinux: 'z', create_host_path: true } },
      { type: 'bind', source: '/up', target: '/up', bind: { create_host_path: true } },
    ]);
    expect(error(one('services:\n  a:\n    image: x\n    volumes: ["/a:/b:ro:x"]\n')).message).toContain('too many colons');
  });

  it('splits command strings like a shell without running one, keeps lists, and [] clears', () => {
    const p = project(
      one(`services:
  a: {image: x, command: "sh -c 'echo \\"hi there\\"' x\\\\ y", entrypoint: []}
  b: {image: x, command: [echo, "a b"]}
  c: {image: x}
`),
    );
    expect(p.services.a!.command).toEqual(['sh', '-c', 'echo "hi there"', 'x y']);
    expect(p.services.a!.entrypoint).toEqual([]);
    expect(p.services.b!.command).toEqual(['echo', 'a b']);
    expect(p.services.c!.command).toBeUndefined();
  });

  it('reads healthchecks, ulimits, extra_hosts, resources, secrets and configs', () => {
    const p = project({
      '/p/compose.yaml': `services:
  a:
    image: x
    healthcheck: {test: [CMD, curl, -f, http://x], interval: 1m30s, timeout: 5s, retries: 3, start_period: 1d}
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 65535}
    extra_hosts: ["db:10.0.0.1", "ip6=::1", "many=[::2]"]
    deploy: {replicas: 2, resources: {limits: {cpus: "0.5", memory: 512m, pids: 100}, reservations: {memory: 64M}}}
    mem_limit: 512m
    shm_size: 1g
    stop_grace_period: 90s
    secrets: [s1, {source: s2, target: /x, mode: 0400}]
    configs: [c1]
    depends_on: {}
  b:
    image: x
    healthcheck: {disable: true}
    extra_hosts: {h: 1.2.3.4, multi: [1.1.1.1, 2.2.2.2]}
secrets:
  s1: {file: ./s1.txt}
  s2: {environment: S2}
configs:
  c1: {content: hello}
`,
    });
    const a = p.services.a!;
    expect(a.healthcheck).toEqual({ test: ['CMD', 'curl', '-f', 'http://x'], interval: 90e9, timeout: 5e9, retries: 3, start_period: 86400e9 });
    expect(a.ulimits).toEqual({ nofile: { soft: 1024, hard: 2048 }, nproc: { single: 65535 } });
    expect(a.extra_hosts).toEqual({ db: ['10.0.0.1'], ip6: ['::1'], many: ['::2'] });
    expect(a.deploy!.replicas).toBe(2);
    expect(a.deploy!.resources).toEqual({ limits: { cpus: 0.5, memory: 512 * 1024 * 1024, pids: 100 }, reservations: { memory: 64 * 1024 * 1024 } });
    expect(a.shm_size).toBe(1024 ** 3);
    expect(a.stop_grace_period).toBe(90e9);
    expect(a.secrets).toEqual([{ source: 's1', target: '/run/secrets/s1' }, { source: 's2', target: '/x', mode: 0o400 }]);
    expect(a.configs).toEqual([{ source: 'c1' }]);
    expect(p.services.b!.healthcheck).toEqual({ disable: true });
    expect(p.services.b!.extra_hosts).toEqual({ h: ['1.2.3.4'], multi: ['1.1.1.1', '2.2.2.2'] });
    expect(p.secrets.s1).toEqual({ name: 'p_s1', file: '/p/s1.txt' });
    expect(p.configs.c1).toEqual({ name: 'p_c1', content: 'hello' });
  });

  it('reads networks per service with aliases and addresses, and depends_on long syntax', () => {
    const p = project(
      one(`services:
  a:
    image: x
    networks:
      front: {aliases: [web, www], ipv4_address: 172.20.0.5, priority: 10}
      back:
    depends_on:
      b: {condition: service_completed_successfully, required: false, restart: true}
  b: {image: x, networks: [back]}
networks: {front: {ipam: {config: [{subnet: 172.20.0.0/16}]}}, back: {internal: true}}
`),
    );
    expect(p.services.a!.networks).toEqual({ front: { aliases: ['web', 'www'], ipv4_address: '172.20.0.5', priority: 10 }, back: null });
    expect(p.services.a!.depends_on).toEqual({ b: { condition: 'service_completed_successfully', required: false, restart: true } });
    expect(p.networks.front!.ipam).toEqual({ config: [{ subnet: '172.20.0.0/16' }] });
    expect(p.networks.back).toEqual({ name: 'p_back', internal: true });
  });
});
