/**
 * A container's /etc/resolv.conf, built the way Docker 20.10 builds it (libnetwork's sandbox DNS setup):
 *
 * - Source: the host's /etc/resolv.conf, or /run/systemd/resolve/resolv.conf when the host file only points at
 *   systemd-resolved's stub (127.0.0.53), which a container cannot reach.
 * - Host network: the source is used as it is, unless --dns/--dns-search/--dns-opt are given.
 * - Own network namespace: nameservers on loopback (127.0.0.0/8, ::1) are dropped, since they mean the host's
 *   loopback; when none is left, Google's public resolvers (8.8.8.8, 8.8.4.4 and their IPv6 pair) are used, as
 *   Docker does. Docker answers on user networks through its embedded DNS (127.0.0.11); we have none (names are
 *   resolved through /etc/hosts), so the upstream servers are written directly.
 * - --dns replaces the nameservers, --dns-search the search list (`.` alone means none), --dns-opt the options;
 *   whatever is not given comes from the source. The result is then `search`, `nameserver`s, `options`.
 */
import { readFile } from 'node:fs/promises';
import { isErrno } from '../engine/errdefs.js';
import { parseIp } from './ip.js';

export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';
export const SYSTEMD_RESOLVED_CONF = '/run/systemd/resolve/resolv.conf';

const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'];

export interface DnsOptions {
  /** --dns */
  servers?: readonly string[];
  /** --dns-search */
  search?: readonly string[];
  /** --dns-opt / --dns-option */
  options?: readonly string[];
}

export interface ResolvConfInput extends DnsOptions {
  /** The host's resolv.conf text (see {@link readHostResolvConf}). */
  hostContent: string;
  /** true for --network host: no filtering of loopback nameservers. */
  hostNetwork?: boolean;
}

const commentStrip = (l: string) => l.replace(/[#;].*$/, '').trim();

function fields(content: string, key: string): string[][] {
  const out: string[][] = [];
  for (const raw of content.split('\n')) {
    const parts = commentStrip(raw).split(/\s+/).filter(Boolean);
    if (parts[0] === key) out.push(parts.slice(1));
  }
  return out;
}

export function nameserversOf(content: string): string[] {
  return fields(content, 'nameserver')
    .map((f) => f[0])
    .filter((x): x is string => x !== undefined);
}

/** The last `search` (or `domain`) line wins, as in glibc. */
export function searchDomainsOf(content: string): string[] {
  const s = [...fields(content, 'search'), ...fields(content, 'domain')];
  return s.length === 0 ? [] : s[s.length - 1]!;
}

export function optionsOf(content: string): string[] {
  const o = fields(content, 'options');
  return o.length === 0 ? [] : o[o.length - 1]!;
}

function isLoopbackNameserver(ns: string): boolean {
  const ip = parseIp(ns.replace(/%.*$/, ''));
  if (ip === undefined) return false;
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}

/** Docker's FilterResolvDNS: drops loopback nameserver lines; adds the defaults when no nameserver is left. */
export function filterLoopbackNameservers(content: string): string {
  const kept = content.split('\n').filter((l) => {
    const parts = commentStrip(l).split(/\s+/).filter(Boolean);
    return !(parts[0] === 'nameserver' && parts[1] !== undefined && isLoopbackNameserver(parts[1]));
  });
  let out = kept.join('\n');
  if (nameserversOf(out).length === 0) {
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += DEFAULT_NAMESERVERS.map((n) => `nameserver ${n}`).join('\n') + '\n';
  }
  return out;
}

/** Builds a resolv.conf from parts: `search`, `nameserver` lines, `options`. */
export function formatResolvConf(parts: { servers: readonly string[]; search: readonly string[]; options: readonly string[] }): string {
  let out = '';
  const search = parts.search.length === 1 && parts.search[0] === '.' ? [] : parts.search;
  if (search.length > 0) out += `search ${search.join(' ')}\n`;
  for (const s of parts.servers) out += `nameserver ${s}\n`;
  if (parts.options.length > 0) out += `options ${parts.options.join(' ')}\n`;
  return out;
}

/** The container's resolv.conf text (see the module comment for the rules). */
export function buildResolvConf(input: ResolvConfInput): string {
  const overridden =
    (input.servers?.length ?? 0) > 0 || (input.search?.length ?? 0) > 0 || (input.options?.length ?? 0) > 0;
  if (!overridden) {
    return input.hostNetwork ? input.hostContent : filterLoopbackNameservers(input.hostContent);
  }
  let servers = input.servers?.length ? [...input.servers] : nameserversOf(input.hostContent);
  if (!input.hostNetwork && !input.servers?.length) {
    servers = servers.filter((s) => !isLoopbackNameserver(s));
    if (servers.length === 0) servers = [...DEFAULT_NAMESERVERS];
  }
  return formatResolvConf({
    servers,
    search: input.search?.length ? input.search : searchDomainsOf(input.hostContent),
    options: input.options?.length ? input.options : optionsOf(input.hostContent),
  });
}

/**
 * Reads the host's resolv.conf: `/etc/resolv.conf`, or systemd-resolved's upstream list when the host file only
 * names the 127.0.0.53 stub. A missing file reads as empty (the defaults then apply).
 */
export async function readHostResolvConf(
  paths: { resolvConf?: string; systemdResolvedConf?: string } = {},
): Promise<{ path: string; content: string }> {
  const main = paths.resolvConf ?? DEFAULT_RESOLV_CONF;
  let content = '';
  try {
    content = await readFile(main, 'utf8');
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const ns = nameserversOf(content);
  if (ns.length > 0 && ns.every((n) => n === '127.0.0.53')) {
    const alt = paths.systemdResolvedConf ?? SYSTEMD_RESOLVED_CONF;
    try {
      return { path: alt, content: await readFile(alt, 'utf8') };
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return { path: main, content };
}
