/**
 * `network inspect` in Docker's JSON shape (Docker 20.10 field order). Pure: the `Containers` map comes from the
 * caller, usually from {@link networkContainers} over the endpoint store.
 */
import { Nerdctl } from '../engine/labels.js';
import type { NetworkInfo } from './cni/config.js';
import type { EndpointRecord } from './endpoint-store.js';

export interface DockerNetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** `10.4.1.2/24`, or '' */
  IPv4Address: string;
  IPv6Address: string;
}

export interface DockerNetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string> | null;
    Config: { Subnet: string; IPRange?: string; Gateway?: string }[];
  };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerNetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** A container attached to a network, as the caller knows it (from its records or from the endpoint store). */
export interface NetworkContainerEntry {
  containerId: string;
  name: string;
  endpointId: string;
  macAddress?: string;
  ipv4Address?: string;
  ipv6Address?: string;
}

/** Docker's `network inspect` object for `net` with the given attached containers. */
export function inspectNetwork(net: NetworkInfo, containers: readonly NetworkContainerEntry[] = []): DockerNetworkInspect {
  const labels = { ...net.labels };
  delete labels[Nerdctl.defaultNetwork];
  const options = { ...net.options };
  if (net.isDefault) options['com.docker.network.bridge.default_bridge'] = 'true';
  const Containers: Record<string, DockerNetworkContainer> = {};
  for (const c of containers) {
    Containers[c.containerId] = {
      Name: c.name.replace(/^\//, ''),
      EndpointID: c.endpointId,
      MacAddress: c.macAddress ?? '',
      IPv4Address: c.ipv4Address ?? '',
      IPv6Address: c.ipv6Address ?? '',
    };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: 'local',
    Driver: net.driver,
    EnableIPv6: net.enableIPv6,
    IPAM: {
      Driver: net.ipamDriver || 'default',
      Options: net.pseudo ? null : {},
      Config: net.ipam.map((r) => ({
        Subnet: r.subnet,
        ...(r.ipRange ? { IPRange: r.ipRange } : {}),
        ...(r.gateway ? { Gateway: r.gateway } : {}),
      })),
    },
    Internal: net.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers,
    Options: options,
    Labels: labels,
  };
}

/** The containers attached to `net` according to the endpoint store records (only fully attached ones). */
export function networkContainers(records: readonly EndpointRecord[], net: Pick<NetworkInfo, 'id'>): NetworkContainerEntry[] {
  const out: NetworkContainerEntry[] = [];
  for (const r of records) {
    if (r.state !== 'attached') continue;
    for (const ep of r.networks) {
      if (ep.networkId !== net.id) continue;
      out.push({
        containerId: r.containerId,
        name: r.name ?? r.containerId.slice(0, 12),
        endpointId: ep.endpointId,
        ...(ep.macAddress ? { macAddress: ep.macAddress } : {}),
        ...(ep.ipAddress ? { ipv4Address: `${ep.ipAddress}/${ep.prefixLength}` } : {}),
        ...(ep.ipv6Address ? { ipv6Address: `${ep.ipv6Address}/${ep.ipv6PrefixLength}` } : {}),
      });
    }
  }
  return out;
}
