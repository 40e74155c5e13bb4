/**
 * Cache keys: BuildKit's model, where a step's key is a digest of its parent's key and of everything that decides
 * its result, so a change invalidates that step and what depends on it, and nothing else.
 *
 * Two chains run through a stage:
 * - the **filesystem chain**: FROM (the base image's ID, or scratch), then each RUN/COPY/ADD/WORKDIR. A step's key
 *   is its parent filesystem key plus the step as evaluated: for RUN the argv, the environment it sees (ENV and
 *   the build args in scope; undeclared proxy args excluded), user, working directory, network mode and mounts
 *   (a bind mount's source content or source stage key; cache mount ids, never their content; secret ids, never
 *   their values); for COPY/ADD the sources' content digest (context) or source stage key / image ID, the
 *   destination, ownership and mode options. Metadata instructions (ENV, LABEL, CMD...) are not in this chain:
 *   changing a LABEL does not rebuild the RUN after it (an ENV does, through the RUN's environment).
 * - the **step chain**: every instruction, for the history `created` time of metadata-only steps, so that an
 *   unchanged rebuild reproduces the same image ID.
 *
 * Keys are hex sha256 of a JSON array, versioned so a change of the scheme never matches old records.
 */
import { createHash } from 'node:crypto';

const VERSION = 'nerdctl-build-cache/1';

/** The key of a step given its parent key and its description (any JSON value, order-sensitive). */
export function cacheKey(parent: string, kind: string, spec: unknown): string {
  return createHash('sha256').update(JSON.stringify([VERSION, parent, kind, spec])).digest('hex');
}

/** The filesystem key of a stage based on an image. */
export function imageBaseKey(snapshotter: string, imageId: string): string {
  return cacheKey('', 'image', { snapshotter, imageId });
}

/** The filesystem key of a stage based on scratch. */
export function scratchBaseKey(snapshotter: string, platform: string): string {
  return cacheKey('', 'scratch', { snapshotter, platform });
}
