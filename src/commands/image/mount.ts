import path from 'node:path';
import { defineCommand } from '../_lib/spec.js';
import { imageService, platformFlag, toPlatforms } from './shared.js';

export const imageMountCommand = defineCommand({
  name: 'mount',
  usage: 'IMAGE DIR',
  summary: "Mount an image's root filesystem on a directory (read-only unless --rw)",
  examples: [
    { command: 'nerdctl image mount busybox /mnt/busybox', description: 'Mount the filesystem of the image busybox read-only on /mnt/busybox' },
    { command: 'nerdctl image mount --rw busybox /mnt/busybox', description: 'A writable mount whose changes are dropped on unmount' },
  ],
  flags: {
    rw: { type: 'boolean', describe: 'Mount a writable snapshot; changes are dropped on unmount' },
    platform: { ...platformFlag, hidden: true },
  },
  args: { min: 2, max: 2, complete: ['images:local', 'dirs'] },
  async handler({ flags, args }, ctx) {
    const platform = toPlatforms(flags.platform)[0];
    const images = await imageService(ctx);
    const dir = path.resolve(ctx.cwd, args[1]!);
    await images.mount(ctx.op(), args[0]!, dir, { rw: flags.rw, ...(platform !== undefined ? { platform } : {}) });
    ctx.out.line(dir);
  },
});

export const imageUnmountCommand = defineCommand({
  name: 'unmount',
  aliases: ['umount'],
  usage: 'DIR',
  summary: 'Unmount an image mounted with "image mount" and remove its snapshot',
  examples: [
    { command: 'nerdctl image unmount /mnt/busybox', description: 'Unmount an image mounted with "nerdctl image mount"' },
  ],
  flags: {},
  args: { min: 1, max: 1, complete: ['dirs'] },
  async handler({ args }, ctx) {
    const images = await imageService(ctx);
    const dir = path.resolve(ctx.cwd, args[0]!);
    await images.unmount(ctx.op(), dir);
    ctx.out.line(dir);
  },
});
