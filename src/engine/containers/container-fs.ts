/**
 * A container's filesystem as its processes see it, for `cp` and `export`, without touching the container's own
 * mount namespace: a private mount tree in a temporary directory under the state root.
 *
 * - Running (or paused): the rootfs the container was started on is mounted on the host (bundle `rootfs/`); it is
 *   bind-mounted again (never a second overlay mount of the same upper directory, which overlayfs forbids).
 * - Otherwise the snapshot is mounted, under the container's lock so that a concurrent `start` waits for us.
 * - With `volumes`, the container's bind mounts and volumes go on top at their destinations (resolved inside the
 *   root, mount points created when missing, read-only ones read-only), and its hostname, hosts and resolv.conf
 *   files too, as Docker's daemon does for `cp` (tmpfs mounts exist only inside the container and are not seen).
 *
 * Everything is mounted private (so nothing propagates to the container or the host) and unmounted afterwards,
 * also when `fn` throws.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveInRoot } from '../archive/root-path.js';
import { internal } from '../errdefs.js';
import { isMountPoint, mountAll, unmount, type Mount } from '../mount/mount.js';
import type { OpContext } from '../op-context.js';
import type { ContainerServiceOptions } from './deps.js';
import { withContainerLock } from './lock.js';
import { containerPaths } from './paths.js';
import type { ContainerRecord } from './types.js';

const execFileAsync = promisify(execFile);

/** One mount of the tree, as a container path. */
export interface ContainerFsMount {
  readonly destination: string;
  readonly readOnly: boolean;
}

export interface ContainerFs {
  /** Host directory holding the container's `/`. */
  readonly root: string;
  /** What is mounted over the rootfs (volumes, binds, network files), by container path. */
  readonly mounts: readonly ContainerFsMount[];
}

export interface ContainerFsOptions {
  /** Mount the container's volumes, binds and network files too (cp); export wants the rootfs alone. */
  readonly volumes: boolean;
}

async function makePrivate(dir: string): Promise<void> {
  try {
    await execFileAsync('mount', ['--make-rprivate', dir]);
  } catch (err) {
    throw internal(`make "${dir}" private: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`, { cause: err });
  }
}

/** Creates the mount point `p` (a directory or an empty file) when missing; false when something else is there. */
function ensureMountPoint(p: string, dir: boolean): boolean {
  if (existsSync(p)) {
    const st = lstatSync(p);
    return dir ? st.isDirectory() : !st.isDirectory();
  }
  mkdirSync(dir ? p : path.dirname(p), { recursive: true, mode: 0o755 });
  if (!dir) closeSync(openSync(p, 'a', 0o644));
  return true;
}

/** The extra mounts of `rec` in mount order (parents first). */
function extraMounts(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord): { source: string; destination: string; readOnly: boolean; recursive: boolean }[] {
  const out: { source: string; destination: string; readOnly: boolean; recursive: boolean }[] = [];
  for (const m of rec.config.mounts) {
    if (m.type === 'tmpfs' || m.source === '') continue;
    out.push({
      source: m.subpath ? path.join(m.source, m.subpath) : m.source,
      destination: m.destination,
      readOnly: m.readOnly,
      recursive: m.nonRecursive !== true,
    });
  }
  const own = containerPaths(d, ctx.namespace, rec.id);
  const shared = rec.state.network?.sharedWith !== undefined ? containerPaths(d, ctx.namespace, rec.state.network.sharedWith) : undefined;
  const files: [string, string][] = [
    [own.hostnameFile, '/etc/hostname'],
    [shared?.hostsFile ?? own.hostsFile, '/etc/hosts'],
    [shared?.resolvConfFile ?? own.resolvConfFile, '/etc/resolv.conf'],
  ];
  for (const [source, destination] of files) {
    if (existsSync(source) && !out.some((m) => m.destination === destination)) {
      out.push({ source, destination, readOnly: false, recursive: false });
    }
  }
  return out.sort((a, b) => a.destination.split('/').length - b.destination.split('/').length);
}

/** Runs `fn` with the filesystem of `rec` mounted (see the module comment). */
export async function withContainerFs<T>(
  d: ContainerServiceOptions,
  ctx: OpContext,
  rec: ContainerRecord,
  opts: ContainerFsOptions,
  fn: (fs: ContainerFs) => Promise<T>,
): Promise<T> {
  const paths = containerPaths(d, ctx.namespace, rec.id);
  const running = rec.state.status === 'running' || rec.state.status === 'paused';
  const work = async (): Promise<T> => {
    const base = path.join(d.stateRoot, 'tmp');
    await mkdir(base, { recursive: true, mode: 0o700 });
    const root = await mkdtemp(path.join(base, `fs-${rec.id.slice(0, 12)}-`));
    let mounted = false;
    try {
      let rootMounts: Mount[];
      if (await isMountPoint(paths.rootfs)) rootMounts = [{ type: 'bind', source: paths.rootfs, options: ['bind'] }];
      else rootMounts = await d.storage.snapshotterFor(rec.snapshotter).mounts(ctx, rec.snapshotKey);
      await mountAll(rootMounts, root);
      mounted = true;
      await makePrivate(root);
      const mounts: ContainerFsMount[] = [];
      if (opts.volumes) {
        for (const m of extraMounts(d, ctx, rec)) {
          let isDir: boolean;
          try {
            isDir = statSync(m.source).isDirectory();
          } catch {
            continue; // a bind source removed from the host: nothing to show there
          }
          const target = resolveInRoot(root, m.destination).path;
          if (!ensureMountPoint(target, isDir)) continue;
          const options = [m.recursive ? 'rbind' : 'bind', 'private', ...(m.readOnly ? ['ro'] : [])];
          await mountAll([{ type: 'bind', source: m.source, options }], target);
          mounts.push({ destination: m.destination, readOnly: m.readOnly });
        }
      }
      return await fn({ root, mounts });
    } finally {
      if (mounted) {
        await unmount(root, { recursive: true }).catch(async () => unmount(root, { recursive: true, lazy: true }).catch(() => {}));
      }
      await rmdir(root).catch(() => {});
    }
  };
  // A stopped container's snapshot is mounted here: keep `start` (which mounts it too) out meanwhile.
  return running ? work() : withContainerLock(d.store, ctx, rec.id, work);
}
