/**
 * Pieces shared by the image commands: opening the image service, platform flags, Docker's display of names.
 */
import type { ImageService } from '../../engine/images/types.js';
import { parsePlatform, type Platform } from '../../engine/platforms.js';
import { familiarString, parseReferenceRaw } from '../../engine/reference.js';
import type { CommandContext } from '../_lib/context.js';

/** The image service of this invocation. */
export async function imageService(ctx: CommandContext): Promise<ImageService> {
  return (await ctx.engine()).images();
}

/** `--platform` values (repeatable, comma-separated allowed, as nerdctl takes them). Bad values: invalid-argument. */
export function toPlatforms(values: readonly string[] | string | undefined): Platform[] {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  return list
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => parsePlatform(v));
}

/** A stored name as Docker prints it (`busybox:latest`, `localhost:5000/app:v1`). */
export function familiarName(name: string): string {
  try {
    return familiarString(parseReferenceRaw(name));
  } catch {
    return name;
  }
}

/** The `--platform` flag spec (repeatable). */
export const platformFlag = {
  type: 'strings',
  describe: 'Set platform (e.g. "linux/amd64")',
  valueName: 'string',
  complete: 'platforms',
} as const;
