#!/usr/bin/env node
// Container benchmarks (issue 3), side by side with Docker in one run: medians of N iterations and ratios.
//
//   node bench/run.mjs [--iterations 7] [--ps-counts 50,500] [--rss-count 10] [--no-docker] [--bin dist/nerdctl.js]
//                      [--image-tar busybox.tar (a docker-archive, loaded into both; default: Docker's busybox:latest)] [--json out]
//
// What is measured (wall time of the CLI as a user sees it):
//   run --rm busybox true            ours with --network none and with the default bridge; Docker with --network none
//   run -d sleep + rm -f             the same three variants, both commands timed together
//   ps -a with N containers          ours at each count (flatness), Docker at the first count, and `node -e 0`
//   RSS per container monitor        10 detached containers: conmon (ours) vs containerd-shim-runc-v2 (Docker)
// Docker here runs with --iptables=false --bridge=none, so its containers use --network none (stated in the output).
// Not a test: nothing is asserted; the numbers are printed for the report. Runs as root; cleans up after itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeBridge, removeStateRoot } from './cleanup.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ITER = Number(opt('iterations', '7'));
const PS_COUNTS = opt('ps-counts', '50,500').split(',').map(Number);
const RSS_COUNT = Number(opt('rss-count', '10'));
const BIN = resolve(opt('bin', 'dist/nerdctl.js'));
const DOCKER = '/usr/bin/docker';
const useDocker = !args.includes('--no-docker') && existsSync(DOCKER) && spawnSync(DOCKER, ['version'], { stdio: 'ignore' }).status === 0;

const base = mkdtempSync(join(tmpdir(), 'nerdctl-bench-'));
const dataRoot = join(base, 'data');
const netconf = join(base, 'net.d');
const subnetX = 1 + Math.floor(Math.random() * 250);
const env = {
  ...process.env,
  NO_COLOR: '1',
  NERDCTL_DEFAULT_NETWORK_SUBNET: `10.217.${subnetX}.0/24`,
  NERDCTL_DEFAULT_BRIDGE: `nbench${subnetX}`,
};
const G = ['--data-root', dataRoot, '--cni-netconfpath', netconf, '--namespace', 'bench'];

function run(cmd, argv, { input, allowFail } = {}) {
  const r = spawnSync(cmd, argv, { env, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && !allowFail) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
const ours = (argv, o) => run(process.execPath, [BIN, ...G, ...argv], o);
const docker = (argv, o) => run(DOCKER, argv, o);

function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
function measure(label, fn, n = ITER) {
  fn(); // warm-up (page cache, first-use work)
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(time(fn));
  const m = median(xs);
  console.log(`  ${label.padEnd(46)} median ${m.toFixed(0).padStart(5)} ms   (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`);
  return m;
}
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

function rssOf(pids) {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kb;
}
function pidsMatching(test) {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (test(cmd, p)) out.push(p);
    } catch {
      // gone
    }
  }
  return out;
}

