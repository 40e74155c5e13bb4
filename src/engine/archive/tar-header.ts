/**
 * Tar headers: the value type both directions share, and the pure encoder for the writer side.
 *
 * We read and write tar ourselves instead of going through tar-stream because layers need things its header
 * code cannot carry: binary PAX values (`SCHILY.xattr.security.capability` is raw bytes), uids and gids above
 * 0o7777777, and output that is byte-for-byte reproducible (PAX records only when a field does not fit ustar,
 * records in sorted order) so that identical trees give identical diffIDs.
 */

/** Entry kinds, after folding tar's type flags ('0', '\0' and '7' are all `file`). */
export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One archive member as the engine sees it, with PAX and GNU long-name records already folded in. */
export interface TarHeader {
  /** Path inside the archive as written (no normalisation; directories may end in `/`). */
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid, setgid and sticky (`& 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (0 for everything but `file`). */
  size: number;
  /** Modification time in seconds since the epoch; may carry a fraction when a PAX `mtime` record had one. */
  mtime: number;
  /** Target of a `link` (a path inside the archive) or a `symlink` (any string). */
  linkname: string;
  devmajor: number;
  devminor: number;
  uname: string;
  gname: string;
  /** Extended attributes from `SCHILY.xattr.<name>` PAX records, values as raw bytes. */
  xattrs: Map<string, Buffer> | undefined;
}

export const BLOCK = 512;

const typeFlags: Record<TarEntryType, number> = {
  file: 0x30,
  link: 0x31,
  symlink: 0x32,
  char: 0x33,
  block: 0x34,
  dir: 0x35,
  fifo: 0x36,
};

// Largest values the ustar octal fields hold: 7 digits for mode/uid/gid/devs, 11 for size and mtime.
const MAX_OCT7 = 0o7777777;
const MAX_OCT11 = 0o77777777777;

function writeOctal(buf: Buffer, off: number, width: number, value: number): void {
  // `width` includes the terminating NUL, as GNU tar and Go write them: zero-padded digits then NUL.
  const digits = value.toString(8).padStart(width - 1, '0');
  buf.write(digits, off, width - 1, 'ascii');
  buf[off + width - 1] = 0;
}

function fitsAscii(s: string, max: number): boolean {
  return Buffer.byteLength(s) <= max;
}

/** Splits `name` into ustar prefix (<=155 bytes) and name (<=100 bytes) at a slash, or returns undefined. */
export function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (fitsAscii(name, 100)) return { prefix: '', name };
  if (Buffer.byteLength(name) > 256) return undefined;
  // The prefix is everything before some slash; choose the longest prefix that fits so the name part is short.
  for (let i = name.length - 1; i > 0; i--) {
    if (name.charCodeAt(i) !== 0x2f) continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (!fitsAscii(prefix, 155)) continue;
    if (!fitsAscii(rest, 100) || rest.length === 0) return undefined;
    return { prefix, name: rest };
  }
  return undefined;
}

/** One PAX record: `<len> <key>=<value>\n`, where len counts the whole record including its own digits. */
export function paxRecord(key: string, value: string | Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

function ustarBlock(h: TarHeader, name: { prefix: string; name: string }, linkname: string, typeflag: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name.name, 0, 100, 'utf8');
  writeOctal(b, 100, 8, h.mode & 0o7777);
  writeOctal(b, 108, 8, h.uid <= MAX_OCT7 ? h.uid : 0);
  writeOctal(b, 116, 8, h.gid <= MAX_OCT7 ? h.gid : 0);
  writeOctal(b, 124, 12, h.size <= MAX_OCT11 ? h.size : 0);
  const secs = Math.floor(h.mtime);
  writeOctal(b, 136, 12, secs >= 0 && secs <= MAX_OCT11 ? secs : 0);
  b[156] = typeflag;
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.write(h.uname, 265, 32, 'utf8');
  b.write(h.gname, 297, 32, 'utf8');
  if (h.type === 'char' || h.type === 'block') {
    writeOctal(b, 329, 8, h.devmajor);
    writeOctal(b, 337, 8, h.devminor);
  }
  b.write(name.prefix, 345, 155, 'utf8');
  writeOctal(b, 148, 7, checksum(b));
  b[155] = 0x20;
  return b;
}

/**
 * The PAX records `h` needs, sorted by key: only for what ustar cannot hold (long names and link targets,
 * large ids or sizes, out-of-range times) and for xattrs. Empty when plain ustar suffices.
 */
export function paxRecordsFor(h: TarHeader): Array<[string, string | Buffer]> {
  const recs: Array<[string, string | Buffer]> = [];
  const name = h.type === 'dir' && !h.name.endsWith('/') ? h.name + '/' : h.name;
  if (splitUstarName(name) === undefined) recs.push(['path', name]);
  if (!fitsAscii(h.linkname, 100)) recs.push(['linkpath', h.linkname]);
  if (h.uid > MAX_OCT7) recs.push(['uid', String(h.uid)]);
  if (h.gid > MAX_OCT7) recs.push(['gid', String(h.gid)]);
  if (h.size > MAX_OCT11) recs.push(['size', String(h.size)]);
  const secs = Math.floor(h.mtime);
  if (secs < 0 || secs > MAX_OCT11) recs.push(['mtime', String(secs)]);
  if (h.xattrs) for (const [k, v] of h.xattrs) recs.push([`SCHILY.xattr.${k}`, v]);
  recs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return recs;
}

/**
 * Encodes `h` as one ustar block, preceded by a PAX extended header (type 'x') when {@link paxRecordsFor} says
 * one is needed. Data and padding are the caller's. Deterministic: the same header always gives the same bytes.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const name = h.type === 'dir' && !h.name.endsWith('/') ? h.name + '/' : h.name;
  const recs = paxRecordsFor(h);
  const split = splitUstarName(name) ?? { prefix: '', name: truncateUtf8(name, 100) };
  const linkname = fitsAscii(h.linkname, 100) ? h.linkname : truncateUtf8(h.linkname, 100);
  const main = ustarBlock(h, split, linkname, typeFlags[h.type]);
  if (recs.length === 0) return main;
  const body = Buffer.concat(recs.map(([k, v]) => paxRecord(k, v)));
  // The PAX header's own name follows the convention of Go and GNU tar; it is never extracted.
  const paxName = truncateUtf8(`PaxHeaders.0/${split.name}`, 100);
  const pax = ustarBlock(
    { ...h, type: 'file', size: body.length, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', xattrs: undefined },
    { prefix: '', name: paxName },
    '',
    0x78,
  );
  return Buffer.concat([pax, body, Buffer.alloc(padding(body.length)), main]);
}

/** Bytes of zero padding after `size` bytes of data. */
export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s);
  if (b.length <= max) return s;
  // Cut on a character boundary so the field stays valid UTF-8; the full value travels in a PAX record.
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** Two zero blocks: the end-of-archive marker. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
