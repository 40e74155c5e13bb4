import { describe, expect, it } from 'vitest';
import {
  containerAbsPath,
  cpDirection,
  getRebaseName,
  goBase,
  goClean,
  goDir,
  prepareArchiveCopy,
  preserveTrailingDotOrSeparator,
  splitCpArg,
  splitPathDirEntry,
} from './copy-plan.js';

describe('Go path helpers', () => {
  it.each([
    ['', '.', '.', '.'],
    ['/', '/', '/', '/'],
    ['/etc/', '/etc', 'etc', '/etc'],
    ['/etc', '/etc', 'etc', '/'],
    ['/etc/.', '/etc', '.', '/etc'],
    ['a/../../b', '../b', 'b', '..'],
    ['//x//y', '/x/y', 'y', '/x'],
  ])('%j: Clean %j, Base %j, Dir %j', (p, clean, base, dir) => {
    expect(goClean(p)).toBe(clean);
    expect(goBase(p)).toBe(base);
    expect(goDir(p)).toBe(dir);
  });
});

describe('cp paths', () => {
  it.each([
    ['c1:/etc/hosts', { container: 'c1', path: '/etc/hosts' }],
    ['c1:', { container: 'c1', path: '' }],
    ['/abs/with:colon', { path: '/abs/with:colon' }],
    ['./rel:name', { path: './rel:name' }],
    ['file.txt', { path: 'file.txt' }],
    ['-', { path: '-' }],
  ])('splits %j', (arg, want) => {
    expect(splitCpArg(arg)).toEqual(want);
  });

  it('picks the direction, refusing both or neither side in a container', () => {
    expect(cpDirection('c:/a', '/tmp')).toEqual({ kind: 'from', container: 'c', source: '/a', destination: '/tmp' });
    expect(cpDirection('-', 'c:/tmp')).toEqual({ kind: 'to', container: 'c', source: '-', destination: '/tmp' });
    expect(() => cpDirection('a:/x', 'b:/y')).toThrow('copying between containers is not supported');
    expect(() => cpDirection('/x', '/y')).toThrow('must specify at least one container source');
  });

  it('keeps the trailing slash or dot the user typed', () => {
    expect(preserveTrailingDotOrSeparator('/etc', '/etc/')).toBe('/etc/');
    expect(preserveTrailingDotOrSeparator('/etc', '/etc/.')).toBe('/etc/.');
    expect(preserveTrailingDotOrSeparator('/', '/.')).toBe('/.');
    expect(containerAbsPath('tmp/x')).toBe('/tmp/x');
    expect(containerAbsPath('etc/.')).toBe('/etc/.');
    expect(containerAbsPath('')).toBe('/.');
    expect(splitPathDirEntry('/etc/.')).toEqual({ dir: '/etc', base: '.' });
    expect(splitPathDirEntry('/etc/')).toEqual({ dir: '/', base: 'etc' });
  });
});

describe('prepareArchiveCopy', () => {
  const file = { path: '/src/f.txt', isDir: false };
  const dir = { path: '/src/d', isDir: true };
  const contents = { path: '/src/d/.', isDir: true };
  it.each([
    ['a file into an existing directory keeps its name', file, { path: '/dst', exists: true, isDir: true }, { dstDir: '/dst', topName: 'f.txt' }],
    ['a file over an existing file takes its name', file, { path: '/dst/g', exists: true, isDir: false }, { dstDir: '/dst', topName: 'g' }],
    ['a file to a new name', file, { path: '/dst/new', exists: false, isDir: false }, { dstDir: '/dst', topName: 'new' }],
    ['a directory into an existing directory', dir, { path: '/dst', exists: true, isDir: true }, { dstDir: '/dst', topName: 'd' }],
    ['a directory to a new name', dir, { path: '/dst/new', exists: false, isDir: false }, { dstDir: '/dst', topName: 'new' }],
    ['the contents of a directory into an existing one', contents, { path: '/dst', exists: true, isDir: true }, { dstDir: '/dst', topName: '.' }],
    ['the contents of a directory to a new one', contents, { path: '/dst/new', exists: false, isDir: false }, { dstDir: '/dst', topName: 'new' }],
    ['a rebased (followed) source into a directory', { ...file, rebaseName: 'link' }, { path: '/dst', exists: true, isDir: true }, { dstDir: '/dst', topName: 'link' }],
  ])('%s', (_what, src, dst, want) => {
    expect(prepareArchiveCopy(src, dst)).toEqual(want);
  });

  it("refuses a directory onto a file and a file into a missing directory, with Docker's words", () => {
    expect(() => prepareArchiveCopy(dir, { path: '/dst/f', exists: true, isDir: false })).toThrow('cannot copy directory');
    expect(() => prepareArchiveCopy(file, { path: '/dst/missing/', exists: false, isDir: false })).toThrow('no such directory');
    expect(() => prepareArchiveCopy(file, { path: '/dst/missing/.', exists: false, isDir: false })).toThrow('no such directory');
  });
});

describe('getRebaseName', () => {
  it('keeps the requested name when a followed link changed it, and the trailing dot', () => {
    expect(getRebaseName('/bin/sh', '/bin/busybox')).toEqual({ path: '/bin/busybox', rebaseName: 'sh' });
    expect(getRebaseName('/l/.', '/etc')).toEqual({ path: '/etc/.' });
    expect(getRebaseName('/etc', '/etc')).toEqual({ path: '/etc' });
  });
});
