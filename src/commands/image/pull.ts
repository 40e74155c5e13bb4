import { EngineError, findEngineError } from '../../engine/errdefs.js';
import type { PullOptions } from '../../engine/images/types.js';
import { familiarString, parseReference } from '../../engine/reference.js';
import { createProgress } from '../_lib/progress.js';
import { defineCommand } from '../_lib/spec.js';
import { UsageError } from '../_lib/usage-error.js';
import { imageService, platformFlag, toPlatforms } from './shared.js';

/** Typed pull options from the flags (pure; unit-tested). */
export function toPullOptions(flags: { platform: string[]; 'all-platforms': boolean; unpack: string | undefined }): PullOptions {
  const unpack = flags.unpack ?? 'auto';
  if (!['auto', 'true', 'false'].includes(unpack)) throw new UsageError(`invalid argument "${unpack}" for "--unpack" flag: must be auto, true or false`, ['pull']);
  const platforms = toPlatforms(flags.platform);
  return {
    ...(platforms.length > 0 ? { platforms } : {}),
    ...(flags['all-platforms'] ? { allPlatforms: true } : {}),
    ...(unpack === 'false' ? { unpack: false } : {}),
  };
}

export const pullCommand = defineCommand({
  name: 'pull',
  usage: 'NAME[:TAG|@DIGEST]',
  summary: 'Pull an image from a registry',
  description: 'Pull an image from a registry. Layers download in parallel and unpack as they arrive.',
  flags: {
    platform: platformFlag,
    'all-platforms': { type: 'boolean', describe: 'Pull content for all platforms' },
    unpack: { type: 'string', describe: 'Unpack the image for the current single platform (auto/true/false)', default: 'auto' },
    quiet: { type: 'boolean', short: 'q', describe: 'Suppress verbose output' },
    'disable-content-trust': { type: 'boolean', describe: 'Skip image verification', default: true, hidden: true },
    'max-concurrent-downloads': { type: 'number', describe: 'Maximum number of layers downloaded at once', hidden: true },
  },
  args: { min: 1, max: 1, complete: ['images'] },
  examples: [{ command: 'nerdctl pull busybox', description: 'Pull the latest busybox image from Docker Hub' }],
  async handler({ flags, args }, ctx) {
    const ref = args[0]!;
    const options = toPullOptions(flags);
    const images = await imageService(ctx);
    const progress = await createProgress(ctx.out, { mode: 'pull', quiet: flags.quiet });
    let result;
    try {
      result = await images.pull(ctx.op(), ref, {
        ...options,
        ...(flags['max-concurrent-downloads'] !== undefined ? { maxConcurrentDownloads: flags['max-concurrent-downloads'] } : {}),
        onProgress: progress.listener,
      });
    } catch (err) {
      progress.stop();
      // A registry's "not found" is not a local "No such image": keep the registry's words. An access error already
      // says "may require 'docker login'": no second line.
      const e = findEngineError(err);
      const hint = e?.hint !== undefined && !e.message.includes('login') ? { hint: e.hint } : {};
      if (e !== undefined && e === err && (e.subject?.kind === 'image' || e.hint !== undefined)) {
        throw new EngineError(e.code, e.message, { cause: err, ...hint });
      }
      throw err;
    }
    progress.stop();
    if (!flags.quiet) {
      ctx.out.line(`Digest: ${result.digest}`);
      const shown = familiarString(parseReference(result.name));
      ctx.out.line(
        result.status === 'up-to-date' ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}`,
      );
    }
    ctx.out.line(result.name);
  },
});
