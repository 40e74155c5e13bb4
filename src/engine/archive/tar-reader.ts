/**
 * An incremental tar parser: feed it chunks, it calls a sink for each entry and hands the entry's data over as
 * slices of the input (no copies). It understands ustar, GNU (long names 'L'/'K', base-256 numbers) and PAX
 * (local 'x' and global 'g' records, `SCHILY.xattr.*` with binary values), the three dialects layer producers
 * write (Go's archive/tar, GNU tar, BSD tar).
 *
 * Why our own parser rather than tar-stream: the extractor writes with synchronous syscalls from inside the
 * parse loop, which only works if entries arrive as plain callbacks, and tar-stream decodes PAX values as UTF-8
 * (breaking `security.capability`). Parsing costs nothing next to the filesystem work this way.
 */
import { invalidArgument, notImplemented } from '../errdefs.js';
import { BLOCK, padding, type TarEntryType, type TarHeader } from './tar-header.js';

/** Receives entries in archive order. A sink may return a promise from `entry` or `end` to pause parsing. */
export interface TarSink {
  entry(h: TarHeader): void | Promise<void>;
  /** A slice of the current entry's data; valid only during the call. */
  data(chunk: Buffer): void;
  /** Called after the last data of every entry (also for entries without data). */
  end(): void | Promise<void>;
}

// PAX and GNU long-name records are buffered in memory; real ones are tiny, so cap them against abuse.
const MAX_META = 16 << 20;

type State = 'header' | 'data' | 'pad' | 'meta' | 'eof';

type MetaKind = 'pax' | 'paxGlobal' | 'longName' | 'longLink';

function isZeroBlock(b: Buffer, off: number): boolean {
  for (let i = off; i < off + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cString(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** Parses an octal (NUL/space terminated) or GNU base-256 numeric field. */
export function parseNumeric(b: Buffer, off: number, len: number, field: string): number {
  const first = b[off]!;
  if (first & 0x80) {
    if (first === 0xff) throw invalidArgument(`invalid tar header: negative ${field}`);
    let v = first & 0x7f;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    if (!Number.isSafeInteger(v)) throw invalidArgument(`invalid tar header: ${field} out of range`);
    return v;
  }
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let any = false;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw invalidArgument(`invalid tar header: bad ${field} field`);
    v = v * 8 + (c - 0x30);
    any = true;
  }
  return any ? v : 0;
}

function verifyChecksum(b: Buffer, off: number): boolean {
  const stored = parseNumeric(b, off + 148, 8, 'checksum');
  // The checksum field itself counts as eight spaces.
  let unsigned = 8 * 0x20;
  for (let i = off; i < off + 148; i++) unsigned += b[i]!;
  for (let i = off + 156; i < off + BLOCK; i++) unsigned += b[i]!;
  if (stored === unsigned) return true;
  // Some old tars summed signed chars; accept that too, as GNU tar and Go do.
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const c = b[off + i]!;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === signed;
}

function typeOf(flag: number, name: string): TarEntryType | MetaKind | 'skip' {
  switch (flag) {
    case 0:
      // Pre-POSIX archives mark directories only by a trailing slash.
      return name.endsWith('/') ? 'dir' : 'file';
    case 0x30: // '0'
    case 0x37: // '7' contiguous file: a regular file everywhere that matters
      return 'file';
    case 0x31:
      return 'link';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'char';
    case 0x34:
      return 'block';
    case 0x35:
      return 'dir';
    case 0x36:
      return 'fifo';
    case 0x78: // 'x'
      return 'pax';
    case 0x67: // 'g'
      return 'paxGlobal';
    case 0x4c: // 'L'
      return 'longName';
    case 0x4b: // 'K'
      return 'longLink';
    case 0x56: // 'V' volume label: carries nothing to extract
      return 'skip';
    case 0x53: // 'S'
      throw notImplemented(`GNU sparse tar entries are not supported ("${name}")`);
    default:
      throw invalidArgument(`unsupported tar entry type '${String.fromCharCode(flag)}' for "${name}"`);
  }
}

/** Parses PAX records (`<len> <key>=<value>\n`...) into key -> raw value bytes. */
export function parsePaxRecords(b: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < b.length) {
    if (b[off] === 0) break; // some writers pad the record block with NULs
    const sp = b.indexOf(0x20, off);
    if (sp < 0) throw invalidArgument('invalid PAX record');
    const len = Number(b.toString('ascii', off, sp));
    if (!Number.isInteger(len) || len <= sp - off + 1 || off + len > b.length || b[off + len - 1] !== 0x0a) {
      throw invalidArgument('invalid PAX record');
    }
    const eq = b.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= off + len - 1) throw invalidArgument('invalid PAX record');
    out.set(b.toString('utf8', sp + 1, eq), b.subarray(eq + 1, off + len - 1));
    off += len;
  }
  return out;
}

