/**
 * Helpers for the network integration tests: a private environment per test (temp data root and CNI config dir,
 * unique names, bridge devices and 10.213.x.0/24 subnets), process helpers for servers inside a netns, and the
 * leftover checks (netns, veths, bridges, iptables rules, IPAM files) run after every test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '../../src/engine/log.js';
import type { OpContext } from '../../src/engine/op-context.js';
import { purgeBridgeRules } from '../../src/network/iptables.js';
import { openNetworking, type Networking } from '../../src/network/networking.js';

export const canRun =
  process.getuid?.() === 0 && existsSync('/usr/lib/cni/bridge') && spawnSync('ip', ['-V']).status === 0;

export function sh(cmd: string, args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function hex(n: number): string {
  return randomBytes(n).toString('hex');
}

/** A 64-hex container ID. */
export function containerId(): string {
  return hex(32);
}

/** Third octets of 10.213.x.0/24 not configured on any host interface right now. */
export function freeSubnets(count: number): string[] {
  const used = new Set<number>();
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const m = /^10\.213\.(\d+)\./.exec(a.address);
      if (m) used.add(Number(m[1]));
    }
  }
  const out: string[] = [];
  while (out.length < count) {
    const x = 1 + Math.floor(Math.random() * 250);
    if (!used.has(x)) {
      used.add(x);
      out.push(`10.213.${x}.0/24`);
    }
  }
  return out;
}

/** The host's own non-loopback IPv4 address (the one on the default route's interface). */
export function hostAddress(): string {
  const dev = /dev (\S+)/.exec(sh('ip', ['-4', 'route', 'show', 'default']).stdout)?.[1];
  const all = Object.entries(networkInterfaces());
  const pick = (name?: string) =>
    all
      .filter(([n]) => name === undefined || n === name)
      .flatMap(([, a]) => a ?? [])
      .find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const ip = pick(dev) ?? pick();
  if (ip === undefined) throw new Error('no non-loopback IPv4 address on this host');
  return ip;
}

export interface NetTestEnv {
  id: string;
  dir: string;
  dataRoot: string;
  netconfPath: string;
  nets: Networking;
  ctx: OpContext;
  /** Names of bridges, dummy links and netns to make sure are gone at the end. */
  links: Set<string>;
  containers: Set<string>;
  iptablesBefore: string;
  /** FORWARD policy when the test started (restored by cleanupEnv). */
  policyBefore: string;
}

/**
 * NERDCTL_TEST_FORWARD_DROP=1 runs every test with the FORWARD policy DROP, as dockerd leaves it when it turns IP
 * forwarding on itself (the policy is restored after each test).
 */
const forwardDrop = process.env.NERDCTL_TEST_FORWARD_DROP === '1';

function forwardPolicy(): string {
  return /^-P FORWARD (\w+)/m.exec(sh('iptables', ['-S', 'FORWARD']).stdout)?.[1] ?? 'ACCEPT';
}

export function makeEnv(): NetTestEnv {
  const id = `nt${hex(3)}`;
  const policyBefore = forwardPolicy();
  if (forwardDrop) sh('iptables', ['-P', 'FORWARD', 'DROP']);
  const dir = mkdtempSync(join(tmpdir(), `${id}-`));
  const dataRoot = join(dir, 'data');
  const netconfPath = join(dir, 'net.d');
  const [defSubnet] = freeSubnets(1);
  const nets = openNetworking({
    dataRoot,
    netconfPath,
    // The default network of a test env never touches the real nerdctl0 / 10.4.0.0/24.
    defaultNetwork: { subnet: defSubnet!, bridge: `${id}d` },
  });
  return {
    id,
    dir,
    dataRoot,
    netconfPath,
    nets,
    ctx: { namespace: 'nettest', signal: new AbortController().signal, log: nullLogger },
    links: new Set([`${id}d`]),
    containers: new Set(),
    iptablesBefore: iptablesDump(),
    policyBefore,
  };
}

export function iptablesDump(): string {
  return [sh('iptables-save', []).stdout, sh('ip6tables-save', []).stdout]
    .join('\n')
    .split('\n')
    .filter((l) => l.startsWith('-A ') || l.startsWith(':'))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''))
    .join('\n');
}

