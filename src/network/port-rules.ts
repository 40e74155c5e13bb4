/**
 * Published ports written by the network layer itself, in exactly the layout of the portmap plugin (1.1.x), with one
 * `iptables-restore --noflush` transaction per container and family instead of the plugin's ~20 iptables executions
 * on ADD and ~16 on DEL (each of which lists a whole table first).
 *
 * Layout (nat table; portmap's names, so its own DEL, other tools and the host-port scan understand it):
 *
 *   PREROUTING, OUTPUT  -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT            (shared, appended)
 *   POSTROUTING         -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ   (first)
 *   CNI-HOSTPORT-MASQ   -m mark --mark 0x2000/0x2000 -j MASQUERADE
 *   CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
 *   CNI-HOSTPORT-DNAT   -p <proto> -m comment --comment "dnat name: \"<net>\" id: \"<id>\"" -m multiport
 *                       --dports <up to 15 host ports> -j CNI-DN-<hash>                (per container)
 *   CNI-DN-<hash>       per mapping: hairpin mark (-s <container subnet>), localhost mark (-s 127.0.0.1, IPv4),
 *                       DNAT to <container ip>:<port>; `-d <host ip>` when the mapping names one
 *
 * plus `route_localnet=1` on the bridge for IPv4, so 127.0.0.1 can be DNAT'ed to a container. The plugin stays in
 * use for what this does not reproduce: UDP mappings (the plugin deletes stale UDP conntrack entries of the host
 * ports, which needs netlink), a portmap configured with anything beyond its capability (snat, mark bit, external
 * chain, conditions), and drivers other than bridge.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { failedPrecondition } from '../engine/errdefs.js';
import type { Logger } from '../engine/log.js';
import type { CniConfList, CniPortMapping } from './cni/types.js';
import { cidrToString, parseCidr, parseIp, type IpFamily } from './ip.js';
import { deleteLine, parseDump, quoteArg, restore, saveNat } from './iptables.js';

export const HOSTPORT_DNAT_CHAIN = 'CNI-HOSTPORT-DNAT';
export const HOSTPORT_SETMARK_CHAIN = 'CNI-HOSTPORT-SETMARK';
export const HOSTPORT_MASQ_CHAIN = 'CNI-HOSTPORT-MASQ';
const MARK = '0x2000/0x2000';

/** One container address whose ports are published. */
export interface PortRulesTarget {
  /** The network (conflist) name: part of portmap's chain name and comment. */
  network: string;
  containerId: string;
  /** The container's address on the network and its prefix length. */
  ip: string;
  prefixLength: number;
  mappings: readonly CniPortMapping[];
}

/**
 * True when this layer can publish the mappings on this network instead of the portmap plugin (see the module
 * comment). Pure.
 */
export function publishesWithoutPortmap(list: CniConfList, mappings: readonly CniPortMapping[]): boolean {
  if (list.plugins[0]?.type !== 'bridge' || mappings.length === 0) return false;
  const portmaps = list.plugins.filter((p) => p.capabilities?.portMappings === true);
  if (portmaps.length !== 1 || portmaps[0]!.type !== 'portmap') return false;
  const extra = Object.keys(portmaps[0]!).filter((k) => k !== 'type' && k !== 'capabilities');
  if (extra.length > 0) return false;
  return mappings.every((m) => m.protocol === 'tcp' || m.protocol === 'sctp');
}

/** portmap's per-container chain: `CNI-DN-` + sha512(network name + container ID) in hex, 28 characters. */
export function dnatChainName(network: string, containerId: string): string {
  return `CNI-DN-${createHash('sha512').update(network + containerId).digest('hex')}`.slice(0, 28);
}

function familyOf(ip: string): IpFamily | undefined {
  return parseIp(ip)?.family;
}

