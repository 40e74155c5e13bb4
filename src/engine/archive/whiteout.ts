/**
 * OCI whiteout names (image-spec, layer.md): `.wh.<name>` deletes `<name>` of lower layers, `.wh..wh..opq`
 * hides everything lower layers put in its directory. Other `.wh..wh.` names are AUFS bookkeeping
 * (`.wh..wh.plnk`, `.wh..wh.aufs`) and are skipped, as Docker does.
 */
import { invalidArgument } from '../errdefs.js';

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';

/** The overlayfs xattr that makes an upper directory opaque, and the value that means "opaque". */
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Newer kernels (6.7+) also accept a zero-size file carrying this xattr as a whiteout. */
export const OVERLAY_WHITEOUT_XATTR = 'trusted.overlay.whiteout';
/** Prefix of every xattr overlayfs uses for its own bookkeeping; never copied into or out of archives. */
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

export type WhiteoutKind =
  | { kind: 'opaque' }
  | { kind: 'whiteout'; target: string }
  | { kind: 'meta' };

/**
 * Classifies the last component of an archive path. `undefined` for ordinary names. A whiteout whose target
 * is empty, `.` or `..` is invalid-argument: it names nothing a lower layer could hold.
 */
export function classifyWhiteout(base: string): WhiteoutKind | undefined {
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === WHITEOUT_OPAQUE) return { kind: 'opaque' };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta' };
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (target === '' || target === '.' || target === '..') throw invalidArgument(`invalid whiteout "${base}"`);
  return { kind: 'whiteout', target };
}

/** The whiteout entry name that deletes `base`. */
export function whiteoutName(base: string): string {
  return WHITEOUT_PREFIX + base;
}
