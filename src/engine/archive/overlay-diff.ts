/**
 * Layer diffs: the changes a build step or a container made, as an OCI layer tar.
 */
import type { Writable } from 'node:stream';
import { realpathSync, type Stats } from 'node:fs';
import { EngineError, failedPrecondition, isErrno, notFound, wrap } from '../errdefs.js';
import type { Logger } from '../log.js';
import { TarWriter, type TarOutputOptions, type TarOutputResult } from './tar-writer.js';
import { lstatIfExists, sortedNames, TreeEmitter } from './tree-emitter.js';
import { OVERLAY_OPAQUE_XATTR, OVERLAY_WHITEOUT_XATTR, WHITEOUT_OPAQUE, whiteoutName } from './whiteout.js';

export interface WriteDiffOptions extends TarOutputOptions {
  log?: Logger;
}

export type WriteDiffResult = TarOutputResult;

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw notFound({ kind: 'file', ref: dir });
    throw err;
  }
}

/** True for an overlayfs whiteout in an upper dir: a 0:0 character device, or (kernel 6.7+) an xattr one. */
function isOverlayWhiteout(st: Stats, xattrs: Map<string, Buffer> | undefined): boolean {
  if (st.isCharacterDevice() && st.rdev === 0) return true;
  return st.isFile() && st.size === 0 && xattrs?.has(OVERLAY_WHITEOUT_XATTR) === true;
}

/**
 * Writes the overlay upper directory `upperDir` as an OCI layer: each overlay whiteout (0:0 character device)
 * becomes a `.wh.<name>` member, each directory marked `trusted.overlay.opaque=y` becomes its directory member
 * followed by `<dir>/.wh..wh..opq`; everything else is written as it is (see {@link writeTree} for what is
 * kept). Reproducible: the same upper directory gives the same bytes.
 *
 * The upper directory must come from a mount without `redirect_dir` and `metacopy` (their xattrs mean the
 * real content lives in a lower layer): failed-precondition when one is found. The overlay should be
 * unmounted, or at least quiescent, while this runs. Errors are prefixed `write diff: `; errors of `out`
 * pass through.
 */
export async function writeOverlayDiff(upperDir: string, out: Writable, opts: WriteDiffOptions = {}): Promise<WriteDiffResult> {
  const root = realDir(upperDir);
  const writer = new TarWriter(out, opts);
  const emitter = new TreeEmitter(writer, { log: opts.log });
  try {
    await emitter.loadXattrs(root);
    const walk = async (relDir: string, absDir: string): Promise<void> => {
      for (const name of sortedNames(absDir)) {
        const abs = absDir + '/' + name;
        const rel = relDir === '' ? name : relDir + '/' + name;
        const st = lstatIfExists(abs);
        if (!st) continue;
        const xa = emitter.rawXattrs(abs);
        if (xa?.has('trusted.overlay.redirect') || xa?.has('trusted.overlay.metacopy')) {
          throw failedPrecondition(
            `"${rel}" uses overlayfs redirect_dir/metacopy; mount the snapshot with redirect_dir=off,metacopy=off to diff it`,
          );
        }
        if (isOverlayWhiteout(st, xa)) {
          await emitter.marker(relDir === '' ? whiteoutName(name) : relDir + '/' + whiteoutName(name));
          continue;
        }
        if (!(await emitter.entry(rel, abs, st))) continue;
        if (!st.isDirectory()) continue;
        if (xa?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') await emitter.marker(rel + '/' + WHITEOUT_OPAQUE);
        await walk(rel, abs);
      }
    };
    await walk('', root);
    return await writer.finish();
  } catch (err) {
    writer.destroy(err instanceof Error ? err : new Error(String(err)));
    if (err instanceof EngineError) throw wrap(err, 'write diff');
    throw err;
  }
}
