import { createHash } from 'node:crypto';
import { invalidArgument } from './errdefs.js';

/** A content digest, `sha256:<64 hex>`. Only sha256 is produced; sha512 is accepted when reading. */
export type Digest = `${string}:${string}`;

const digestRe = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return digestRe.test(s);
}

/** Validates `s` as a digest or throws invalid-argument. */
export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw invalidArgument(`invalid digest "${s}"`);
  return s;
}

export function sha256Digest(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The algorithm and hex parts of a digest. */
export function splitDigest(d: Digest): { algorithm: string; hex: string } {
  const i = d.indexOf(':');
  return { algorithm: d.slice(0, i), hex: d.slice(i + 1) };
}

/** The 12-character short form Docker shows for IDs (`sha256:` dropped). */
export function shortId(idOrDigest: string): string {
  const hex = idOrDigest.startsWith('sha256:') ? idOrDigest.slice(7) : idOrDigest;
  return hex.slice(0, 12);
}