function applyPax(h: TarHeader, recs: Map<string, Buffer>): void {
  for (const [key, raw] of recs) {
    switch (key) {
      case 'path':
        h.name = raw.toString('utf8');
        break;
      case 'linkpath':
        h.linkname = raw.toString('utf8');
        break;
      case 'size':
      case 'uid':
      case 'gid': {
        const v = Number(raw.toString('ascii'));
        if (!Number.isSafeInteger(v) || v < 0) throw invalidArgument(`invalid PAX ${key} "${raw.toString('ascii')}"`);
        h[key] = v;
        break;
      }
      case 'mtime': {
        const v = Number(raw.toString('ascii'));
        if (!Number.isFinite(v)) throw invalidArgument(`invalid PAX mtime "${raw.toString('ascii')}"`);
        h.mtime = v;
        break;
      }
      case 'uname':
        h.uname = raw.toString('utf8');
        break;
      case 'gname':
        h.gname = raw.toString('utf8');
        break;
      default:
        if (key.startsWith('SCHILY.xattr.')) {
          h.xattrs ??= new Map();
          // Copy: the record buffer is a slice of a chunk the caller will reuse.
          h.xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(raw));
        } else if (key.startsWith('GNU.sparse.')) {
          throw notImplemented(`GNU sparse tar entries are not supported ("${h.name}")`);
        }
      // atime, ctime, comment, charset, LIBARCHIVE.* and others carry nothing we apply.
    }
  }
}

/**
 * The parser. Call {@link write} for every chunk (await it when it returns a promise) and {@link finish} at the
 * end of input. Errors are EngineErrors (`invalid-argument` for malformed input) with a message that needs
 * no further context than "apply layer: ".
 */
export class TarReader {
  private readonly sink: TarSink;
  private state: State = 'header';
  /** Bytes still owed to the current state (data, padding, or meta). */
  private remaining = 0;
  private padAfter = 0;
  /** Partial header block carried between chunks. */
  private headerBuf = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private metaKind: MetaKind = 'pax';
  private metaParts: Buffer[] = [];
  private pendingPax: Map<string, Buffer> | undefined;
  private globalPax: Map<string, Buffer> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private sawZeroBlock = false;
  private inEntry = false;
  /** Entries seen (for diagnostics and tests). */
  entries = 0;

  constructor(sink: TarSink) {
    this.sink = sink;
  }

  /** True once the end-of-archive marker was read; later bytes are ignored. */
  get done(): boolean {
    return this.state === 'eof';
  }

  /** Consumes `chunk`. Returns a promise only when the sink asked to pause; await it before the next write. */
  write(chunk: Buffer): Promise<void> | undefined {
    return this.run(chunk, 0);
  }

