/**
 * The network layer's facade: one object per CLI invocation, opened with the global options, that the `network`
 * commands, the containers service (run/start/rm, `internal cleanup`) and compose call.
 *
 * Lifecycle: `openNetworking(options)` opens `<dataRoot>/network/network.db` (no other side effect); `close()`
 * closes it. Every method takes the caller's OpContext first (namespace, logger, cancellation).
 *
 * Serialisation: network creation and removal, attach/detach bookkeeping and hosts-file rewrites all run under the
 * endpoint store's lock (one writer at a time across processes). Slow plugin execs run outside it.
 *
 * Errors (EngineError codes):
 *   getNetwork           not-found (`network "x": not found`), invalid-argument (ambiguous ID prefix)
 *   createNetwork        already-exists, conflict (subnet overlap, bridge name), invalid-argument (options),
 *                        not-implemented (driver/IPAM driver), failed-precondition (plugins missing)
 *   removeNetwork        failed-precondition (pre-defined network; in use: "network x is in use by container y")
 *   attach               see attach.ts; detach: failed-precondition when a plugin's DEL failed
 */
import { failedPrecondition } from '../engine/errdefs.js';
import type { OpContext } from '../engine/op-context.js';
import { attachNetworks, connectNetwork, detachNetworks, disconnectNetwork, startNetns, type AttachContext } from './attach.js';
import type { AttachedEndpoint, AttachOptions, AttachResult, EndpointRequest } from './attach.js';
import {
  createNetworkConfig,
  DEFAULT_NETCONF_PATH,
  ensureDefaultNetworkConfig,
  findNetwork,
  loadNetworks,
  NetworkConfigCache,
  pseudoNetwork,
  removeNetworkConfig,
  type CreateNetworkOptions,
  type NetworkConfigEnv,
  type NetworkInfo,
} from './cni/config.js';
import { DEFAULT_CNI_PATH, type CniRuntime } from './cni/exec.js';
import { EndpointStore, type EndpointRecord } from './endpoint-store.js';
import { inspectNetwork, networkContainers, type DockerNetworkInspect } from './inspect.js';

export interface NetworkingOptions {
  /** nerdctl's data root; network state lives in `<dataRoot>/network/`. */
  dataRoot: string;
  /** --cni-netconfpath (default /etc/cni/net.d). */
  netconfPath?: string;
  /** --cni-path: a colon-separated string or a list (default /usr/lib/cni, /opt/cni/bin). */
  cniPath?: string | readonly string[];
  /** The default network's subnet/gateway (nerdctl's --bridge-ip) and bridge device (tests isolate with it). */
  defaultNetwork?: { subnet?: string; gateway?: string; bridge?: string };
}

export interface Networking {
  readonly env: NetworkConfigEnv;
  readonly store: EndpointStore;

  /** Docker's `network ls` set: the default network (created on first use), user networks, `host` and `none`. */
  listNetworks(ctx: OpContext): Promise<NetworkInfo[]>;
  /** Resolves a name, full ID or ID prefix; `host`/`none` give the pseudo networks. */
  getNetwork(ctx: OpContext, ref: string): Promise<NetworkInfo>;
  createNetwork(ctx: OpContext, opts: CreateNetworkOptions): Promise<NetworkInfo>;
  /**
   * Removes a network: conflist, bridge device, IPAM allocations. Refuses while the endpoint store has containers
   * attached to it; `inUseBy` lets the caller add its own knowledge (e.g. container records).
   */
  removeNetwork(ctx: OpContext, ref: string | NetworkInfo, inUseBy?: readonly string[]): Promise<NetworkInfo>;
  /** Removes every user network with no attached container and not kept by `keep`; returns the removed ones. */
  pruneNetworks(ctx: OpContext, keep?: (net: NetworkInfo) => boolean): Promise<NetworkInfo[]>;
  ensureDefaultNetwork(ctx: OpContext): Promise<NetworkInfo>;
  /** Docker's inspect JSON, with `Containers` from the endpoint store (or from `containers` when given). */
  inspectNetwork(ctx: OpContext, net: NetworkInfo): Promise<DockerNetworkInspect>;

  /**
   * Starts creating the container's network namespace (with loopback up) right away, so that it overlaps with the
   * caller's other preparation (image, rootfs, OCI spec); the next `attach` of the container in this instance picks
   * it up (for modes `cni` and `none`). If no attach follows, `detach` removes it. Never throws: a failure shows at
   * attach. A no-op when the container has an attachment already.
   */
  prepareNetns(containerId: string): void;
  attach(ctx: OpContext, opts: AttachOptions): Promise<AttachResult>;
  /** Idempotent: a container without an attachment is a no-op. */
  detach(ctx: OpContext, containerId: string): Promise<void>;
  connect(ctx: OpContext, containerId: string, request: EndpointRequest): Promise<AttachedEndpoint>;
  disconnect(ctx: OpContext, containerId: string, networkRef: string): Promise<void>;
  /** The recorded attachment of a container (networks with IPs, ports, netns), if any. */
  getAttachment(containerId: string): EndpointRecord | undefined;
  /** Every recorded attachment (all namespaces). */
  listAttachments(): EndpointRecord[];

