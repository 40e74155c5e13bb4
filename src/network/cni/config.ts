/**
 * Networks as CNI network configuration lists, stored the way nerdctl stores them:
 * `<netconfPath>/nerdctl-<name>.conflist` with nerdctl's extra top-level fields `nerdctlID` (64 hex) and
 * `nerdctlLabels`, `cniVersion` 1.0.0, and a plugin chain per driver:
 *
 *   bridge   bridge (isGateway, ipMasq, hairpinMode, host-local IPAM) + portmap + firewall + tuning
 *            (--internal: no gateway, no masquerade, no default route, no portmap)
 *   macvlan  macvlan (master = -o parent, mode = -o macvlan_mode, host-local IPAM)
 *   ipvlan   ipvlan  (master = -o parent, mode = -o ipvlan_mode, host-local IPAM)
 *
 * Namespaces (decision): files at the top level of netconfPath are global, visible from every namespace; files in
 * `<netconfPath>/<namespace>/` are private to that namespace (nerdctl 2.x's rule). Networks created in the
 * `default` namespace, and the default network `bridge`, are written at the top level, as DESIGN.md and older
 * nerdctl do; networks created in any other namespace go to its subdirectory. Subnet overlap and bridge-name
 * checks look at every file, whatever its namespace, because all of them share the host's routing table.
 *
 * Bridge devices are `br-<first 12 hex of the ID>` (nerdctl's rule; IDs are random, as Docker's are, so the same
 * name in two namespaces gives two bridges) and `nerdctl0` for `bridge`; `-o com.docker.network.bridge.name=`
 * overrides. host-local's dataDir is `<dataRoot>/network/ipam/<network id>`, written into the conflist so every
 * user of the network shares one allocation store, and removed with the network.
 *
 * This module plans and reads configs and writes/removes files; callers serialise creation (see networking.ts).
 */
import { createHash } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import {
  alreadyExists,
  conflict,
  failedPrecondition,
  invalidArgument,
  isErrno,
  notFound,
  notImplemented,
  unavailable,
} from '../../engine/errdefs.js';
import { generateId, validateObjectName } from '../../engine/identifiers.js';
import { Nerdctl } from '../../engine/labels.js';
import type { Logger } from '../../engine/log.js';
import {
  cidrToString,
  cidrsOverlap,
  cidrContains,
  cidrLast,
  firstHost,
  formatIp,
  lastHost,
  nextCidr,
  parseCidr,
  parseIp,
  type Cidr,
} from '../ip.js';
import { removeNetworkRules } from '../network-rules.js';
import { runCommand } from '../run-command.js';
import type { CniConfList, CniPluginConf } from './types.js';

export const DEFAULT_NETCONF_PATH = '/etc/cni/net.d';
export const DEFAULT_NETWORK_NAME = 'bridge';
export const DEFAULT_BRIDGE_DEVICE = 'nerdctl0';
export const DEFAULT_SUBNET = '10.4.0.0/24';
/** User networks without --subnet get the first free /24 from here upwards (nerdctl's StartingCIDR). */
export const FIRST_USER_SUBNET = '10.4.1.0/24';
/** Automatic allocation never leaves this pool (nerdctl's walk would run into public address space). */
const AUTO_POOL = '10.0.0.0/8';
export const PSEUDO_NETWORK_NAMES = ['host', 'none'] as const;
export const DEFAULT_NAMESPACE = 'default';

export type NetworkDriver = 'bridge' | 'macvlan' | 'ipvlan';

/** Where networks live and how the default one looks; one per CLI invocation. */
export interface NetworkConfigEnv {
  netconfPath: string;
  /** IPAM allocations go under `<dataRoot>/network/ipam/`. */
  dataRoot: string;
  /** Directories with the CNI plugin binaries (checked at create time). */
  cniPaths: readonly string[];
  /** The default network's subnet, gateway and bridge device (nerdctl's --bridge-ip; tests isolate with these). */
  defaultNetwork?: { subnet?: string; gateway?: string; bridge?: string };
  log?: Logger;
  /** Parsed configs kept between calls of one invocation (see {@link NetworkConfigCache}). */
  cache?: NetworkConfigCache;
}

/** One IPAM range as Docker's inspect shows it. */
export interface IpamRangeInfo {
  subnet: string;
  gateway?: string;
  /** --ip-range, when given. */
  ipRange?: string;
  rangeStart?: string;
  rangeEnd?: string;
}

