/**
 * Port publishing specs, as Docker parses them (`-p`/`--publish`, `--expose`, `-P`), and their display.
 * Pure: nothing here binds sockets or reads the host; host-port allocation lives in port-allocator.ts.
 *
 * Forms accepted by {@link parsePublish} (Docker's go-connections grammar):
 *   `80`                      container port 80/tcp on a host port picked at run time, all addresses
 *   `8080:80`                 host port 8080
 *   `127.0.0.1:8080:80`       bound to one host address; `[::1]:8080:80` for IPv6
 *   `127.0.0.1::80`, `:80`    host address given, host port picked at run time
 *   `8080:80/udp`             protocol tcp (default), udp or sctp
 *   `8000-8002:8000-8002`     pairwise ranges (must be the same length)
 *   `8000-8010:80`            one container port on any one free host port of the range
 *   `8000-8002`               every container port on its own picked host port
 */
import { invalidArgument } from '../engine/errdefs.js';
import { normalizeIp, parseIp } from './ip.js';

export const PortProtocols = ['tcp', 'udp', 'sctp'] as const;
export type PortProtocol = (typeof PortProtocols)[number];

/** One requested binding before host-port allocation. */
export interface PortSpec {
  /** Host address to bind, normalised; '' means every address (shown as 0.0.0.0). */
  hostIp: string;
  /**
   * Host port or pool of host ports. Absent: pick one from the ephemeral range. `start < end` (only with a single
   * container port): pick any one free port of the range.
   */
  hostPort?: { start: number; end: number };
  containerPort: number;
  protocol: PortProtocol;
}

/** A resolved binding, as passed to the portmap plugin and shown by `port`. */
export interface PortMapping {
  /** Host address, normalised; '' means every address. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
}

/** A port the container listens on (`EXPOSE`, `--expose`): `80/tcp`. */
export interface ExposedPort {
  port: number;
  protocol: PortProtocol;
}

/** Docker's nat.SplitProtoPort: `80/udp` -> ['udp', '80']; no slash -> tcp. */
function splitProtoPort(raw: string): [proto: string, port: string] {
  const parts = raw.split('/');
  if (raw.length === 0 || parts.length === 0 || parts[0]!.length === 0) return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if (parts[1]!.length === 0) return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

function validProto(p: string): p is PortProtocol {
  return (PortProtocols as readonly string[]).includes(p);
}

/** Docker's nat.ParsePortRange: `80` or `8000-8010`; returns undefined on any syntax or range error. */
function parsePortRange(s: string): { start: number; end: number } | undefined {
  const one = (x: string): number | undefined => {
    if (!/^\d{1,5}$/.test(x)) return undefined;
    const n = Number(x);
    return n > 65535 ? undefined : n;
  };
  if (!s.includes('-')) {
    const n = one(s);
    return n === undefined ? undefined : { start: n, end: n };
  }
  const [a, b, ...rest] = s.split('-');
  if (rest.length > 0 || a === undefined || b === undefined) return undefined;
  const start = one(a);
  const end = one(b);
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end };
}

/** Docker's splitParts: the last two colons separate host port and container port; the rest is the address. */
function splitParts(raw: string): [ip: string, hostPort: string, containerPort: string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1]!;
  switch (n) {
    case 1:
      return ['', '', containerPort];
    case 2:
      return ['', parts[0]!, containerPort];
    case 3:
      return [parts[0]!, parts[1]!, containerPort];
    default:
      return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, containerPort];
  }
}

/**
 * Parses one `-p` value into the bindings it requests.
 * @throws invalid-argument with Docker's wording (`invalid containerPort: x`, `invalid ranges specified for
 * container and host Ports: 80-81 and 8000-8002`, ...).
 */
