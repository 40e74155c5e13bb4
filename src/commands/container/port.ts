/** `port`: the published ports of a container (`80/tcp -> 0.0.0.0:8080`), or the bindings of one port. */
import { invalidArgument } from '../../engine/errdefs.js';
import type { PortBinding } from '../../engine/containers/types.js';
import { defineCommand } from '../_lib/spec.js';
import { containerService } from './shared.js';

function hostAddress(b: PortBinding): string {
  const ip = b.hostIp === '' ? '0.0.0.0' : b.hostIp;
  return ip.includes(':') ? `[${ip}]:${b.hostPort}` : `${ip}:${b.hostPort}`;
}

/** `docker port` lines (pure): all bindings, or those of `private` (`80` or `80/udp`). */
export function portLines(bindings: readonly PortBinding[], containerRef: string, privatePort?: string): string[] {
  const sorted = [...bindings].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol) || a.hostIp.localeCompare(b.hostIp));
  if (privatePort === undefined) return sorted.map((b) => `${b.containerPort}/${b.protocol} -> ${hostAddress(b)}`);
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(privatePort);
  if (!m) throw invalidArgument(`Invalid port: ${privatePort}`);
  const port = Number(m[1]);
  const proto = m[2] ?? 'tcp';
  const hits = sorted.filter((b) => b.containerPort === port && b.protocol === proto).map(hostAddress);
  if (hits.length === 0) throw invalidArgument(`No public port '${port}/${proto}' published for ${containerRef}`);
  return hits;
}

export const portCommand = defineCommand({
  name: 'port',
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  examples: [
    { command: 'nerdctl port web', description: 'List the port mappings of the container web' },
    { command: 'nerdctl port web 80/tcp', description: 'The host addresses that port 80 of the container is published on' },
  ],
  flags: {},
  args: { min: 1, max: 2, complete: ['containers:running', 'none'] },
  async handler({ args }, ctx) {
    const svc = await containerService(ctx);
    const bindings = await svc.ports(ctx.op(), args[0]!);
    for (const l of portLines(bindings, args[0]!, args[1])) ctx.out.line(l);
  },
});
