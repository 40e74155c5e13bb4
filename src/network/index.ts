/**
 * The network layer's public surface (see networking.ts for the facade, attach.ts for the attach/detach contract).
 * Pure helpers (ports, hosts, resolv.conf, network modes) are exported for the commands and compose.
 */
export { openNetworking, type Networking, type NetworkingOptions } from './networking.js';
export {
  attachNetworks,
  detachNetworks,
  connectNetwork,
  disconnectNetwork,
  toAttachedEndpoint,
  type AttachContext,
  type AttachOptions,
  type AttachResult,
  type AttachedEndpoint,
  type EndpointRequest,
  type NetworkRequest,
} from './attach.js';
export {
  DEFAULT_NETCONF_PATH,
  DEFAULT_NETWORK_NAME,
  DEFAULT_BRIDGE_DEVICE,
  DEFAULT_SUBNET,
  FIRST_USER_SUBNET,
  PSEUDO_NETWORK_NAMES,
  findNetwork,
  type CreateNetworkOptions,
  type IpamRangeInfo,
  type NetworkInfo,
  type NetworkConfigEnv,
} from './cni/config.js';
export { DEFAULT_CNI_PATH } from './cni/exec.js';
export type { EndpointRecord, NetworkEndpointRecord } from './endpoint-store.js';
export { inspectNetwork, networkContainers, type DockerNetworkInspect, type NetworkContainerEntry } from './inspect.js';
export { parseNetworkModes, type NetworkModeSpec } from './network-mode.js';
export { createNetns, removeNetns, netnsExists, netnsNameFor, netnsPath, NETNS_RUN_DIR } from './netns.js';
export {
  parsePublish,
  parseExpose,
  parseExposedPortKey,
  publishAllSpecs,
  formatPortMapping,
  formatPortMappingShort,
  formatHostAddress,
  portKey,
  type PortSpec,
  type PortMapping,
  type PortProtocol,
  type ExposedPort,
} from './ports.js';
export { parseAddHost, buildHostsFile, HOST_GATEWAY, type ExtraHost, type HostsRecord } from './hosts.js';
export { buildResolvConf, readHostResolvConf, type DnsOptions } from './resolv.js';
