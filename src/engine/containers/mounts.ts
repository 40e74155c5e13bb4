/**
 * Resolving a new container's storage requests into {@link ContainerMount}s, as Docker's daemon does at create:
 * - `-v /host:/ctr` creates a missing host directory; `--mount type=bind` with a missing source fails with
 *   Docker's `invalid mount config for type "bind": bind source path does not exist: /x`;
 * - named volumes are created on first use, anonymous ones (`-v /ctr`, `--mount type=volume` without a source,
 *   the image's VOLUMEs not covered by another mount) get a random name; new volumes are marked for copy-up of
 *   the image's content at that path (done at the first start, when the rootfs is mounted);
 * - `--volumes-from c[:ro|rw]` copies the other container's binds and volumes, except where a mount of our own
 *   has the same destination.
 * Everything made is reported in `undo` so a failing create can take it back.
 */
import { mkdir, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { invalidArgument, isErrno } from '../errdefs.js';
import type { OpContext } from '../op-context.js';
import type { Propagation, ResolvedMount } from '../oci/mounts.js';
import type { VolumeService } from '../volumes/types.js';
import type { ContainerCreateOptions } from './options.js';
import type { ContainerMount, ContainerRecord } from './types.js';

export interface ResolveMountsInput {
  readonly options: ContainerCreateOptions;
  /** Image VOLUME targets plus anonymous `-v /path` targets (MergedConfig.volumes). */
  readonly volumeTargets: readonly string[];
  readonly volumes: VolumeService;
  /** Looks up a `--volumes-from` container. */
  readonly findContainer: (ref: string) => ContainerRecord;
}

export interface ResolvedMounts {
  readonly mounts: ContainerMount[];
  /** Undoes what resolving made (new volumes, created host directories). Best effort. */
  undo(): Promise<void>;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}

/** Creates `dir` and its missing parents; returns the ones it created, outermost first. */
async function mkdirTracked(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let cur = dir;
  while (!(await exists(cur))) {
    missing.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  return missing;
}

/** Resolves the storage requests of a new container (see the module comment). */
export async function resolveMounts(ctx: OpContext, input: ResolveMountsInput): Promise<ResolvedMounts> {
  const createdVolumes: string[] = [];
  const createdDirs: string[] = [];
  const undo = async () => {
    for (const v of createdVolumes.reverse()) await input.volumes.remove(ctx, v, { force: true }).catch(() => {});
    for (const d of createdDirs.reverse()) await rmdir(d).catch(() => {});
  };
  const out: ContainerMount[] = [];
  const taken = new Set<string>();
  try {
    for (const m of input.options.mounts) {
      if (m.type === 'tmpfs') {
        taken.add(m.target);
        continue;
      }
      if (m.type === 'bind') {
        if (!(await exists(m.source))) {
          if (!m.createSource) {
            throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
          }
          createdDirs.push(...(await mkdirTracked(m.source)));
        }
        out.push({
          type: 'bind',
          source: m.source,
          destination: m.target,
          readOnly: m.readOnly,
          mode: [m.readOnly ? 'ro' : '', m.selinuxRelabel ?? ''].filter(Boolean).join(','),
          propagation: m.propagation,
          ...(m.nonRecursive ? { nonRecursive: true } : {}),
        });
        taken.add(m.target);
        continue;
      }
      const { volume, created } = m.name
        ? await input.volumes.ensure(ctx, m.name, { labels: m.labels, driver: m.driver, options: m.driverOptions })
        : { volume: await input.volumes.create(ctx, { anonymous: true }), created: true };
      if (created) createdVolumes.push(volume.name);
      let source = volume.mountpoint;
      if (m.subpath) {
        source = path.join(volume.mountpoint, m.subpath);
        if (!source.startsWith(volume.mountpoint + path.sep) || !(await exists(source))) {
          throw invalidArgument(`cannot access path ${source}: volume subpath does not exist in volume ${volume.name}`);
        }
      }
      out.push({
        type: 'volume',
        source,
        destination: m.target,
        readOnly: m.readOnly,
        mode: m.name ? 'z' : '',
        name: volume.name,
        driver: volume.driver,
        ...(m.name ? {} : { anonymous: true }),
        ...(created && !m.noCopy && !m.subpath ? { copyUp: true } : {}),
        ...(m.subpath ? { subpath: m.subpath } : {}),
      });
      taken.add(m.target);
    }

    for (const vf of input.options.volumesFrom) {
      const other = input.findContainer(vf.container);
      for (const m of other.config.mounts) {
        if (m.type === 'tmpfs' || taken.has(m.destination)) continue;
        const { copyUp: _c, anonymous: _a, ...rest } = m;
        out.push({ ...rest, readOnly: vf.readOnly || m.readOnly, fromContainer: other.id, ...(vf.readOnly ? { mode: 'ro' } : {}) });
        taken.add(m.destination);
      }
    }

    // The image's VOLUMEs (and `-v /path` targets already handled above) without a mount get an anonymous volume.
    for (const target of input.volumeTargets) {
      if (taken.has(target)) continue;
      const volume = await input.volumes.create(ctx, { anonymous: true });
      createdVolumes.push(volume.name);
      out.push({
        type: 'volume',
        source: volume.mountpoint,
        destination: target,
        readOnly: false,
        mode: '',
        name: volume.name,
        driver: volume.driver,
        anonymous: true,
        copyUp: true,
      });
      taken.add(target);
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return { mounts: out, undo };
}

/** The mounts the spec builder needs (binds and volumes; tmpfs comes from the options). */
export function specMounts(mounts: readonly ContainerMount[]): ResolvedMount[] {
  return mounts
    .filter((m) => m.type !== 'tmpfs')
    .map((m) => ({
      type: 'bind' as const,
      source: m.source,
      destination: m.destination,
      readOnly: m.readOnly,
      ...(m.type === 'bind' && m.propagation ? { propagation: m.propagation as Propagation } : {}),
      ...(m.nonRecursive ? { nonRecursive: true } : {}),
    }));
}
