import { EngineError, hasCode } from '../../engine/errdefs.js';
import { networkActor } from '../../engine/events/types.js';
import { defineCommand } from '../_lib/spec.js';
import { isRunning, requestedNetworks, requestIs, setEndpoints, setRequestedNetworks, withLockedContainer } from './connect.js';
import { emitEvent, withNetworks } from './shared.js';

export const networkDisconnectCommand = defineCommand({
  name: 'disconnect',
  usage: 'NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  examples: [
    { command: 'nerdctl network disconnect backend mydb', description: 'Disconnect the container mydb from the network backend' },
  ],
  flags: {
    force: { type: 'boolean', short: 'f', describe: 'Force the container to disconnect from a network' },
  },
  args: { min: 2, max: 2, complete: ['networks', 'containers'] },
  async handler({ args }, ctx) {
    const [network, ref] = args as [string, string];
    const ns = ctx.op().namespace;
    await withNetworks(ctx, (nets) =>
      withLockedContainer(ctx, ref, async (svc, rec) => {
        const net = await nets.getNetwork(ctx.op(), network);
        const requested = requestedNetworks(rec);
        const notConnected = () => new EngineError('failed-precondition', `container ${rec.id} is not connected to network ${net.name}`);
        const attached = isRunning(rec) && (rec.state.network?.endpoints ?? []).some((e) => e.networkId === net.id);
        if (!requested.some((r) => requestIs(r, net)) && !attached) throw notConnected();
        if (isRunning(rec)) {
          try {
            await nets.disconnect(ctx.op(), rec.id, net.id);
          } catch (err) {
            if (!hasCode(err, 'not-found')) throw err;
          }
          setEndpoints(svc, ns, rec.id, (eps) => eps.filter((e) => e.networkId !== net.id));
        }
        setRequestedNetworks(
          svc,
          ns,
          rec,
          requested.filter((r) => !requestIs(r, net)),
        );
        if (isRunning(rec)) await emitEvent(ctx, { type: 'network', action: 'disconnect', actor: networkActor(net, { container: rec.id }) });
      }),
    );
  },
});
