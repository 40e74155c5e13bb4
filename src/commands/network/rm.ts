import { EngineError, findEngineError, hasCode } from '../../engine/errdefs.js';
import { networkActor } from '../../engine/events/types.js';
import type { Networking, NetworkInfo } from '../../network/index.js';
import type { CommandContext } from '../_lib/context.js';
import { errorText } from '../_lib/exit.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { emitEvent, withNetworks } from './shared.js';

/**
 * Docker's wording for a network that still has containers on it (with the names and short IDs newer Docker
 * adds). Pure.
 */
export function activeEndpointsError(net: Pick<NetworkInfo, 'name' | 'id'>, containers: readonly { id: string; name?: string }[], cause?: unknown): EngineError {
  const who = containers.map((c) => `name:"${c.name ?? ''}" id:"${c.id.slice(0, 12)}"`).join(', ');
  return new EngineError(
    'failed-precondition',
    `error while removing network: network ${net.name} id ${net.id} has active endpoints${who === '' ? '' : ` (${who})`}`,
    { subject: { kind: 'network', ref: net.name }, ...(cause !== undefined ? { cause } : {}) },
  );
}

/** Removes one network with Docker's errors; returns it. */
export async function removeOneNetwork(ctx: CommandContext, nets: Networking, ref: string): Promise<NetworkInfo> {
  const net = await nets.getNetwork(ctx.op(), ref);
  try {
    await nets.removeNetwork(ctx.op(), net);
  } catch (err) {
    // The layer refuses a network with attached containers with failed-precondition about that network
    // (pre-defined networks are refused without a subject).
    const e = findEngineError(err);
    if (e?.code === 'failed-precondition' && e.subject?.kind === 'network') {
      const users = nets
        .listAttachments()
        .filter((a) => a.networks.some((n) => n.networkId === net.id))
        .map((a) => ({ id: a.containerId, ...(a.name !== undefined ? { name: a.name } : {}) }));
      throw activeEndpointsError(net, users, err);
    }
    throw err;
  }
  await emitEvent(ctx, { type: 'network', action: 'destroy', actor: networkActor(net) });
  return net;
}

export const networkRmCommand = defineCommand({
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  examples: [
    { command: 'nerdctl network rm mynet', description: 'Remove the network mynet' },
  ],
  flags: {
    force: { type: 'boolean', short: 'f', describe: 'Do not error if the network does not exist' },
  },
  args: { min: 1, complete: ['networks'] },
  async handler({ flags, args }, ctx) {
    let failed = false;
    await withNetworks(ctx, async (nets) => {
      for (const ref of args) {
        try {
          await removeOneNetwork(ctx, nets, ref);
          ctx.out.line(ref);
        } catch (err) {
          if (flags.force && hasCode(err, 'not-found')) continue;
          ctx.err.line(`Error: ${errorText(err)}`);
          failed = true;
        }
      }
    });
    if (failed) throw new ExitStatus(1);
  },
});
