/**
 * The overlayfs driver: `<root>/<id>/fs` is the snapshot's layer (the upper dir while active, a lower dir once
 * committed) and `<root>/<id>/work` overlayfs's work dir.
 *
 * Mount shapes, as containerd's overlay snapshotter uses them:
 * - no parent: a bind mount of the snapshot's own `fs` (rw for active, ro for a view);
 * - a view on a single parent: a read-only bind mount of the parent's `fs` (overlayfs needs an upper dir or at
 *   least two lower dirs);
 * - otherwise: `overlay` with `lowerdir` = the parents' `fs`, nearest first, plus `upperdir`/`workdir` when active.
 *
 * Deep images: each lower dir costs its full path in the option string, and the kernel reads at most one page of
 * options. Paths here stay absolute (mounts are data others may print or pass on); mount/mount.ts rewrites them
 * relative to the snapshots directory and mounts from there when the string would be too long.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Mount } from '../mount/mount.js';
import type { SnapshotDriver } from './driver.js';

let indexOn: boolean | undefined;

/**
 * overlayfs's `index` feature, when on by default, ties an upper dir to the lower dirs it was first mounted with;
 * remounting a snapshot over different lowers (a view, a rebuilt chain) would then fail. containerd turns it off
 * per mount when the module enables it; so do we.
 */
function indexEnabled(): boolean {
  if (indexOn === undefined) {
    try {
      indexOn = readFileSync('/sys/module/overlay/parameters/index', 'utf8').trim() === 'Y';
    } catch {
      indexOn = false;
    }
  }
  return indexOn;
}

/** Creates the overlayfs driver for `<root>` (normally `<dataRoot>/snapshots/overlayfs`). */
export function createOverlayDriver(root: string): SnapshotDriver {
  const fs = (dir: string) => path.join(dir, 'fs');
  return {
    name: 'overlayfs',
    root,

    async create(dir, kind, parents) {
      await mkdir(fs(dir), { mode: 0o755 });
      // A work dir is only needed when this snapshot will be an upper dir.
      if (kind === 'active' && parents.length > 0) await mkdir(path.join(dir, 'work'), { mode: 0o711 });
    },

    mounts(dir, kind, parents): Mount[] {
      const ro = kind === 'view';
      if (parents.length === 0) {
        return [{ type: 'bind', source: fs(dir), options: ['rbind', ro ? 'ro' : 'rw'] }];
      }
      if (ro && parents.length === 1) {
        return [{ type: 'bind', source: fs(parents[0]!), options: ['rbind', 'ro'] }];
      }
      const options: string[] = [];
      if (indexEnabled()) options.push('index=off');
      if (ro) options.push('ro');
      else options.push(`workdir=${path.join(dir, 'work')}`, `upperdir=${fs(dir)}`);
      options.push(`lowerdir=${parents.map(fs).join(':')}`);
      return [{ type: 'overlay', source: 'overlay', options }];
    },

    usagePath: fs,
  };
}
