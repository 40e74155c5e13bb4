/**
 * Attaching a container to its networks, and detaching it: the one place where the namespace, the CNI plugins,
 * published ports, the firewall rules and the hosts files are put together.
 *
 * attach (CNI networks):
 *   1. resolve the networks (creating the default one on first use) and validate --ip/--mac/--add-host
 *   2. under the store lock: allocate host ports (refusing taken ones), write the record as `attaching`;
 *      meanwhile the netns `nerdctl-<id>` is created with lo up (unless prepareNetns started it earlier)
 *   3. (the namespace, if it could not be made early: replacing debris of a killed attach)
 *   4. CNI ADD per network as eth0, eth1, ... with the chain of network-rules.ts (bridge without ipMasq, no
 *      firewall plugin); published ports by port-rules.ts, or portmap where those cannot stand in for it (only on
 *      the first network that can publish, and only when there is something to publish); meanwhile the networks'
 *      firewall rules are checked, once per network and invocation, and installed if missing
 *   5. write the container's hosts and resolv.conf; under the lock: record `attached`, refresh the hosts files of
 *      the container and of every container sharing a user network with it
 *   Any failure undoes what was done (CNI DEL in reverse, rules, netns, record) and throws one clear error; nothing
 *   is left behind (the per-network rules belong to the network and stay with it).
 *
 * detach reverses it: CNI DEL in reverse order with the configs and results recorded at ADD, our port rules, an
 * iptables purge when the netns vanished first, the netns; then the record goes and peers' hosts files are
 * refreshed. When no plugin of the chain needs the namespace for DEL (a bridge without ipMasq, port rules), DEL
 * runs without it while one `ip -batch` deletes the veths and the namespace. It is idempotent. If a DEL fails the
 * record (and, on the slow path, the netns) is kept (state `detaching`) so a later detach can finish the job, and
 * the error is thrown.
 *
 * `none` gets a namespace with only loopback; `host` and `container:`/`ns:` create nothing: the result says which
 * namespace the OCI spec should use (plain data for the caller).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { alreadyExists, canceled, failedPrecondition, invalidArgument, notFound, wrap } from '../engine/errdefs.js';
import { generateId } from '../engine/identifiers.js';
import type { Logger } from '../engine/log.js';
import {
  ensureDefaultNetworkConfig,
  findNetwork,
  loadNetworks,
  DEFAULT_NETWORK_NAME,
  DEFAULT_SUBNET,
  type NetworkConfigEnv,
  type NetworkInfo,
} from './cni/config.js';
import { addNetworkList, delNetworkList, sandboxAddresses, type CniRuntime } from './cni/exec.js';
import type { CniCapabilityArgs, CniConfList, CniPortMapping, CniResult } from './cni/types.js';
import { pidAlive, type EndpointRecord, type EndpointStore, type NetworkEndpointRecord } from './endpoint-store.js';
import { buildHostsFile, resolveExtraHosts, type ExtraHost, type HostsRecord } from './hosts.js';
import { peersOf, refreshHostsFiles, rewriteInPlace } from './hosts-sync.js';
import { cidrContains, firstHost, formatIp, normalizeIp, parseCidr, parseIp } from './ip.js';
import { addForwardRule, parseDnatHostPorts, purgeContainerRules, removeForwardRule, saveAll, saveNat } from './iptables.js';
import { ensureNetworkRules, runtimeConfList, type NetworkRules } from './network-rules.js';
import { publishPorts, publishesWithoutPortmap, purgePorts, unpublishPorts, type PortRulesTarget } from './port-rules.js';
import type { IpFamily } from './ip.js';
import { createNetns, netnsExists, netnsNameFor, netnsPath, removeNetns, removeNetnsWithLinks } from './netns.js';
import { allocatePorts, ephemeralPortRange, type Binding } from './port-allocator.js';
import type { PortMapping, PortProtocol, PortSpec } from './ports.js';
import { buildResolvConf, readHostResolvConf, type DnsOptions } from './resolv.js';
import { runCommand } from './run-command.js';

/** What attach/detach need: where networks live, the store, the plugins, the caller's namespace and logger. */
export interface AttachContext {
  env: NetworkConfigEnv;
  store: EndpointStore;
  cni: CniRuntime;
  /** containerd namespace of the caller (which networks are visible). */
  namespace: string;
  log: Logger;
  signal?: AbortSignal;
  /**
   * The check of each bridge's per-network firewall rules in this invocation, by bridge (see network-rules.ts):
   * concurrent and later attaches share it instead of checking again. A failed check is dropped (retried by the
   * next attach). Shared by every attach of one Networking instance.
   */
  rulesChecks?: Map<string, Promise<void>>;
  /** Namespaces whose creation was started ahead of attach ({@link startNetns}), by container ID. */
  preparedNetns?: Map<string, Promise<unknown>>;
}

/**
 * Starts creating a container's namespace and returns the outcome without ever rejecting: 'created', 'exists' (a
 * namespace of that name was there: it is not touched), or the error. Used to overlap the creation with other
 * work; attach finishes the job (and replaces debris) when the outcome is not 'created'.
 */
export function startNetns(containerId: string): Promise<unknown> {
  return createNetns(netnsNameFor(containerId)).then(
    () => 'created',
    (err: unknown) => ((err as { code?: string }).code === 'already-exists' ? 'exists' : err),
  );
}