  close(): void;
}

function cniPaths(p: NetworkingOptions['cniPath']): string[] {
  if (p === undefined) return [...DEFAULT_CNI_PATH];
  return (typeof p === 'string' ? p.split(':') : [...p]).filter((d) => d !== '');
}

/** Opens the network layer for one invocation (see the module comment). */
export function openNetworking(options: NetworkingOptions): Networking {
  const paths = cniPaths(options.cniPath);
  const env: NetworkConfigEnv = {
    netconfPath: options.netconfPath ?? DEFAULT_NETCONF_PATH,
    dataRoot: options.dataRoot,
    cniPaths: paths,
    cache: new NetworkConfigCache(),
    ...(options.defaultNetwork ? { defaultNetwork: options.defaultNetwork } : {}),
  };
  const store = new EndpointStore(options.dataRoot);
  const cni: CniRuntime = { paths };
  // Per-invocation: the firewall check of each bridge, shared by all attaches (compose attaches many containers).
  const rulesChecks = new Map<string, Promise<void>>();
  const preparedNetns = new Map<string, Promise<unknown>>();
  const envFor = (ctx: OpContext): NetworkConfigEnv => ({ ...env, log: ctx.log });
  const actx = (ctx: OpContext): AttachContext => ({
    env: envFor(ctx),
    store,
    cni: { ...cni, log: ctx.log },
    namespace: ctx.namespace,
    log: ctx.log,
    signal: ctx.signal,
    rulesChecks,
    preparedNetns,
  });

  const visible = async (ctx: OpContext): Promise<NetworkInfo[]> => {
    const nets = await loadNetworks(envFor(ctx), ctx.namespace);
    if (nets.some((n) => n.isDefault)) return nets;
    return [await ensureDefaultNetworkConfig(envFor(ctx), ctx.namespace), ...nets];
  };

  const attachedTo = (net: NetworkInfo): string[] =>
    store
      .all()
      .filter((r) => r.networks.some((n) => n.networkId === net.id))
      .map((r) => r.name ?? r.containerId.slice(0, 12));

  const self: Networking = {
    env,
    store,
    async listNetworks(ctx) {
      const nets = await visible(ctx);
      const def = nets.filter((n) => n.isDefault);
      const rest = nets.filter((n) => !n.isDefault).sort((a, b) => a.name.localeCompare(b.name));
      return [...def, pseudoNetwork('host'), pseudoNetwork('none'), ...rest];
    },
    async getNetwork(ctx, ref) {
      return findNetwork(await visible(ctx), ref);
    },
    async createNetwork(ctx, opts) {
      return store.withLock(() => createNetworkConfig(envFor(ctx), ctx.namespace, opts));
    },
    async removeNetwork(ctx, ref, inUseBy = []) {
      return store.withLock(async () => {
        const net = typeof ref === 'string' ? findNetwork(await visible(ctx), ref) : ref;
        if (net.pseudo || net.isDefault) {
          throw failedPrecondition(`${net.name} is a pre-defined network and cannot be removed`);
        }
        const users = [...new Set([...attachedTo(net), ...inUseBy])];
        if (users.length > 0) {
          throw failedPrecondition(`network ${net.name} is in use by container ${users.map((u) => `"${u}"`).join(', ')}`, {
            subject: { kind: 'network', ref: net.name },
          });
        }
        await removeNetworkConfig(envFor(ctx), net);
        if (net.bridge !== undefined) rulesChecks.delete(net.bridge);
        return net;
      });
    },
    async pruneNetworks(ctx, keep) {
      const removed: NetworkInfo[] = [];
      for (const net of await visible(ctx)) {
        if (net.isDefault || net.pseudo || !net.managed || (keep?.(net) ?? false)) continue;
        try {
          removed.push(await self.removeNetwork(ctx, net));
        } catch (err) {
          ctx.log.debug('prune: network kept', { network: net.name, error: err });
        }
      }
      return removed;
    },
    ensureDefaultNetwork(ctx) {
      return ensureDefaultNetworkConfig(envFor(ctx), ctx.namespace);
    },
    async inspectNetwork(_ctx, net) {
      return inspectNetwork(net, net.pseudo ? [] : networkContainers(store.all(), net));
    },
    prepareNetns(containerId) {
      if (preparedNetns.has(containerId) || store.get(containerId) !== undefined) return;
      preparedNetns.set(containerId, startNetns(containerId));
    },
    attach(ctx, opts) {
      return attachNetworks(actx(ctx), opts);
    },
    detach(ctx, containerId) {
      return detachNetworks(actx(ctx), containerId);
    },
    connect(ctx, containerId, request) {
      return connectNetwork(actx(ctx), containerId, request);
    },
    disconnect(ctx, containerId, networkRef) {
      return disconnectNetwork(actx(ctx), containerId, networkRef);
    },
    getAttachment(containerId) {
      return store.get(containerId);
    },
    listAttachments() {
      return store.all();
    },
    close() {
      store.close();
    },
  };
  return self;
}
