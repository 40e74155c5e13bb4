import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errdefs.js';
import type { Usage } from './types.js';

/**
 * Disk usage of the tree at `dir` the way `du` counts it: allocated blocks (st_blocks * 512) and inodes, each
 * hard-linked inode once. A missing tree is empty. Does not follow symlinks or cross into other filesystems'
 * contents beyond their mount point inode.
 */
export async function diskUsage(dir: string): Promise<Usage> {
  const seen = new Set<string>();
  let size = 0;
  let inodes = 0;
  const visit = async (p: string): Promise<void> => {
    let st;
    try {
      st = await lstat(p, { bigint: false });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    inodes++;
    size += st.blocks * 512;
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(p);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    // Bounded fan-out: siblings in parallel batches keep big trees fast without exhausting file descriptors.
    for (let i = 0; i < names.length; i += 64) {
      await Promise.all(names.slice(i, i + 64).map((n) => visit(path.join(p, n))));
    }
  };
  await visit(dir);
  return { size, inodes };
}
