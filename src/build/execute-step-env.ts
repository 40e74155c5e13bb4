/**
 * What a step's keying and execution see of the build around them: the session, the build context, other stages
 * and images as sources (`COPY --from`, `RUN --mount=from=`), secrets and the build's network mode.
 */
import type { Digest } from '../engine/digest.js';
import type { SourceTree } from './copy-sources.js';
import type { BuildSession } from './execute-session.js';
import type { SourceRef } from './plan.js';

/** The hostname RUN steps see, as in BuildKit. */
export const BUILD_HOSTNAME = 'buildkitsandbox';

/** A stage's or image's root filesystem, usable as a source. */
export interface SourceState {
  /** Identifies its content in cache keys (a stage's filesystem key, or `image:<id>`). */
  key: string;
  /** The committed snapshot of its root (undefined: empty). */
  chainId: Digest | undefined;
  /** Makes sure the snapshot exists (an image base is unpacked on first need). */
  ensure(): Promise<void>;
}

/** See the module comment. */
export interface StepEnv {
  session: BuildSession;
  /** The Dockerfile name and the step's line, for messages. */
  file: string;
  line: number;
  /** The progress vertex of the step (its output goes there). */
  vertex: number;
  /** The build context. */
  context: SourceTree;
  /** A stage (built first if needed) or an image (pulled if needed) as a source. */
  source(ref: SourceRef): Promise<SourceState>;
  /** Secrets by id. */
  secrets: ReadonlyMap<string, Buffer>;
  /** `--network` of the build: what RUN's `default` means. */
  network: 'default' | 'none' | 'host';
  /** The namespace's data root (cache mounts live there). */
  dataRoot: string;
}
