#!/usr/bin/env node
// Pull benchmark (not a test): nerdctl against `docker pull` of the same multi-layer image from a local registry.
//
//   node bench/pull.mjs [--runs N] [--size-mb M] [--layers L] [--keep]
//
// Makes a ~100 MB image (several gzip layers of many files; content half random, half text, so gzip cannot
// shrink it to nothing), pushes it to Debian's docker-registry on 127.0.0.1, then pulls it N times with each
// client, starting from nothing local every time (`nerdctl rmi` + its garbage collection; `docker rmi`), and
// prints each time, the medians and the ratio. Needs root, the built CLI (dist/nerdctl.js) and, for the Docker
// half, a running dockerd (/usr/bin/docker); without one only nerdctl is measured.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { removeStateRoot } from './cleanup.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.NERDCTL_BIN ?? path.resolve(here, '../dist/nerdctl.js');
const DOCKER = '/usr/bin/docker';
const REGISTRY = '/usr/bin/docker-registry';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const SIZE_MB = Number(opt('size-mb', '100'));
const LAYERS = Number(opt('layers', '5'));
const KEEP = argv.includes('--keep');
const ONLY = opt('only', 'both'); // nerdctl | docker | both

const sha256 = (b) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRegistry(dir) {
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn(REGISTRY, ['serve', config], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      http.get({ host: '127.0.0.1', port, path: '/v2/' }, (res) => {
        res.resume();
        r(res.statusCode === 200);
      }).on('error', () => r(false));
    });
    if (ok) return { host: `127.0.0.1:${port}`, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('docker-registry did not start');
}

