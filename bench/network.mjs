#!/usr/bin/env node
// Network attach/detach in isolation (the CNI part of `run`, `rm`, `compose up/down`), without runc or the CLI.
//
//   node bench/network.mjs [--iterations 15] [--json out.json] [--trace] [--shared] [--src <tree>]
//
// --src bundles the network layer of another source tree (e.g. an older commit from `git archive`) to compare.
// The network layer (src/network/networking.ts) is bundled with esbuild into node_modules/.cache and driven
// directly: openNetworking() on a private data root and CNI config dir, a private default network (bridge
// `nbnet<x>`, 10.218.<x>.0/24), then per case N times attach -> detach, each timed on its own:
//
//   none                 netns with loopback only (the namespace cost alone)
//   bridge               the default bridge network, no published port
//   bridge -p            the default bridge with one published port (portmap)
//   user network         a user bridge network, with an alias (hosts files)
//
// Each attach and each detach gets its own openNetworking() (as separate CLI invocations: `run -d`, then `rm -f`),
// so per-invocation caches do not help and the firewall check runs every time; opening is not timed. --shared uses
// one instance for everything (compose up/down attaching many containers in one process).
// --trace also runs one attach/detach of each case under `strace -f -e trace=execve` of this process and prints
// how many programs each step executed, by name (iptables, ip, CNI plugins).
// Not a test: nothing is asserted. Runs as root; removes everything it made (netns, bridges, iptables rules).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ITER = Number(opt('iterations', '15'));
const JSON_OUT = opt('json', undefined);
const TRACE = args.includes('--trace');
const SHARED = args.includes('--shared');
const CHILD = args.includes('--child'); // internal: the traced child runs one round and exits

if (process.getuid?.() !== 0) {
  console.error('bench/network.mjs needs root (network namespaces, bridges, iptables)');
  process.exit(1);
}

