import { EngineError, hasCode, invalidArgument } from '../../engine/errdefs.js';
import { networkActor } from '../../engine/events/types.js';
import type { CreateNetworkOptions } from '../../network/index.js';
import { defineCommand } from '../_lib/spec.js';
import { emitEvent, parseKeyValues, withNetworks } from './shared.js';

/** The flags of `network create` after parsing. */
export interface NetworkCreateFlags {
  driver: string;
  subnet: string[];
  gateway: string[];
  'ip-range': string[];
  'ipam-driver': string;
  internal: boolean;
  ipv6: boolean;
  label: string[];
  opt: string[];
}

/** `network create` flags to the network layer's options. Pure; bad values throw. */
export function toNetworkCreateOptions(name: string, flags: NetworkCreateFlags): CreateNetworkOptions {
  if (flags.gateway.length > flags.subnet.length || flags['ip-range'].length > flags.subnet.length) {
    // Docker's check, before the daemon sees the request.
    throw invalidArgument('every ip-range or gateway must have a corresponding subnet');
  }
  const labels = parseKeyValues(flags.label);
  const options = parseKeyValues(flags.opt, 'option');
  return {
    name,
    driver: flags.driver,
    ...(flags.subnet.length > 0 ? { subnets: flags.subnet } : {}),
    ...(flags.gateway.length > 0 ? { gateways: flags.gateway } : {}),
    ...(flags['ip-range'].length > 0 ? { ipRanges: flags['ip-range'] } : {}),
    ipamDriver: flags['ipam-driver'],
    internal: flags.internal,
    ipv6: flags.ipv6,
    labels,
    options,
  };
}

export const networkCreateCommand = defineCommand({
  name: 'create',
  usage: 'NETWORK',
  summary: 'Create a network',
  description:
    'Create a network. Drivers: bridge (default), macvlan and ipvlan (with -o parent=<interface>). Subnets must not overlap ' +
    'those of other networks; without --subnet the first free /24 from 10.4.1.0/24 upwards is used.',
  flags: {
    driver: { type: 'string', short: 'd', describe: 'Driver to manage the Network', default: 'bridge', complete: { values: ['bridge', 'macvlan', 'ipvlan'] } },
    subnet: { type: 'strings', describe: 'Subnet in CIDR format that represents a network segment', valueName: 'strings' },
    gateway: { type: 'strings', describe: 'IPv4 or IPv6 Gateway for the master subnet', valueName: 'strings' },
    'ip-range': { type: 'strings', describe: 'Allocate container ip from a sub-range', valueName: 'strings' },
    'ipam-driver': { type: 'string', describe: 'IP Address Management Driver', default: 'default', complete: { values: ['default', 'host-local'] } },
    internal: { type: 'boolean', describe: 'Restrict external access to the network' },
    ipv6: { type: 'boolean', describe: 'Enable IPv6 networking' },
    label: { type: 'strings', describe: 'Set metadata on a network', valueName: 'list' },
    opt: { type: 'strings', short: 'o', describe: 'Set driver specific options', valueName: 'map' },
  },
  args: { min: 1, max: 1 },
  examples: [
    { command: 'nerdctl network create --subnet 10.5.0.0/24 mynet', description: 'Create a bridge network with a fixed subnet' },
    { command: 'nerdctl network create -d macvlan -o parent=eth0 --subnet 192.168.1.0/24 lan', description: 'Create a macvlan network' },
  ],
  async handler({ flags, args }, ctx) {
    const name = args[0]!;
    const opts = toNetworkCreateOptions(name, flags);
    const net = await withNetworks(ctx, async (nets) => {
      try {
        return await nets.createNetwork(ctx.op(), opts);
      } catch (err) {
        if (hasCode(err, 'already-exists')) {
          throw new EngineError('already-exists', `network with name ${name} already exists`, {
            cause: err,
            subject: { kind: 'network', ref: name },
          });
        }
        throw err;
      }
    });
    await emitEvent(ctx, { type: 'network', action: 'create', actor: networkActor(net) });
    ctx.out.line(net.id);
  },
});