/** iptables lines added since `before` that mention any of `tokens`. */
export function newIptablesLines(before: string, tokens: readonly string[]): string[] {
  const had = new Set(before.split('\n'));
  return iptablesDump()
    .split('\n')
    .filter((l) => !had.has(l) && tokens.some((t) => l.includes(t)));
}

export function netnsList(): string[] {
  return sh('ip', ['netns', 'list']).stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

export function linkExists(name: string): boolean {
  return sh('ip', ['link', 'show', name]).code === 0;
}

/** Interfaces enslaved to `bridge` (veths left behind would show here). */
export function bridgePorts(bridge: string): string[] {
  return sh('ip', ['-o', 'link', 'show', 'master', bridge]).stdout.split('\n').filter(Boolean);
}

/** IP allocation files host-local keeps under the network's IPAM data dir. */
export function ipamAllocations(dataDir: string | undefined): string[] {
  if (dataDir === undefined || !existsSync(dataDir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/^\d+\.\d+\.\d+\.\d+$|:/.test(e)) out.push(p);
    }
  };
  walk(dataDir);
  return out;
}

/**
 * Tears the environment down and returns what was left behind (checked before the forced cleanup): network
 * namespaces of the test's containers, bridges of removed user networks, iptables rules naming a container or a
 * bridge of the test. The default network's bridge and `scratchLinks` (dummy parents) are removed silently.
 */
export async function cleanupEnv(env: NetTestEnv): Promise<string[]> {
  const leftovers: string[] = [];
  for (const id of env.containers) {
    await env.nets.detach(env.ctx, id).catch((e: unknown) => leftovers.push(`detach ${id.slice(0, 12)}: ${String(e)}`));
  }
  const bridges: string[] = [];
  for (const net of await env.nets.listNetworks(env.ctx).catch(() => [])) {
    if (net.pseudo) continue;
    if (net.bridge) bridges.push(net.bridge);
    if (net.isDefault) continue;
    await env.nets.removeNetwork(env.ctx, net).catch((e: unknown) => leftovers.push(`rm network ${net.name}: ${String(e)}`));
    if (net.bridge && linkExists(net.bridge)) leftovers.push(`link ${net.bridge}`);
  }
  for (const ns of netnsList().filter((n) => [...env.containers].some((c) => n.includes(c)))) {
    leftovers.push(`netns ${ns}`);
    sh('ip', ['netns', 'del', ns]);
  }
  const tokens = [...env.containers, ...bridges.filter((b) => b !== `${env.id}d`)];
  leftovers.push(...newIptablesLines(env.iptablesBefore, tokens).map((r) => `iptables ${r}`));
  // The default network is never removed, so its bridge and its firewall rules stay (as Docker's do for
  // docker0); a test environment removes them by hand.
  for (const l of [...bridges, ...env.links]) {
    if (linkExists(l)) sh('ip', ['link', 'del', l]);
    await purgeBridgeRules(l);
  }
  env.nets.close();
  rmSync(env.dir, { recursive: true, force: true });
  if (forwardDrop) sh('iptables', ['-P', 'FORWARD', env.policyBefore]);
  return leftovers;
}

/** Starts a process inside a netns and returns it (killed by `stop`). */
export function spawnInNetns(netns: string, cmd: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

export function stop(child: ChildProcess | undefined): void {
  if (child?.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** GETs a URL with a short timeout; resolves to the body or to `ERR <code>`. */
export async function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve) => {
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`ERR ${e.code ?? e.message}`));
    req.end();
  });
}

/**
 * GETs a URL from inside a network namespace with Node's http client (Debian's static busybox wget crashes in
 * its resolver). Returns the body, or '' on failure.
 */
export function httpGetInNetns(netns: string, url: string): { body: string; error: string } {
  const script =
    'require("http").get(process.argv[1],{timeout:3000},r=>{let b="";r.on("data",d=>b+=d);r.on("end",()=>process.stdout.write(b))})' +
    '.on("timeout",function(){this.destroy(new Error("timeout"))}).on("error",e=>{process.stderr.write(String(e.code||e.message));process.exit(1)})';
  const r = sh('ip', ['netns', 'exec', netns, process.execPath, '-e', script, url]);
  return { body: r.stdout, error: r.stderr };
}

/** Retries `fn` until it returns true or the deadline passes (servers need a moment to listen). */
export async function waitFor(fn: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
