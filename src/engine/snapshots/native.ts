/**
 * The native driver: every snapshot is a full copy of its parent's tree in `<root>/<id>/fs`, mounted with a plain
 * bind mount. Slow and large, but works on any filesystem (containerd's native snapshotter).
 *
 * Copies are made with `cp -a` (GNU coreutils): it keeps ownership, modes, timestamps, hard links, device nodes,
 * symlinks and xattrs, which Node's fs.cp does not, and uses reflinks where the filesystem offers them.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../errdefs.js';
import type { Mount } from '../mount/mount.js';
import type { SnapshotDriver } from './driver.js';

async function copyTree(from: string, to: string): Promise<void> {
  // Loaded here: every command opens the snapshotters, few copy a tree (and child_process costs ms to load).
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(
      'cp',
      ['-a', '--reflink=auto', '--', `${from}/.`, `${to}/`],
      { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 1 << 20 },
      (err, _out, stderr) => {
        if (err === null) return resolve();
        const line = String(stderr).split('\n').find((l) => l.trim() !== '') ?? err.message;
        const why = line.replace(/^cp: /, '');
        reject(new EngineError('internal', `copy snapshot tree "${from}": ${why}`, { cause: err }));
      },
    );
  });
}

/** Creates the native driver for `<root>` (normally `<dataRoot>/snapshots/native`). */
export function createNativeDriver(root: string): SnapshotDriver {
  const fs = (dir: string) => path.join(dir, 'fs');
  return {
    name: 'native',
    root,

    async create(dir, _kind, parents) {
      await mkdir(fs(dir), { mode: 0o755 });
      const parent = parents[0];
      if (parent !== undefined) await copyTree(fs(parent), fs(dir));
    },

    mounts(dir, kind): Mount[] {
      return [{ type: 'bind', source: fs(dir), options: ['rbind', kind === 'view' ? 'ro' : 'rw'] }];
    },

    usagePath: fs,
  };
}