/** One network to join, as the user asked for it. */
export interface EndpointRequest {
  /** Network name, ID or ID prefix; `bridge` is the default network. */
  network: string;
  /** --ip */
  ip?: string;
  /** --ip6 */
  ip6?: string;
  /** --mac-address */
  mac?: string;
  /** --network-alias (and compose service names). */
  aliases?: readonly string[];
}

export type NetworkRequest =
  | { mode: 'cni'; networks: readonly EndpointRequest[] }
  | { mode: 'none' }
  | { mode: 'host' }
  /** `container:<x>` and nerdctl's `ns:<path>`: the caller resolves the namespace path. */
  | { mode: 'container'; netnsPath: string };

export interface AttachOptions {
  /** 64-hex container ID. */
  containerId: string;
  /** Container name: a hosts name for peers, and the endpoint name in Docker's port errors. */
  name?: string;
  /** The container's hostname (Docker's default is the 12-char ID; the caller decides). */
  hostname: string;
  domainname?: string;
  network: NetworkRequest;
  /** -p / -P bindings (see ports.ts); ignored, with a warning, for host/none/container modes. */
  ports?: readonly PortSpec[];
  /** Host ports held by other containers according to the caller's records (the store's own are always checked). */
  takenPorts?: readonly Binding[];
  /** --add-host values. */
  extraHosts?: readonly ExtraHost[];
  /** What `host-gateway` means; default: the gateway of the first bridge network, else the default network's. */
  hostGatewayIp?: string;
  dns?: DnsOptions;
  /** Where to write the container's /etc/hosts (kept up to date for CNI networks). */
  hostsPath?: string;
  /** Where to write the container's /etc/resolv.conf. */
  resolvConfPath?: string;
}

/** The container's view of one joined network (the fields Docker shows under NetworkSettings.Networks). */
export interface AttachedEndpoint {
  network: string;
  networkId: string;
  ifname: string;
  endpointId: string;
  ipAddress?: string;
  prefixLength?: number;
  gateway?: string;
  ipv6Address?: string;
  ipv6PrefixLength?: number;
  ipv6Gateway?: string;
  macAddress?: string;
  aliases: string[];
  /** The network's driver (bridge, macvlan, ipvlan): Docker's connect/disconnect events carry it as `type`. */
  driver?: string;
}

export interface AttachResult {
  mode: NetworkRequest['mode'];
  /** The namespace for the OCI spec; undefined for `host` (share the host's: no network namespace entry). */
  netnsPath?: string;
  endpoints: AttachedEndpoint[];
  /** Resolved published ports (empty unless mode is `cni`). */
  portMappings: PortMapping[];
}

const PORT_CURSOR_KEY = 'port-cursor';

export function toAttachedEndpoint(ep: NetworkEndpointRecord): AttachedEndpoint {
  return {
    network: ep.networkName,
    networkId: ep.networkId,
    ifname: ep.ifname,
    endpointId: ep.endpointId,
    ...(ep.ipAddress !== undefined ? { ipAddress: ep.ipAddress, prefixLength: ep.prefixLength } : {}),
    ...(ep.gateway !== undefined ? { gateway: ep.gateway } : {}),
    ...(ep.ipv6Address !== undefined ? { ipv6Address: ep.ipv6Address, ipv6PrefixLength: ep.ipv6PrefixLength } : {}),
    ...(ep.ipv6Gateway !== undefined ? { ipv6Gateway: ep.ipv6Gateway } : {}),
    ...(ep.macAddress !== undefined ? { macAddress: ep.macAddress } : {}),
    aliases: [...ep.aliases],
    driver: ep.driver,
  };
}

/** Records whose ports count as taken: attached, detaching, or attaching by a process that still runs. */
function holdsResources(r: EndpointRecord): boolean {
  return r.state !== 'attaching' || pidAlive(r.pid);
}

