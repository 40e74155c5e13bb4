/**
 * Which hosts serve a registry, and how to talk to them: containerd's `hosts.toml`
 * (`<hostsDir>/<host>/hosts.toml`, else `<hostsDir>/_default/hosts.toml`), Docker's `certs.d` layout
 * (`ca.crt`, `client.cert` + `client.key`) when a host dir has no hosts.toml, plain HTTP for loopback hosts, and
 * insecure registries (TLS not verified; HTTPS first with a fallback to plain HTTP, as nerdctl does).
 *
 * Hosts come back in the order they should be tried: the `[host."..."]` mirrors in file order, then the
 * upstream `server`. Docker Hub (`docker.io`) is served by `registry-1.docker.io`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { invalidArgument, isErrno, wrap } from '../errdefs.js';
import type { TlsConfig } from './docker/transport.js';

export type HostCapability = 'pull' | 'resolve' | 'push';
export const ALL_CAPABILITIES: readonly HostCapability[] = ['pull', 'resolve', 'push'];

/** One endpoint that serves (part of) a registry. */
export interface RegistryHost {
  /** `name[:port]` to connect to. */
  readonly host: string;
  readonly scheme: 'http' | 'https';
  /** API root path, `/v2` unless hosts.toml overrides it. */
  readonly path: string;
  readonly capabilities: readonly HostCapability[];
  readonly tls?: TlsConfig;
  /** Extra headers for every request to this host. */
  readonly headers?: Readonly<Record<string, readonly string[]>>;
  /** HTTPS first, plain HTTP when the server turns out to speak HTTP (or refuses the HTTPS port). */
  readonly httpFallback?: boolean;
  /** A mirror (`[host."..."]` entry) rather than the registry itself. */
  readonly mirror: boolean;
}

/** Gives the hosts for a reference domain (`docker.io`, `localhost:5000`), in the order to try them. */
export type RegistryHosts = (domain: string) => Promise<RegistryHost[]>;

export const DEFAULT_HOSTS_DIRS: readonly string[] = ['/etc/containerd/certs.d', '/etc/docker/certs.d'];

export interface RegistryHostsOptions {
  /** Directories holding `<host>/hosts.toml` (default {@link DEFAULT_HOSTS_DIRS}); the first match wins. */
  readonly hostsDirs?: readonly string[];
  /** nerdctl's `--insecure-registry`: every registry is insecure. */
  readonly insecure?: boolean;
  /** Registries (`host[:port]`, or a host name for all its ports) that are insecure. */
  readonly insecureRegistries?: readonly string[];
}

/** One entry of a hosts.toml, as written (paths not yet read). */
export interface HostsFileEntry {
  readonly url: string;
  readonly capabilities?: readonly HostCapability[];
  readonly skipVerify?: boolean;
  /** CA file paths, relative ones resolved against the hosts.toml directory. */
  readonly ca: readonly string[];
  /** Client certificate/key path pairs; a single path holds both. */
  readonly client: readonly (readonly [string, string?])[];
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly overridePath: boolean;
}

export interface HostsFile {
  readonly server?: HostsFileEntry;
  readonly hosts: readonly HostsFileEntry[];
}

/** True for `localhost`, `127.0.0.0/8` and `::1`, with or without a port. */
export function isLoopbackHost(authority: string): boolean {
  const name = hostName(authority);
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/** `host` without its port; IPv6 brackets removed. */
export function hostName(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end > 0 ? authority.slice(1, end) : authority;
  }
  const colon = authority.lastIndexOf(':');
  return colon >= 0 && authority.indexOf(':') === colon ? authority.slice(0, colon) : authority;
}

/** The upstream server of a reference domain (`docker.io` -> `registry-1.docker.io`). */
export function defaultServer(domain: string): string {
  if (domain === 'docker.io' || domain === 'index.docker.io') return 'registry-1.docker.io';
  return domain;
}

function asStringList(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw invalidArgument(`${what} must be a string or a list of strings`);
}