  private run(chunk: Buffer, off: number): Promise<void> | undefined {
    const len = chunk.length;
    while (off < len) {
      switch (this.state) {
        case 'eof':
          return undefined;
        case 'data': {
          const n = Math.min(this.remaining, len - off);
          this.sink.data(chunk.subarray(off, off + n));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.skip(this.padAfter);
            const p = this.endEntry();
            if (p) return p.then(() => this.run(chunk, off));
          }
          break;
        }
        case 'pad': {
          const n = Math.min(this.remaining, len - off);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'header';
          break;
        }
        case 'meta': {
          const n = Math.min(this.remaining, len - off);
          this.metaParts.push(Buffer.from(chunk.subarray(off, off + n)));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.finishMeta();
            this.skip(this.padAfter);
          }
          break;
        }
        case 'header': {
          let block: Buffer;
          let boff: number;
          if (this.headerFill === 0 && len - off >= BLOCK) {
            block = chunk;
            boff = off;
            off += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.headerFill, len - off);
            chunk.copy(this.headerBuf, this.headerFill, off, off + n);
            this.headerFill += n;
            off += n;
            if (this.headerFill < BLOCK) return undefined;
            this.headerFill = 0;
            block = this.headerBuf;
            boff = 0;
          }
          const p = this.header(block, boff);
          if (p) return p.then(() => this.run(chunk, off));
          break;
        }
      }
    }
    return undefined;
  }

  /** Skips `n` bytes (padding, or data nobody wants), then expects a header. */
  private skip(n: number): void {
    this.state = n > 0 ? 'pad' : 'header';
    this.remaining = n;
  }

  private endEntry(): Promise<void> | undefined {
    this.inEntry = false;
    const r = this.sink.end();
    return r instanceof Promise ? r : undefined;
  }

  private header(b: Buffer, off: number): Promise<void> | undefined {
    if (isZeroBlock(b, off)) {
      // Two zero blocks end the archive; a zero block followed by anything else is corruption (as in Go).
      if (this.sawZeroBlock) this.state = 'eof';
      this.sawZeroBlock = true;
      return undefined;
    }
    if (this.sawZeroBlock) throw invalidArgument('invalid tar header after end-of-archive block');
    if (!verifyChecksum(b, off)) throw invalidArgument('invalid tar header (bad checksum): not a tar archive or corrupt');

    const flag = b[off + 156]!;
    let name = cString(b, off, 100);
    const magic = b.toString('latin1', off + 257, off + 263);
    // Only POSIX ustar has a prefix field; GNU stores atime/ctime in those bytes.
    if (magic === 'ustar\u0000' && b[off + 345] !== 0) name = cString(b, off + 345, 155) + '/' + name;
    const size = parseNumeric(b, off + 124, 12, 'size');
    const kind = typeOf(flag, name);

    if (kind === 'pax' || kind === 'paxGlobal' || kind === 'longName' || kind === 'longLink') {
      if (size > MAX_META) throw invalidArgument(`tar ${kind} record of ${size} bytes is too large`);
      this.metaKind = kind;
      this.metaParts = [];
      this.padAfter = padding(size);
      if (size === 0) {
        this.finishMeta();
        return undefined;
      }
      this.state = 'meta';
      this.remaining = size;
      return undefined;
    }

    const h: TarHeader = {
      name,
      type: kind === 'skip' ? 'file' : kind,
      mode: parseNumeric(b, off + 100, 8, 'mode') & 0o7777,
      uid: parseNumeric(b, off + 108, 8, 'uid'),
      gid: parseNumeric(b, off + 116, 8, 'gid'),
      size,
      mtime: parseNumeric(b, off + 136, 12, 'mtime'),
      linkname: cString(b, off + 157, 100),
      devmajor: 0,
      devminor: 0,
      uname: cString(b, off + 265, 32),
      gname: cString(b, off + 297, 32),
      xattrs: undefined,
    };
    if (kind === 'char' || kind === 'block') {
      h.devmajor = parseNumeric(b, off + 329, 8, 'devmajor');
      h.devminor = parseNumeric(b, off + 337, 8, 'devminor');
    }
    if (this.globalPax) applyPax(h, this.globalPax);
    if (this.pendingPax) applyPax(h, this.pendingPax);
    if (this.longName !== undefined) h.name = this.longName;
    if (this.longLink !== undefined) h.linkname = this.longLink;
    this.pendingPax = undefined;
    this.longName = undefined;
    this.longLink = undefined;

    // Only regular files carry data; for links, devices and dirs a nonzero size is skipped, as Go does.
    const dataSize = h.size;
    if (h.type !== 'file') h.size = 0;
    this.padAfter = padding(dataSize);

    if (kind === 'skip') {
      this.skip(dataSize + this.padAfter);
      return undefined;
    }

    this.entries++;
    this.inEntry = true;
    const r = this.sink.entry(h);
    const afterEntry = (): Promise<void> | undefined => {
      if (h.type === 'file' && dataSize > 0) {
        this.state = 'data';
        this.remaining = dataSize;
        return undefined;
      }
      this.skip(dataSize + this.padAfter);
      return this.endEntry();
    };
    if (r instanceof Promise) return r.then(() => afterEntry());
    return afterEntry();
  }

  private finishMeta(): void {
    const data = this.metaParts.length === 1 ? this.metaParts[0]! : Buffer.concat(this.metaParts);
    this.metaParts = [];
    switch (this.metaKind) {
      case 'pax':
        this.pendingPax = parsePaxRecords(data);
        break;
      case 'paxGlobal': {
        // A global path, link target or size would apply to every member: meaningless, so ignored.
        const recs = [...parsePaxRecords(data)].filter(([k]) => k !== 'path' && k !== 'linkpath' && k !== 'size');
        this.globalPax = new Map([...(this.globalPax ?? []), ...recs]);
        break;
      }
      case 'longName':
        this.longName = cString(data, 0, data.length);
        break;
      case 'longLink':
        this.longLink = cString(data, 0, data.length);
        break;
    }
  }

  /**
   * Call at end of input. Input that stops cleanly between entries is accepted without the end-of-archive
   * marker (Go's reader does the same, and some layer writers omit it); anything cut inside a header, an
   * entry's data or its padding throws `unexpected end of archive`.
   */
  finish(): void {
    if (this.state === 'eof') return;
    if (this.state === 'header' && this.headerFill === 0 && !this.inEntry && this.pendingPax === undefined &&
      this.longName === undefined && this.longLink === undefined) {
      return;
    }
    throw invalidArgument('unexpected end of archive');
  }
}
