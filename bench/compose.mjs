#!/usr/bin/env node
// Compose benchmark (issue 5; not a test): `compose up -d` then `compose down` of a three-service project — one
// service built from a Dockerfile, one with a healthcheck that the third waits for (service_healthy), two user
// networks, a named volume and a published port — with nerdctl and with Debian's docker-compose 1.29 against the
// running dockerd, side by side in one run. Prints every time, the medians and the ratio.
//
//   node bench/compose.mjs [--runs 5] [--bin dist/nerdctl.js] [--no-docker]
//
// The first round of each tool is a warm-up that also builds the image (not counted); every counted round starts
// from nothing running and the image built, as a developer's `up -d` / `down` loop does. Docker here runs with
// --iptables=false --bridge=none: compose's user networks work there (dockerd makes their bridges), the published
// port goes through docker-proxy. Runs as root; cleans up after itself.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeBridge, removeStateRoot } from './cleanup.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const BIN = resolve(opt('bin', process.env.NERDCTL_BIN ?? 'dist/nerdctl.js'));
const DOCKER = '/usr/bin/docker';
const COMPOSE = '/usr/bin/docker-compose';
const useDocker =
  !args.includes('--no-docker') && existsSync(COMPOSE) && spawnSync(DOCKER, ['version'], { stdio: 'ignore' }).status === 0;

const base = mkdtempSync(join(tmpdir(), 'nerdctl-bench-compose-'));
const dataRoot = join(base, 'data');
const netconf = join(base, 'net.d');
const x = 1 + Math.floor(Math.random() * 120);
const ourEnv = {
  ...process.env,
  NO_COLOR: '1',
  NERDCTL_DEFAULT_NETWORK_SUBNET: `10.218.${x}.0/24`,
  NERDCTL_DEFAULT_BRIDGE: `ncbench${x}`,
};
const G = ['--data-root', dataRoot, '--cni-netconfpath', netconf, '--namespace', 'bench'];

const COMPOSE_YAML = `
services:
  web:
    build: ./web
    init: true
    ports: ["127.0.0.1:\${PORT}:80"]
    networks: [front, back]
  db:
    image: cbench-busybox
    init: true
    command: ["sh", "-c", "echo up >> /data/log; touch /tmp/ready; exec sleep 3600"]
    volumes: [data:/data]
    networks: [back]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 5s
      retries: 30
  worker:
    image: cbench-busybox
    init: true
    command: ["sleep", "3600"]
    networks: [back]
    depends_on:
      db: {condition: service_healthy}
      web: {condition: service_started}
volumes:
  data: {}
networks:
  front:
    ipam: {config: [{subnet: "\${NET_FRONT}"}]}
  back:
    ipam: {config: [{subnet: "\${NET_BACK}"}]}
`;
const DOCKERFILE = 'FROM cbench-busybox\nRUN mkdir -p /www && echo hello > /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n';

