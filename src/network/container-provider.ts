/**
 * The engine's {@link ContainerNetworkProvider}, implemented with this layer's Networking facade: the containers
 * service calls it around a container's task (setup before `runc create`, teardown at the final exit or removal)
 * and never imports src/network itself. The CLI creates one per invocation and injects it into the engine.
 *
 * Modes:
 * - bridge (CNI networks): `Networking.attach` (netns, CNI ADD per network, ports, hosts/resolv.conf kept up to
 *   date); `-P` publishes every exposed port not published explicitly. On user networks the container's short id
 *   is an alias, as Docker adds it.
 * - none: no namespace of ours — runc makes a fresh one with loopback up — only the hosts and resolv.conf files.
 *   That saves three `ip` execs per container.
 * - host: `Networking.attach` in host mode writes the files (the host's /etc/hosts, resolv.conf unfiltered).
 * - ns:<path>: the given namespace, with files like `none`.
 */
import { writeFile } from 'node:fs/promises';
import { invalidArgument } from '../engine/errdefs.js';
import type {
  ContainerNetworkProvider,
  NetworkEndpoint,
  NetworkSetupRequest,
  NetworkSetupResult,
  PortBinding,
} from '../engine/containers/types.js';
import type { OpContext } from '../engine/op-context.js';
import type { AttachedEndpoint } from './attach.js';
import { buildHostsFile, parseAddHost, resolveExtraHosts } from './hosts.js';
import type { Networking, NetworkingOptions } from './networking.js';
import { publishAllSpecs, type PortSpec } from './ports.js';
import { buildResolvConf, readHostResolvConf } from './resolv.js';

/** The default network's name (cni/config.ts's DEFAULT_NETWORK_NAME; not imported, to keep `none` runs off the CNI code). */
const DEFAULT_NETWORK_NAME = 'bridge';

export interface ContainerProviderOptions extends NetworkingOptions {
  /** `--host-gateway-ip`: what `host-gateway` in `--add-host` means. */
  readonly hostGatewayIp?: string;
}

/** The container record's view of an endpoint (inspect's NetworkSettings.Networks entry). Pure. */
export function toContainerEndpoint(e: AttachedEndpoint): NetworkEndpoint {
  return {
    network: e.network,
    networkId: e.networkId,
    endpointId: e.endpointId,
    ifname: e.ifname,
    ...(e.ipAddress !== undefined ? { ipAddress: e.ipAddress } : {}),
    ...(e.prefixLength !== undefined ? { prefixLength: e.prefixLength } : {}),
    ...(e.gateway !== undefined ? { gateway: e.gateway } : {}),
    ...(e.ipv6Address !== undefined ? { ipv6Address: e.ipv6Address } : {}),
    ...(e.ipv6PrefixLength !== undefined ? { ipv6PrefixLength: e.ipv6PrefixLength } : {}),
    ...(e.ipv6Gateway !== undefined ? { ipv6Gateway: e.ipv6Gateway } : {}),
    ...(e.macAddress !== undefined ? { macAddress: e.macAddress } : {}),
    aliases: [...e.aliases],
    ...(e.driver !== undefined ? { driver: e.driver } : {}),
  };
}

/** Writes hosts and resolv.conf for a container without CNI networks. */
async function writeStandaloneFiles(req: NetworkSetupRequest, hostGatewayIp: string | undefined): Promise<void> {
  const extra = resolveExtraHosts(req.extraHosts, hostGatewayIp);
  const host = await readHostResolvConf();
  await Promise.all([
    writeFile(req.hostsPath, buildHostsFile({ extraHosts: extra }), { mode: 0o644 }),
    writeFile(
      req.resolvConfPath,
      buildResolvConf({ hostContent: host.content, servers: req.dns.servers, search: req.dns.search, options: req.dns.options }),
      { mode: 0o644 },
    ),
  ]);
}

