import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { END_OF_ARCHIVE, type TarHeader } from './tar-header.js';
import { TarReader } from './tar-reader.js';
import { devNumbers, markerHeader, TarWriter } from './tar-writer.js';
import { archivableXattrs } from './tree-emitter.js';

function sink(): { out: Writable; bytes: () => Buffer; ended: () => boolean } {
  const chunks: Buffer[] = [];
  let ended = false;
  const out = new Writable({
    highWaterMark: 1024,
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      setImmediate(cb); // slow consumer: exercises backpressure
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks), ended: () => ended };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function fileHeader(name: string, size: number): TarHeader {
  return { ...markerHeader(name), mode: 0o644, size, mtime: 1_700_000_000 };
}

async function writeSample(w: TarWriter): Promise<void> {
  const data = Buffer.alloc(700_000, 7);
  await w.header(fileHeader('big', data.length));
  await w.data(data);
  await w.data(Buffer.alloc(512 - (data.length % 512)));
  await w.header(markerHeader('dir/.wh.gone'));
}

describe('TarWriter', () => {
  it('writes a tar whose digest it reports, ending the stream', async () => {
    const s = sink();
    const w = new TarWriter(s.out);
    await writeSample(w);
    const r = await w.finish();
    const bytes = s.bytes();
    expect(r).toEqual({ diffId: sha(bytes), size: bytes.length, digest: sha(bytes), compressedSize: bytes.length });
    expect(bytes.subarray(-1024).equals(END_OF_ARCHIVE)).toBe(true);
    expect(s.ended()).toBe(true);
    const names: string[] = [];
    const reader = new TarReader({ entry: (h) => void names.push(h.name), data: () => {}, end: () => {} });
    void reader.write(bytes);
    reader.finish();
    expect(names).toEqual(['big', 'dir/.wh.gone']);
  });

  it('gzips on the way out with both digests, reproducibly', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const s = sink();
      const w = new TarWriter(s.out, { compression: 'gzip', gzipLevel: 1 });
      await writeSample(w);
      runs.push({ r: await w.finish(), bytes: s.bytes() });
    }
    const [a, b] = runs;
    const plain = gunzipSync(a!.bytes);
    expect(a!.r.diffId).toBe(sha(plain));
    expect(a!.r.size).toBe(plain.length);
    expect(a!.r.digest).toBe(sha(a!.bytes));
    expect(a!.r.compressedSize).toBe(a!.bytes.length);
    expect(b!.r).toEqual(a!.r);
  });

  it('leaves the stream open with end: false', async () => {
    const s = sink();
    const w = new TarWriter(s.out, { end: false });
    await writeSample(w);
    await w.finish();
    expect(s.ended()).toBe(false);
    const g = sink();
    const wg = new TarWriter(g.out, { end: false, compression: 'gzip' });
    await writeSample(wg);
    const r = await wg.finish();
    expect(g.ended()).toBe(false);
    expect(r.digest).toBe(sha(g.bytes()));
  });

  it('stops with canceled when the signal fires', async () => {
    const ac = new AbortController();
    const w = new TarWriter(sink().out, { signal: ac.signal });
    ac.abort();
    const err = await writeSample(w).then(() => w.finish()).catch((e: unknown) => e);
    expect(hasCode(err, 'canceled')).toBe(true);
  });
});

describe('devNumbers', () => {
  it.each([
    [(1 << 8) | 3, 1, 3],
    [(8 << 8) | 17, 8, 17],
    [0, 0, 0],
    // major 259, minor 300: glibc's encoding puts minor's high bits at 20..31
    [((259 & 0xfff) << 8) | (300 & 0xff) | ((300 & ~0xff) << 12), 259, 300],
  ])('rdev %i is %i:%i', (rdev, major, minor) => {
    expect(devNumbers(rdev)).toEqual({ major, minor });
  });
});

describe('archivableXattrs', () => {
  it('drops overlayfs and SELinux attributes, keeps the rest', () => {
    const x = new Map([
      ['trusted.overlay.opaque', Buffer.from('y')],
      ['trusted.overlay.origin', Buffer.from('z')],
      ['security.selinux', Buffer.from('label')],
      ['security.capability', Buffer.from([1])],
      ['user.a', Buffer.from('b')],
    ]);
    expect([...(archivableXattrs(x)?.keys() ?? [])]).toEqual(['security.capability', 'user.a']);
    expect(archivableXattrs(new Map([['trusted.overlay.opaque', Buffer.from('y')]]))).toBeUndefined();
  });
});