const results = {};
try {
  console.log(`nerdctl bench: ${BIN}, ${ITER} iterations, Docker ${useDocker ? 'on (--network none)' : 'off'}`);
  console.log(`load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}, CPUs: ${execFileSync('nproc', { encoding: 'utf8' }).trim()}`);

  // The same image for both: Docker's busybox, loaded into ours.
  const tarFile = join(base, 'busybox.tar');
  if (opt('image-tar')) {
    writeFileSync(tarFile, readFileSync(opt('image-tar')));
    if (useDocker) docker(['load', '-i', tarFile]);
  } else if (useDocker) {
    writeFileSync(tarFile, execFileSync(DOCKER, ['save', 'busybox:latest'], { maxBuffer: 1 << 28 }));
  } else {
    throw new Error('no Docker to take busybox from: pass --image-tar <docker-archive with busybox:latest>');
  }
  ours(['load', '-i', tarFile]);

  console.log('\nstartup');
  results.node = measure('node -e 0', () => run(process.execPath, ['-e', '0']));
  results.version = measure('nerdctl version', () => ours(['version']));

  console.log('\nrun --rm busybox true');
  results.runRmNone = measure('ours --network none', () => ours(['run', '--rm', '--network', 'none', 'busybox', 'true']));
  results.runRmBridge = measure('ours default bridge', () => ours(['run', '--rm', 'busybox', 'true']));
  if (useDocker) results.runRmDocker = measure('docker --network none', () => docker(['run', '--rm', '--network', 'none', 'busybox', 'true']));

  console.log('\nrun -d busybox sleep 100 + rm -f');
  results.runDNone = measure('ours --network none', () => {
    const id = ours(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100']).trim();
    ours(['rm', '-f', id]);
  });
  results.runDBridge = measure('ours default bridge', () => {
    const id = ours(['run', '-d', 'busybox', 'sleep', '100']).trim();
    ours(['rm', '-f', id]);
  });
  if (useDocker) {
    results.runDDocker = measure('docker --network none', () => {
      const id = docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100']).trim();
      docker(['rm', '-f', id]);
    });
  }

  console.log('\nps -a');
  let made = 0;
  const dockerMade = [];
  for (const count of PS_COUNTS) {
    while (made < count) {
      ours(['create', '--network', 'none', 'busybox', 'true']);
      made++;
    }
    results[`ps${count}`] = measure(`ours, ${count} containers`, () => ours(['ps', '-a']));
    if (useDocker && count === PS_COUNTS[0]) {
      while (dockerMade.length < count) dockerMade.push(docker(['create', '--network', 'none', 'busybox', 'true']).trim());
      results[`ps${count}Docker`] = measure(`docker, ${count} containers`, () => docker(['ps', '-a']));
    }
  }
  if (dockerMade.length > 0) docker(['rm', '-f', ...dockerMade], { allowFail: true });
  const all = ours(['ps', '-aq']).split('\n').filter(Boolean);
  for (let i = 0; i < all.length; i += 100) ours(['rm', '-f', ...all.slice(i, i + 100)], { allowFail: true });

  console.log(`\nmonitor memory, ${RSS_COUNT} detached containers`);
  const before = new Set(pidsMatching((c) => c.includes('conmon') || c.includes('containerd-shim-runc-v2')));
  const ids = [];
  for (let i = 0; i < RSS_COUNT; i++) ids.push(ours(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']).trim());
  const conmons = pidsMatching((c, p) => !before.has(p) && c.startsWith('/usr/bin/conmon') && ids.some((id) => c.includes(id)));
  results.rssConmonKb = rssOf(conmons) / Math.max(1, conmons.length);
  console.log(`  ours: ${conmons.length} conmon processes, ${(results.rssConmonKb / 1024).toFixed(2)} MB RSS each`);
  ours(['rm', '-f', ...ids], { allowFail: true });
  if (useDocker) {
    const dids = [];
    for (let i = 0; i < RSS_COUNT; i++) dids.push(docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '1000']).trim());
    const shims = pidsMatching((c, p) => !before.has(p) && c.includes('containerd-shim-runc-v2'));
    results.rssShimKb = rssOf(shims) / Math.max(1, shims.length);
    console.log(`  docker: ${shims.length} containerd-shim-runc-v2 processes, ${(results.rssShimKb / 1024).toFixed(2)} MB RSS each`);
    docker(['rm', '-f', ...dids], { allowFail: true });
  }

  console.log('\nsummary (goal in brackets)');
  if (useDocker) {
    console.log(`  run --rm:        ours/docker ${ratio(results.runRmNone, results.runRmDocker)} (none), ${ratio(results.runRmBridge, results.runRmDocker)} (bridge)   [<= 0.5x]`);
    console.log(`  run -d + rm -f:  ours/docker ${ratio(results.runDNone, results.runDDocker)} (none), ${ratio(results.runDBridge, results.runDDocker)} (bridge)   [<= 0.5x]`);
    console.log(`  monitor RSS:     ours/docker ${ratio(results.rssConmonKb, results.rssShimKb)}   [<= 0.25x]`);
  }
  for (const count of PS_COUNTS) {
    console.log(`  ps -a (${String(count).padStart(3)}):     ${(results[`ps${count}`] - results.node).toFixed(0)} ms over node -e 0   [<= 25 ms, flat]`);
  }
  if (opt('json')) writeFileSync(opt('json'), JSON.stringify(results, null, 2));
} finally {
  const left = spawnSync(process.execPath, [BIN, ...G, 'ps', '-aq'], { env, encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
  if (left.length > 0) spawnSync(process.execPath, [BIN, ...G, 'rm', '-f', ...left], { env });
  removeBridge(env.NERDCTL_DEFAULT_BRIDGE);
  removeStateRoot(dataRoot);
  spawnSync('umount', ['-R', base]);
  rmSync(base, { recursive: true, force: true });
}