function parseEntry(url: string, raw: Record<string, unknown>, dir: string): HostsFileEntry {
  const rel = (p: string) => (path.isAbsolute(p) ? p : path.join(dir, p));
  let capabilities: HostCapability[] | undefined;
  if (raw.capabilities !== undefined) {
    capabilities = asStringList(raw.capabilities, 'capabilities').map((c) => {
      if (c !== 'pull' && c !== 'resolve' && c !== 'push') throw invalidArgument(`unknown capability "${c}"`);
      return c;
    });
  }
  const client: [string, string?][] = [];
  const rawClient = raw.client;
  if (typeof rawClient === 'string') client.push([rel(rawClient)]);
  else if (Array.isArray(rawClient)) {
    if (rawClient.every((x) => typeof x === 'string')) {
      // client = ["cert", "key"] is one pair; containerd reads a list of strings that way too
      const [c, k] = rawClient as string[];
      if (c !== undefined) client.push(k === undefined ? [rel(c)] : [rel(c), rel(k)]);
    } else {
      for (const pair of rawClient) {
        const [c, k] = asStringList(pair, 'client');
        if (c !== undefined) client.push(k === undefined ? [rel(c)] : [rel(c), rel(k)]);
      }
    }
  } else if (rawClient !== undefined) throw invalidArgument('client must be a path or a list of [cert, key] pairs');
  const headers: Record<string, string[]> = {};
  if (raw.header !== undefined) {
    if (typeof raw.header !== 'object' || raw.header === null || Array.isArray(raw.header)) {
      throw invalidArgument('header must be a table');
    }
    for (const [k, v] of Object.entries(raw.header)) headers[k] = asStringList(v, `header "${k}"`);
  }
  if (raw.skip_verify !== undefined && typeof raw.skip_verify !== 'boolean') {
    throw invalidArgument('skip_verify must be a boolean');
  }
  if (raw.override_path !== undefined && typeof raw.override_path !== 'boolean') {
    throw invalidArgument('override_path must be a boolean');
  }
  return {
    url,
    ...(capabilities ? { capabilities } : {}),
    ...(raw.skip_verify !== undefined ? { skipVerify: raw.skip_verify as boolean } : {}),
    ca: asStringList(raw.ca, 'ca').map(rel),
    client,
    headers,
    overridePath: raw.override_path === true,
  };
}

/**
 * Parses the text of a hosts.toml (pure: no files are read). `dir` is the file's directory, against which relative
 * certificate paths are resolved. Throws invalid-argument for malformed TOML or fields of the wrong type.
 */
export function parseHostsToml(text: string, dir: string): HostsFile {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw invalidArgument(`invalid TOML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const hosts: HostsFileEntry[] = [];
  const table = doc.host;
  if (table !== undefined) {
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      throw invalidArgument('host must be a table of [host."<url>"] entries');
    }
    // smol-toml keeps keys in file order, which is the order mirrors are tried in.
    for (const [url, raw] of Object.entries(table as Record<string, unknown>)) {
      if (typeof raw !== 'object' || raw === null) throw invalidArgument(`host "${url}" must be a table`);
      hosts.push(parseEntry(url, raw as Record<string, unknown>, dir));
    }
  }
  const hasServerFields = ['server', 'capabilities', 'ca', 'client', 'skip_verify', 'header', 'override_path'].some(
    (k) => doc[k] !== undefined,
  );
  if (doc.server !== undefined && typeof doc.server !== 'string') throw invalidArgument('server must be a string');
  const server = hasServerFields ? parseEntry((doc.server as string | undefined) ?? '', doc, dir) : undefined;
  return { ...(server ? { server } : {}), hosts };
}

/** Splits a host URL of hosts.toml into scheme, authority and API path. */
export function parseHostUrl(
  raw: string,
  overridePath: boolean,
): { scheme: 'http' | 'https'; host: string; path: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${isLoopbackHost(raw.split('/')[0] ?? raw) ? 'http' : 'https'}://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw invalidArgument(`invalid host URL "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalidArgument(`unsupported scheme in "${raw}"`);
  let p = u.pathname.replace(/\/+$/, '');
  if (!overridePath) {
    if (!p.endsWith('/v2')) p = `${p}/v2`;
  }
  return { scheme: u.protocol === 'http:' ? 'http' : 'https', host: u.host, path: p };
}

async function readPem(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw wrap(err, `read certificate ${file}`, isErrno(err, 'ENOENT') ? 'invalid-argument' : 'internal');
  }
}