/** The per-container rules in `iptables-save`'s canonical form: entry rules and the chain's own rules. Pure. */
export function portRuleLines(t: PortRulesTarget): { chain: string; entries: string[]; rules: string[] } {
  const family = familyOf(t.ip) ?? 4;
  const chain = dnatChainName(t.network, t.containerId);
  const comment = `dnat name: "${t.network}" id: "${t.containerId}"`;
  const byProto = new Map<string, number[]>();
  for (const m of t.mappings) byProto.set(m.protocol, [...(byProto.get(m.protocol) ?? []), m.hostPort]);
  const entries: string[] = [];
  for (const proto of [...byProto.keys()].sort()) {
    const ports = byProto.get(proto)!;
    for (let i = 0; i < ports.length; i += 15) {
      entries.push(`-p ${proto} -m comment --comment ${quoteArg(comment)} -m multiport --dports ${ports.slice(i, i + 15).join(',')} -j ${chain}`);
    }
  }
  const subnet = cidrToString(parseCidr(`${t.ip}/${t.prefixLength}`)!);
  const rules: string[] = [];
  for (const m of t.mappings) {
    let dst = '';
    if (m.hostIP !== undefined && m.hostIP !== '') {
      const hf = familyOf(m.hostIP);
      if (hf !== family) continue;
      if (m.hostIP !== '0.0.0.0' && m.hostIP !== '::') dst = `-d ${m.hostIP}/${family === 6 ? 128 : 32} `;
    }
    const base = `${dst}-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort}`;
    rules.push(`-s ${subnet} ${base} -j ${HOSTPORT_SETMARK_CHAIN}`);
    if (family === 4) rules.push(`-s 127.0.0.1/32 ${base} -j ${HOSTPORT_SETMARK_CHAIN}`);
    const to = family === 6 ? `[${t.ip}]:${m.containerPort}` : `${t.ip}:${m.containerPort}`;
    rules.push(`${base} -j DNAT --to-destination ${to}`);
  }
  return { chain, entries, rules };
}

const sharedRules: { chain: string; spec: string }[] = [
  { chain: HOSTPORT_SETMARK_CHAIN, spec: `-m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark ${MARK}` },
  { chain: HOSTPORT_MASQ_CHAIN, spec: `-m mark --mark ${MARK} -j MASQUERADE` },
];
const sharedJumps: { chain: string; spec: string; first: boolean }[] = [
  { chain: 'POSTROUTING', spec: `-m comment --comment "CNI portfwd requiring masquerade" -j ${HOSTPORT_MASQ_CHAIN}`, first: true },
  { chain: 'PREROUTING', spec: `-m addrtype --dst-type LOCAL -j ${HOSTPORT_DNAT_CHAIN}`, first: false },
  { chain: 'OUTPUT', spec: `-m addrtype --dst-type LOCAL -j ${HOSTPORT_DNAT_CHAIN}`, first: false },
];

/**
 * The `iptables-restore --noflush` script publishing the target's ports, given the current nat table: the shared
 * chains and jumps that are missing, then the container's chain (emptied first, with its old entry rules, if a
 * previous attach left it) and entry rules. Pure; exported for tests.
 */
export function addPortRulesScript(natDump: string, t: PortRulesTarget): string {
  const nat = parseDump(natDump).get('nat') ?? { chains: new Set<string>(), rules: [] };
  const lines: string[] = [];
  for (const c of [HOSTPORT_SETMARK_CHAIN, HOSTPORT_MASQ_CHAIN, HOSTPORT_DNAT_CHAIN]) {
    if (!nat.chains.has(c)) lines.push(`-N ${c}`);
  }
  for (const r of sharedRules) {
    if (!nat.rules.includes(`-A ${r.chain} ${r.spec}`)) lines.push(`-A ${r.chain} ${r.spec}`);
  }
  for (const j of sharedJumps) {
    if (!nat.rules.includes(`-A ${j.chain} ${j.spec}`)) lines.push(j.first ? `-I ${j.chain} 1 ${j.spec}` : `-A ${j.chain} ${j.spec}`);
  }
  const { chain, entries, rules } = portRuleLines(t);
  if (nat.chains.has(chain)) {
    for (const r of nat.rules.filter((x) => x.startsWith(`-A ${HOSTPORT_DNAT_CHAIN} `) && x.endsWith(` -j ${chain}`))) {
      lines.push(deleteLine(r));
    }
    lines.push(`-F ${chain}`);
  } else {
    lines.push(`-N ${chain}`);
  }
  for (const r of rules) lines.push(`-A ${chain} ${r}`);
  for (const e of entries) lines.push(`-A ${HOSTPORT_DNAT_CHAIN} ${e}`);
  return `*nat\n${lines.join('\n')}\nCOMMIT\n`;
}

