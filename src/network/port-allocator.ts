/**
 * Turns requested bindings ({@link PortSpec}) into concrete host ports, and refuses the taken ones with Docker's
 * wording. The caller runs this holding the endpoint store's lock and records the result in the same transaction,
 * so two processes never hand out the same port (nerdctl issue #1530).
 *
 * A host port is taken when
 *  - another container holds it: a reservation in the endpoint store, a mapping the caller passes in (container
 *    records), or a portmap DNAT rule on the host (other data roots, other tools)
 *      -> `Bind for 0.0.0.0:8080 failed: port is already allocated`
 *  - a host process holds it: binding a socket on that address/port/protocol fails (tried before CNI ADD)
 *      -> `Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use`
 * Both carry Docker's prefix `driver failed programming external connectivity on endpoint <name> (<endpoint id>)`.
 *
 * Picked ports come from the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 by
 * default; 49153-60999 if unreadable), sequentially after the last one handed out, per protocol: this is what
 * Docker 20.10 does (its first `-p 80` here gets 32768, the next 32769).
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { conflict, unavailable } from '../engine/errdefs.js';
import { parseIp } from './ip.js';
import { formatHostAddress, hostBindingsOverlap, type PortMapping, type PortProtocol, type PortSpec } from './ports.js';

export type Binding = Pick<PortMapping, 'hostIp' | 'hostPort' | 'protocol'>;

export type BindProbe = (hostIp: string, port: number, protocol: PortProtocol) => Promise<'free' | NodeJS.ErrnoException>;

export interface AllocatePortsInput {
  specs: readonly PortSpec[];
  /** Bindings held by other containers (store reservations, caller-supplied mappings, DNAT rules). */
  taken: readonly Binding[];
  /** For the error message: the container name and endpoint ID, as Docker prints them. */
  endpointName: string;
  endpointId: string;
  /** The range picked ports come from. */
  range: { start: number; end: number };
  /** The last port handed out per protocol (allocation continues after it). */
  cursor: Partial<Record<PortProtocol, number>>;
  /** Tries to bind; default {@link probeBind}. */
  probe?: BindProbe;
}

export interface AllocatePortsResult {
  mappings: PortMapping[];
  cursor: Partial<Record<PortProtocol, number>>;
}

const FALLBACK_RANGE = { start: 49153, end: 60999 };

/** The kernel's ephemeral port range, as Docker reads it. */
export async function ephemeralPortRange(): Promise<{ start: number; end: number }> {
  try {
    const [a, b] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (a !== undefined && b !== undefined && Number.isInteger(a) && Number.isInteger(b) && a > 0 && b >= a && b <= 65535) {
      return { start: a, end: b };
    }
  } catch {
    // fall through
  }
  return FALLBACK_RANGE;
}

/**
 * Binds and releases a socket on hostIp:port to see whether a host process holds it. sctp cannot be probed from
 * Node and reads as free.
 */
export const probeBind: BindProbe = (hostIp, port, protocol) => {
  const family = parseIp(hostIp === '' ? '0.0.0.0' : hostIp)?.family ?? 4;
  const host = hostIp === '' ? '0.0.0.0' : hostIp;
  if (protocol === 'sctp') return Promise.resolve('free');
  if (protocol === 'udp') {
    return new Promise((resolve) => {
      const s = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
      s.once('error', (err) => {
        s.close();
        resolve(err as NodeJS.ErrnoException);
      });
      s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve('free')));
    });
  }
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err) => resolve(err as NodeJS.ErrnoException));
    srv.listen({ host, port, exclusive: true, ipv6Only: family === 6 }, () => srv.close(() => resolve('free')));
  });
};

function prefix(input: AllocatePortsInput): string {
  return `driver failed programming external connectivity on endpoint ${input.endpointName} (${input.endpointId})`;
}

function listenWord(hostIp: string, protocol: PortProtocol): string {
  const fam = parseIp(hostIp === '' ? '0.0.0.0' : hostIp)?.family === 6 ? '6' : '4';
  return `${protocol}${fam}`;
}

function bindFailure(input: AllocatePortsInput, b: Binding, err: NodeJS.ErrnoException): Error {
  const what =
    err.code === 'EADDRINUSE'
      ? 'bind: address already in use'
      : err.code === 'EADDRNOTAVAIL'
        ? 'bind: cannot assign requested address'
        : err.code === 'EACCES'
          ? 'bind: permission denied'
          : `bind: ${err.message}`;
  const addr = b.hostIp === '' ? '0.0.0.0' : b.hostIp;
  const hostPort = addr.includes(':') ? `[${addr}]:${b.hostPort}` : `${addr}:${b.hostPort}`;
  return conflict(`${prefix(input)}: Error starting userland proxy: listen ${listenWord(b.hostIp, b.protocol)} ${hostPort}: ${what}`);
}

/**
 * Resolves every spec to one host port (see the module comment for the rules).
 * @throws conflict (port taken by a container or a host process); unavailable (no free port left in a range)
 */
export async function allocatePorts(input: AllocatePortsInput): Promise<AllocatePortsResult> {
  const probe = input.probe ?? probeBind;
  const taken: Binding[] = [...input.taken];
  const cursor = { ...input.cursor };
  const mappings: PortMapping[] = [];
  const isTaken = (b: Binding) => taken.some((t) => hostBindingsOverlap(t, b));

  for (const spec of input.specs) {
    const base = { hostIp: spec.hostIp, protocol: spec.protocol };
    let chosen: number | undefined;
    if (spec.hostPort !== undefined && spec.hostPort.start === spec.hostPort.end) {
      const b = { ...base, hostPort: spec.hostPort.start };
      if (isTaken(b)) {
        throw conflict(`${prefix(input)}: Bind for ${formatHostAddress(spec.hostIp, b.hostPort)} failed: port is already allocated`);
      }
      const res = await probe(spec.hostIp, b.hostPort, spec.protocol);
      if (res !== 'free') throw bindFailure(input, b, res);
      chosen = b.hostPort;
    } else if (spec.hostPort !== undefined) {
      // A pool: the first port of the range that nobody holds.
      for (let p = spec.hostPort.start; p <= spec.hostPort.end && chosen === undefined; p++) {
        const b = { ...base, hostPort: p };
        if (!isTaken(b) && (await probe(spec.hostIp, p, spec.protocol)) === 'free') chosen = p;
      }
      if (chosen === undefined) {
        const addr = formatHostAddress(spec.hostIp, spec.hostPort.start).replace(/:\d+$/, '');
        throw conflict(`${prefix(input)}: Bind for ${addr}:${spec.hostPort.start}-${spec.hostPort.end} failed: port is already allocated`);
      }
    } else {
      const { start, end } = input.range;
      const size = end - start + 1;
      const last = cursor[spec.protocol];
      let p = last !== undefined && last >= start && last < end ? last + 1 : start;
      for (let i = 0; i < size && chosen === undefined; i++, p = p === end ? start : p + 1) {
        const b = { ...base, hostPort: p };
        if (!isTaken(b) && (await probe(spec.hostIp, p, spec.protocol)) === 'free') chosen = p;
      }
      if (chosen === undefined) throw unavailable(`${prefix(input)}: all ports are allocated`);
      cursor[spec.protocol] = chosen;
    }
    const m: PortMapping = { ...base, hostPort: chosen, containerPort: spec.containerPort };
    mappings.push(m);
    taken.push(m);
  }
  return { mappings, cursor };
}
