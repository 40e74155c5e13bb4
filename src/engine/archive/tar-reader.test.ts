import { describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { hasCode } from '../errdefs.js';
import { encodeHeader, END_OF_ARCHIVE, padding, type TarHeader } from './tar-header.js';
import { parseNumeric, parsePaxRecords, TarReader, type TarSink } from './tar-reader.js';

interface Got {
  h: TarHeader;
  data: Buffer;
}

function collect(): { sink: TarSink; got: Got[] } {
  const got: Got[] = [];
  let cur: Buffer[] = [];
  return {
    got,
    sink: {
      entry(h) {
        got.push({ h, data: Buffer.alloc(0) });
        cur = [];
      },
      data(c) {
        cur.push(Buffer.from(c));
      },
      end() {
        got[got.length - 1]!.data = Buffer.concat(cur);
      },
    },
  };
}

/** Parses `bytes` feeding `step` bytes at a time. */
function parse(bytes: Buffer, step = bytes.length): Got[] {
  const { sink, got } = collect();
  const r = new TarReader(sink);
  for (let i = 0; i < bytes.length; i += step) r.write(bytes.subarray(i, Math.min(bytes.length, i + step)));
  r.finish();
  return got;
}

async function packWithTarStream(fn: (p: tar.Pack) => void): Promise<Buffer> {
  const p = tar.pack();
  fn(p);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function hdr(over: Partial<TarHeader>): TarHeader {
  return {
    name: 'f',
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 1_700_000_000,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    uname: '',
    gname: '',
    xattrs: undefined,
    ...over,
  };
}

function member(h: TarHeader, data = Buffer.alloc(0)): Buffer {
  return Buffer.concat([encodeHeader({ ...h, size: data.length }), data, Buffer.alloc(padding(data.length))]);
}

describe('TarReader', () => {
  it('reads what tar-stream writes, in any chunking', async () => {
    const bytes = await packWithTarStream((p) => {
      p.entry({ name: 'dir', type: 'directory', mode: 0o1755, uid: 1, gid: 2, mtime: new Date(1_600_000_000_000) });
      p.entry({ name: 'dir/file', mode: 0o4755, uid: 1000, gid: 1000 }, 'hello world');
      p.entry({ name: 'dir/link', type: 'symlink', linkname: '../target' });
      p.entry({ name: 'dir/hard', type: 'link', linkname: 'dir/file' });
      p.entry({ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 });
      p.entry({ name: 'a'.repeat(120) + '/' + 'b'.repeat(120) }, 'long');
    });
    for (const step of [bytes.length, 512, 100, 1]) {
      const got = parse(bytes, step);
      expect(got.map((g) => [g.h.name, g.h.type])).toEqual([
        ['dir', 'dir'],
        ['dir/file', 'file'],
        ['dir/link', 'symlink'],
        ['dir/hard', 'link'],
        ['dev/null', 'char'],
        ['a'.repeat(120) + '/' + 'b'.repeat(120), 'file'],
      ]);
      expect(got[0]!.h).toMatchObject({ mode: 0o1755, uid: 1, gid: 2, mtime: 1_600_000_000 });
      expect(got[1]!.h).toMatchObject({ mode: 0o4755, uid: 1000, gid: 1000, size: 11 });
      expect(got[1]!.data.toString()).toBe('hello world');
      expect(got[2]!.h.linkname).toBe('../target');
      expect(got[3]!.h.linkname).toBe('dir/file');
      expect(got[4]!.h).toMatchObject({ devmajor: 1, devminor: 3, mode: 0o666 });
      expect(got[5]!.data.toString()).toBe('long');
    }
  });

  it('folds PAX records: path, linkpath, ids, fractional mtime and binary xattrs', () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff, 0x00]);
    const h = hdr({
      name: 'x/'.repeat(80) + 'file',
      type: 'symlink',
      linkname: 'y'.repeat(150),
      uid: 5_000_000,
      xattrs: new Map([
        ['security.capability', cap],
        ['user.note', Buffer.from('a=b\nc')],
      ]),
    });
    const [g] = parse(Buffer.concat([member(h), END_OF_ARCHIVE]));
    expect(g!.h.name).toBe(h.name);
    expect(g!.h.linkname).toBe(h.linkname);
    expect(g!.h.uid).toBe(5_000_000);
    expect(g!.h.xattrs?.get('security.capability')).toEqual(cap);
    expect(g!.h.xattrs?.get('user.note')?.toString()).toBe('a=b\nc');
  });

  it('applies global PAX records to every later entry', () => {
    const body = Buffer.from('20 mtime=1234.5\n'.replace('20', String('20 mtime=1234.5\n'.length)));
    const g = encodeHeader(hdr({ name: 'global', size: body.length }));
    g[156] = 0x67; // 'g'
    // Fix the checksum after changing the type flag.
    g.fill(0x20, 148, 156);
    let sum = 0;
    for (const c of g) sum += c;
    g.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
    const bytes = Buffer.concat([g, body, Buffer.alloc(padding(body.length)), member(hdr({ name: 'a' })), member(hdr({ name: 'b' })), END_OF_ARCHIVE]);
    const got = parse(bytes);
    expect(got.map((x) => [x.h.name, x.h.mtime])).toEqual([
      ['a', 1234.5],
      ['b', 1234.5],
    ]);
  });

  it('reads GNU long names and base-256 numbers', () => {
    const long = 'n'.repeat(300);
    const L = Buffer.concat([Buffer.from(long), Buffer.from([0])]);
    const lh = encodeHeader(hdr({ name: '././@LongLink', size: L.length }));
    lh[156] = 0x4c; // 'L'
    lh.write('ustar  \u0000', 257, 'latin1'); // GNU magic
    const main = encodeHeader(hdr({ name: 'short' }));
    main.write('ustar  \u0000', 257, 'latin1');
    // uid as base-256: 0x80 then big-endian bytes
    main.fill(0, 108, 116);
    main[108] = 0x80;
    main.writeUInt32BE(70_000_000, 112);
    for (const b of [lh, main]) {
      b.fill(0x20, 148, 156);
      let sum = 0;
      for (const c of b) sum += c;
      b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
    }
    const bytes = Buffer.concat([lh, L, Buffer.alloc(padding(L.length)), main, END_OF_ARCHIVE]);
    const [g] = parse(bytes);
    expect(g!.h.name).toBe(long);
    expect(g!.h.uid).toBe(70_000_000);
  });

  it('accepts input that ends cleanly between entries without the end marker', () => {
    const got = parse(member(hdr({ name: 'a' }), Buffer.from('x')));
    expect(got).toHaveLength(1);
    expect(parse(Buffer.alloc(0))).toEqual([]);
  });

  it('ignores bytes after the end-of-archive marker', () => {
    const got = parse(Buffer.concat([member(hdr({ name: 'a' })), END_OF_ARCHIVE, Buffer.from('garbage'.repeat(100))]));
    expect(got.map((g) => g.h.name)).toEqual(['a']);
  });

  it.each([
    ['inside the data', 600],
    ['inside a header', 300],
    ['inside the padding', 512 + 100],
  ])('reports a truncation %s as unexpected end of archive', (_what, cut) => {
    const full = member(hdr({ name: 'a' }), Buffer.alloc(200, 1));
    const bytes = full.subarray(0, cut);
    expect(() => parse(bytes)).toThrow('unexpected end of archive');
    try {
      parse(bytes);
    } catch (err) {
      expect(hasCode(err, 'invalid-argument')).toBe(true);
    }
  });

  it('rejects a block with a bad checksum', () => {
    const b = member(hdr({ name: 'a' }));
    b[10] = 0x41;
    expect(() => parse(b)).toThrow(/bad checksum/);
  });

  it('rejects sparse and unknown entry types', () => {
    for (const [flag, msg] of [
      [0x53, /sparse/],
      [0x5a, /unsupported tar entry type 'Z'/],
    ] as const) {
      const b = encodeHeader(hdr({ name: 'a' }));
      b[156] = flag;
      b.fill(0x20, 148, 156);
      let sum = 0;
      for (const c of b) sum += c;
      b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
      expect(() => parse(b)).toThrow(msg);
    }
  });

  it('pauses when the sink returns a promise', async () => {
    const order: string[] = [];
    const r = new TarReader({
      entry: (h) => new Promise<void>((res) => setTimeout(() => (order.push(`entry ${h.name}`), res()), 5)),
      data: () => order.push('data'),
      end: () => void order.push('end'),
    });
    const bytes = Buffer.concat([member(hdr({ name: 'a' }), Buffer.from('x')), member(hdr({ name: 'b' })), END_OF_ARCHIVE]);
    const p = r.write(bytes);
    expect(p).toBeInstanceOf(Promise);
    await p;
    r.finish();
    expect(order).toEqual(['entry a', 'data', 'end', 'entry b', 'end']);
  });
});

describe('parseNumeric', () => {
  it.each([
    ['0000644\u0000', 0o644],
    ['  755 \u0000', 0o755],
    ['\u0000\u0000\u0000', 0],
  ])('parses %j', (text, want) => {
    const b = Buffer.from(text, 'latin1');
    expect(parseNumeric(b, 0, b.length, 'mode')).toBe(want);
  });

  it('rejects non-octal digits', () => {
    expect(() => parseNumeric(Buffer.from('0009\u0000'), 0, 5, 'mode')).toThrow(/bad mode/);
  });
});

describe('parsePaxRecords', () => {
  it('splits records by their length prefix, values may contain = and newlines', () => {
    const recs = parsePaxRecords(Buffer.from('11 path=ab\n17 SCHILY.x=a=\nb\n'));
    expect(recs.get('path')?.toString()).toBe('ab');
    expect(recs.get('SCHILY.x')?.toString()).toBe('a=\nb');
  });

  it('rejects a record whose length is wrong', () => {
    expect(() => parsePaxRecords(Buffer.from('99 path=ab\n'))).toThrow(/invalid PAX record/);
  });
});