async function resolveNetwork(c: AttachContext, visible: NetworkInfo[], ref: string): Promise<NetworkInfo> {
  if (ref === DEFAULT_NETWORK_NAME && !visible.some((n) => n.name === DEFAULT_NETWORK_NAME)) {
    return ensureDefaultNetworkConfig(c.env, c.namespace);
  }
  const net = findNetwork(visible, ref);
  if (net.pseudo) {
    throw invalidArgument('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  }
  return net;
}

function validateMac(mac: string): string {
  if (!/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(mac)) throw invalidArgument(`${mac} is not a valid mac address`);
  return mac.toLowerCase().replace(/-/g, ':');
}

function validateRequestedIp(net: NetworkInfo, ip: string, family: 4 | 6): string {
  const parsed = parseIp(ip);
  if (parsed === undefined || parsed.family !== family) {
    throw invalidArgument(`invalid IPv${family} address "${ip}"`);
  }
  const inSubnet = net.ipam.some((r) => {
    const c = parseCidr(r.subnet);
    return c !== undefined && cidrContains(c, parsed);
  });
  if (!inSubnet) {
    throw invalidArgument(`invalid address ${ip}: it does not belong to any of network "${net.name}"'s subnets`);
  }
  return normalizeIp(ip)!;
}

/**
 * The conflist used for ADD (and replayed for DEL): the network's chain as {@link runtimeConfList} runs it (the
 * bridge plugin without `ipMasq` and no `firewall` plugin: their work is done once per network, see
 * network-rules.ts), minus the plugins that would have nothing to do: portmap when nothing is published, and a
 * bare `{"type": "tuning"}` (nerdctl puts one in every bridge network for the MAC argument, which the bridge plugin
 * already honours) when no MAC is asked for. Each skipped plugin is one exec less on both ADD and DEL, and every
 * exec costs 10-150 ms of iptables work.
 */
function conflistFor(net: NetworkInfo, publishes: boolean, mac: boolean): CniConfList {
  const list = runtimeConfList(net.conflist!).conflist;
  const plugins = list.plugins.filter((p, i) => {
    if (i === 0) return true;
    if (!publishes && p.capabilities?.portMappings === true) return false;
    if (!mac && p.type === 'tuning' && Object.keys(p).length === 1) return false;
    return true;
  });
  return plugins.length === list.plugins.length ? list : { ...list, plugins };
}

/** The per-network firewall rules the networks need (each bridge once). */
function networkRulesOf(nets: readonly NetworkInfo[]): NetworkRules[] {
  const out = new Map<string, NetworkRules>();
  for (const n of nets) {
    const r = n.conflist === undefined ? undefined : runtimeConfList(n.conflist).rules;
    if (r !== undefined && !out.has(r.bridge)) out.set(r.bridge, r);
  }
  return [...out.values()];
}

/**
 * Makes sure the networks' firewall rules exist, checking each bridge once per invocation. Resolves to the error
 * instead of rejecting, so it can run beside other steps and be awaited (or dropped) later without an unhandled
 * rejection.
 */
function ensureRules(c: AttachContext, nets: readonly NetworkInfo[], dumps: Partial<Record<IpFamily, string>> = {}): Promise<unknown> {
  const checks = networkRulesOf(nets).map((r) => {
    let check = c.rulesChecks?.get(r.bridge);
    if (check === undefined) {
      check = ensureNetworkRules(r, c.log, dumps).then(() => undefined);
      c.rulesChecks?.set(r.bridge, check);
      check.catch(() => c.rulesChecks?.delete(r.bridge));
    }
    return check;
  });
  if (checks.length === 0) return Promise.resolve(undefined);
  return Promise.all(checks).then(
    () => undefined,
    (err: unknown) => err,
  );
}

function canPublish(net: NetworkInfo): boolean {
  return net.conflist?.plugins.some((p) => p.capabilities?.portMappings === true) ?? false;
}

function planEndpoint(net: NetworkInfo, req: EndpointRequest, ifname: string, mappings: PortMapping[]): NetworkEndpointRecord {
  if (net.isDefault && (req.aliases?.length ?? 0) > 0) {
    // Docker's rule: the default bridge has no name resolution, so aliases there would be silently useless.
    throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
  }
  const args: [string, string][] = [];
  const capabilityArgs: CniCapabilityArgs = {};
  const main = net.conflist!.plugins[0];
  const ip = req.ip ? validateRequestedIp(net, req.ip, 4) : undefined;
  const ip6 = req.ip6 ? validateRequestedIp(net, req.ip6, 6) : undefined;
  if (main?.capabilities?.ips === true && (ip !== undefined || ip6 !== undefined)) {
    capabilityArgs.ips = [ip, ip6].filter((x): x is string => x !== undefined);
  } else if (ip !== undefined) {
    args.push(['IP', ip]);
  } else if (ip6 !== undefined) {
    throw invalidArgument(`network "${net.name}" has no IPv6 subnet for --ip6 ${req.ip6}`);
  }
  if (req.mac !== undefined) args.push(['MAC', validateMac(req.mac)]);
  if (mappings.length > 0) {
    capabilityArgs.portMappings = mappings.map(
      (m): CniPortMapping => ({
        hostPort: m.hostPort,
        containerPort: m.containerPort,
        protocol: m.protocol,
        ...(m.hostIp !== '' && m.hostIp !== '0.0.0.0' && m.hostIp !== '::' ? { hostIP: m.hostIp } : {}),
      }),
    );
  }
  // Ports are published by this layer's own rules (port-rules.ts) where it can stand in for portmap.
  const ownPortRules = publishesWithoutPortmap(net.conflist!, capabilityArgs.portMappings ?? []);
  return {
    networkId: net.id,
    networkName: net.name,
    isDefault: net.isDefault,
    driver: net.driver,
    ifname,
    endpointId: generateId(),
    aliases: [...(req.aliases ?? [])],
    conflist: conflistFor(net, mappings.length > 0 && !ownPortRules, req.mac !== undefined),
    args,
    capabilityArgs,
    portMappings: mappings,
    ...(ownPortRules ? { ownPortRules } : {}),
  };
}

/** The port-rules targets of an endpoint: one per address it got (IPv4, IPv6). */
function portTargets(rec: EndpointRecord, ep: NetworkEndpointRecord): PortRulesTarget[] {
  const out: PortRulesTarget[] = [];
  for (const [ip, plen] of [
    [ep.ipAddress, ep.prefixLength],
    [ep.ipv6Address, ep.ipv6PrefixLength],
  ] as const) {
    if (ip === undefined || plen === undefined) continue;
    out.push({ network: ep.conflist.name, containerId: rec.containerId, ip, prefixLength: plen, mappings: ep.capabilityArgs.portMappings ?? [] });
  }
  return out;
}

function bridgeOf(ep: NetworkEndpointRecord): string | undefined {
  const b = ep.conflist.plugins[0]?.bridge;
  return typeof b === 'string' ? b : undefined;
}

function gatewayOf(net: NetworkInfo | undefined): string | undefined {
  if (net === undefined || net.driver !== 'bridge' || net.internal) return undefined;
  return net.ipam.find((r) => !r.subnet.includes(':'))?.gateway;
}

function defaultGateway(env: NetworkConfigEnv): string | undefined {
  if (env.defaultNetwork?.gateway) return env.defaultNetwork.gateway;
  const c = parseCidr(env.defaultNetwork?.subnet ?? DEFAULT_SUBNET);
  return c === undefined ? undefined : formatIp(c.family, firstHost(c));
}

/**
 * Runs CNI ADD for one endpoint, fills in its result and publishes its ports; rolls that one network back on
 * failure. `natDumps`: current nat tables per family, when the caller read them (for the port rules).
 */
async function addEndpoint(
  c: AttachContext,
  rec: EndpointRecord,
  ep: NetworkEndpointRecord,
  natDumps: Partial<Record<IpFamily, string>> = {},
): Promise<void> {
  try {
    const result = await addNetworkList(
      { ...c.cni, log: c.log },
      ep.conflist,
      {
        containerId: rec.containerId,
        netnsPath: rec.netns!.path,
        ifname: ep.ifname,
        args: ep.args,
        capabilityArgs: ep.capabilityArgs,
      },
      c.signal ? { signal: c.signal } : {},
    );
    ep.result = result;
    const a = sandboxAddresses(result, ep.ifname);
    if (a.mac) ep.macAddress = a.mac;
    if (a.ipv4) {
      ep.ipAddress = a.ipv4.address;
      ep.prefixLength = a.ipv4.prefixLength;
      if (a.ipv4.gateway) ep.gateway = a.ipv4.gateway;
    }
    if (a.ipv6) {
      ep.ipv6Address = a.ipv6.address;
      ep.ipv6PrefixLength = a.ipv6.prefixLength;
      if (a.ipv6.gateway) ep.ipv6Gateway = a.ipv6.gateway;
    }
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') throw canceled(`network "${ep.networkName}": attach canceled`, { cause: err });
    throw wrap(err, `network "${ep.networkName}"`, 'failed-precondition');
  }
  if (ep.ownPortRules === true) {
    // On failure the caller undoes the whole endpoint (DEL), as for any step after ADD.
    try {
      for (const t of portTargets(rec, ep)) await publishPorts(t, bridgeOf(ep), natDumps[t.ip.includes(':') ? 6 : 4], c.log);
    } catch (err) {
      throw wrap(err, `network "${ep.networkName}"`, 'failed-precondition');
    }
  }
  // Only a chain that still runs the firewall plugin (a foreign conflist) needs the per-container accept rule for
  // DNAT'ed traffic; the per-network rules accept it for the whole bridge.
  if (ep.portMappings.length > 0 && ep.conflist.plugins.some((p) => p.type === 'firewall')) {
    ep.forwardRules = [];
    for (const ip of [ep.ipAddress, ep.ipv6Address]) {
      if (ip !== undefined && (await addForwardRule(ip, rec.containerId, c.log))) ep.forwardRules.push(ip);
    }
  }
}

/**
 * The ADD result as the plugins would have returned it, rebuilt from the interface inside the namespace, for a
 * record whose result was never saved (an interrupted attach). Without it the firewall plugin's DEL, which finds
 * its rules by the result's addresses, would leave them behind.
 */
async function resultFromNetns(rec: EndpointRecord, ep: NetworkEndpointRecord): Promise<CniResult | undefined> {
  if (rec.netns === undefined) return undefined;
  const r = await runCommand('ip', ['-j', '-n', rec.netns.name, 'addr', 'show', 'dev', ep.ifname]);
  if (r.code !== 0) return undefined;
  try {
    const [link] = JSON.parse(r.stdout) as { address?: string; addr_info?: { family: string; local: string; prefixlen: number; scope: string }[] }[];
    const ips = (link?.addr_info ?? [])
      .filter((a) => a.scope === 'global')
      .map((a) => ({ address: `${a.local}/${a.prefixlen}`, interface: 0 }));
    if (ips.length === 0) return undefined;
    return {
      cniVersion: ep.conflist.cniVersion,
      interfaces: [{ name: ep.ifname, ...(link?.address ? { mac: link.address } : {}), sandbox: rec.netns.path }],
      ips,
    };
  } catch {
    return undefined;
  }
}

/**
 * CNI DEL for one endpoint (idempotent), plus our rules, plus a purge when the namespace is gone. `inNetns` false
 * runs DEL without the namespace path although it exists (the caller deletes the interfaces with the namespace).
 */
async function delEndpoint(
  c: AttachContext,
  rec: EndpointRecord,
  ep: NetworkEndpointRecord,
  nsPresent: boolean,
  inNetns = nsPresent,
): Promise<void> {
  for (const ip of ep.forwardRules ?? []) await removeForwardRule(ip, rec.containerId);
  if (ep.ownPortRules === true) {
    const targets = portTargets(rec, ep);
    // Without recorded addresses (an interrupted attach), sweep by the chain name in both families.
    if (targets.length === 0) await purgePorts(ep.conflist.name, rec.containerId, c.log);
    for (const t of targets) await unpublishPorts(t, c.log);
  }
  const cached = ep.result ?? (nsPresent ? await resultFromNetns(rec, ep) : undefined);
  try {
    await delNetworkList(
      { ...c.cni, log: c.log },
      ep.conflist,
      {
        containerId: rec.containerId,
        netnsPath: nsPresent && inNetns && rec.netns ? rec.netns.path : '',
        ifname: ep.ifname,
        args: ep.args,
        capabilityArgs: ep.capabilityArgs,
      },
      cached,
    );
  } finally {
    if (!nsPresent) await purgeContainerRules(rec.containerId, c.log);
  }
}

async function writeEtcFiles(
  c: AttachContext,
  opts: AttachOptions,
  extraHosts: HostsRecord[],
  kind: 'cni' | 'none' | 'host',
): Promise<void> {
  if (opts.hostsPath !== undefined) {
    let content: string;
    if (kind === 'host' && extraHosts.length === 0) {
      // Docker copies the host's file for host networking without --add-host.
      content = await readFile('/etc/hosts', 'utf8').catch(() => buildHostsFile({}));
    } else {
      content = buildHostsFile({ extraHosts, ...(kind === 'cni' ? { managed: [] } : {}) });
    }
    await rewriteInPlace(opts.hostsPath, () => content, { create: true });
  }
  if (opts.resolvConfPath !== undefined) {
    const host = await readHostResolvConf();
    const content = buildResolvConf({ hostContent: host.content, hostNetwork: kind === 'host', ...(opts.dns ?? {}) });
    await rewriteInPlace(opts.resolvConfPath, () => content, { create: true });
  }
  c.log.debug('wrote container etc files', { container: opts.containerId.slice(0, 12) });
}

/**
 * Attaches a container (see the module comment).
 * @throws invalid-argument (bad --ip/--mac/--add-host, conflicting modes), not-found (unknown network),
 * conflict (host port or address taken), failed-precondition (plugin failures, already attached)
 */
export async function attachNetworks(c: AttachContext, opts: AttachOptions): Promise<AttachResult> {
  const req = opts.network;
  const hasPorts = (opts.ports?.length ?? 0) > 0;
  if (req.mode !== 'cni') {
    if (hasPorts) c.log.warn('Published ports are discarded when using host, none or container network mode');
  }
  if (req.mode === 'host' || req.mode === 'container') {
    // No namespace of ours: one prepared for this container is not needed.
    const prepared = c.preparedNetns?.get(opts.containerId);
    c.preparedNetns?.delete(opts.containerId);
    if (prepared !== undefined && (await prepared) === 'created') await removeNetns(netnsNameFor(opts.containerId));
    const extra = resolveExtraHosts(opts.extraHosts ?? [], opts.hostGatewayIp ?? defaultGateway(c.env));
    if (req.mode === 'host') await writeEtcFiles(c, opts, extra, 'host');
    return {
      mode: req.mode,
      ...(req.mode === 'container' ? { netnsPath: req.netnsPath } : {}),
      endpoints: [],
      portMappings: [],
    };
  }

  const ns = { name: netnsNameFor(opts.containerId), path: netnsPath(netnsNameFor(opts.containerId)) };
  // The namespace is made while everything below is validated, the lock taken and ports allocated (nothing of it
  // depends on them), or was started by prepareNetns. Only when no record exists: the early creation never
  // replaces anything, and it is removed again if the attach fails before its side effects begin.
  const prepared = c.preparedNetns?.get(opts.containerId);
  c.preparedNetns?.delete(opts.containerId);
  const early = prepared ?? (c.store.get(opts.containerId) === undefined ? startNetns(opts.containerId) : undefined);
  const dropEarly = async (err: unknown): Promise<never> => {
    if (early !== undefined && (await early) === 'created') await removeNetns(ns.name).catch(() => {});
    throw err;
  };

  // 1. resolve and validate everything before any other side effect
  const targets: { net: NetworkInfo; req: EndpointRequest }[] = [];
  let extraHosts: HostsRecord[] = [];
  let publishIdx = -1;
  await (async () => {
    if (req.mode === 'cni') {
      if (req.networks.length === 0) throw invalidArgument('no network to attach to');
      const visible = await loadNetworks(c.env, c.namespace);
      for (const r of req.networks) {
        const net = await resolveNetwork(c, visible, r.network);
        if (targets.some((t) => t.net.id === net.id)) {
          throw invalidArgument(`container cannot be connected to network "${net.name}" twice`);
        }
        targets.push({ net, req: r });
      }
    }
    const hostGateway = opts.hostGatewayIp ?? gatewayOf(targets.find((t) => gatewayOf(t.net) !== undefined)?.net) ?? defaultGateway(c.env);
    extraHosts = resolveExtraHosts(opts.extraHosts ?? [], hostGateway);
    publishIdx = hasPorts ? targets.findIndex((t) => canPublish(t.net)) : -1;
    if (hasPorts && publishIdx === -1 && req.mode === 'cni') {
      c.log.warn('ports are not published: none of the networks can publish ports (internal, macvlan or ipvlan)');
    }
    // Validate every endpoint request (--ip, --ip6, --mac-address, aliases) before taking the lock.
    targets.forEach((t, i) => planEndpoint(t.net, t.req, `eth${i}`, []));
    // Debris of an attach whose process died, or of a detach that failed: finish that detach first (no early
    // namespace was started then: a record existed).
    const previous = c.store.get(opts.containerId);
    if (previous !== undefined && previous.state !== 'attached' && !pidAlive(previous.pid)) {
      await detachNetworks(c, opts.containerId);
    }
  })().catch(dropEarly);

  // 2. allocate ports and record the attachment under the lock
  /** Current iptables dumps when ports are published: IPv4 all tables, IPv6 nat. */
  const natDumps: Partial<Record<IpFamily, string>> = {};
  const rec = await c.store.withLock(async () => {
    const existing = c.store.get(opts.containerId);
    if (existing !== undefined) {
      throw failedPrecondition(`container ${opts.containerId.slice(0, 12)} already has networking set up; detach it first`);
    }
    const endpointId = generateId();
    let mappings: PortMapping[] = [];
    if (publishIdx !== -1) {
      // Host ports taken by DNAT rules of any tool; the same dumps serve the port rules after ADD, and the full
      // IPv4 one the check of the networks' firewall rules.
      const [v4, v6] = await Promise.all([saveAll(4), saveNat(6)]);
      natDumps[4] = v4;
      natDumps[6] = v6;
      const taken: Binding[] = [
        ...c.store.all().filter(holdsResources).flatMap((r) => r.networks.flatMap((n) => n.portMappings)),
        ...(opts.takenPorts ?? []),
        ...parseDnatHostPorts(natDumps[4] ?? ''),
        ...parseDnatHostPorts(natDumps[6] ?? ''),
      ];
      const cursor = JSON.parse(c.store.getKv(PORT_CURSOR_KEY) ?? '{}') as Partial<Record<PortProtocol, number>>;
      const res = await allocatePorts({
        specs: opts.ports ?? [],
        taken,
        endpointName: opts.name ?? opts.containerId.slice(0, 12),
        endpointId,
        range: await ephemeralPortRange(),
        cursor,
      });
      mappings = res.mappings;
      c.store.setKv(PORT_CURSOR_KEY, JSON.stringify(res.cursor));
    }
    const networks = targets.map((t, i) => planEndpoint(t.net, t.req, `eth${i}`, i === publishIdx ? mappings : []));
    // The endpoint named in a port error is the one that publishes.
    const publisher = publishIdx === -1 ? undefined : networks[publishIdx];
    if (publisher !== undefined) publisher.endpointId = endpointId;
    const r: EndpointRecord = {
      containerId: opts.containerId,
      namespace: c.namespace,
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      hostname: opts.hostname,
      ...(opts.domainname ? { domainname: opts.domainname } : {}),
      netns: ns,
      mode: req.mode,
      networks,
      ...(opts.hostsPath !== undefined && req.mode === 'cni' ? { hostsPath: opts.hostsPath } : {}),
      extraHosts,
      state: 'attaching',
      pid: process.pid,
      createdAt: new Date().toISOString(),
    };
    c.store.put(r);
    return r;
  }).catch(dropEarly);

  // 3-5. side effects, undone on any failure
  let nsCreated = false;
  const added: NetworkEndpointRecord[] = [];
  // The networks' firewall rules are checked (and installed if missing) while the namespace is made and the
  // plugins run: nothing of the container depends on them until it sends its first packet.
  const rulesReady = ensureRules(c, targets.map((t) => t.net), natDumps[4] === undefined ? {} : { 4: natDumps[4] });
  try {
    try {
      const outcome = early === undefined ? undefined : await early;
      if (outcome !== 'created') {
        if (outcome !== undefined && outcome !== 'exists') throw outcome;
        // A namespace of this name without a record is debris of a killed process (the record is written first):
        // replace it.
        if (await netnsExists(ns.name)) await removeNetns(ns.name);
        await createNetns(ns.name);
      }
    } catch (err) {
      throw wrap(err, `container ${opts.containerId.slice(0, 12)}: create network namespace`);
    }
    nsCreated = true;
    for (const ep of rec.networks) {
      added.push(ep);
      await addEndpoint(c, rec, ep, natDumps);
      // Persist the result before the next network: DEL of plugins that find their state by the result's
      // addresses needs it, should this process die half-way (resultFromNetns is the fallback).
      if (rec.networks.length > 1) await c.store.withLock(async () => c.store.put(rec));
    }
    await writeEtcFiles(c, opts, extraHosts, req.mode);
    const rulesErr = await rulesReady;
    if (rulesErr !== undefined) throw rulesErr;
    await c.store.withLock(async () => {
      rec.state = 'attached';
      c.store.put(rec);
      await refreshHostsFiles(c.store, [rec.containerId, ...peersOf(rec, c.store.all())], c.log);
    });
  } catch (err) {
    await rulesReady;
    await undoAttach(c, rec, added, nsCreated);
    throw err;
  }
  return {
    mode: req.mode,
    netnsPath: ns.path,
    endpoints: rec.networks.map(toAttachedEndpoint),
    portMappings: rec.networks.flatMap((n) => n.portMappings),
  };
}

async function undoAttach(c: AttachContext, rec: EndpointRecord, added: NetworkEndpointRecord[], nsCreated: boolean): Promise<void> {
  const nsPresent = nsCreated && (await netnsExists(rec.netns!.name).catch(() => false));
  let clean = true;
  for (const ep of [...added].reverse()) {
    await delEndpoint(c, rec, ep, nsPresent).catch((err: unknown) => {
      clean = false;
      c.log.warn('rollback: network cleanup failed', { network: ep.networkName, error: err });
    });
  }
  if (nsPresent) await purgeContainerRules(rec.containerId, c.log);
  if (nsCreated && clean) {
    await removeNetns(rec.netns!.name).catch((err: unknown) => c.log.warn('rollback: netns removal failed', { error: err }));
  }
  await c.store
    .withLock(async () => {
      if (clean) c.store.delete(rec.containerId);
      else c.store.put({ ...rec, state: 'detaching' });
    })
    .catch((err: unknown) => c.log.warn('rollback: could not update the network database', { error: err }));
}

/**
 * The host ends of the container's veths, when every endpoint's DEL can run without the namespace (a bridge
 * without ipMasq, and our port rules or portmap, which work from the host) and each host veth is known from the
 * ADD result and still carries the recorded MAC address (so a name reused since is never touched). Links already
 * gone are left out. Undefined when the namespace has to be entered as the plugins would.
 */
function vethsToDelete(rec: EndpointRecord): string[] | undefined {
  if (rec.networks.length === 0) return undefined;
  const out: string[] = [];
  for (const ep of rec.networks) {
    const plugins = ep.conflist.plugins;
    if (plugins[0]?.type !== 'bridge' || plugins[0].ipMasq === true || plugins.slice(1).some((p) => p.type !== 'portmap')) {
      return undefined;
    }
    const bridge = bridgeOf(ep) ?? 'cni0';
    const host = (ep.result?.interfaces ?? []).filter((i) => (i.sandbox ?? '') === '' && i.name !== bridge);
    if (host.length !== 1 || host[0]!.mac === undefined || !/^[A-Za-z0-9_.@-]{1,15}$/.test(host[0]!.name)) return undefined;
    let mac: string | undefined;
    try {
      // sysfs attribute, generated on read: read synchronously rather than queue behind the thread pool.
      mac = readFileSync(`/sys/class/net/${host[0]!.name}/address`, 'utf8').trim().toLowerCase();
    } catch {
      mac = undefined; // gone already
    }
    if (mac === host[0]!.mac.toLowerCase()) out.push(host[0]!.name);
  }
  return out;
}

/**
 * Detaches a container from all its networks and removes its namespace (see the module comment). Idempotent.
 * @throws failed-precondition when a plugin's DEL failed (the record stays for a retry)
 */
export async function detachNetworks(c: AttachContext, containerId: string): Promise<void> {
  // A namespace prepared for an attach that never came: let its creation finish, then clear it below.
  const prepared = c.preparedNetns?.get(containerId);
  c.preparedNetns?.delete(containerId);
  if (prepared !== undefined) await prepared;
  let wasIncomplete = false;
  const rec = await c.store.withLock(async () => {
    const r = c.store.get(containerId);
    if (r === undefined) return undefined;
    wasIncomplete = r.state === 'attaching';
    r.state = 'detaching';
    c.store.put(r);
    // Peers lose this container's names right away.
    await refreshHostsFiles(c.store, peersOf(r, c.store.all()), c.log);
    return r;
  });
  if (rec === undefined) {
    // Nothing recorded (host/container mode, or already detached): clear a stray namespace, if any.
    const name = netnsNameFor(containerId);
    if (await netnsExists(name).catch(() => false)) await removeNetns(name);
    return;
  }
  const nsPresent = rec.netns !== undefined && (await netnsExists(rec.netns.name).catch(() => false));
  let firstErr: unknown;
  const veths = nsPresent && !wasIncomplete ? vethsToDelete(rec) : undefined;
  if (veths !== undefined && rec.netns !== undefined) {
    // Fast path: the plugins' DEL only has to release the addresses (and our port rules go), which needs nothing
    // inside the namespace; meanwhile one `ip -batch` deletes the veths (the slow, kernel-bound part of the bridge
    // plugin's DEL) and the namespace. Should a DEL fail, the record stays for a retry, which needs no namespace.
    const dels = (async () => {
      for (const ep of [...rec.networks].reverse()) {
        try {
          await delEndpoint(c, rec, ep, true, false);
        } catch (err) {
          firstErr ??= wrap(err, `network "${ep.networkName}"`, 'failed-precondition');
        }
      }
    })();
    const removal = removeNetnsWithLinks(rec.netns.name, veths).then(
      () => undefined,
      (err: unknown) => err,
    );
    await dels;
    const rmErr = await removal;
    firstErr ??= rmErr;
    await c.store.withLock(async () => {
      if (firstErr === undefined) c.store.delete(containerId);
      await refreshHostsFiles(c.store, peersOf(rec, c.store.all()), c.log);
    });
    if (firstErr !== undefined) throw wrap(firstErr, `detach container ${containerId.slice(0, 12)}`, 'failed-precondition');
    return;
  }
  for (const ep of [...rec.networks].reverse()) {
    try {
      await delEndpoint(c, rec, ep, nsPresent);
    } catch (err) {
      firstErr ??= wrap(err, `network "${ep.networkName}"`, 'failed-precondition');
    }
  }
  // A record left `attaching` by an interrupted attach may lack results and rule addresses: sweep by container ID.
  if (wasIncomplete && nsPresent) await purgeContainerRules(containerId, c.log);
  if (firstErr === undefined && rec.netns !== undefined) {
    try {
      await removeNetns(rec.netns.name);
    } catch (err) {
      firstErr = err;
    }
  }
  await c.store.withLock(async () => {
    if (firstErr === undefined) c.store.delete(containerId);
    const all = c.store.all();
    await refreshHostsFiles(c.store, peersOf(rec, all), c.log);
  });
  if (firstErr !== undefined) throw wrap(firstErr, `detach container ${containerId.slice(0, 12)}`, 'failed-precondition');
}

/**
 * `network connect`: joins one more network with a container that is already attached (mode cni), as the next
 * ethN. Peers' hosts files are refreshed.
 * @throws failed-precondition (container not attached, or in host/none/container mode), conflict (already on it)
 */
export async function connectNetwork(c: AttachContext, containerId: string, request: EndpointRequest): Promise<AttachedEndpoint> {
  const visible = await loadNetworks(c.env, c.namespace);
  const net = await resolveNetwork(c, visible, request.network);
  const { rec, ep } = await c.store.withLock(async () => {
    const r = c.store.get(containerId);
    if (r === undefined || r.state !== 'attached' || r.netns === undefined || r.mode !== 'cni') {
      throw failedPrecondition(
        `container ${containerId.slice(0, 12)} cannot be connected to network "${net.name}": it is not running on its own network namespace`,
      );
    }
    if (r.networks.some((n) => n.networkId === net.id)) {
      throw alreadyExists(
        { kind: 'network', ref: net.name },
        { hint: `endpoint with name ${r.name ?? containerId.slice(0, 12)} already exists in network ${net.name}` },
      );
    }
    let i = 0;
    while (r.networks.some((n) => n.ifname === `eth${i}`)) i++;
    const e = planEndpoint(net, request, `eth${i}`, []);
    r.networks.push(e);
    c.store.put(r);
    return { rec: r, ep: e };
  });
  const rulesReady = ensureRules(c, [net]);
  try {
    await addEndpoint(c, rec, ep);
    const rulesErr = await rulesReady;
    if (rulesErr !== undefined) throw rulesErr;
  } catch (err) {
    await rulesReady;
    // ADD went through (a later step failed): undo it; a failed ADD has rolled itself back.
    if (ep.result !== undefined) {
      await delEndpoint(c, rec, ep, true).catch((e: unknown) => c.log.warn('rollback: network cleanup failed', { network: ep.networkName, error: e }));
    }
    await c.store.withLock(async () => {
      const r = c.store.get(containerId);
      if (r) {
        r.networks = r.networks.filter((n) => n.endpointId !== ep.endpointId);
        c.store.put(r);
      }
    });
    throw err;
  }
  await c.store.withLock(async () => {
    const r = c.store.get(containerId) ?? rec;
    r.networks = r.networks.map((n) => (n.endpointId === ep.endpointId ? ep : n));
    c.store.put(r);
    await refreshHostsFiles(c.store, [containerId, ...peersOf(r, c.store.all())], c.log);
  });
  return toAttachedEndpoint(ep);
}

/**
 * `network disconnect`: leaves one network (CNI DEL), keeps the others. Peers' hosts files are refreshed.
 * @throws not-found when the container is not connected to that network
 */
export async function disconnectNetwork(c: AttachContext, containerId: string, networkRef: string): Promise<void> {
  const rec = c.store.get(containerId);
  const ep = rec?.networks.find((n) => n.networkName === networkRef || n.networkId === networkRef || (networkRef.length >= 3 && n.networkId.startsWith(networkRef)));
  if (rec === undefined || ep === undefined) {
    throw notFound(
      { kind: 'network', ref: networkRef },
      { hint: `container ${containerId.slice(0, 12)} is not connected to network ${networkRef}` },
    );
  }
  const nsPresent = rec.netns !== undefined && (await netnsExists(rec.netns.name).catch(() => false));
  await delEndpoint(c, rec, ep, nsPresent);
  await c.store.withLock(async () => {
    const r = c.store.get(containerId);
    if (r === undefined) return;
    const before = peersOf(r, c.store.all());
    r.networks = r.networks.filter((n) => n.endpointId !== ep.endpointId);
    c.store.put(r);
    await refreshHostsFiles(c.store, [containerId, ...before], c.log);
  });
}

/** The attachment of a container as recorded (networks, ports, netns), or undefined. */
export function getAttachment(store: EndpointStore, containerId: string): EndpointRecord | undefined {
  return store.get(containerId);
}
