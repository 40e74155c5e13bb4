/**
 * A private world per container test: its own data root (and so state root), namespace, CNI config dir, default
 * bridge device and subnet (moved with the NERDCTL_DEFAULT_* variables the network layer reads), a busybox image
 * loaded with `nerdctl load`, and a leak check at the end (test/helpers/leaks.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateRootFor } from '../../src/commands/_lib/config.js';
import { scratchDir } from '../helpers/scratch.js';
import { purgeBridgeRules } from '../../src/network/iptables.js';
import { BIN, hasBinary, isRoot, runBinary, uniqueId, unmountUnder, type RunOptions, type RunResult } from '../helpers/cli.js';
import { busyboxImage, dockerArchive, type ImageConfigInput } from '../helpers/image-fixtures.js';
import { findLeaks, snapshotLeaks, type LeakScope, type LeakSnapshot } from '../helpers/leaks.js';

export const canRunContainers =
  isRoot() && hasBinary('runc') && hasBinary('conmon') && existsSync('/usr/lib/cni/bridge') && existsSync(BIN);

export interface CtrEnv {
  readonly id: string;
  readonly base: string;
  readonly dataRoot: string;
  readonly stateRoot: string;
  readonly namespace: string;
  readonly bridge: string;
  readonly subnet: string;
  /** `10.215.N.` */
  readonly subnetPrefix: string;
  readonly globalArgs: string[];
  /** Environment for the CLI (the default network's placement). */
  readonly env: Record<string, string>;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs and throws unless the exit code is 0; returns stdout. */
  ok(args: string[], opts?: RunOptions): Promise<string>;
  /** Removes everything, and returns what was left behind before the forced cleanup. */
  cleanup(): Promise<string[]>;
}

/** A /24 in 10.215.0.0/16 that no host interface uses now. */
function freeSubnet(): { subnet: string; prefix: string } {
  const used = new Set<number>();
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const m = /^10\.215\.(\d+)\./.exec(a.address);
      if (m) used.add(Number(m[1]));
    }
  }
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 250);
    if (!used.has(x)) return { subnet: `10.215.${x}.0/24`, prefix: `10.215.${x}.` };
  }
}

const imageTars = new Map<string, string>();

/** A docker-archive of a busybox image (tagged `tag`), written once per process. */
export async function busyboxTar(tag = 'busybox:latest', config: ImageConfigInput = {}): Promise<string> {
  const key = `${tag} ${JSON.stringify(config)}`;
  let file = imageTars.get(key);
  if (file === undefined) {
    const tar = await dockerArchive(await busyboxImage(config), [tag]);
    file = join(scratchDir('nerdctl-img-'), 'image.tar');
    writeFileSync(file, tar);
    imageTars.set(key, file);
  }
  return file;
}

/** Makes an environment; with `image` (default true) busybox:latest is loaded. */
export async function makeCtrEnv(opts: { image?: boolean } = {}): Promise<CtrEnv> {
  const id = uniqueId('c');
  const base = mkdtempSync(join(tmpdir(), `nerdctl-ctr-${id}-`));
  const dataRoot = join(base, 'data');
  const netconfPath = join(base, 'net.d');
  const stateRoot = stateRootFor(dataRoot);
  const namespace = id;
  const bridge = `${id}b`;
  const { subnet, prefix } = freeSubnet();
  const globalArgs = ['--data-root', dataRoot, '--cni-netconfpath', netconfPath, '--namespace', namespace];
  const env = { NERDCTL_DEFAULT_NETWORK_SUBNET: subnet, NERDCTL_DEFAULT_BRIDGE: bridge };
  const scope: LeakScope = { dataRoot, stateRoot, namespace, bridge, subnetPrefix: prefix };
  const before: LeakSnapshot = snapshotLeaks(scope);
  const run = (args: string[], o: RunOptions = {}) => runBinary([...globalArgs, ...args], { ...o, env: { ...env, ...o.env } });
  const e: CtrEnv = {
    id,
    base,
    dataRoot,
    stateRoot,
    namespace,
    bridge,
    subnet,
    subnetPrefix: prefix,
    globalArgs,
    env,
    run,
    async ok(args, o) {
      const r = await run(args, o);
      if (r.code !== 0) throw new Error(`nerdctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    async cleanup() {
      const ps = await run(['ps', '-aq', '--no-trunc']);
      const ids = ps.stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await run(['rm', '-f', ...ids], { timeoutMs: 120_000 });
      const nets = await run(['network', 'ls', '-q']).catch(() => undefined);
      for (const n of nets?.stdout.split('\n').filter(Boolean) ?? []) await run(['network', 'rm', n]).catch(() => undefined);
      const leaks = await findLeaks(scope, before);
      // Forced cleanup whatever the outcome.
      for (const l of leaks) {
        const ns = /^netns (\S+)/.exec(l)?.[1];
        if (ns) spawnSync('ip', ['netns', 'del', ns]);
      }
      spawnSync('ip', ['link', 'del', bridge]);
      await purgeBridgeRules(bridge).catch(() => {});
      unmountUnder(base);
      unmountUnder(stateRoot);
      rmSync(base, { recursive: true, force: true });
      rmSync(stateRoot, { recursive: true, force: true });
      return leaks;
    },
  };
  if (opts.image !== false) await e.ok(['load', '-i', await busyboxTar()]);
  return e;
}

/** The host's own non-loopback IPv4 address. */
export function hostAddress(): string {
  const dev = /dev (\S+)/.exec(spawnSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' }).stdout ?? '')?.[1];
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

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!v && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, stepMs));
    v = await fn();
  }
  return v;
}