async function tlsOf(entry: Pick<HostsFileEntry, 'ca' | 'client' | 'skipVerify'>): Promise<TlsConfig | undefined> {
  if (entry.ca.length === 0 && entry.client.length === 0 && entry.skipVerify === undefined) return undefined;
  const ca = await Promise.all(entry.ca.map(readPem));
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  const first = entry.client[0];
  if (first !== undefined) {
    cert = await readPem(first[0]);
    key = await readPem(first[1] ?? first[0]);
  }
  return {
    ...(ca.length > 0 ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(entry.skipVerify ? { insecureSkipVerify: true } : {}),
  };
}

async function toHost(entry: HostsFileEntry, mirror: boolean): Promise<RegistryHost> {
  const { scheme, host, path: apiPath } = parseHostUrl(entry.url, entry.overridePath);
  const tls = scheme === 'https' ? await tlsOf(entry) : undefined;
  return {
    host,
    scheme,
    path: apiPath,
    capabilities: entry.capabilities ?? ALL_CAPABILITIES,
    ...(tls ? { tls } : {}),
    ...(Object.keys(entry.headers).length > 0 ? { headers: entry.headers } : {}),
    mirror,
  };
}

/** Docker's certs.d layout: `*.crt` are CAs, `<name>.cert` + `<name>.key` a client pair. */
async function certsDirEntry(dir: string): Promise<Pick<HostsFileEntry, 'ca' | 'client'>> {
  const names = (await readdir(dir)).sort();
  const ca: string[] = [];
  const client: [string, string][] = [];
  for (const n of names) {
    if (n.endsWith('.crt')) ca.push(path.join(dir, n));
    else if (n.endsWith('.cert')) {
      const keyName = `${n.slice(0, -'.cert'.length)}.key`;
      if (!names.includes(keyName)) {
        throw invalidArgument(`missing key ${keyName} for client certificate ${n} in ${dir}`);
      }
      client.push([path.join(dir, n), path.join(dir, keyName)]);
    } else if (n.endsWith('.key') && !names.includes(`${n.slice(0, -'.key'.length)}.cert`)) {
      throw invalidArgument(`missing client certificate ${n.slice(0, -'.key'.length)}.cert for key ${n} in ${dir}`);
    }
  }
  return { ca, client };
}

async function isDir(p: string): Promise<boolean> {
  try {
    await readdir(p);
    return true;
  } catch {
    return false;
  }
}

/** True when `domain` is named by the insecure settings. */
export function isInsecureRegistry(domain: string, options: RegistryHostsOptions): boolean {
  if (options.insecure) return true;
  return (options.insecureRegistries ?? []).some((r) => {
    const clean = r.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    return clean === domain || (!clean.includes(':') && clean === hostName(domain));
  });
}

/**
 * Computes the hosts of `domain` from the hosts dirs and insecure settings (reads files; no network).
 * Errors: invalid-argument for a malformed hosts.toml (naming the file) or a missing certificate file.
 */
export async function loadRegistryHosts(domain: string, options: RegistryHostsOptions = {}): Promise<RegistryHost[]> {
  const dirs = options.hostsDirs ?? DEFAULT_HOSTS_DIRS;
  let hostDir: string | undefined;
  for (const d of dirs) {
    if (await isDir(path.join(d, domain))) {
      hostDir = path.join(d, domain);
      break;
    }
  }
  let file: HostsFile | undefined;
  let certs: Pick<HostsFileEntry, 'ca' | 'client'> | undefined;
  const readHostsFile = async (dir: string): Promise<HostsFile | undefined> => {
    const p = path.join(dir, 'hosts.toml');
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw wrap(err, `read ${p}`);
    }
    try {
      return parseHostsToml(text, dir);
    } catch (err) {
      throw wrap(err, `hosts config ${p}`, 'invalid-argument');
    }
  };
  if (hostDir !== undefined) {
    file = await readHostsFile(hostDir);
    if (file === undefined) certs = await certsDirEntry(hostDir);
  } else {
    for (const d of dirs) {
      file = await readHostsFile(path.join(d, '_default'));
      if (file !== undefined) break;
    }
  }
  const upstreamDefault = defaultServer(domain);
  const serverEntry: HostsFileEntry = {
    url: file?.server?.url || upstreamDefault,
    ca: file?.server?.ca ?? certs?.ca ?? [],
    client: file?.server?.client ?? certs?.client ?? [],
    headers: file?.server?.headers ?? {},
    overridePath: file?.server?.overridePath ?? false,
    ...(file?.server?.capabilities ? { capabilities: file.server.capabilities } : {}),
    ...(file?.server?.skipVerify !== undefined ? { skipVerify: file.server.skipVerify } : {}),
  };
  const hosts: RegistryHost[] = [];
  for (const m of file?.hosts ?? []) hosts.push(await toHost(m, true));
  hosts.push(await toHost(serverEntry, false));
  if (!isInsecureRegistry(domain, options)) return hosts;
  // Insecure: don't verify TLS, and let HTTPS fall back to plain HTTP (nerdctl's --insecure-registry).
  return hosts.map((h) =>
    h.scheme === 'https'
      ? { ...h, httpFallback: true, tls: { ...(h.tls ?? {}), insecureSkipVerify: true } }
      : h,
  );
}

/** A {@link RegistryHosts} that caches each domain's hosts for the life of the process. */
export function createRegistryHosts(options: RegistryHostsOptions = {}): RegistryHosts {
  const cache = new Map<string, Promise<RegistryHost[]>>();
  return (domain) => {
    let p = cache.get(domain);
    if (p === undefined) {
      p = loadRegistryHosts(domain, options);
      cache.set(domain, p);
      p.catch(() => cache.delete(domain));
    }
    return p;
  };
}