// Bundle the network layer next to node_modules so better-sqlite3 resolves.
const cacheDir = join(root, 'node_modules', '.cache', 'nerdctl-bench');
const SRC = resolve(opt('src', root));
const bundle = join(cacheDir, SRC === root ? 'network.mjs' : 'network-src.mjs');
if (!CHILD) {
  mkdirSync(cacheDir, { recursive: true });
  const { build } = await import('esbuild');
  await build({
    stdin: {
      contents: [
        "export { openNetworking } from './src/network/networking.ts';",
        "export { purgeBridgeRules } from './src/network/iptables.ts';",
        "export { parsePublish } from './src/network/ports.ts';",
      ].join('\n'),
      resolveDir: SRC,
      loader: 'ts',
    },
    nodePaths: [join(root, 'node_modules')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}
const net = await import(pathToFileURL(bundle).href);

function sh(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
async function freePort() {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    const ok = await new Promise((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(p, '0.0.0.0', () => s.close(() => res(true)));
    });
    if (ok) return p;
  }
}

const x = Number(opt('subnet-x', String(1 + Math.floor(Math.random() * 250))));
const base = opt('base', undefined) ?? mkdtempSync(join(tmpdir(), 'nerdctl-netbench-'));
const dataRoot = join(base, 'data');
const netconfPath = join(base, 'net.d');
const bridge = `nbnet${x}`;
const userBridge = `nbnetu${x}`;
const log = { level: 'error', debug() {}, info() {}, warn(m, f) { console.error('warn:', m, f ?? ''); }, error() {}, with() { return log; } };
const ctx = { namespace: 'netbench', signal: new AbortController().signal, log };
const netOptions = { dataRoot, netconfPath, defaultNetwork: { subnet: `10.218.${x}.0/24`, bridge } };
const nets = net.openNetworking(netOptions);
/** The instance for one step: a fresh one per step unless --shared. */
function session() {
  return SHARED ? { n: nets, close() {} } : (() => { const n = net.openNetworking(netOptions); return { n, close: () => n.close() }; })();
}

const userNet = 'netbench-u';
async function ensureUserNet() {
  try {
    return await nets.getNetwork(ctx, userNet);
  } catch {
    return nets.createNetwork(ctx, {
      name: userNet,
      subnets: [`10.219.${x}.0/24`],
      options: { 'com.docker.network.bridge.name': userBridge },
    });
  }
}

const cases = {
  none: () => ({ network: { mode: 'none' } }),
  bridge: () => ({ network: { mode: 'cni', networks: [{ network: 'bridge' }] } }),
  'bridge -p': (port) => ({ network: { mode: 'cni', networks: [{ network: 'bridge' }] }, ports: net.parsePublish(`${port}:80`) }),
  'user network': () => ({ network: { mode: 'cni', networks: [{ network: userNet, aliases: ['svc'] }] } }),
};

async function round(name, port) {
  const id = randomBytes(32).toString('hex');
  const hostsPath = join(base, `${id.slice(0, 12)}.hosts`);
  const s1 = session();
  const t0 = process.hrtime.bigint();
  await s1.n.attach(ctx, { containerId: id, name: `c${id.slice(0, 6)}`, hostname: id.slice(0, 12), hostsPath, ...cases[name](port) });
  const t1 = process.hrtime.bigint();
  s1.close();
  const s2 = session();
  const t2 = process.hrtime.bigint();
  await s2.n.detach(ctx, id);
  const t3 = process.hrtime.bigint();
  s2.close();
  rmSync(hostsPath, { force: true });
  return { attach: Number(t1 - t0) / 1e6, detach: Number(t3 - t2) / 1e6 };
}

function cleanup() {
  nets.close();
  for (const b of [bridge, userBridge]) sh('ip', ['link', 'del', b]);
  return (async () => {
    for (const b of [bridge, userBridge]) {
      await net.purgeBridgeRules(b);
    }
    rmSync(base, { recursive: true, force: true });
  })();
}

if (CHILD) {
  // One round of the named case, traced by the parent.
  const name = opt('case', 'bridge');
  await ensureUserNet();
  const port = await freePort();
  await round(name, port); // warm (default network and bridge exist afterwards)
  const marker = (s) => sh('true', [`--mark-${s}`]);
  const id = randomBytes(32).toString('hex');
  const s1 = session();
  marker('attach');
  await s1.n.attach(ctx, { containerId: id, hostname: 'h', ...cases[name](port) });
  s1.close();
  const s2 = session();
  marker('detach');
  await s2.n.detach(ctx, id);
  marker('end');
  s2.close();
  nets.close();
  process.exit(0);
}

const results = {};
try {
  await ensureUserNet();
  const port = await freePort();
  console.log(
    `network attach/detach (${SRC === root ? 'this tree' : SRC}), ${ITER} iterations each, ${SHARED ? 'one Networking instance for all' : 'a fresh Networking instance per step'} (${sh('iptables', ['--version']).stdout.trim()})`,
  );
  for (const name of Object.keys(cases)) {
    await round(name, port); // warm-up: default network config, bridge device, per-network rules
    const a = [];
    const d = [];
    for (let i = 0; i < ITER; i++) {
      const r = await round(name, port);
      a.push(r.attach);
      d.push(r.detach);
    }
    results[name] = { attach: median(a), detach: median(d), attachAll: a, detachAll: d };
    const f = (xs) => `median ${median(xs).toFixed(0).padStart(4)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    console.log(`  ${name.padEnd(14)} attach ${f(a)}   detach ${f(d)}`);
  }
} finally {
  await cleanup();
}

if (TRACE) {
  console.log('\nprograms executed per step (strace -f -e trace=execve):');
  for (const name of Object.keys(cases)) {
    const tbase = mkdtempSync(join(tmpdir(), 'nerdctl-netbench-t-'));
    const out = join(tbase, 'strace.txt');
    const tx = 1 + ((x + 7) % 250);
    sh('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-o', out, process.execPath, fileURLToPath(import.meta.url), '--child', '--case', name, '--subnet-x', String(tx), '--base', tbase, ...(SHARED ? ['--shared'] : []), ...(SRC === root ? [] : ['--src', SRC])]);
    let step = 'warm';
    const counts = { attach: {}, detach: {} };
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const m = /execve\("([^"]+)", \[([^\]]*)\]/.exec(line);
      if (!m || / = -1 /.test(line)) continue;
      const mark = /--mark-(\w+)/.exec(m[2]);
      if (mark) {
        step = mark[1];
        continue;
      }
      if (!(step in counts)) continue;
      const prog = m[1].split('/').pop();
      const sub = prog === 'ip' || prog.startsWith('iptables') || prog.startsWith('ip6tables') ? ` ${(m[2].split(', ')[1] ?? '').replace(/"/g, '')}` : '';
      const key = prog.startsWith('ip') ? prog + sub : prog;
      counts[step][key] = (counts[step][key] ?? 0) + 1;
    }
    for (const [s, c] of Object.entries(counts)) {
      const total = Object.values(c).reduce((a, b) => a + b, 0);
      const detail = Object.entries(c).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(', ');
      console.log(`  ${name.padEnd(14)} ${s.padEnd(7)} ${String(total).padStart(3)} execs: ${detail}`);
    }
    // The traced child cleans up its own netns; its bridges and rules go here.
    for (const b of [`nbnet${tx}`, `nbnetu${tx}`]) {
      sh('ip', ['link', 'del', b]);
      await net.purgeBridgeRules(b);
    }
    rmSync(tbase, { recursive: true, force: true });
  }
}

if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ iterations: ITER, shared: SHARED, results }, null, 2));
