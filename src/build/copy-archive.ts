/**
 * Telling archives apart for ADD and for a context on standard input: by content (a tar header with a valid
 * checksum, after decompression), never by file name.
 */
import { closeSync, openSync, readSync, createReadStream } from 'node:fs';
import { posix } from 'node:path';
import { invalidArgument } from '../engine/errdefs.js';

/** True for a 512-byte block that is a tar header (its checksum is right). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = parseInt(field, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === want;
}

async function headOf(abs: string, n: number): Promise<Buffer> {
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether ADD should extract `abs`: it is a tar, plain or compressed (told by content). A compressed file whose
 * data is not a tar is not an archive (copied as a file); compressed data that is corrupt is an error, as in
 * Docker.
 */
export async function isTarArchive(abs: string): Promise<boolean> {
  const { detectCompression, openDecompressed } = await import('../engine/archive/compression.js');
  const head = await headOf(abs, 512);
  const compression = detectCompression(head);
  if (compression === 'none') return isTarHeader(head);
  let first: Buffer = Buffer.alloc(0);
  if (compression === 'gzip') {
    // zlib is loaded only here: a cached build must not pay for it.
    const { createGunzip } = await import('node:zlib');
    // A streaming gunzip of the beginning only (a whole-file gunzip would read a large archive twice).
    first = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let len = 0;
      const src = createReadStream(abs);
      const gz = createGunzip();
      const done = (err?: unknown) => {
        src.destroy();
        gz.destroy();
        if (err !== undefined && len < 512) reject(invalidArgument(`"${posix.basename(abs)}": ${(err as Error).message}`));
        else resolve(Buffer.concat(chunks).subarray(0, 512));
      };
      gz.on('data', (c: Buffer) => {
        chunks.push(c);
        len += c.length;
        if (len >= 512) done();
      });
      gz.on('end', () => done());
      gz.on('error', (e) => done(e));
      src.on('error', (e) => done(e));
      src.pipe(gz);
    });
  } else {
    const d = await openDecompressed(createReadStream(abs));
    const chunks: Buffer[] = [];
    let len = 0;
    for await (const c of d.chunks) {
      chunks.push(c);
      len += c.length;
      if (len >= 512) break;
    }
    first = Buffer.concat(chunks).subarray(0, 512);
  }
  return isTarHeader(first);
}