/** The script removing exactly what {@link addPortRulesScript} added for the target (no dump needed). Pure. */
export function removePortRulesScript(t: PortRulesTarget): string {
  const { chain, entries } = portRuleLines(t);
  return `*nat\n${[...entries.map((e) => `-D ${HOSTPORT_DNAT_CHAIN} ${e}`), `-F ${chain}`, `-X ${chain}`].join('\n')}\nCOMMIT\n`;
}

/**
 * The script removing the container's chain and every entry rule jumping to it, as found in the dump ('' when
 * there is no trace of it). Pure; exported for tests.
 */
export function purgePortRulesScript(natDump: string, chain: string): string {
  const nat = parseDump(natDump).get('nat');
  if (nat === undefined) return '';
  const lines = nat.rules.filter((r) => r.endsWith(` -j ${chain}`)).map(deleteLine);
  if (nat.chains.has(chain)) lines.push(`-F ${chain}`, `-X ${chain}`);
  return lines.length === 0 ? '' : `*nat\n${lines.join('\n')}\nCOMMIT\n`;
}

const ATTEMPTS = 4;

/**
 * Publishes the target's ports (see the module comment). `natDump` is a current `iptables-save -t nat` of the
 * target's family when the caller has one (the port allocation reads it anyway); else it is read here. A
 * transaction that loses a race with another process is retried on a fresh dump.
 * @throws failed-precondition when iptables refuses the rules
 */
export async function publishPorts(t: PortRulesTarget, bridge: string | undefined, natDump?: string, log?: Logger): Promise<void> {
  const family = familyOf(t.ip) ?? 4;
  if (family === 4 && bridge !== undefined && /^[A-Za-z0-9_.-]+$/.test(bridge)) {
    // As portmap does: let 127.0.0.1 be routed to the container (after DNAT from OUTPUT).
    await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1').catch((err: unknown) =>
      log?.warn('could not enable route_localnet', { bridge, error: err }),
    );
  }
  let dump = natDump;
  let lastErr = '';
  for (let i = 0; i < ATTEMPTS; i++) {
    dump ??= await saveNat(family);
    const r = await restore(family, addPortRulesScript(dump, t));
    if (r.code === 0) return;
    lastErr = r.stderr.trim();
    dump = undefined;
  }
  throw failedPrecondition(`publish ports of container ${t.containerId.slice(0, 12)}: ${lastErr}`);
}

/** Removes what {@link publishPorts} added: one exact transaction, else a sweep by chain name. Idempotent. */
export async function unpublishPorts(t: PortRulesTarget, log?: Logger): Promise<void> {
  const family = familyOf(t.ip) ?? 4;
  const exact = await restore(family, removePortRulesScript(t));
  if (exact.code === 0) return;
  await purgePorts(t.network, t.containerId, log);
}

/** Removes the chain and entry rules of a container's published ports in both families, found by name. */
export async function purgePorts(network: string, containerId: string, log?: Logger): Promise<void> {
  const chain = dnatChainName(network, containerId);
  for (const family of [4, 6] as const) {
    for (let i = 0; i < ATTEMPTS; i++) {
      const script = purgePortRulesScript(await saveNat(family), chain);
      if (script === '') break;
      const r = await restore(family, script);
      if (r.code === 0) break;
      if (i === ATTEMPTS - 1) log?.warn('could not remove published port rules', { chain, error: r.stderr.trim() });
    }
  }
}
