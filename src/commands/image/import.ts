import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { EngineError, invalidArgument, isErrno, unavailable } from '../../engine/errdefs.js';
import type { ImportOptions } from '../../engine/images/types.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService, toPlatforms } from './shared.js';

/** Typed import options from flags and arguments (pure; unit-tested). */
export function toImportOptions(flags: { change: string[]; message: string | undefined; platform: string | undefined }, args: string[]): ImportOptions & { sourceArg: string } {
  const source = args[0]!;
  const platform = flags.platform !== undefined ? toPlatforms(flags.platform)[0] : undefined;
  return {
    sourceArg: source,
    ...(args[1] !== undefined ? { name: args[1] } : {}),
    changes: flags.change,
    ...(flags.message !== undefined ? { message: flags.message } : {}),
    source: /^https?:\/\//.test(source) ? source : '-',
    ...(platform !== undefined ? { platform } : {}),
  };
}

export const importCommand = defineCommand({
  name: 'import',
  usage: 'file|URL|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball to create a filesystem image',
  examples: [
    { command: 'nerdctl import rootfs.tar mybase:latest', description: 'Create an image from a tar archive of a root filesystem' },
    { command: `cat rootfs.tar | nerdctl import -c 'CMD ["/bin/sh"]' - mybase`, description: 'Import from STDIN, with a default command' },
  ],
  flags: {
    change: { type: 'strings', short: 'c', describe: 'Apply Dockerfile instruction to the created image', valueName: 'list' },
    message: { type: 'string', short: 'm', describe: 'Set commit message for imported image' },
    platform: { type: 'string', describe: 'Set platform if server is multi-platform capable', complete: 'platforms' },
  },
  args: { min: 1, max: 2, complete: ['files', 'none'] },
  async handler({ flags, args }, ctx) {
    const { sourceArg, ...options } = toImportOptions(flags, args);
    let input: Readable;
    if (sourceArg === '-') {
      input = ctx.stdin;
    } else if (/^https?:\/\//.test(sourceArg)) {
      let res: Response;
      try {
        res = await fetch(sourceArg, { signal: ctx.signal });
      } catch (err) {
        throw unavailable(`import: cannot download ${sourceArg}: ${(err as Error).message}`, { cause: err });
      }
      if (!res.ok || res.body === null) throw unavailable(`import: cannot download ${sourceArg}: ${res.status} ${res.statusText}`);
      input = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    } else {
      const file = path.resolve(ctx.cwd, sourceArg);
      try {
        if (!(await stat(file)).isFile()) throw invalidArgument(`"${sourceArg}" is not a file`);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) throw new EngineError('not-found', `open ${sourceArg}: no such file or directory`);
        throw err;
      }
      input = createReadStream(file, { highWaterMark: 1 << 20 });
    }
    const images = await imageService(ctx);
    const image = await images.import(ctx.op(), input, options);
    ctx.out.line(image.summary.id ?? image.target.digest);
  },
});
