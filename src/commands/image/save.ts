import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService, platformFlag, toPlatforms } from './shared.js';

export const saveCommand = defineCommand({
  name: 'save',
  usage: 'IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  examples: [
    { command: 'nerdctl save -o busybox.tar busybox', description: 'Save the image busybox to an archive that "nerdctl load" and "docker load" read' },
    { command: 'nerdctl save myapp:v1 myapp:v2 | gzip > myapp.tar.gz', description: 'Save two images to one compressed archive' },
  ],
  flags: {
    output: { type: 'string', short: 'o', describe: 'Write to a file, instead of STDOUT', complete: 'files' },
    platform: platformFlag,
    'all-platforms': { type: 'boolean', describe: 'Export content for all platforms' },
  },
  args: { min: 1, complete: ['images:local'] },
  async handler({ flags, args }, ctx) {
    const platforms = toPlatforms(flags.platform);
    const options = { ...(platforms.length > 0 ? { platforms } : {}), ...(flags['all-platforms'] ? { allPlatforms: true } : {}) };
    if (flags.output === undefined && ctx.out.isTTY) {
      throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const images = await imageService(ctx);
    if (flags.output === undefined) {
      await images.save(ctx.op(), args, ctx.out.stream as NodeJS.WritableStream & import('node:stream').Writable, options);
      return;
    }
    // Written beside the target and renamed at the end, so a failed save leaves no truncated archive.
    const target = path.resolve(ctx.cwd, flags.output);
    const tmp = `${target}.tmp-${process.pid}`;
    const file = createWriteStream(tmp, { mode: 0o644 });
    try {
      await images.save(ctx.op(), args, file, options);
      await finished(file);
      await rename(tmp, target);
    } catch (err) {
      file.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  },
});
