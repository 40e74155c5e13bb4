/**
 * A container's /etc/hosts, in Docker's layout, plus the region nerdctl keeps up to date so containers on the same
 * user network find each other by name. Pure: the store (endpoint-store.ts) decides when to rewrite which file.
 *
 * Layout (tab between address and names, as Docker writes it):
 *
 *   127.0.0.1	localhost
 *   ::1	localhost ip6-localhost ip6-loopback
 *   fe00::0	ip6-localnet
 *   ff00::0	ip6-mcastprefix
 *   ff02::1	ip6-allnodes
 *   ff02::2	ip6-allrouters
 *   1.2.3.4	foo                        <- --add-host entries
 *   # <nerdctl>
 *   10.4.1.2	web web.net1 ...           <- the container's own addresses (Docker's last line)
 *   10.4.1.3	db db.net1 ...             <- peers on shared user networks; rewritten as they come and go
 *   # </nerdctl>
 *
 * Everything outside the marked region is left alone on updates, so edits made inside the container survive.
 * Docker's default `bridge` network has no name resolution between containers; neither has ours.
 */
import { invalidArgument } from '../engine/errdefs.js';
import { normalizeIp } from './ip.js';

export interface HostsRecord {
  ip: string;
  names: string[];
}

/** An `--add-host` value; `ip` may be the special value `host-gateway` until resolved. */
export interface ExtraHost {
  host: string;
  ip: string;
}

export const HOST_GATEWAY = 'host-gateway';

export const MANAGED_BEGIN = '# <nerdctl>';
export const MANAGED_END = '# </nerdctl>';

