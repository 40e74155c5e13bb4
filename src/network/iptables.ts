/**
 * The few iptables operations the network layer does itself (the CNI plugins do the rest):
 *
 * - {@link parseDnatHostPorts} (on {@link saveNat} dumps): host ports already taken by portmap-style DNAT rules
 *   (CNI-DN-* chains), from any data root or tool, so two containers never get the same published port (nerdctl
 *   reads the rules for the same reason).
 * - {@link addForwardRule} / {@link removeForwardRule}: one ACCEPT rule per container with published ports, in the
 *   firewall plugin's CNI-ADMIN chain, for forwarded traffic that portmap DNAT'ed to it — only for chains that still
 *   run the firewall plugin (foreign conflists, records of older attachments); nerdctl's bridge networks accept it
 *   per network (network-rules.ts). The firewall plugin only accepts traffic from the container and replies to it;
 *   a new connection from another host to a published port is forwarded traffic too, and dockerd sets the FORWARD
 *   policy to DROP when it enables IP forwarding itself. (Traffic from the host itself, 127.0.0.1 or its own
 *   address, goes through OUTPUT, not FORWARD.)
 * - {@link saveAll} / {@link restore}: the dump and the one-transaction batch network-rules.ts builds on.
 * - {@link purgeContainerRules}: removes rules the bridge and portmap plugins left for a container when its network
 *   namespace disappeared before DEL (the bridge plugin finds the addresses to unmasquerade inside the namespace,
 *   so without it its DEL leaves the masquerade chain behind).
 * - {@link purgeBridgeRules}: removes what is kept per bridge when the network and its bridge go away: the
 *   per-network rules and the firewall plugin's isolation rules (CNI-ISOLATION-STAGE-1/2), which its DEL never
 *   removes.
 *
 * Everything goes through the `iptables`/`ip6tables` commands, which here are the nf_tables backend.
 */
import type { Logger } from '../engine/log.js';
import type { IpFamily } from './ip.js';
import type { PortMapping, PortProtocol } from './ports.js';
import { runCommand, type CommandResult } from './run-command.js';

function bin(family: IpFamily, save = false): string {
  return `${family === 6 ? 'ip6tables' : 'iptables'}${save ? '-save' : ''}`;
}

async function save(family: IpFamily, table?: string): Promise<string> {
  try {
    const r = await runCommand(bin(family, true), table === undefined ? [] : ['-t', table]);
    return r.code === 0 ? r.stdout : '';
  } catch {
    return ''; // no iptables on this host: nothing to read
  }
}

/** `iptables-save -t nat` (or ip6tables-save): one exec; '' when iptables is missing. */
export function saveNat(family: IpFamily): Promise<string> {
  return save(family, 'nat');
}

/** `iptables-save` (or ip6tables-save) of every table: one exec; '' when iptables is missing. */
export function saveAll(family: IpFamily): Promise<string> {
  return save(family);
}

/**
 * Applies an `iptables-restore --noflush` script: one exec and one atomic transaction (all lines or none).
 * Never rejects; a missing binary reads as a failure.
 */
export async function restore(family: IpFamily, script: string): Promise<CommandResult> {
  try {
    return await runCommand(`${bin(family)}-restore`, ['-w', '--noflush'], { input: script });
  } catch (err) {
    return { code: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) };
  }
}

/** Splits an iptables-save rule line into words, honouring double quotes (comments). */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) {
        cur += line[++i];
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      has = true;
    } else if (ch === ' ') {
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has || cur !== '') out.push(cur);
  return out;
}

/** Quotes one word for iptables-restore (as iptables-save does: double quotes, backslash escapes). */
export function quoteArg(s: string): string {
  return /^[A-Za-z0-9_./:,=!-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** Per table: declared chains and `-A` lines, from an `iptables-save` dump. */
export function parseDump(dump: string): Map<string, { chains: Set<string>; rules: string[] }> {
  const out = new Map<string, { chains: Set<string>; rules: string[] }>();
  let cur: { chains: Set<string>; rules: string[] } | undefined;
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) {
      cur = { chains: new Set(), rules: [] };
      out.set(line.slice(1).trim(), cur);
    } else if (cur !== undefined && line.startsWith(':')) {
      cur.chains.add(line.slice(1).split(' ')[0]!);
    } else if (cur !== undefined && line.startsWith('-A ')) {
      cur.rules.push(line);
    }
  }
  return out;
}

/** `-D` line for an `-A` line of a dump (words re-quoted the way iptables-restore reads them). */
export function deleteLine(rule: string): string {
  return ['-D', ...splitRule(rule).slice(1)].map(quoteArg).join(' ');
}

/** Parses portmap's DNAT rules out of `iptables-save -t nat` text. Pure; exported for tests. */
export function parseDnatHostPorts(natDump: string): Pick<PortMapping, 'hostIp' | 'hostPort' | 'protocol'>[] {
  const out: Pick<PortMapping, 'hostIp' | 'hostPort' | 'protocol'>[] = [];
  for (const line of natDump.split('\n')) {
    if (!line.startsWith('-A CNI-DN-')) continue;
    const w = splitRule(line);
    const j = w.indexOf('-j');
    if (j === -1 || w[j + 1] !== 'DNAT') continue;
    const p = w.indexOf('-p');
    const dport = w.indexOf('--dport');
    if (p === -1 || dport === -1) continue;
    const d = w.indexOf('-d');
    const proto = w[p + 1] as PortProtocol;
    const port = Number(w[dport + 1]);
    if (!Number.isInteger(port)) continue;
    const hostIp = d === -1 ? '' : (w[d + 1] ?? '').replace(/\/(32|128)$/, '');
    out.push({ hostIp, hostPort: port, protocol: proto });
  }
  return out;
}

