/** Fixtures for the archive tests: tars built in code, trees described as data, overlay mounts. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from '../../src/engine/archive/tar-header.js';
import { TarReader } from '../../src/engine/archive/tar-reader.js';

export type PackEntry = Partial<tar.Header> & { name: string; data?: string | Buffer };

/** A tar built with tar-stream (the usual producer-side library), with an optional end marker. */
export async function packTar(entries: PackEntry[]): Promise<Buffer> {
  const p = tar.pack();
  for (const e of entries) {
    const { data, ...h } = e;
    // Always pass a body: without one tar-stream waits for the entry to be streamed.
    p.entry(h, data ?? '');
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A tar built with our own encoder, for what tar-stream cannot write (binary PAX values). */
export function rawTar(entries: Array<Partial<TarHeader> & { name: string; data?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const h: TarHeader = {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: 1_600_000_000,
      linkname: '',
      devmajor: 0,
      devminor: 0,
      uname: '',
      gname: '',
      xattrs: undefined,
      ...e,
      size: data.length,
    };
    parts.push(encodeHeader(h), data, Buffer.alloc(padding(data.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** The bytes as a stream in small pieces, as a network download would deliver them. */
export function streamOf(buf: Buffer, piece = 7919): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += piece) chunks.push(buf.subarray(i, i + piece));
  return Readable.from(chunks);
}

/** A Writable collecting everything written to it. */
export function collector(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

export function sha256(b: Buffer): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

/** The xattrs of one path (not following symlinks), as name -> hex, overlay ones left out unless asked. */
export function xattrsOf(path: string, withOverlay = false): Record<string, string> {
  const r = spawnSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path], { encoding: 'utf8' });
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([^#=][^=]*)=0x([0-9a-f]*)$/.exec(line);
    if (m && (withOverlay || !m[1]!.startsWith('trusted.overlay.'))) out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * Everything about a tree that a layer must reproduce, one line per path: type, mode, owner, size, mtime
 * seconds (directories included), link target, device numbers, content hash and xattrs.
 */
export function describeTree(root: string, opts: { dirMtimes?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const inodes = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(root + rel).sort()) {
      const p = `${rel}/${name}`;
      const abs = root + p;
      const st = lstatSync(abs);
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'other';
      const parts = [type, (st.mode & 0o7777).toString(8), `${st.uid}:${st.gid}`];
      if (type !== 'dir' || opts.dirMtimes !== false) parts.push(`mtime=${Math.floor(st.mtimeMs / 1000)}`);
      if (type === 'file') {
        parts.push(`size=${st.size}`, createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16));
        if (st.nlink > 1) {
          const key = `${st.ino}`;
          const first = inodes.get(key);
          if (first) parts.push(`linked-to=${first}`);
          else inodes.set(key, p);
        }
      }
      if (type === 'symlink') parts.push(`-> ${readlinkSync(abs)}`);
      if (type === 'char' || type === 'block') parts.push(`rdev=${st.rdev}`);
      const x = xattrsOf(abs);
      if (Object.keys(x).length > 0) parts.push(JSON.stringify(x));
      out[p] = parts.join(' ');
      if (type === 'dir') walk(p);
    }
  };
  walk('');
  return out;
}

/** Mounts overlayfs (redirect_dir and metacopy off, as a diffable snapshot needs). */
export function mountOverlay(target: string, lowers: string[], upper?: string, work?: string): void {
  const opts = [`lowerdir=${lowers.join(':')}`];
  if (upper && work) opts.push(`upperdir=${upper}`, `workdir=${work}`, 'redirect_dir=off', 'metacopy=off', 'index=off');
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', opts.join(','), target]);
}

export function umount(target: string): void {
  execFileSync('umount', [target]);
}

export function run(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/** The members of a tar, parsed with our reader: name, type, linkname and data (as text). */
export function listTar(bytes: Buffer): Array<{ name: string; type: string; linkname: string; mode: number; data: string; xattrs?: Record<string, string> }> {
  const out: Array<{ name: string; type: string; linkname: string; mode: number; data: string; xattrs?: Record<string, string> }> = [];
  let parts: Buffer[] = [];
  const r = new TarReader({
    entry(h) {
      parts = [];
      const e: (typeof out)[number] = { name: h.name, type: h.type, linkname: h.linkname, mode: h.mode, data: '' };
      if (h.xattrs) e.xattrs = Object.fromEntries([...h.xattrs].map(([k, v]) => [k, v.toString('hex')]));
      out.push(e);
    },
    data(c) {
      parts.push(Buffer.from(c));
    },
    end() {
      out[out.length - 1]!.data = Buffer.concat(parts).toString('utf8');
    },
  });
  void r.write(bytes);
  r.finish();
  return out;
}