/** Creates the provider (see the module comment). Opening the network database waits for the first setup. */
export function createContainerNetworkProvider(options: ContainerProviderOptions): ContainerNetworkProvider & { close(): void } {
  let nets: Networking | undefined;
  // The CNI machinery loads only for modes that use it: `none` containers never pay for it.
  const net = async (): Promise<Networking> => (nets ??= (await import('./networking.js')).openNetworking(options));

  return {
    async validate(ctx: OpContext, req) {
      for (const h of req.extraHosts) parseAddHost(`${h.host}:${h.ip}`);
      if (req.mode.kind !== 'bridge') return;
      for (const r of req.mode.networks) {
        if (r.network === DEFAULT_NETWORK_NAME) {
          if ((r.aliases?.length ?? 0) > 0) {
            throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
          }
          continue;
        }
        const info = await (await net()).getNetwork(ctx, r.network);
        if (info.pseudo) {
          throw invalidArgument('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
        }
        if (info.isDefault && (r.aliases?.length ?? 0) > 0) {
          throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
        }
      }
    },

    async setup(ctx: OpContext, req: NetworkSetupRequest): Promise<NetworkSetupResult> {
      const mode = req.mode;
      if (mode.kind === 'none' || mode.kind === 'ns') {
        if (req.ports.length > 0 || req.publishAll) ctx.log.warn('Published ports are discarded when using host, none or container network mode');
        await writeStandaloneFiles(req, options.hostGatewayIp);
        return { netns: mode.kind === 'none' ? { kind: 'new' } : { kind: 'path', path: mode.path, shared: true }, endpoints: [], ports: [] };
      }
      const common = {
        containerId: req.containerId,
        name: req.name,
        hostname: req.hostname,
        ...(req.domainname ? { domainname: req.domainname } : {}),
        extraHosts: req.extraHosts,
        ...(options.hostGatewayIp ? { hostGatewayIp: options.hostGatewayIp } : {}),
        dns: { servers: req.dns.servers, search: req.dns.search, options: req.dns.options },
        hostsPath: req.hostsPath,
        resolvConfPath: req.resolvConfPath,
      };
      if (mode.kind === 'host') {
        if (req.ports.length > 0 || req.publishAll) ctx.log.warn('Published ports are discarded when using host, none or container network mode');
        await (await net()).attach(ctx, { ...common, network: { mode: 'host' } });
        return { netns: { kind: 'host' }, endpoints: [], ports: [] };
      }
      const explicit: PortSpec[] = req.ports.map((p) => ({ ...p, ...(p.hostPort ? { hostPort: { ...p.hostPort } } : {}) }));
      const ports = req.publishAll ? [...explicit, ...publishAllSpecs(req.exposedPorts, explicit)] : explicit;
      const shortId = req.containerId.slice(0, 12);
      const result = await (await net()).attach(ctx, {
        ...common,
        network: {
          mode: 'cni',
          networks: mode.networks.map((n) => ({
            network: n.network,
            ...(n.ip ? { ip: n.ip } : {}),
            ...(n.ip6 ? { ip6: n.ip6 } : {}),
            ...(n.mac ? { mac: n.mac } : {}),
            ...(n.network !== DEFAULT_NETWORK_NAME ? { aliases: [...new Set([shortId, ...(n.aliases ?? [])])] } : {}),
          })),
        },
        ports,
        ...(req.takenPorts ? { takenPorts: req.takenPorts.map((p) => ({ ...p })) } : {}),
      });
      const bindings: PortBinding[] = result.portMappings.map((m) => ({ hostIp: m.hostIp, hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol }));
      return {
        netns: { kind: 'path', path: result.netnsPath! },
        endpoints: result.endpoints.map(toContainerEndpoint),
        ports: bindings,
      };
    },

    async teardown(ctx: OpContext, containerId: string) {
      await (await net()).detach(ctx, containerId);
    },

    close() {
      nets?.close();
    },
  };
}