const ADMIN_CHAIN = 'CNI-ADMIN';

function forwardRuleSpec(ip: string, containerId: string): string[] {
  const family: IpFamily = ip.includes(':') ? 6 : 4;
  return [
    '-d',
    `${ip}/${family === 6 ? 128 : 32}`,
    '-m',
    'conntrack',
    '--ctstate',
    'DNAT',
    '-m',
    'comment',
    '--comment',
    `nerdctl published ports ${containerId}`,
    '-j',
    'ACCEPT',
  ];
}

/**
 * Accepts forwarded, DNAT'ed traffic to `ip` (the container's published ports). Needs the firewall plugin's
 * CNI-ADMIN chain (created by its ADD). Returns false when the chain does not exist.
 */
export async function addForwardRule(ip: string, containerId: string, log?: Logger): Promise<boolean> {
  const family: IpFamily = ip.includes(':') ? 6 : 4;
  const r = await runCommand(bin(family), ['-w', '-A', ADMIN_CHAIN, ...forwardRuleSpec(ip, containerId)]);
  if (r.code !== 0) {
    log?.warn('could not add forward rule for published ports', { ip, error: r.stderr.trim() });
    return false;
  }
  return true;
}

/** Removes the rule added by {@link addForwardRule}; a missing rule is fine. */
export async function removeForwardRule(ip: string, containerId: string): Promise<void> {
  const family: IpFamily = ip.includes(':') ? 6 : 4;
  // Delete every copy (a retried attach may have added two).
  for (let i = 0; i < 4; i++) {
    const r = await runCommand(bin(family), ['-w', '-D', ADMIN_CHAIN, ...forwardRuleSpec(ip, containerId)]);
    if (r.code !== 0) return;
  }
}

/**
 * Builds an `iptables-restore --noflush` script deleting every rule whose comment names `containerId` the way the
 * CNI plugins write it (`id: "<containerId>"`, and ours), plus the per-container chains those rules jump to.
 * Pure; exported for tests. Returns '' when there is nothing to delete.
 */
export function purgeScript(dump: string, containerId: string): string {
  const needles = [`id: \\"${containerId}\\"`, `nerdctl published ports ${containerId}`];
  let table = '';
  const byTable = new Map<string, { deletes: string[]; chains: Set<string> }>();
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      continue;
    }
    if (!line.startsWith('-A ') || !needles.some((n) => line.includes(n))) continue;
    const entry = byTable.get(table) ?? { deletes: [], chains: new Set<string>() };
    byTable.set(table, entry);
    const w = splitRule(line);
    entry.deletes.push(['-D', ...w.slice(1)].map(quoteArg).join(' '));
    const j = w.indexOf('-j');
    const target = j === -1 ? undefined : w[j + 1];
    // Per-container chains: the bridge plugin's masquerade chain and portmap's DNAT chain.
    if (target !== undefined && /^CNI-(DN-)?[0-9a-f]{20,}$/.test(target)) entry.chains.add(target);
  }
  let script = '';
  for (const [t, e] of byTable) {
    const chainRules = e.deletes.filter((d) => [...e.chains].some((c) => d.startsWith(`-D ${c} `)));
    const others = e.deletes.filter((d) => !chainRules.includes(d));
    script += `*${t}\n${others.join('\n')}${others.length ? '\n' : ''}`;
    for (const c of e.chains) script += `-F ${c}\n-X ${c}\n`;
    script += 'COMMIT\n';
  }
  return script;
}

/** Deletes the iptables state the CNI plugins left for `containerId` (see the module comment). */
export async function purgeContainerRules(containerId: string, log?: Logger): Promise<void> {
  await Promise.all(
    ([4, 6] as const).map(async (family) => {
      const script = purgeScript(await saveAll(family), containerId);
      if (script === '') return;
      const r = await restore(family, script);
      if (r.code !== 0) log?.warn('could not purge iptables rules', { container: containerId, error: r.stderr.trim() });
    }),
  );
}

/**
 * Builds an `iptables-restore --noflush` script deleting the rules that match `-i <bridge>` or `-o <bridge>` in
 * the firewall plugin's isolation chains. Pure; exported for tests. '' when there is nothing to delete.
 */
export function bridgeRulesScript(dump: string, bridge: string): string {
  let table = '';
  const byTable = new Map<string, string[]>();
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      continue;
    }
    if (!line.startsWith('-A CNI-ISOLATION-STAGE-')) continue;
    const w = splitRule(line);
    const i = w.indexOf('-i');
    const o = w.indexOf('-o');
    if ((i === -1 || w[i + 1] !== bridge) && (o === -1 || w[o + 1] !== bridge)) continue;
    const list = byTable.get(table) ?? [];
    byTable.set(table, list);
    list.push(['-D', ...w.slice(1)].map(quoteArg).join(' '));
  }
  let script = '';
  for (const [t, deletes] of byTable) script += `*${t}\n${deletes.join('\n')}\nCOMMIT\n`;
  return script;
}

/**
 * Deletes every rule kept for a bridge that is going away: the per-network rules (network-rules.ts, where this
 * lives as removeNetworkRules) and the firewall plugin's isolation rules. For callers that delete a bridge by hand
 * (test and bench environments removing their default network's bridge).
 */
export async function purgeBridgeRules(bridge: string, log?: Logger): Promise<void> {
  // Loaded on use: network-rules.ts builds on this module.
  const { removeNetworkRules } = await import('./network-rules.js');
  await removeNetworkRules(bridge, log);
}