/** A network as the rest of the program sees it (a parsed conflist, or a predefined pseudo network). */
export interface NetworkInfo {
  name: string;
  /** 64 hex; foreign conflists without `nerdctlID` get the sha256 of their file path. */
  id: string;
  /** bridge, macvlan, ipvlan; `host` and `null` for the pseudo networks; else the first plugin's type. */
  driver: string;
  labels: Record<string, string>;
  /** The conflist file; undefined for pseudo networks. */
  file?: string;
  /** undefined: global (top level of netconfPath); else private to this namespace. */
  namespace?: string;
  /** Creation time (file mtime), RFC 3339 with nanoseconds. */
  created: string;
  internal: boolean;
  enableIPv6: boolean;
  ipamDriver: string;
  ipam: IpamRangeInfo[];
  /** Driver options in Docker's keys (`com.docker.network.bridge.name`, `com.docker.network.driver.mtu`, ...). */
  options: Record<string, string>;
  /** The bridge device of a bridge network. */
  bridge?: string;
  /** host-local's dataDir, when set in the conflist. */
  ipamDataDir?: string;
  /** The default network (`bridge`): no name resolution between its containers, as in Docker. */
  isDefault: boolean;
  /** `host` and `none`. */
  pseudo: boolean;
  /** Has a nerdctlID (created by nerdctl). */
  managed: boolean;
  /** The conflist as stored; undefined for pseudo networks. */
  conflist?: CniConfList;
}

