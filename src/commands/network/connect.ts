/**
 * `network connect`, and what `network disconnect` shares with it. Docker's behaviour: the change is recorded in
 * the container's config (so it lasts across restarts, and a stopped container joins the network at its next
 * start), and a running container is attached (or detached) at once through the network layer.
 */
import { EngineError, failedPrecondition, findEngineError } from '../../engine/errdefs.js';
import { withContainerLock } from '../../engine/containers/lock.js';
import type { ContainerServiceImpl } from '../../engine/containers/service.js';
import type { ContainerRecord, NetworkAttachmentRequest, NetworkEndpoint } from '../../engine/containers/types.js';
import { networkActor } from '../../engine/events/types.js';
import { toContainerEndpoint } from '../../network/container-provider.js';
import type { AttachedEndpoint, NetworkInfo } from '../../network/index.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand } from '../_lib/spec.js';
import { emitEvent, withNetworks } from './shared.js';

/** True when a requested network (name, id or id prefix as typed at create) is `net`. Pure. */
export function requestIs(req: NetworkAttachmentRequest, net: Pick<NetworkInfo, 'name' | 'id'>): boolean {
  return req.network === net.name || req.network === net.id || (req.network.length >= 3 && /^[0-9a-f]+$/.test(req.network) && net.id.startsWith(req.network));
}

/** The networks a container asks for, refusing modes that cannot join networks (Docker's errors). Pure. */
export function requestedNetworks(rec: ContainerRecord): readonly NetworkAttachmentRequest[] {
  const mode = rec.config.network.mode;
  if (mode.kind === 'bridge') return mode.networks;
  if (mode.kind === 'host') throw failedPrecondition('container cannot be disconnected from host network or connected to host network');
  throw failedPrecondition('container sharing network namespace with another container or host cannot be connected to any other network');
}

export function isRunning(rec: ContainerRecord): boolean {
  return rec.state.status === 'running' || rec.state.status === 'paused';
}

/** Replaces the requested networks in the container's config. */
export function setRequestedNetworks(svc: ContainerServiceImpl, ns: string, rec: ContainerRecord, networks: NetworkAttachmentRequest[]): void {
  svc.deps.store.updateConfig(ns, rec.id, { ...rec.config, network: { ...rec.config.network, mode: { kind: 'bridge', networks } } });
}

/** Updates the runtime endpoints (inspect's addresses) after an attach or detach. */
export function setEndpoints(svc: ContainerServiceImpl, ns: string, id: string, change: (eps: readonly NetworkEndpoint[]) => NetworkEndpoint[]): void {
  svc.deps.store.updateState(ns, id, (s) => (s.network ? { ...s, network: { ...s.network, endpoints: change(s.network.endpoints) } } : s));
}

/** Runs `fn` with the container resolved and locked against concurrent start/stop/rm. */
export async function withLockedContainer<T>(ctx: CommandContext, ref: string, fn: (svc: ContainerServiceImpl, rec: ContainerRecord) => Promise<T>): Promise<T> {
  const svc = await (await ctx.engine()).containers();
  const op = ctx.op();
  const first = await svc.get(op, ref);
  return withContainerLock(svc.deps.store, op, first.id, async () => fn(svc, await svc.get(op, first.id)));
}

export const networkConnectCommand = defineCommand({
  name: 'connect',
  usage: 'NETWORK CONTAINER',
  summary: 'Connect a container to a network',
  description:
    'Connect a container to a network. A running container gets a new interface (eth1, eth2...) at once and peers on that ' +
    'network resolve its name and aliases; a stopped one joins the network when it starts.',
  flags: {
    alias: { type: 'strings', describe: 'Add network-scoped alias for the container', valueName: 'strings' },
    ip: { type: 'string', describe: 'IPv4 address (e.g., 172.30.100.104)' },
    ip6: { type: 'string', describe: 'IPv6 address (e.g., 2001:db8::33)' },
    'driver-opt': { type: 'strings', describe: 'driver options for the network', hidden: true },
    link: { type: 'strings', describe: 'Add link to another container', hidden: true },
    'link-local-ip': { type: 'strings', describe: 'Add a link-local address for the container', hidden: true },
  },
  args: { min: 2, max: 2, complete: ['networks', 'containers'] },
  examples: [{ command: 'nerdctl network connect --alias db backend mydb', description: 'Connect container mydb to network backend, also as "db"' }],
  async handler({ flags, args }, ctx) {
    const [network, ref] = args as [string, string];
    const ns = ctx.op().namespace;
    await withNetworks(ctx, (nets) =>
      withLockedContainer(ctx, ref, async (svc, rec) => {
        const net = await nets.getNetwork(ctx.op(), network);
        if (net.pseudo) throw failedPrecondition(`container cannot be disconnected from host network or connected to host network`);
        const requested = requestedNetworks(rec);
        const already = () => new EngineError('already-exists', `endpoint with name ${rec.name} already exists in network ${net.name}`);
        if (requested.some((r) => requestIs(r, net))) throw already();
        const req: NetworkAttachmentRequest = {
          network: net.name,
          ...(flags.ip !== undefined ? { ip: flags.ip } : {}),
          ...(flags.ip6 !== undefined ? { ip6: flags.ip6 } : {}),
          ...(flags.alias.length > 0 ? { aliases: flags.alias } : {}),
        };
        if (isRunning(rec)) {
          let ep: AttachedEndpoint;
          try {
            ep = await nets.connect(ctx.op(), rec.id, { ...req, network: net.id });
          } catch (err) {
            if (findEngineError(err)?.code === 'already-exists') throw already();
            throw err;
          }
          setEndpoints(svc, ns, rec.id, (eps) => [...eps.filter((e) => e.networkId !== ep.networkId), toContainerEndpoint(ep)]);
        }
        setRequestedNetworks(svc, ns, rec, [...requested, req]);
        if (isRunning(rec)) await emitEvent(ctx, { type: 'network', action: 'connect', actor: networkActor(net, { container: rec.id }) });
      }),
    );
  },
});
