/**
 * Image record names and identities, without any storage code (listing commands import these at startup).
 */
import type { Digest } from '../digest.js';
import { familiarString, parseReference } from '../reference.js';

/** The prefix of a dangling image's record name. */
export const DANGLING_PREFIX = '<none>@';

/** True for a dangling image's record name. */
export function isDanglingName(name: string): boolean {
  return name.startsWith(DANGLING_PREFIX);
}

/** The record name of the dangling image with this target. */
export function danglingName(target: Digest): string {
  return `${DANGLING_PREFIX}${target}`;
}

/** The image identity of a record: its ID (config digest), or its target when the ID is unknown. */
export function imageKey(r: { summary: { id?: Digest }; target: { digest: Digest } }): string {
  return r.summary.id ?? r.target.digest;
}

/** `Loaded image: busybox:latest` (or `Loaded image ID: sha256:...`) as Docker prints it. */
export function loadedLine(l: { name: string | undefined; id: Digest }): string {
  return l.name === undefined ? `Loaded image ID: ${l.id}` : `Loaded image: ${familiarString(parseReference(l.name))}`;
}