/** The same project under `dir` (named cbench, as both tools take the directory's name). */
function writeProject(dir, vars) {
  mkdirSync(join(dir, 'web'), { recursive: true });
  writeFileSync(join(dir, 'docker-compose.yml'), COMPOSE_YAML);
  writeFileSync(join(dir, 'web', 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(dir, '.env'), Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
}

/** A docker-archive of `cbench-busybox:latest`: one layer with /bin/busybox and its applet links. */
function busyboxArchive(dir) {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const d of ['tmp', 'etc', 'proc', 'sys', 'dev', 'www']) mkdirSync(join(root, d), { recursive: true });
  run('cp', ['/usr/bin/busybox', join(root, 'bin', 'busybox')]);
  for (const applet of run('/usr/bin/busybox', ['--list']).stdout.split('\n')) {
    if (applet !== '' && applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
  }
  const layer = join(dir, 'layer.tar');
  run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', layer, '.']);
  const layerData = readFileSync(layer);
  const diffId = `sha256:${createHash('sha256').update(layerData).digest('hex')}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'bench' }],
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const out = join(dir, 'archive');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, configName), config);
  writeFileSync(join(out, 'layer.tar'), layerData);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: ['cbench-busybox:latest'], Layers: ['layer.tar'] }]));
  const file = join(dir, 'image.tar');
  run('tar', ['-C', out, '-cf', file, '.']);
  return file;
}

function run(cmd, argv, { cwd, env, allowFail } = {}) {
  const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}
function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)}s`;

const ours = {
  name: 'nerdctl compose',
  dir: join(base, 'ours', 'cbench'),
  vars: { PORT: String(21000 + x), NET_FRONT: `10.219.${x}.0/24`, NET_BACK: `10.219.${x + 128}.0/24` },
  up: (dir) => run(process.execPath, [BIN, ...G, 'compose', 'up', '-d'], { cwd: dir, env: ourEnv }),
  down: (dir) => run(process.execPath, [BIN, ...G, 'compose', 'down', '-v'], { cwd: dir, env: ourEnv }),
  cleanup: (dir) => {
    run(process.execPath, [BIN, ...G, 'compose', 'down', '-v', '--rmi', 'all', '-t', '0'], { cwd: dir, env: ourEnv, allowFail: true });
  },
};
const theirs = {
  name: 'docker-compose 1.29',
  dir: join(base, 'docker', 'cbench'),
  vars: { PORT: String(22000 + x), NET_FRONT: `10.220.${x}.0/24`, NET_BACK: `10.220.${x + 128}.0/24` },
  up: (dir) => run(COMPOSE, ['up', '-d'], { cwd: dir, env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' } }),
  down: (dir) => run(COMPOSE, ['down', '-v'], { cwd: dir }),
  cleanup: (dir) => {
    run(COMPOSE, ['down', '-v', '--rmi', 'all', '-t', '0'], { cwd: dir, allowFail: true });
    run(DOCKER, ['rmi', 'cbench-busybox:latest'], { allowFail: true });
  },
};

function bench(tool) {
  writeProject(tool.dir, tool.vars);
  // warm-up: builds the image, loads caches
  tool.up(tool.dir);
  tool.down(tool.dir);
  const ups = [];
  const downs = [];
  for (let i = 0; i < RUNS; i++) {
    ups.push(time(() => tool.up(tool.dir)));
    downs.push(time(() => tool.down(tool.dir)));
  }
  const totals = ups.map((u, i) => u + downs[i]);
  console.log(`${tool.name.padEnd(20)} up ${ups.map(fmt).join(' ')}  down ${downs.map(fmt).join(' ')}`);
  return { up: median(ups), down: median(downs), total: median(totals) };
}

try {
  if (!existsSync(BIN)) throw new Error(`${BIN} not found: build first (make build)`);
  // the same base image for both, made here from Debian's static busybox (no registry needed)
  const tar = busyboxArchive(join(base, 'image'));
  run(process.execPath, [BIN, ...G, 'load', '-i', tar], { env: ourEnv });
  if (useDocker) run(DOCKER, ['load', '-i', tar]);
  console.log(`compose up -d + down of 3 services (1 built, 1 healthchecked + service_healthy dependent), ${RUNS} runs`);
  const a = bench(ours);
  const b = useDocker ? bench(theirs) : undefined;
  console.log('');
  console.log(`${''.padEnd(20)} ${'up -d'.padStart(8)} ${'down'.padStart(8)} ${'total'.padStart(8)}   (medians)`);
  for (const [name, r] of [[ours.name, a], ...(b ? [[theirs.name, b]] : [])]) {
    console.log(`${name.padEnd(20)} ${fmt(r.up).padStart(8)} ${fmt(r.down).padStart(8)} ${fmt(r.total).padStart(8)}`);
  }
  if (b) console.log(`ratio nerdctl/docker-compose: up ${(a.up / b.up).toFixed(2)}, down ${(a.down / b.down).toFixed(2)}, total ${(a.total / b.total).toFixed(2)} (goal: total <= 0.50)`);
} finally {
  ours.cleanup(ours.dir);
  if (useDocker) theirs.cleanup(theirs.dir);
  removeBridge(ourEnv.NERDCTL_DEFAULT_BRIDGE);
  removeStateRoot(dataRoot);
  rmSync(base, { recursive: true, force: true });
}