/** `network create` options in Docker's terms. */
export interface CreateNetworkOptions {
  name: string;
  /** Default `bridge`. */
  driver?: string;
  subnets?: readonly string[];
  gateways?: readonly string[];
  ipRanges?: readonly string[];
  /** `default` or `host-local` (the same thing). */
  ipamDriver?: string;
  internal?: boolean;
  ipv6?: boolean;
  labels?: Record<string, string>;
  /** `-o key=value` driver options. */
  options?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

function rfc3339Nano(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-01-02T03:04:05.678Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return iso.replace(/\.\d{3}Z$/, frac === '' ? 'Z' : `.${frac}Z`);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

interface HostLocalRange {
  subnet?: string;
  gateway?: string;
  rangeStart?: string;
  rangeEnd?: string;
  ipRange?: string;
}

interface HostLocalIpam {
  type?: string;
  ranges?: HostLocalRange[][];
  subnet?: string;
  gateway?: string;
  routes?: { dst: string; gw?: string }[];
  dataDir?: string;
}

function ipamOf(list: CniConfList): HostLocalIpam | undefined {
  const main = list.plugins[0];
  const ipam = main?.ipam;
  return typeof ipam === 'object' && ipam !== null ? (ipam as HostLocalIpam) : undefined;
}

/** Builds the NetworkInfo of a parsed conflist. Pure; exported for tests. */
export function networkInfoFromConfList(
  list: CniConfList,
  meta: { file?: string; namespace?: string; created?: string },
): NetworkInfo {
  const main = list.plugins[0];
  const driverType = main?.type ?? 'unknown';
  const ipam = ipamOf(list);
  const ranges: IpamRangeInfo[] = [];
  if (ipam?.ranges) {
    for (const set of ipam.ranges) {
      for (const r of set) {
        if (typeof r.subnet !== 'string') continue;
        ranges.push({
          subnet: r.subnet,
          ...(r.gateway ? { gateway: r.gateway } : {}),
          ...(r.ipRange ? { ipRange: r.ipRange } : {}),
          ...(r.rangeStart ? { rangeStart: r.rangeStart } : {}),
          ...(r.rangeEnd ? { rangeEnd: r.rangeEnd } : {}),
        });
      }
    }
  } else if (typeof ipam?.subnet === 'string') {
    ranges.push({ subnet: ipam.subnet, ...(ipam.gateway ? { gateway: ipam.gateway } : {}) });
  }
  const labels = { ...(list.nerdctlLabels ?? {}) };
  const isDefault = labels[Nerdctl.defaultNetwork] === 'true' || (list.name === DEFAULT_NETWORK_NAME && !meta.namespace);
  const options: Record<string, string> = {};
  let bridge: string | undefined;
  if (driverType === 'bridge') {
    bridge = typeof main?.bridge === 'string' ? main.bridge : 'cni0';
    options['com.docker.network.bridge.name'] = bridge;
  }
  if (typeof main?.mtu === 'number' && main.mtu > 0) options['com.docker.network.driver.mtu'] = String(main.mtu);
  if (driverType === 'macvlan' || driverType === 'ipvlan') {
    if (typeof main?.master === 'string' && main.master !== '') options.parent = main.master;
    if (typeof main?.mode === 'string' && main.mode !== '') options[`${driverType}_mode`] = main.mode;
  }
  const routes = ipam?.routes ?? [];
  const internal = ranges.length > 0 && !routes.some((r) => r.dst === '0.0.0.0/0' || r.dst === '::/0');
  const ipamType = ipam?.type ?? '';
  return {
    name: list.name,
    id: list.nerdctlID ?? sha256(meta.file ?? list.name),
    driver: driverType,
    labels,
    ...(meta.file !== undefined ? { file: meta.file } : {}),
    ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
    created: meta.created ?? rfc3339Nano(0n),
    internal,
    enableIPv6: ranges.some((r) => r.subnet.includes(':')),
    ipamDriver: ipamType === 'host-local' ? 'default' : ipamType,
    ipam: ranges,
    options,
    ...(bridge !== undefined ? { bridge } : {}),
    ...(typeof ipam?.dataDir === 'string' ? { ipamDataDir: ipam.dataDir } : {}),
    isDefault,
    pseudo: false,
    managed: list.nerdctlID !== undefined,
    conflist: list,
  };
}

/** The predefined `host` and `none` networks (no conflist; `none` has driver `null`, as in Docker). */
export function pseudoNetwork(name: 'host' | 'none'): NetworkInfo {
  return {
    name,
    id: sha256(`nerdctl-pseudo-network:${name}`),
    driver: name === 'host' ? 'host' : 'null',
    labels: {},
    created: rfc3339Nano(0n),
    internal: false,
    enableIPv6: false,
    ipamDriver: 'default',
    ipam: [],
    options: {},
    isDefault: false,
    pseudo: true,
    managed: true,
  };
}

function parseConfFile(text: string, file: string): CniConfList {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (Array.isArray(raw.plugins)) {
    if (typeof raw.name !== 'string') throw new Error('missing "name"');
    return raw as CniConfList;
  }
  // A single-plugin `.conf`: libcni wraps it into a list of one.
  if (typeof raw.type !== 'string' || typeof raw.name !== 'string') throw new Error(`not a CNI config: ${file}`);
  const { cniVersion, name, ...plugin } = raw;
  return { cniVersion: typeof cniVersion === 'string' ? cniVersion : '0.2.0', name, plugins: [plugin as CniPluginConf] };
}

const confExts = ['.conflist', '.conf', '.json'];

async function readDirConfs(dir: string, namespace: string | undefined, log?: Logger): Promise<NetworkInfo[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => confExts.some((e) => n.endsWith(e))).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
  const out: NetworkInfo[] = [];
  for (const n of names) {
    const file = join(dir, n);
    try {
      const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file, { bigint: true })]);
      if (!st.isFile()) continue;
      const list = parseConfFile(text, file);
      out.push(networkInfoFromConfList(list, { file, namespace, created: rfc3339Nano(st.mtimeNs) }));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR')) continue;
      log?.warn('ignoring unreadable CNI network config', { file, error: err });
    }
  }
  return out;
}

/**
 * The parsed networks of one invocation, per namespace, valid while neither config directory changed: compose
 * attaches many containers, and each attach and validation would otherwise read and parse every conflist again.
 * nerdctl never edits a conflist in place (it links new files and removes old ones), so the directories'
 * modification times tell a change; a time within the last two seconds is not trusted (timestamps are coarser than
 * the writes they stamp), so a directory that just changed is read every time until it settles.
 */
export class NetworkConfigCache {
  #entries = new Map<string, { stamp: string; nets: NetworkInfo[] }>();