export const DEFAULT_HOSTS: readonly HostsRecord[] = [
  { ip: '127.0.0.1', names: ['localhost'] },
  { ip: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
  { ip: 'fe00::0', names: ['ip6-localnet'] },
  { ip: 'ff00::0', names: ['ip6-mcastprefix'] },
  { ip: 'ff02::1', names: ['ip6-allnodes'] },
  { ip: 'ff02::2', names: ['ip6-allrouters'] },
];

/**
 * Parses `--add-host host:ip` (also `host=ip`, `host:[::1]`); `ip` may be `host-gateway`.
 * @throws invalid-argument `bad format for add-host: "x"` / `invalid IP address in add-host: "x"`
 */
export function parseAddHost(spec: string): ExtraHost {
  const eq = spec.indexOf('=');
  const colon = spec.indexOf(':');
  const sep = eq !== -1 && (colon === -1 || eq < colon) ? eq : colon;
  if (sep <= 0) throw invalidArgument(`bad format for add-host: "${spec}"`);
  const host = spec.slice(0, sep).trim();
  let ip = spec.slice(sep + 1).trim();
  if (host === '' || /\s/.test(host)) throw invalidArgument(`bad format for add-host: "${spec}"`);
  if (ip === HOST_GATEWAY) return { host, ip };
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const norm = normalizeIp(ip);
  if (norm === undefined) throw invalidArgument(`invalid IP address in add-host: "${spec.slice(sep + 1)}"`);
  return { host, ip: norm };
}

/**
 * Turns `--add-host` values into records, replacing `host-gateway` with `hostGatewayIp`.
 * @throws invalid-argument when `host-gateway` is used and no gateway address is known
 */
export function resolveExtraHosts(extra: readonly ExtraHost[], hostGatewayIp: string | undefined): HostsRecord[] {
  return extra.map((e) => {
    if (e.ip !== HOST_GATEWAY) return { ip: e.ip, names: [e.host] };
    if (hostGatewayIp === undefined || hostGatewayIp === '') {
      throw invalidArgument(`unable to derive the IP value for host-gateway in add-host "${e.host}:${e.ip}"`);
    }
    return { ip: hostGatewayIp, names: [e.host] };
  });
}

export function renderRecords(records: readonly HostsRecord[]): string {
  return records
    .filter((r) => r.names.length > 0)
    .map((r) => `${r.ip}\t${r.names.join(' ')}\n`)
    .join('');
}

function managedBlock(managed: readonly HostsRecord[]): string {
  return `${MANAGED_BEGIN}\n${renderRecords(managed)}${MANAGED_END}\n`;
}

/**
 * The whole file for a new container: defaults, `--add-host` entries, then the managed region. Without `managed`
 * (host and none networking) there is no region, as nothing will update the file.
 */
export function buildHostsFile(opts: { extraHosts?: readonly HostsRecord[]; managed?: readonly HostsRecord[] }): string {
  const head = renderRecords(DEFAULT_HOSTS) + renderRecords(opts.extraHosts ?? []);
  return opts.managed === undefined ? head : head + managedBlock(opts.managed);
}

/**
 * Replaces the managed region of an existing hosts file, keeping every other line as it is. A file without the
 * region (edited away, or copied from the host) gets it appended.
 */
export function replaceManagedRegion(content: string, managed: readonly HostsRecord[]): string {
  const lines = content.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const begin = lines.findIndex((l) => l.trim() === MANAGED_BEGIN);
  const end = begin === -1 ? -1 : lines.findIndex((l, i) => i > begin && l.trim() === MANAGED_END);
  const block = managedBlock(managed);
  if (begin === -1 || end === -1) {
    const kept = lines.filter((l) => l.trim() !== MANAGED_BEGIN && l.trim() !== MANAGED_END);
    return (kept.length > 0 ? kept.join('\n') + '\n' : '') + block;
  }
  const before = lines.slice(0, begin);
  const after = lines.slice(end + 1);
  return (before.length > 0 ? before.join('\n') + '\n' : '') + block + (after.length > 0 ? after.join('\n') + '\n' : '');
}

/** What the hosts region needs to know about one container attached to networks. */
export interface HostsParticipant {
  containerId: string;
  hostname: string;
  domainname?: string;
  /** The container name (without a leading slash). */
  name?: string;
  networks: {
    networkId: string;
    networkName: string;
    /** Docker's default `bridge` network: no name resolution between containers. */
    isDefault: boolean;
    ip?: string;
    ipv6?: string;
    aliases: readonly string[];
  }[];
}

function uniq(names: readonly (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const n of names) if (n !== undefined && n !== '' && !out.includes(n)) out.push(n);
  return out;
}

function namesOn(p: HostsParticipant, net: HostsParticipant['networks'][number]): string[] {
  const fqdn = p.domainname ? `${p.hostname}.${p.domainname}` : undefined;
  if (net.isDefault) return uniq([fqdn, p.hostname]);
  const dotted = (n: string | undefined) => (n === undefined || n === '' ? undefined : `${n}.${net.networkName}`);
  return uniq([
    fqdn,
    p.hostname,
    dotted(p.hostname),
    p.name,
    dotted(p.name),
    ...net.aliases,
    ...net.aliases.map((a) => dotted(a)),
  ]);
}

function addressesOf(net: HostsParticipant['networks'][number]): string[] {
  return [net.ip, net.ipv6].filter((x): x is string => x !== undefined && x !== '');
}

/**
 * The managed records of `self`: its own addresses first (like Docker's `<ip> <hostname>` line), then every other
 * participant that shares a user network with it, once per shared network and address.
 */
export function managedRecordsFor(self: HostsParticipant, all: readonly HostsParticipant[]): HostsRecord[] {
  const out: HostsRecord[] = [];
  for (const net of self.networks) {
    for (const ip of addressesOf(net)) out.push({ ip, names: namesOn(self, net) });
  }
  for (const net of self.networks) {
    if (net.isDefault) continue;
    for (const peer of all) {
      if (peer.containerId === self.containerId) continue;
      for (const pnet of peer.networks) {
        if (pnet.networkId !== net.networkId) continue;
        for (const ip of addressesOf(pnet)) out.push({ ip, names: namesOn(peer, pnet) });
      }
    }
  }
  return out;
}
