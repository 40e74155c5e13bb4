#!/usr/bin/env node
// Build benchmark (not a test): `nerdctl build` against `DOCKER_BUILDKIT=0 docker build` (the daemon's classic
// builder) on the same ~6-step Dockerfile, FROM the same busybox image, in one run:
//
//   cold         nothing cached (image removed and build cache pruned before each run; docker also --no-cache)
//   cached       an unchanged rebuild (everything from the cache)
//   one-file     one source file changed (COPY and RUN redo, the rest is cached)
//
//   node bench/build.mjs [--runs N] [--files F] [--keep]
//
// Prints every time, the medians and nerdctl/docker ratios. Both builders run RUN steps without a network
// (`--network none`: this machine's dockerd has no bridge); nerdctl's cold build on its default bridge network is
// measured too. For context it also times the floors: a bare `node -e 0`, and `nerdctl builder --help` (the CLI
// starting with its whole command tree, before any build work). Needs root, the built CLI (dist/nerdctl.js), and
// for the Docker half a running dockerd with a `busybox:latest` image (else only nerdctl is measured, from the
// test fixture's busybox).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeBridge, removeStateRoot } from './cleanup.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.NERDCTL_BIN ?? path.resolve(here, '../dist/nerdctl.js');
const DOCKER = '/usr/bin/docker';
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '7'));
const FILES = Number(opt('files', '20'));
const KEEP = argv.includes('--keep');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (n) => `${Math.round(n)} ms`;

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const t = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return t;
}

const dockerUp = spawnSync(DOCKER, ['image', 'inspect', 'busybox:latest'], { stdio: 'ignore' }).status === 0;

const work = mkdtempSync(path.join(tmpdir(), 'nerdctl-bench-build-'));
const dataRoot = path.join(work, 'data');
const ctx = path.join(work, 'ctx');
mkdirSync(path.join(ctx, 'src'), { recursive: true });
for (let i = 0; i < FILES; i++) writeFileSync(path.join(ctx, 'src', `file-${String(i).padStart(2, '0')}.txt`), `source file ${i}\n`.repeat(50));
writeFileSync(
  path.join(ctx, 'Dockerfile'),
  [
    'FROM busybox',
    'COPY src/ /app/src/',
    'RUN cat /app/src/*.txt > /app/all.txt && wc -c /app/all.txt > /app/size.txt',
    'ENV APP_ENV=bench',
    'WORKDIR /app',
    'CMD ["cat", "/app/size.txt"]',
    '',
  ].join('\n'),
);

// A private default network (CNI config dir, bridge, subnet) for the builds on the default network, removed at the end.
const netconf = path.join(work, 'net.d');
const subnetX = 1 + Math.floor(Math.random() * 120);
process.env.NERDCTL_DEFAULT_BRIDGE = `nbbench${subnetX}`;
process.env.NERDCTL_DEFAULT_NETWORK_SUBNET = `10.222.${subnetX}.0/24`;
const nerdctl = (...args) => [BIN, '--data-root', dataRoot, '--cni-netconfpath', netconf, '--namespace', 'bench', ...args];
const N_TAG = 'bench-build-nerdctl';
const D_TAG = 'bench-build-docker';

function setupBase() {
  // The same base for both: Docker's busybox:latest when there is a daemon, else the test fixture's.
  let tar;
  if (dockerUp) tar = execFileSync(DOCKER, ['save', 'busybox:latest'], { maxBuffer: 1 << 30 });
  else throw new Error('this benchmark needs a running dockerd with busybox:latest (its base image is shared with nerdctl)');
  execFileSync(process.execPath, nerdctl('load'), { input: tar, stdio: ['pipe', 'ignore', 'inherit'] });
}

const nerdBuild = (extra = []) => time(process.execPath, nerdctl('build', '-q', '--network', 'none', '-t', N_TAG, ...extra, ctx));
const nerdBuildBridge = () => time(process.execPath, nerdctl('build', '-q', '-t', N_TAG, ctx));
const nerdReset = () => {
  spawnSync(process.execPath, nerdctl('rmi', '-f', N_TAG), { stdio: 'ignore' });
  execFileSync(process.execPath, nerdctl('builder', 'prune', '-af'), { stdio: 'ignore' });
};
const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };
const dockBuild = (extra = []) => time(DOCKER, ['build', '-q', '--network', 'none', '-t', D_TAG, ...extra, ctx], { env: dockerEnv });
const dockReset = () => {
  spawnSync(DOCKER, ['rmi', '-f', D_TAG], { stdio: 'ignore' });
  spawnSync(DOCKER, ['builder', 'prune', '-af'], { stdio: 'ignore', env: dockerEnv });
};
let edit = 0;
const touchOne = () => writeFileSync(path.join(ctx, 'src', 'file-03.txt'), `changed ${++edit} ${Date.now()}\n`);

const results = {};
const add = (k, v) => (results[k] ??= []).push(v);

try {
  setupBase();
  console.log(`Dockerfile: ${FILES} source files, 6 instructions; ${RUNS} runs each${dockerUp ? '' : ' (no dockerd: nerdctl only)'}`);
  for (let i = 0; i < RUNS; i++) {
    add('floor: node -e 0', time(process.execPath, ['-e', '0']));
    add('floor: nerdctl builder --help', time(process.execPath, [BIN, 'builder', '--help']));
    // cold
    if (dockerUp) {
      dockReset();
      // --no-cache too: the classic builder would reuse any image chain with the same steps (another tag's).
      add('docker cold', dockBuild(['--no-cache']));
    }
    nerdReset();
    add('nerdctl cold', nerdBuild());
    nerdReset();
    add('nerdctl cold (default bridge network)', nerdBuildBridge());
    nerdReset();
    nerdBuild();
    if (dockerUp) dockBuild();
    // fully cached
    if (dockerUp) add('docker cached', dockBuild());
    add('nerdctl cached', nerdBuild());
    // one file changed
    touchOne();
    if (dockerUp) add('docker one-file', dockBuild());
    add('nerdctl one-file', nerdBuild());
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(42)} median ${ms(median(v)).padStart(8)}   runs: ${v.map((x) => Math.round(x)).join(' ')}`);
  if (dockerUp) {
    for (const k of ['cold', 'cached', 'one-file']) {
      const r = median(results[`nerdctl ${k}`]) / median(results[`docker ${k}`]);
      console.log(`ratio nerdctl/docker ${k.padEnd(10)} ${r.toFixed(2)}`);
    }
  }
} finally {
  if (dockerUp) spawnSync(DOCKER, ['rmi', '-f', D_TAG], { stdio: 'ignore' });
  if (!KEEP) {
    spawnSync('sh', ['-c', `grep -o " ${work}[^ ]*" /proc/self/mounts | xargs -r -n1 umount -l`], { stdio: 'ignore' });
    removeBridge(process.env.NERDCTL_DEFAULT_BRIDGE);
    removeStateRoot(dataRoot);
    rmSync(work, { recursive: true, force: true });
  } else console.log(`kept ${work}`);
}