  async load(env: NetworkConfigEnv, namespace: string): Promise<NetworkInfo[]> {
    const stamp = await dirStamp([env.netconfPath, join(env.netconfPath, namespace)]);
    const hit = this.#entries.get(namespace);
    if (stamp !== undefined && hit?.stamp === stamp) return hit.nets;
    const nets = await readNetworks(env, namespace);
    if (stamp !== undefined) this.#entries.set(namespace, { stamp, nets });
    else this.#entries.delete(namespace);
    return nets;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The directories' modification times as one key; undefined when one changed too recently to be trusted. */
async function dirStamp(dirs: readonly string[]): Promise<string | undefined> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const parts: string[] = [];
  for (const d of dirs) {
    try {
      const st = await stat(d, { bigint: true });
      if (now - st.mtimeNs < 2_000_000_000n) return undefined;
      parts.push(`${st.ino}:${st.mtimeNs}`);
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) return undefined;
      parts.push('-');
    }
  }
  return parts.join('/');
}

/**
 * The networks visible from `namespace`: the top-level files plus those in `<netconfPath>/<namespace>/`; a private
 * network hides a global one of the same name. Pseudo networks are not included. Served from `env.cache` when
 * the directories did not change.
 */
export async function loadNetworks(env: NetworkConfigEnv, namespace: string): Promise<NetworkInfo[]> {
  return env.cache !== undefined ? env.cache.load(env, namespace) : readNetworks(env, namespace);
}

async function readNetworks(env: NetworkConfigEnv, namespace: string): Promise<NetworkInfo[]> {
  const [global, own] = await Promise.all([
    readDirConfs(env.netconfPath, undefined, env.log),
    readDirConfs(join(env.netconfPath, namespace), namespace, env.log),
  ]);
  const ownNames = new Set(own.map((n) => n.name));
  return [...global.filter((n) => !ownNames.has(n.name)), ...own];
}

/** Every network config under netconfPath, whatever its namespace (for overlap and bridge-name checks). */
export async function loadAllNetworks(env: NetworkConfigEnv): Promise<NetworkInfo[]> {
  const out = await readDirConfs(env.netconfPath, undefined, env.log);
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = await readdir(env.netconfPath, { withFileTypes: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  for (const e of entries) {
    if (e.isDirectory()) out.push(...(await readDirConfs(join(env.netconfPath, e.name), e.name, env.log)));
  }
  return out;
}

/**
 * Finds a network by full ID, name, or unique ID prefix (Docker's order). `host` and `none` resolve to the pseudo
 * networks.
 * @throws not-found (`network "x": not found`); invalid-argument when an ID prefix is ambiguous
 */
export function findNetwork(networks: readonly NetworkInfo[], ref: string): NetworkInfo {
  if (ref === 'host' || ref === 'none') {
    return networks.find((n) => n.name === ref) ?? pseudoNetwork(ref);
  }
  const byId = networks.find((n) => n.id === ref);
  if (byId) return byId;
  const byName = networks.find((n) => n.name === ref);
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref)) {
    const matches = networks.filter((n) => n.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw invalidArgument(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    }
  }
  throw notFound({ kind: 'network', ref });
}

// ---------------------------------------------------------------------------------------------------------------
// Planning (pure)

/** A subnet already taken, with what takes it (for the overlap message). */
export interface UsedSubnet {
  cidr: string;
  /** `network "foo"` or `interface eth0`. */
  owner: string;
  /** Name of the host interface (for live subnets), so a network's own bridge is not counted against it. */
  device?: string;
}

/** Subnets configured on host interfaces (what automatic allocation must avoid). */
export function liveInterfaceSubnets(): UsedSubnet[] {
  const out: UsedSubnet[] = [];
  for (const [dev, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal || a.cidr === null) continue;
      const c = parseCidr(a.cidr);
      if (c === undefined) continue;
      out.push({ cidr: cidrToString(c), owner: `interface ${dev}`, device: dev });
    }
  }
  return out;
}

/** Subnets of existing network configs. */
export function configuredSubnets(networks: readonly NetworkInfo[]): UsedSubnet[] {
  return networks.flatMap((n) =>
    n.ipam.map((r) => ({ cidr: r.subnet, owner: `network "${n.name}"`, ...(n.bridge ? { device: n.bridge } : {}) })),
  );
}

const bridgeOptionKeys = new Set([
  'mtu',
  'com.docker.network.driver.mtu',
  'com.docker.network.bridge.name',
  'ip-masq',
  'com.docker.network.bridge.enable_ip_masquerade',
  'icc',
  'com.docker.network.bridge.enable_icc',
]);

function parseBool(key: string, v: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw invalidArgument(`invalid value for network option ${key}: "${v}" is not a boolean`);
}

