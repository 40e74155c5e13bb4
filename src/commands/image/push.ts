import { formatReference, parseReference, parseReferenceRaw, repositoryName } from '../../engine/reference.js';
import { createProgress } from '../_lib/progress.js';
import { defineCommand } from '../_lib/spec.js';
import { imageService, platformFlag, toPlatforms } from './shared.js';

export const pushCommand = defineCommand({
  name: 'push',
  usage: 'NAME[:TAG]',
  summary: 'Push an image or a repository to a registry',
  examples: [
    { command: 'nerdctl push localhost:5000/myapp:v1', description: 'Push an image to a local registry' },
    { command: 'nerdctl push -a localhost:5000/myapp', description: 'Push every tag of the repository' },
  ],
  flags: {
    'all-tags': { type: 'boolean', short: 'a', describe: 'Push all tagged images in the repository' },
    platform: platformFlag,
    'all-platforms': { type: 'boolean', describe: 'Push content for all platforms' },
    quiet: { type: 'boolean', short: 'q', describe: 'Suppress verbose output' },
    'disable-content-trust': { type: 'boolean', describe: 'Skip image signing', default: true, hidden: true },
  },
  args: { min: 1, max: 1, complete: ['images:local'] },
  async handler({ flags, args }, ctx) {
    const ref = args[0]!;
    const images = await imageService(ctx);
    const platforms = toPlatforms(flags.platform);
    let refs = [ref];
    if (flags['all-tags']) {
      const repo = repositoryName(parseReferenceRaw(ref));
      refs = (await images.list(ctx.op()))
        .map((r) => r.name)
        .filter((n) => {
          try {
            const p = parseReferenceRaw(n);
            return repositoryName(p) === repo && p.tag !== undefined && p.digest === undefined;
          } catch {
            return false;
          }
        });
      if (refs.length === 0) refs = [ref];
    }
    for (const r of refs) {
      const progress = await createProgress(ctx.out, { mode: 'push', quiet: flags.quiet });
      let result;
      try {
        result = await images.push(ctx.op(), r, {
          ...(platforms.length > 0 ? { platforms } : {}),
          ...(flags['all-platforms'] ? { allPlatforms: true } : {}),
          onProgress: progress.listener,
        });
      } finally {
        progress.stop();
      }
      if (flags.quiet) ctx.out.line(formatReference(parseReference(r)));
      else ctx.out.line(`${result.tag}: digest: ${result.digest} size: ${result.size}`);
    }
  },
});
