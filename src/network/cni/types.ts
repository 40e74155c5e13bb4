/**
 * CNI value types (spec 1.0.0, https://www.cni.dev/docs/spec/), limited to what nerdctl reads and writes.
 * Unknown fields are kept (index signatures) so configs written by other tools round-trip.
 */

/** One plugin entry of a conflist's `plugins` array. */
export interface CniPluginConf {
  type: string;
  /** Capabilities the plugin accepts through `runtimeConfig` (portMappings, mac, ips, aliases, ...). */
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** A network configuration list (`*.conflist`). nerdctl adds `nerdctlID` and `nerdctlLabels`. */
export interface CniConfList {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: CniPluginConf[];
  nerdctlID?: string;
  nerdctlLabels?: Record<string, string>;
  [key: string]: unknown;
}

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** The netns path for interfaces inside the container; absent for host-side ones (bridge, veth). */
  sandbox?: string;
}

export interface CniIpConfig {
  /** CIDR form: `10.4.1.2/24`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  /** Results before 0.3.x -> 1.0.0 conversion carry `version`. */
  version?: string;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** The result of ADD (the last plugin's output for a conflist). */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
  [key: string]: unknown;
}

/** The portmap plugin's `portMappings` capability entry. */
export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  /** Absent: every host address. */
  hostIP?: string;
}

/** Values for `runtimeConfig`, handed to each plugin that declares the capability. */
export interface CniCapabilityArgs {
  portMappings?: CniPortMapping[];
  mac?: string;
  ips?: string[];
  aliases?: string[];
  [capability: string]: unknown;
}

/** What identifies one attachment of a container to one network. */
export interface CniInvocation {
  containerId: string;
  /** Path of the network namespace; '' when it is gone (DEL must still clean up what it can). */
  netnsPath: string;
  ifname: string;
  /** CNI_ARGS pairs, e.g. [['IP', '10.4.1.5'], ['MAC', '02:42:...']]; `IgnoreUnknown=1` is always sent. */
  args?: readonly (readonly [string, string])[];
  capabilityArgs?: CniCapabilityArgs;
}

/** A CNI error object, as plugins print it on stdout when they fail. */
export interface CniErrorObject {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}