function parseMtu(v: string): number {
  if (!/^\d+$/.test(v)) throw invalidArgument(`invalid MTU "${v}"`);
  const n = Number(v);
  if (n < 68 || n > 65535) throw invalidArgument(`invalid MTU ${v}: must be between 68 and 65535`);
  return n;
}

function validateIfname(kind: string, name: string): string {
  if (name.length === 0 || name.length > 15 || /[\s/:]/.test(name) || name === '.' || name === '..') {
    throw invalidArgument(`invalid ${kind} "${name}": interface names are 1-15 characters without spaces, '/' or ':'`);
  }
  return name;
}

interface PlannedRange extends HostLocalRange {
  subnet: string;
}

function pairRanges(
  subnets: readonly Cidr[],
  gateways: readonly string[],
  ipRanges: readonly string[],
): PlannedRange[] {
  const gws = gateways.map((g) => {
    const ip = parseIp(g);
    if (ip === undefined) throw invalidArgument(`invalid gateway address "${g}"`);
    return { text: g, ip, used: false };
  });
  const rgs = ipRanges.map((r) => {
    const c = parseCidr(r);
    if (c === undefined) throw invalidArgument(`invalid ip-range "${r}"`);
    return { text: r, c, used: false };
  });
  const out: PlannedRange[] = [];
  for (const s of subnets) {
    const subnet = cidrToString(s);
    const gw = gws.find((g) => !g.used && cidrContains(s, g.ip));
    let gateway: string;
    if (gw) {
      gw.used = true;
      if (gw.ip.value === s.network || (s.family === 4 && gw.ip.value === cidrLast(s) && s.prefix < 31)) {
        throw invalidArgument(`gateway ${gw.text} is the network or broadcast address of subnet ${subnet}`);
      }
      gateway = formatIp(s.family, gw.ip.value);
    } else {
      gateway = formatIp(s.family, firstHost(s));
    }
    const range: PlannedRange = { subnet, gateway };
    const rg = rgs.find((r) => !r.used && cidrContains(s, { family: r.c.family, value: r.c.network }));
    if (rg) {
      rg.used = true;
      if (rg.c.prefix < s.prefix) throw invalidArgument(`ip-range ${rg.text} is larger than subnet ${subnet}`);
      let start = rg.c.network;
      let end = cidrLast(rg.c);
      if (start === s.network) start = firstHost(s);
      if (end === cidrLast(s)) end = lastHost(s);
      range.rangeStart = formatIp(s.family, start);
      range.rangeEnd = formatIp(s.family, end);
      range.ipRange = cidrToString(rg.c);
    }
    out.push(range);
  }
  const strayGw = gws.find((g) => !g.used);
  if (strayGw) throw invalidArgument(`no matching subnet for gateway ${strayGw.text}`);
  const strayRange = rgs.find((r) => !r.used);
  if (strayRange) throw invalidArgument(`no matching subnet for range ${strayRange.text}`);
  return out;
}

function overlapError(subnet: string, used: UsedSubnet): Error {
  return conflict(`subnet ${subnet} overlaps with other one on this address space (${used.owner}: ${used.cidr})`);
}

/**
 * The first free /24 from 10.4.1.0/24 upwards that overlaps neither a configured network nor a host interface.
 * @throws unavailable (Docker's "could not find an available, non-overlapping IPv4 address pool")
 */
export function allocateSubnet(used: readonly UsedSubnet[], start = FIRST_USER_SUBNET): Cidr {
  const pool = parseCidr(AUTO_POOL)!;
  const usedCidrs = used.map((u) => parseCidr(u.cidr)).filter((c): c is Cidr => c !== undefined);
  for (let c: Cidr | undefined = parseCidr(start)!; c !== undefined; c = nextCidr(c)) {
    if (!cidrsOverlap(c, pool)) break;
    if (!usedCidrs.some((u) => cidrsOverlap(u, c!))) return c;
  }
  throw unavailable(
    'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
  );
}

export interface PlanNetworkInput {
  opts: CreateNetworkOptions;
  /** Every existing network config (all namespaces). */
  existing: readonly NetworkInfo[];
  /** Subnets on host interfaces. */
  live: readonly UsedSubnet[];
  id: string;
  dataRoot: string;
  /** Labels to add (the default network's marker). */
  extraLabels?: Record<string, string>;
  /** Bridge device when no option names one. */
  bridgeName?: string;
}

