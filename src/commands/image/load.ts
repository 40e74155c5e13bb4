import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, invalidArgument, isErrno } from '../../engine/errdefs.js';
import { loadedLine } from '../../engine/images/names.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService, platformFlag, toPlatforms } from './shared.js';

export const loadCommand = defineCommand({
  name: 'load',
  summary: 'Load an image from a tar archive or STDIN',
  description: 'Load images from a tar archive or STDIN: docker-archive (what docker save writes) or OCI image layout, optionally compressed.',
  examples: [
    { command: 'nerdctl load -i busybox.tar', description: 'Load the images of an archive made by "nerdctl save" or "docker save"' },
    { command: 'nerdctl load < images.tar', description: 'Load an archive from STDIN' },
  ],
  flags: {
    input: { type: 'string', short: 'i', describe: 'Read from tar archive file, instead of STDIN', complete: 'files' },
    quiet: { type: 'boolean', short: 'q', describe: 'Suppress the load output' },
    platform: platformFlag,
    'all-platforms': { type: 'boolean', describe: 'Import content for all platforms' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const platforms = toPlatforms(flags.platform);
    let input: Readable;
    if (flags.input !== undefined) {
      const file = path.resolve(ctx.cwd, flags.input);
      try {
        if (!(await stat(file)).isFile()) throw invalidArgument(`"${flags.input}" is not a file`);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) throw new EngineError('not-found', `open ${flags.input}: no such file or directory`);
        throw err;
      }
      input = createReadStream(file, { highWaterMark: 1 << 20 });
    } else {
      if (ctx.stdin.isTTY) throw invalidArgument('requested load from stdin, but stdin is empty');
      input = ctx.stdin;
    }
    const images = await imageService(ctx);
    const loaded = await images.load(ctx.op(), input, {
      ...(platforms.length > 0 ? { platforms } : {}),
      ...(flags['all-platforms'] ? { allPlatforms: true } : {}),
    });
    if (!flags.quiet) for (const l of loaded) ctx.out.line(loadedLine(l));
  },
});
