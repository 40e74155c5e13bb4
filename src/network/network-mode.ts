/**
 * `--network` values (repeatable, as in nerdctl) to a network mode. Pure.
 *
 *   (none given), bridge, default    the default network
 *   <name or id>                     user networks (several allowed, eth0, eth1, ... in order)
 *   none                             only a loopback interface
 *   host                             the host's network namespace
 *   container:<name|id>              another container's network namespace
 *   ns:<path>                        an existing network namespace (nerdctl)
 */
import { invalidArgument } from '../engine/errdefs.js';

export type NetworkModeSpec =
  | { mode: 'cni'; networks: string[] }
  | { mode: 'none' }
  | { mode: 'host' }
  | { mode: 'container'; container: string }
  | { mode: 'ns'; path: string };

const CONFLICT = 'conflicting options: cannot attach both user-defined and non-user-defined network-modes';

export function parseNetworkModes(values: readonly string[]): NetworkModeSpec {
  const vals = values.map((v) => v.trim()).filter((v) => v !== '');
  if (vals.length === 0) return { mode: 'cni', networks: ['bridge'] };
  const special = vals.filter((v) => v === 'none' || v === 'host' || v.startsWith('container:') || v.startsWith('ns:'));
  if (special.length > 0) {
    if (vals.length > 1) throw invalidArgument(CONFLICT);
    const v = special[0]!;
    if (v === 'none' || v === 'host') return { mode: v };
    if (v.startsWith('container:')) {
      const container = v.slice('container:'.length);
      if (container === '') throw invalidArgument(`invalid network mode "${v}": container name or ID missing`);
      return { mode: 'container', container };
    }
    const path = v.slice('ns:'.length);
    if (!path.startsWith('/')) throw invalidArgument(`invalid network mode "${v}": ns: needs an absolute path`);
    return { mode: 'ns', path };
  }
  const networks: string[] = [];
  for (const v of vals) {
    const n = v === 'default' ? 'bridge' : v;
    if (!networks.includes(n)) networks.push(n);
  }
  return { mode: 'cni', networks };
}
