import { describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { encodeHeader, END_OF_ARCHIVE, paxRecord, paxRecordsFor, splitUstarName, type TarHeader } from './tar-header.js';

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

async function readWithTarStream(bytes: Buffer): Promise<tar.Header[]> {
  const ex = tar.extract();
  const out: tar.Header[] = [];
  Readable.from([bytes]).pipe(ex as unknown as NodeJS.WritableStream);
  for await (const entry of ex) {
    out.push(entry.header);
    entry.resume();
  }
  return out;
}

describe('encodeHeader', () => {
  it('writes a plain ustar block when everything fits', () => {
    const b = encodeHeader(hdr({ name: 'etc/passwd', mode: 0o4755, uid: 1000, gid: 100 }));
    expect(b.length).toBe(512);
    expect(b.toString('latin1', 257, 265)).toBe('ustar\u000000');
    expect(paxRecordsFor(hdr({ name: 'etc/passwd' }))).toEqual([]);
  });

  it('is deterministic and other readers agree with it', async () => {
    const entries = [
      hdr({ name: 'dir', type: 'dir', mode: 0o1777 }),
      hdr({ name: 'dir/' + 'x'.repeat(90) + '/' + 'y'.repeat(90), uid: 3_000_000 }),
      hdr({ name: 'dir/sym', type: 'symlink', linkname: 'z'.repeat(130) }),
      hdr({ name: 'dev', type: 'block', devmajor: 8, devminor: 1 }),
    ];
    const a = Buffer.concat([...entries.map(encodeHeader), END_OF_ARCHIVE]);
    const b = Buffer.concat([...entries.map(encodeHeader), END_OF_ARCHIVE]);
    expect(a.equals(b)).toBe(true);
    const got = await readWithTarStream(a);
    expect(got.map((h) => [h.name, h.type])).toEqual([
      ['dir/', 'directory'],
      ['dir/' + 'x'.repeat(90) + '/' + 'y'.repeat(90), 'file'],
      ['dir/sym', 'symlink'],
      ['dev', 'block-device'],
    ]);
    expect(got[0]!.mode).toBe(0o1777);
    // tar-stream leaves uid to the caller but exposes the PAX record.
    expect((got[1]!.pax as Record<string, string>).uid).toBe('3000000');
    expect(got[2]!.linkname).toBe('z'.repeat(130));
    expect(got[3]).toMatchObject({ devmajor: 8, devminor: 1 });
  });

  it('adds a PAX header only for what ustar cannot hold, records sorted', () => {
    const h = hdr({
      name: 'n'.repeat(300),
      uid: 9_999_999,
      xattrs: new Map([
        ['user.b', Buffer.from('2')],
        ['security.capability', Buffer.from([0, 1])],
      ]),
    });
    expect(paxRecordsFor(h).map(([k]) => k)).toEqual(['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.b', 'path', 'uid']);
    const b = encodeHeader(h);
    expect(b[156]).toBe(0x78); // 'x'
    expect(b.length % 512).toBe(0);
  });
});

describe('splitUstarName', () => {
  it('splits at a slash so both parts fit', () => {
    const name = 'p'.repeat(150) + '/' + 'n'.repeat(99);
    expect(splitUstarName(name)).toEqual({ prefix: 'p'.repeat(150), name: 'n'.repeat(99) });
  });

  it('gives up when no split fits', () => {
    expect(splitUstarName('n'.repeat(101))).toBeUndefined();
    expect(splitUstarName('p'.repeat(156) + '/' + 'n')).toBeUndefined();
  });
});

describe('paxRecord', () => {
  it('counts its own length digits', () => {
    expect(paxRecord('path', 'ab').toString()).toBe('11 path=ab\n');
    // 98 bytes of body + 2 digits would be 100, which needs 3 digits: 101.
    const r = paxRecord('k', 'v'.repeat(93));
    expect(r.length).toBe(Number(r.toString().split(' ')[0]));
  });
});