export function parsePublish(spec: string): PortSpec[] {
  const [rawProto, rawPort] = splitProtoPort(spec);
  const proto = rawProto.toLowerCase();
  let [ip, hostPort, containerPort] = splitParts(rawPort);
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw invalidArgument(`invalid IP address: ${ip}`);
    ip = ip.slice(1, -1);
  }
  let hostIp = '';
  if (ip !== '') {
    const norm = normalizeIp(ip);
    if (norm === undefined) throw invalidArgument(`invalid IP address: ${ip}`);
    hostIp = norm;
  }
  if (containerPort === '') throw invalidArgument(`no port specified: ${rawPort}<empty>`);
  const cRange = parsePortRange(containerPort);
  if (cRange === undefined || cRange.start === 0) throw invalidArgument(`invalid containerPort: ${containerPort}`);
  let hRange: { start: number; end: number } | undefined;
  if (hostPort !== '') {
    hRange = parsePortRange(hostPort);
    if (hRange === undefined) throw invalidArgument(`invalid hostPort: ${hostPort}`);
  }
  if (!validProto(proto)) throw invalidArgument(`invalid proto: ${rawProto}`);
  const cCount = cRange.end - cRange.start;
  if (hRange !== undefined && hRange.end - hRange.start !== cCount && cCount !== 0) {
    throw invalidArgument(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const out: PortSpec[] = [];
  for (let i = 0; i <= cCount; i++) {
    const s: PortSpec = { hostIp, containerPort: cRange.start + i, protocol: proto };
    if (hRange !== undefined && !(hRange.start === 0 && hRange.end === 0)) {
      // A single container port with a host range keeps the whole range as a pool; pairwise otherwise.
      s.hostPort = cCount === 0 ? { ...hRange } : { start: hRange.start + i, end: hRange.start + i };
    }
    out.push(s);
  }
  return out;
}

/**
 * Parses one `--expose` value (`80`, `80/udp`, `8000-8010/tcp`).
 * @throws invalid-argument `invalid port format for --expose: x` / `invalid range format for --expose: x`
 */
export function parseExpose(spec: string): ExposedPort[] {
  const [rawProto, port] = splitProtoPort(spec);
  if (port.includes(':')) throw invalidArgument(`invalid port format for --expose: ${spec}`);
  const range = parsePortRange(port);
  if (range === undefined || range.start === 0) throw invalidArgument(`invalid range format for --expose: ${spec}`);
  const proto = rawProto.toLowerCase();
  if (!validProto(proto)) throw invalidArgument(`invalid proto: ${rawProto}`);
  const out: ExposedPort[] = [];
  for (let p = range.start; p <= range.end; p++) out.push({ port: p, protocol: proto });
  return out;
}

/** `80/tcp`: the key Docker uses in `Config.ExposedPorts` and `NetworkSettings.Ports`. */
export function portKey(p: { port?: number; containerPort?: number; protocol: PortProtocol }): string {
  return `${p.containerPort ?? p.port}/${p.protocol}`;
}

/** Parses an image config `ExposedPorts` key (`80/tcp`, `53/udp`, `80`); undefined when it is malformed. */
export function parseExposedPortKey(key: string): ExposedPort | undefined {
  try {
    const ports = parseExpose(key);
    return ports.length === 1 ? ports[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `-P`: every exposed port (image `ExposedPorts` keys plus `--expose` values) on a picked host port on all
 * addresses. Ports already published explicitly by `explicit` are left out, as Docker does.
 */
export function publishAllSpecs(exposed: Iterable<string | ExposedPort>, explicit: readonly PortSpec[] = []): PortSpec[] {
  const seen = new Set(explicit.map((s) => portKey(s)));
  const out: PortSpec[] = [];
  for (const e of exposed) {
    const ports = typeof e === 'string' ? parseExpose(e) : [e];
    for (const p of ports) {
      const key = portKey(p);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ hostIp: '', containerPort: p.port, protocol: p.protocol });
    }
  }
  return out;
}

/** The host address as Docker prints it: '' -> `0.0.0.0`, IPv6 in brackets. */
export function formatHostAddress(hostIp: string, hostPort: number): string {
  const ip = hostIp === '' ? '0.0.0.0' : hostIp;
  return parseIp(ip)?.family === 6 ? `[${ip}]:${hostPort}` : `${ip}:${hostPort}`;
}

/** One line of `docker port`: `80/tcp -> 0.0.0.0:8080`. */
export function formatPortMapping(m: PortMapping): string {
  return `${m.containerPort}/${m.protocol} -> ${formatHostAddress(m.hostIp, m.hostPort)}`;
}

/** `docker ps` PORTS column entry: `0.0.0.0:8080->80/tcp`. */
export function formatPortMappingShort(m: PortMapping): string {
  return `${formatHostAddress(m.hostIp, m.hostPort)}->${m.containerPort}/${m.protocol}`;
}

/** True when two host bindings would collide: same protocol and port, and one address covers the other. */
export function hostBindingsOverlap(
  a: Pick<PortMapping, 'hostIp' | 'hostPort' | 'protocol'>,
  b: Pick<PortMapping, 'hostIp' | 'hostPort' | 'protocol'>,
): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  const wild = (ip: string) => ip === '' || ip === '0.0.0.0' || ip === '::';
  return wild(a.hostIp) || wild(b.hostIp) || a.hostIp === b.hostIp;
}
