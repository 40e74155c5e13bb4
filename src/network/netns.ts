/**
 * Named network namespaces, one per container, made with iproute2's `ip netns`.
 *
 * Why `ip netns` rather than our own bind mount under the state root: Node cannot call unshare(2), so a helper
 * process is needed either way, and `ip netns add` also does the delicate part right: it makes /var/run/netns a
 * shared mount point before bind-mounting the namespace, so an unmount later propagates into mount namespaces
 * copied in between (a private copy would pin the namespace and leak it). It also makes the namespaces visible to
 * the usual tools (`ip netns exec`, `ip -n`), which helps debugging. The cost is one short exec of a C program.
 *
 * Names are `nerdctl-<container id>` (see {@link netnsNameFor}); the path given to runc and to CNI is
 * `/var/run/netns/<name>`.
 */
import { stat, statfs } from 'node:fs/promises';
import { alreadyExists, internal, isErrno } from '../engine/errdefs.js';
import { runCommand } from './run-command.js';

export const NETNS_RUN_DIR = '/var/run/netns';

/** nsfs's magic number (statfs f_type): a bind-mounted namespace file rather than a leftover plain file. */
const NSFS_MAGIC = 0x6e736673;

export function netnsNameFor(containerId: string): string {
  return `nerdctl-${containerId}`;
}

export function netnsPath(name: string): string {
  return `${NETNS_RUN_DIR}/${name}`;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.length > 200) {
    throw internal(`invalid network namespace name "${name}"`);
  }
}

/** True when `/var/run/netns/<name>` is a mounted network namespace. */
export async function netnsExists(name: string): Promise<boolean> {
  checkName(name);
  try {
    const s = await statfs(netnsPath(name));
    return Number(s.type) === NSFS_MAGIC;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * Creates the namespace and brings its loopback interface up (what `--network none` needs, and what every
 * container expects). Returns its path.
 * @throws already-exists when a namespace of that name exists; internal when iproute2 fails
 */
export async function createNetns(name: string): Promise<string> {
  checkName(name);
  const add = await runCommand('ip', ['netns', 'add', name]);
  if (add.code !== 0) {
    if (/File exists/i.test(add.stderr)) throw alreadyExists({ kind: 'object', ref: `netns ${name}` });
    throw internal(`create network namespace ${name}: ${add.stderr.trim() || `ip exited with ${add.code}`}`);
  }
  const lo = await runCommand('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  if (lo.code !== 0) {
    await removeNetns(name).catch(() => {});
    throw internal(`bring up loopback in network namespace ${name}: ${lo.stderr.trim()}`);
  }
  return netnsPath(name);
}

/**
 * Unmounts and removes the namespace file. Idempotent: a missing namespace is not an error. The namespace itself
 * lives on while a process still runs in it, and is freed by the kernel when the last one exits.
 */
export async function removeNetns(name: string): Promise<void> {
  checkName(name);
  try {
    await stat(netnsPath(name));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  const del = await runCommand('ip', ['netns', 'delete', name]);
  if (del.code !== 0 && !/No such file/i.test(del.stderr)) {
    throw internal(`remove network namespace ${name}: ${del.stderr.trim() || `ip exited with ${del.code}`}`);
  }
}
