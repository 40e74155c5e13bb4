import { describe, expect, it } from 'vitest';
import { formatXattrDump, parseXattrDump, quoteDumpName, unquoteDumpName } from './xattrs.js';

describe('dump name quoting', () => {
  it.each([
    ['/plain/path', '/plain/path'],
    ['/with space/é', '/with space/é'],
    ['/back\\slash', '/back\\134slash'],
    ['/new\nline', '/new\\012line'],
  ])('%j <-> %j', (raw, quoted) => {
    expect(quoteDumpName(raw)).toBe(quoted);
    expect(unquoteDumpName(quoted)).toBe(raw);
  });
});

describe('xattr dumps', () => {
  it('parses getfattr output in hex, base64 and text forms', () => {
    const text = [
      '# file: /r/a\\012b',
      'security.capability=0x0100000200',
      'user.b64=0sAAE=',
      'user.txt="hi"',
      'user.empty=0x',
      '',
      '# file: /r/c',
      'trusted.overlay.opaque=0x79',
      '',
    ].join('\n');
    const m = parseXattrDump(text);
    expect([...m.keys()]).toEqual(['/r/a\nb', '/r/c']);
    expect(m.get('/r/a\nb')!.get('security.capability')).toEqual(Buffer.from([1, 0, 0, 2, 0]));
    expect(m.get('/r/a\nb')!.get('user.b64')).toEqual(Buffer.from([0, 1]));
    expect(m.get('/r/a\nb')!.get('user.txt')?.toString()).toBe('hi');
    expect(m.get('/r/a\nb')!.get('user.empty')?.length).toBe(0);
    expect(m.get('/r/c')!.get('trusted.overlay.opaque')?.toString()).toBe('y');
  });

  it('formats what it parses', () => {
    const entries: Array<[string, Map<string, Buffer>]> = [
      ['/x/y z', new Map([['user.a', Buffer.from([0, 255])]])],
      ['/x\\w', new Map([['user.b', Buffer.alloc(0)]])],
    ];
    const text = formatXattrDump(entries);
    expect(text).toBe('# file: /x/y z\nuser.a=0x00ff\n\n# file: /x\\134w\nuser.b=0x\n\n');
    expect([...parseXattrDump(text)]).toEqual(entries);
  });
});
