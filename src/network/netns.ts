/**
 * Named network namespaces, one per container, made with iproute2's `ip netns`.
 *
 * Why `ip netns` rather than our own bind mount under the state root: Node cannot call unshare(2), so a helper
 * process is needed either way, and `ip netns add` also does the delicate part right: it makes /var/run/netns a
 * shared mount point before bind-mounting the namespace, so an unmount later propagates into mount namespaces
 * copied in between (a private copy would pin the namespace and leak it). It also makes the namespaces visible to
 * the usual tools (`ip netns exec`, `ip -n`), which helps debugging. The cost is one short exec of a C program.
 *
 * Once `ip netns` has set that directory up (any earlier `ip netns add` on this boot did), a namespace is made with
 * one helper process instead of two: `unshare --net=<file> ip link set lo up` creates it, bind-mounts it on the file
 * (the same mount `ip netns add` makes, under the same shared mount point) and brings loopback up inside. Every exec
 * from the CLI costs a few milliseconds of fork/exec on a loaded machine, so this is one less per container.
 *
 * Names are `nerdctl-<container id>` (see {@link netnsNameFor}); the path given to runc and to CNI is
 * `/var/run/netns/<name>`.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { open, stat, statfs, unlink } from 'node:fs/promises';
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

/** Whether NETNS_RUN_DIR is a shared mount point already (then `unshare` can make namespaces there). */
let runDirShared: boolean | undefined;

/** Parses /proc/self/mountinfo: is `dir` a mount point with shared propagation? Pure; exported for tests. */
export function isSharedMountPoint(mountinfo: string, dir: string): boolean {
  return mountinfo.split('\n').some((line) => {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    return f[4] === dir && sep > 6 && f.slice(6, sep).some((o) => o.startsWith('shared:'));
  });
}

function runDirReady(): boolean {
  if (runDirShared === true) return true;
  try {
    // Synchronous on purpose: a small file the kernel generates on read, and the promise form of readFile would
    // queue behind whatever else the thread pool and event loop are doing at the start of an attach.
    runDirShared = isSharedMountPoint(readFileSync('/proc/self/mountinfo', 'utf8'), realpathSync(NETNS_RUN_DIR));
  } catch {
    runDirShared = false;
  }
  return runDirShared;
}

/** `unshare --net=<file> ip link set lo up`; false when unshare is unusable here (then `ip netns add` is used). */
async function createWithUnshare(name: string): Promise<boolean> {
  const path = netnsPath(name);
  try {
    // The mount point, created exclusively: an existing file is a namespace (or debris) of that name.
    await (await open(path, 'wx', 0o000)).close();
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw alreadyExists({ kind: 'object', ref: `netns ${name}` });
    return false;
  }
  let r;
  try {
    r = await runCommand('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up']);
  } catch {
    r = { code: -1, stdout: '', stderr: '' };
  }
  if (r.code === 0) return true;
  // Not mounted (unshare failed early) or mounted with lo down: undo, then let `ip netns add` try.
  if (await netnsExists(name).catch(() => false)) await removeNetns(name);
  else await unlink(path).catch(() => {});
  return false;
}

/**
 * Creates the namespace and brings its loopback interface up (what `--network none` needs, and what every
 * container expects). Returns its path.
 * @throws already-exists when a namespace of that name exists; internal when iproute2 fails
 */
export async function createNetns(name: string): Promise<string> {
  checkName(name);
  if (runDirReady() && (await createWithUnshare(name))) return netnsPath(name);
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

/**
 * Deletes host links (veth ends of the container's interfaces) and then the namespace, with one `ip -batch`:
 * deleting a veth waits for the kernel (10-20 ms), which this lets run beside other teardown work. Links already
 * gone are fine. Idempotent like {@link removeNetns}.
 * @throws internal when the namespace is still there afterwards
 */
export async function removeNetnsWithLinks(name: string, links: readonly string[]): Promise<void> {
  checkName(name);
  const valid = links.filter((l) => /^[A-Za-z0-9_.@-]{1,15}$/.test(l));
  const present = await stat(netnsPath(name)).then(
    () => true,
    (err: unknown) => {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    },
  );
  const lines = [...valid.map((l) => `link del dev ${l}`), ...(present ? [`netns delete ${name}`] : [])];
  if (lines.length === 0) return;
  // -force: go on after a failed line (a link that vanished); the namespace is checked below.
  await runCommand('ip', ['-force', '-batch', '-'], { input: lines.join('\n') + '\n' });
  // Whatever the batch left (a mount, or the file): the one-step path reports it properly.
  if (present && (await stat(netnsPath(name)).then(() => true, () => false))) await removeNetns(name);
}
