/**
 * A volume's size as Docker counts it (moby pkg/directory): the apparent sizes of the files below it, directories
 * not counted, each hard-linked inode once. Symlinks count their own size; nothing is followed.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return; // vanished or unreadable: counts as empty, as Docker skips it
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = await lstat(p, { bigint: true });
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      if (st.size === 0n) continue;
      if (st.nlink > 1n) {
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
      }
      total += Number(st.size);
    }
  };
  await walk(dir);
  return total;
}
