// What a benchmark leaves on the host besides its temporary directory, removed at its end: the private default
// bridge (device and per-bridge iptables rules, as `network rm` would remove them) and the runtime state root that
// the CLI derives from the data root (runc root, bundles, exit files).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Deletes bridge `name` and every iptables rule that names it. */
export function removeBridge(name) {
  spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  for (const tool of ['iptables', 'ip6tables']) {
    let table = 'filter';
    for (const l of spawnSync(`${tool}-save`, [], { encoding: 'utf8' }).stdout?.split('\n') ?? []) {
      if (l.startsWith('*')) table = l.slice(1);
      else if (l.startsWith('-A ') && new RegExp(`(^|[\\s"])${name}([\\s"]|$)`).test(l)) {
        spawnSync('sh', ['-c', `${tool} -t ${table} -D ${l.slice(3)}`], { stdio: 'ignore' });
      }
    }
  }
}

/** The CLI's state root for a data root (src/commands/_lib/config.ts stateRootFor: FNV-1a of the path). */
export function stateRootFor(dataRoot) {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(dataRoot)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return `/run/nerdctl-${h.toString(16).padStart(16, '0').slice(0, 10)}`;
}

/** Unmounts what is left under the state root of `dataRoot` and removes it. */
export function removeStateRoot(dataRoot) {
  const root = stateRootFor(dataRoot);
  spawnSync('umount', ['-R', root], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}