/** A layer tar of `files` files totalling about `bytes`: half random bytes, half text. */
async function makeLayer(index, bytes, files) {
  const p = pack();
  const chunks = [];
  p.on('data', (c) => chunks.push(c));
  const done = new Promise((r) => p.on('end', r));
  const per = Math.floor(bytes / files);
  const text = Buffer.from(`layer ${index} lorem ipsum dolor sit amet, consectetur adipiscing elit ${'x'.repeat(40)}\n`.repeat(Math.ceil(per / 2 / 100) + 1));
  const entry = (h, b) => new Promise((res, rej) => p.entry(h, b, (e) => (e ? rej(e) : res())));
  await entry({ name: `data${index}/`, type: 'directory', mode: 0o755 });
  for (let d = 0; d < 10; d++) await entry({ name: `data${index}/d${d}/`, type: 'directory', mode: 0o755 });
  for (let f = 0; f < files; f++) {
    const body = Buffer.concat([randomBytes(Math.floor(per / 2)), text.subarray(0, per - Math.floor(per / 2))]);
    await entry({ name: `data${index}/d${f % 10}/file${f}.bin`, mode: 0o644, mtime: new Date(0) }, body);
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  const gz = gzipSync(tar, { level: 6 });
  return { tar, gz, diffId: sha256(tar), digest: sha256(gz) };
}

async function putBlob(host, repo, data, digest) {
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`upload start: ${start.status}`);
  const loc = new URL(start.headers.get('location'), `http://${host}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`upload ${digest}: ${put.status}`);
}

async function pushImage(host, repo, tag) {
  const layers = [];
  const perLayer = Math.floor((SIZE_MB * 1_000_000) / LAYERS);
  for (let i = 0; i < LAYERS; i++) {
    const l = await makeLayer(i, perLayer, 400);
    await putBlob(host, repo, l.gz, l.digest);
    layers.push(l);
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: new Date().toISOString(),
      config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created_by: `bench layer ${i}` })),
    }),
  );
  await putBlob(host, repo, config, sha256(config));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: l.digest, size: l.gz.length })),
    }),
  );
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  if (r.status !== 201) throw new Error(`manifest: ${r.status}`);
  return {
    compressed: layers.reduce((a, l) => a + l.gz.length, 0),
    uncompressed: layers.reduce((a, l) => a + l.tar.length, 0),
  };
}

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system, with reaped children) of processes, from /proc/<pid>/stat. */
function cpuOf(pids) {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // fields after the command: state=0 ... utime=11 stime=12 cutime=13 cstime=14
      t += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone
    }
  }
  return t / TICK;
}

/** Runs a command; returns wall seconds and the CPU seconds it and `daemons` used meanwhile. */
function timed(cmd, args, daemons = []) {
  const before = cpuOf(['self', ...daemons]);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuOf(['self', ...daemons]) - before;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { secs, cpu };
}

function pidsOf(name) {
  const r = spawnSync('pidof', [name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(/\s+/) : [];
}

function dockerAvailable() {
  if (!existsSync(DOCKER)) return false;
  return spawnSync(DOCKER, ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).status === 0;
}

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root');
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run make build`);
  const work = mkdtempSync(path.join(tmpdir(), 'nerdctl-bench-'));
  const dataRoot = path.join(work, 'nerdctl');
  const reg = await startRegistry(work);
  const repo = `bench/pull${randomBytes(3).toString('hex')}`;
  const ref = `${reg.host}/${repo}:v1`;
  const nerdctl = (...a) => ['--data-root', dataRoot, ...a];
  const results = { nerdctl: [], docker: [] };
  const cpu = { nerdctl: [], docker: [] };
  const daemons = [...pidsOf('dockerd'), ...pidsOf('containerd')];
  try {
    process.stdout.write(`building a ${SIZE_MB} MB image of ${LAYERS} layers... `);
    const sizes = await pushImage(reg.host, repo, 'v1');
    console.log(`${(sizes.compressed / 1e6).toFixed(1)} MB compressed, ${(sizes.uncompressed / 1e6).toFixed(1)} MB uncompressed: ${ref}`);
    const withDocker = ONLY !== 'nerdctl' && dockerAvailable();
    if (ONLY !== 'nerdctl' && !withDocker) console.log('dockerd is not running: measuring nerdctl only');
    for (let i = 0; i < RUNS; i++) {
      if (ONLY !== 'docker') {
        spawnSync(process.execPath, [BIN, ...nerdctl('rmi', '-f', ref)], { stdio: 'ignore' });
        spawnSync('sync');
        const t = timed(process.execPath, [BIN, ...nerdctl('pull', '-q', ref)]);
        results.nerdctl.push(t.secs);
        cpu.nerdctl.push(t.cpu);
      }
      if (withDocker) {
        spawnSync(DOCKER, ['rmi', '-f', ref], { stdio: 'ignore' });
        spawnSync('sync');
        const t = timed(DOCKER, ['pull', '-q', ref], daemons);
        results.docker.push(t.secs);
        cpu.docker.push(t.cpu);
      }
      console.log(
        `run ${i + 1}: ` +
          [
            results.nerdctl.at(-1) !== undefined && ONLY !== 'docker' ? `nerdctl ${results.nerdctl.at(-1).toFixed(2)}s (cpu ${cpu.nerdctl.at(-1).toFixed(2)}s)` : '',
            withDocker ? `docker ${results.docker.at(-1).toFixed(2)}s (cpu incl. dockerd+containerd ${cpu.docker.at(-1).toFixed(2)}s)` : '',
          ]
            .filter(Boolean)
            .join('  '),
      );
    }
    const mn = results.nerdctl.length ? median(results.nerdctl) : undefined;
    const md = results.docker.length ? median(results.docker) : undefined;
    if (mn !== undefined) console.log(`median nerdctl: ${mn.toFixed(2)}s`);
    if (md !== undefined) console.log(`median docker:  ${md.toFixed(2)}s`);
    if (mn !== undefined && md !== undefined) console.log(`ratio nerdctl/docker: ${(mn / md).toFixed(2)} (goal <= 0.50)`);
    if (cpu.nerdctl.length && cpu.docker.length) {
      console.log(`median cpu: nerdctl ${median(cpu.nerdctl).toFixed(2)}s, docker (client + dockerd + containerd) ${median(cpu.docker).toFixed(2)}s`);
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`load average during the run: ${load} (wall times on a busy machine are noisy; compare the medians of runs taken together)`);
  } finally {
    if (!KEEP) {
      spawnSync(process.execPath, [BIN, ...nerdctl('rmi', '-f', ref)], { stdio: 'ignore' });
      if (existsSync(DOCKER)) spawnSync(DOCKER, ['rmi', '-f', ref], { stdio: 'ignore' });
      reg.child.kill();
      try {
        execFileSync('umount', ['-R', dataRoot], { stdio: 'ignore' });
      } catch {
        // nothing mounted
      }
      removeStateRoot(dataRoot);
      rmSync(work, { recursive: true, force: true });
    } else {
      console.log(`kept: registry ${reg.host} (pid ${reg.child.pid}), data root ${dataRoot}`);
      reg.child.unref();
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