/**
 * Plans the conflist for `network create`: validates options, pairs gateways and ranges with subnets, allocates a
 * subnet when none is given, and checks overlaps and bridge-name clashes. Pure.
 * @throws invalid-argument for bad options; conflict for overlaps and bridge-name clashes; not-implemented for
 * drivers and IPAM drivers we do not have
 */
export function planNetworkConfig(input: PlanNetworkInput): CniConfList {
  const { opts, existing, live, id } = input;
  const driver = opts.driver ?? 'bridge';
  if (driver !== 'bridge' && driver !== 'macvlan' && driver !== 'ipvlan') {
    throw notImplemented(`unsupported network driver "${driver}" (supported: bridge, macvlan, ipvlan)`);
  }
  const ipamDriver = opts.ipamDriver ?? 'default';
  if (ipamDriver !== 'default' && ipamDriver !== 'host-local') {
    throw notImplemented(`unsupported IPAM driver "${ipamDriver}" (supported: default, host-local)`);
  }
  const options = opts.options ?? {};
  const internal = opts.internal === true;

  // Subnets: explicit ones are checked against configured networks only (as Docker does: a user may deliberately
  // reuse a LAN subnet, e.g. for macvlan); an automatic one also avoids the host's interfaces.
  const configured = configuredSubnets(existing);
  const subnets: Cidr[] = [];
  for (const s of opts.subnets ?? []) {
    const c = parseCidr(s);
    if (c === undefined) throw invalidArgument(`invalid subnet "${s}"`);
    if (c.address !== c.network) {
      throw invalidArgument(`invalid subnet ${s}: it should be ${cidrToString(c)}`);
    }
    if (c.family === 6 && !opts.ipv6) throw invalidArgument(`subnet ${s} is IPv6: pass --ipv6 to enable IPv6`);
    const clash = configured.find((u) => {
      const uc = parseCidr(u.cidr);
      return uc !== undefined && cidrsOverlap(uc, c);
    });
    if (clash) throw overlapError(cidrToString(c), clash);
    if (subnets.some((o) => cidrsOverlap(o, c))) throw invalidArgument(`subnets given for the network overlap: ${s}`);
    subnets.push(c);
  }
  if (!subnets.some((c) => c.family === 4)) {
    const avoid = [...configured, ...live.filter((l) => l.device === undefined || l.device !== input.bridgeName)];
    subnets.unshift(allocateSubnet(avoid));
    if ((opts.gateways ?? []).some((g) => parseIp(g)?.family === 4) || (opts.ipRanges ?? []).some((r) => !r.includes(':'))) {
      throw invalidArgument('--gateway and --ip-range need an explicit --subnet');
    }
  }
  if (opts.ipv6 && !subnets.some((c) => c.family === 6)) {
    throw invalidArgument('--ipv6 needs an IPv6 --subnet (there is no default IPv6 pool)');
  }
  const ranges = pairRanges(subnets, opts.gateways ?? [], opts.ipRanges ?? []);

  const routes: { dst: string }[] = [];
  if (!internal) {
    if (subnets.some((c) => c.family === 4)) routes.push({ dst: '0.0.0.0/0' });
    if (subnets.some((c) => c.family === 6)) routes.push({ dst: '::/0' });
  }
  const ipam: Record<string, unknown> = {
    type: 'host-local',
    ranges: ranges.map((r) => [r]),
    ...(routes.length > 0 ? { routes } : {}),
    dataDir: join(resolve(input.dataRoot), 'network', 'ipam', id),
  };

  let plugins: CniPluginConf[];
  if (driver === 'bridge') {
    let mtu = 0;
    let ipMasq = true;
    let bridge = input.bridgeName ?? `br-${id.slice(0, 12)}`;
    for (const [k, v] of Object.entries(options)) {
      if (!bridgeOptionKeys.has(k)) throw invalidArgument(`unsupported bridge network option "${k}"`);
      if (k === 'mtu' || k === 'com.docker.network.driver.mtu') mtu = parseMtu(v);
      else if (k === 'com.docker.network.bridge.name') bridge = validateIfname('bridge name', v);
      else if (k === 'ip-masq' || k === 'com.docker.network.bridge.enable_ip_masquerade') ipMasq = parseBool(k, v);
      else if (k === 'icc' || k === 'com.docker.network.bridge.enable_icc') {
        // Accepted for compatibility; the firewall plugin shipped here (1.1) has no "isolated" ingress policy.
        parseBool(k, v);
      }
    }
    const clash = existing.find((n) => n.bridge === bridge);
    if (clash) throw conflict(`bridge device ${bridge} is already used by network "${clash.name}"`);
    const main: CniPluginConf = {
      type: 'bridge',
      bridge,
      isGateway: !internal,
      ipMasq: internal ? false : ipMasq,
      hairpinMode: true,
      ...(mtu > 0 ? { mtu } : {}),
      ipam,
    };
    if (opts.ipv6) main.capabilities = { ips: true };
    plugins = [main];
    if (!internal) plugins.push({ type: 'portmap', capabilities: { portMappings: true } });
    plugins.push({ type: 'firewall', ingressPolicy: 'same-bridge' }, { type: 'tuning' });
  } else {
    let mtu = 0;
    let mode = '';
    let master = '';
    for (const [k, v] of Object.entries(options)) {
      if (k === 'mtu' || k === 'com.docker.network.driver.mtu') mtu = parseMtu(v);
      else if (k === 'parent') master = validateIfname('parent interface', v);
      else if (k === 'mode' || k === `${driver}_mode`) {
        const modes = driver === 'macvlan' ? ['bridge', 'private', 'vepa', 'passthru'] : ['l2', 'l3', 'l3s'];
        if (!modes.includes(v)) throw invalidArgument(`unknown ${driver} mode "${v}" (supported: ${modes.join(', ')})`);
        mode = v;
      } else throw invalidArgument(`unsupported ${driver} network option "${k}"`);
    }
    const main: CniPluginConf = {
      type: driver,
      ...(master !== '' ? { master } : {}),
      ...(mode !== '' ? { mode } : {}),
      ...(mtu > 0 ? { mtu } : {}),
      ipam,
    };
    if (opts.ipv6) main.capabilities = { ips: true };
    plugins = [main];
  }

  return {
    cniVersion: '1.0.0',
    name: opts.name,
    nerdctlID: id,
    nerdctlLabels: { ...(opts.labels ?? {}), ...(input.extraLabels ?? {}) },
    plugins,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing and removing

function dirFor(env: NetworkConfigEnv, namespace: string, name: string): { dir: string; namespace?: string } {
  if (namespace === DEFAULT_NAMESPACE || name === DEFAULT_NETWORK_NAME) return { dir: env.netconfPath };
  return { dir: join(env.netconfPath, namespace), namespace };
}

/** The conflist path a network of this name gets when created from `namespace`. */
export function configPathFor(env: NetworkConfigEnv, namespace: string, name: string): string {
  return join(dirFor(env, namespace, name).dir, `nerdctl-${name}.conflist`);
}

/**
 * Writes a new conflist atomically and without clobbering: temp file, fsync, then link(2) to the final name,
 * which fails if another process created it first.
 * @throws already-exists when the file exists
 */
export async function writeNetworkConfig(env: NetworkConfigEnv, namespace: string, list: CniConfList): Promise<string> {
  const { dir } = dirFor(env, namespace, list.name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const final = join(dir, `nerdctl-${list.name}.conflist`);
  const tmp = join(dir, `.nerdctl-${list.name}.${process.pid}.${Date.now()}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(JSON.stringify(list, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, final);
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw alreadyExists({ kind: 'network', ref: list.name });
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  return final;
}

/** Plans and writes a network (callers hold the creation lock). Returns it as read back. */
export async function createNetworkConfig(
  env: NetworkConfigEnv,
  namespace: string,
  opts: CreateNetworkOptions,
  extra: { extraLabels?: Record<string, string>; bridgeName?: string; id?: string } = {},
): Promise<NetworkInfo> {
  validateObjectName('network', opts.name);
  if ((PSEUDO_NETWORK_NAMES as readonly string[]).includes(opts.name)) {
    throw alreadyExists({ kind: 'network', ref: opts.name }, { hint: `${opts.name} is a pre-defined network` });
  }
  const [all, visible] = await Promise.all([loadAllNetworks(env), loadNetworks(env, namespace)]);
  if (visible.some((n) => n.name === opts.name)) throw alreadyExists({ kind: 'network', ref: opts.name });
  const id = extra.id ?? generateId();
  const list = planNetworkConfig({
    opts,
    existing: all,
    live: liveInterfaceSubnets(),
    id,
    dataRoot: env.dataRoot,
    ...(extra.extraLabels ? { extraLabels: extra.extraLabels } : {}),
    ...(extra.bridgeName ? { bridgeName: extra.bridgeName } : {}),
  });
  // Every plugin of the chain (and the IPAM plugin) must be installed, or the first container would fail.
  for (const type of new Set([...list.plugins.map((p) => p.type), 'host-local'])) await ensurePlugin(env, type);
  const file = await writeNetworkConfig(env, namespace, list);
  const st = await stat(file, { bigint: true });
  return networkInfoFromConfList(list, {
    file,
    ...(dirFor(env, namespace, opts.name).namespace ? { namespace } : {}),
    created: rfc3339Nano(st.mtimeNs),
  });
}

async function ensurePlugin(env: NetworkConfigEnv, type: string): Promise<void> {
  for (const d of env.cniPaths) {
    try {
      await stat(join(d, type));
      return;
    } catch {
      // next
    }
  }
  throw failedPrecondition(`needs CNI plugin "${type}" to be installed in CNI path [${env.cniPaths.join(' ')}]`, {
    hint: 'install the containernetworking-plugins package or point --cni-path at the plugin binaries',
  });
}

/** The `bridge` network's options from the environment. */
export function defaultNetworkOptions(env: NetworkConfigEnv): { opts: CreateNetworkOptions; bridgeName: string } {
  const d = env.defaultNetwork ?? {};
  return {
    opts: {
      name: DEFAULT_NETWORK_NAME,
      driver: 'bridge',
      subnets: [d.subnet ?? DEFAULT_SUBNET],
      ...(d.gateway ? { gateways: [d.gateway] } : {}),
    },
    bridgeName: d.bridge ?? DEFAULT_BRIDGE_DEVICE,
  };
}

/**
 * Returns the default network, creating its conflist on first use (nerdctl's rule: the first network labelled as
 * default, else the first one named `bridge`). Safe against concurrent first uses: the loser of the link(2) race
 * reads the winner's file.
 */
export async function ensureDefaultNetworkConfig(env: NetworkConfigEnv, namespace: string): Promise<NetworkInfo> {
  const find = (nets: NetworkInfo[]) =>
    nets.find((n) => n.labels[Nerdctl.defaultNetwork] === 'true') ?? nets.find((n) => n.name === DEFAULT_NETWORK_NAME);
  const existing = find(await loadNetworks(env, namespace));
  if (existing) return existing;
  const { opts, bridgeName } = defaultNetworkOptions(env);
  try {
    return await createNetworkConfig(env, namespace, opts, {
      extraLabels: { [Nerdctl.defaultNetwork]: 'true' },
      bridgeName,
    });
  } catch (err) {
    if (err instanceof Error && (err as { code?: string }).code === 'already-exists') {
      const again = find(await loadNetworks(env, namespace));
      if (again) return again;
    }
    throw err;
  }
}

/** Deletes a bridge device; a missing one is fine. */
export async function deleteLink(name: string): Promise<void> {
  const r = await runCommand('ip', ['link', 'del', name]);
  if (r.code !== 0 && !/Cannot find device|does not exist/i.test(r.stderr)) {
    throw failedPrecondition(`delete network interface ${name}: ${r.stderr.trim()}`);
  }
}

/**
 * Removes a network's conflist, its bridge device and firewall rules (unless another config names the same bridge) and the IPAM
 * allocations under our data root. Checking that no container uses it is the caller's job.
 * @throws failed-precondition for pseudo networks
 */
export async function removeNetworkConfig(env: NetworkConfigEnv, net: NetworkInfo): Promise<void> {
  if (net.pseudo || net.file === undefined) {
    throw failedPrecondition(`${net.name} is a pre-defined network and cannot be removed`);
  }
  await rm(net.file, { force: true });
  if (net.bridge !== undefined) {
    const others = await loadAllNetworks(env);
    if (!others.some((n) => n.bridge === net.bridge)) {
      await deleteLink(net.bridge);
      // The per-network rules (network-rules.ts) and the firewall plugin's isolation rules of older attachments.
      await removeNetworkRules(net.bridge, env.log);
    }
  }
  const ipamRoot = join(resolve(env.dataRoot), 'network', 'ipam');
  if (net.ipamDataDir !== undefined && resolve(net.ipamDataDir).startsWith(ipamRoot + '/')) {
    await rm(net.ipamDataDir, { recursive: true, force: true });
  }
}
