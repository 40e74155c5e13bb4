/**
 * applyLayer / extractTree against the real filesystem as root: what lands on disk, in both whiteout modes,
 * through real overlay mounts, and what must never land outside the target.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, extractTree } from '../../src/engine/archive/index.js';
import { findEngineError } from '../../src/engine/errdefs.js';
import { isRoot, unmountUnder } from '../helpers/cli.js';
import { mountOverlay, packTar, rawTar, sha256, streamOf, xattrsOf, type PackEntry } from './helpers.js';

const T = new Date(1_600_000_000_000);
const T2 = new Date(1_650_000_000_000);

/** The first layer of most tests: a small tree with every kind of entry. */
function baseLayer(): PackEntry[] {
  return [
    { name: 'etc', type: 'directory', mode: 0o755, mtime: T },
    { name: 'etc/passwd', mode: 0o644, mtime: T, data: 'root:x:0:0\n' },
    { name: 'etc/shadow', mode: 0o640, uid: 0, gid: 42, mtime: T, data: 'secret\n' },
    { name: 'bin', type: 'directory', mode: 0o755, mtime: T },
    { name: 'bin/su', mode: 0o4755, uid: 0, gid: 0, mtime: T, data: '#!/bin/sh\n' },
    { name: 'bin/sh-link', type: 'link', linkname: 'bin/su', mtime: T },
    { name: 'tmp', type: 'directory', mode: 0o1777, mtime: T },
    { name: 'home', type: 'directory', mode: 0o755, mtime: T },
    { name: 'home/user', type: 'directory', mode: 0o700, uid: 1000, gid: 1000, mtime: T2 },
    { name: 'home/user/.profile', mode: 0o600, uid: 1000, gid: 1000, mtime: T2, data: 'export A=1\n' },
    { name: 'lib', type: 'directory', mode: 0o755, mtime: T },
    { name: 'lib/rel', type: 'symlink', linkname: '../etc/passwd', mtime: T },
    { name: 'lib/abs', type: 'symlink', linkname: '/etc/passwd', mtime: T },
    { name: 'lib/dangling', type: 'symlink', linkname: '/nowhere/at/all', mtime: T },
    { name: 'dev', type: 'directory', mode: 0o755, mtime: T },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, mtime: T },
    { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660, gid: 6, mtime: T },
    { name: 'dev/fifo', type: 'fifo', mode: 0o620, mtime: T },
    { name: 'opt', type: 'directory', mode: 0o755, mtime: T },
    { name: 'opt/keep', mode: 0o644, mtime: T, data: 'lower keep\n' },
    { name: 'opt/gone', mode: 0o644, mtime: T, data: 'lower gone\n' },
    { name: 'opt/sub', type: 'directory', mode: 0o755, mtime: T },
    { name: 'opt/sub/deep', mode: 0o644, mtime: T, data: 'lower deep\n' },
    { name: 'var', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/old', mode: 0o644, mtime: T, data: 'old\n' },
    { name: 'var/olddir', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/olddir/x', mode: 0o644, mtime: T, data: 'x\n' },
  ];
}

/** The second layer: deletes a file and a directory, makes opt/ opaque, adds content. */
function changeLayer(opaqueFirst: boolean): PackEntry[] {
  const opq: PackEntry = { name: 'opt/.wh..wh..opq', mode: 0, mtime: T2 };
  const news: PackEntry[] = [
    { name: 'opt/new', mode: 0o644, mtime: T2, data: 'new in opt\n' },
    { name: 'opt/sub', type: 'directory', mode: 0o750, mtime: T2 },
    { name: 'opt/sub/fresh', mode: 0o644, mtime: T2, data: 'fresh\n' },
  ];
  return [
    { name: 'opt', type: 'directory', mode: 0o755, mtime: T2 },
    ...(opaqueFirst ? [opq, ...news] : [...news, opq]),
    { name: 'var', type: 'directory', mode: 0o755, mtime: T2 },
    { name: 'var/.wh.old', mode: 0, mtime: T2 },
    { name: 'var/.wh.olddir', mode: 0, mtime: T2 },
    { name: 'var/added', mode: 0o644, mtime: T2, data: 'added\n' },
  ];
}

function errorOf(p: Promise<unknown>): Promise<ReturnType<typeof findEngineError>> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => findEngineError(err),
  );
}

describe.skipIf(!isRoot())('applyLayer', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'nerdctl-archive-'));
  });
  afterEach(() => {
    unmountUnder(base);
    rmSync(base, { recursive: true, force: true });
  });

  function dir(name: string): string {
    const d = path.join(base, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  it.each(['overlay', 'remove'] as const)('preserves every kind of entry and its metadata (%s mode)', async (mode) => {
    const root = dir('root');
    const bytes = await packTar(baseLayer());
    const r = await applyLayer(streamOf(bytes), root, { whiteoutMode: mode });
    expect(r.diffId).toBe(sha256(bytes));
    expect(r.uncompressedSize).toBe(bytes.length);
    expect(r.compression).toBe('none');

    expect(readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toBe('root:x:0:0\n');
    const shadow = statSync(path.join(root, 'etc/shadow'));
    expect([shadow.mode & 0o7777, shadow.uid, shadow.gid]).toEqual([0o640, 0, 42]);
    const su = statSync(path.join(root, 'bin/su'));
    expect(su.mode & 0o7777).toBe(0o4755); // setuid survives the chown
    expect(statSync(path.join(root, 'bin/sh-link')).ino).toBe(su.ino);
    expect(statSync(path.join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
    const home = statSync(path.join(root, 'home/user'));
    expect([home.mode & 0o7777, home.uid, home.gid]).toEqual([0o700, 1000, 1000]);
    expect(statSync(path.join(root, 'home/user/.profile')).uid).toBe(1000);

    // mtimes, directories included (set after their contents were written)
    expect(statSync(path.join(root, 'etc/passwd')).mtimeMs).toBe(T.getTime());
    expect(statSync(path.join(root, 'home/user')).mtimeMs).toBe(T2.getTime());
    expect(statSync(path.join(root, 'etc')).mtimeMs).toBe(T.getTime());
    expect(lstatSync(path.join(root, 'lib/rel')).mtimeMs).toBe(T.getTime());

    expect(readlinkSync(path.join(root, 'lib/rel'))).toBe('../etc/passwd');
    expect(readlinkSync(path.join(root, 'lib/abs'))).toBe('/etc/passwd');
    expect(readlinkSync(path.join(root, 'lib/dangling'))).toBe('/nowhere/at/all');

    const nul = lstatSync(path.join(root, 'dev/null'));
    expect(nul.isCharacterDevice()).toBe(true);
    expect(nul.rdev).toBe((1 << 8) | 3);
    expect(nul.mode & 0o7777).toBe(0o666);
    const sda = lstatSync(path.join(root, 'dev/sda'));
    expect(sda.isBlockDevice()).toBe(true);
    expect([sda.rdev, sda.gid, sda.mode & 0o7777]).toEqual([8 << 8, 6, 0o660]);
    expect(lstatSync(path.join(root, 'dev/fifo')).isFIFO()).toBe(true);
    expect(lstatSync(path.join(root, 'dev/fifo')).mode & 0o7777).toBe(0o620);
    // no helper files left behind
    expect(readdirSync(root).sort()).toEqual(['bin', 'dev', 'etc', 'home', 'lib', 'opt', 'tmp', 'var']);
  });

  it('creates device nodes in a batch that still honours archive order', async () => {
    const root = dir('root');
    await applyLayer(
      streamOf(
        await packTar([
          { name: 'dev', type: 'directory', mode: 0o755, mtime: T },
          { name: 'dev/zero', type: 'character-device', devmajor: 1, devminor: 5, mode: 0o666, uid: 5, mtime: T },
          { name: 'dev/zero-link', type: 'link', linkname: 'dev/zero' },
          { name: 'dev/replaced', type: 'character-device', devmajor: 1, devminor: 7 },
          { name: 'dev/replaced', data: 'a file now' },
          { name: 'dev/pipe', type: 'fifo', mode: 0o600, mtime: T2 },
        ]),
      ),
      root,
      { whiteoutMode: 'remove' },
    );
    const zero = lstatSync(path.join(root, 'dev/zero'));
    expect([zero.isCharacterDevice(), zero.rdev, zero.uid, zero.mode & 0o7777]).toEqual([true, (1 << 8) | 5, 5, 0o666]);
    expect(lstatSync(path.join(root, 'dev/zero-link')).ino).toBe(zero.ino);
    expect(readFileSync(path.join(root, 'dev/replaced'), 'utf8')).toBe('a file now');
    expect(lstatSync(path.join(root, 'dev/pipe')).mtimeMs).toBe(T2.getTime());
    expect(statSync(path.join(root, 'dev')).mtimeMs).toBe(T.getTime());
  });

  it('sets xattrs from PAX records, binary capabilities included, after ownership', async () => {
    const root = dir('root');
    // A real file capability (cap_net_raw+ep, VFS_CAP_REVISION_2): chown would clear it if set first.
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    const bytes = rawTar([
      { name: 'bin', type: 'dir', mode: 0o755 },
      { name: 'bin/ping', mode: 0o755, uid: 0, gid: 0, data: Buffer.from('elf'), xattrs: new Map([['security.capability', cap], ['user.origin', Buffer.from('test')]]) },
      { name: 'bin/plain', mode: 0o755, data: Buffer.from('x'), xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')]]) },
      { name: 'data', type: 'dir', mode: 0o755, xattrs: new Map([['user.dir', Buffer.from([0, 1, 2, 255])]]) },
    ]);
    await applyLayer(streamOf(bytes), root, { whiteoutMode: 'remove' });
    expect(xattrsOf(path.join(root, 'bin/ping'))).toEqual({ 'security.capability': cap.toString('hex'), 'user.origin': '74657374' });
    expect(xattrsOf(path.join(root, 'data'))).toEqual({ 'user.dir': '000102ff' });
    // overlayfs' own attributes are never taken from an archive
    expect(xattrsOf(path.join(root, 'bin/plain'), true)).toEqual({});
  });

  it('also takes text xattrs written by tar-stream', async () => {
    const root = dir('root');
    const bytes = await packTar([{ name: 'f', data: 'x', pax: { 'SCHILY.xattr.user.mime_type': 'text/plain' } }]);
    await applyLayer(streamOf(bytes), root, { whiteoutMode: 'overlay' });
    expect(xattrsOf(path.join(root, 'f'))).toEqual({ 'user.mime_type': Buffer.from('text/plain').toString('hex') });
  });

  it.each([true, false])('remove mode: whiteouts delete and an opaque dir keeps only the layer content (marker first: %s)', async (opaqueFirst) => {
    const root = dir('root');
    await applyLayer(streamOf(await packTar(baseLayer())), root, { whiteoutMode: 'remove' });
    await applyLayer(streamOf(await packTar(changeLayer(opaqueFirst))), root, { whiteoutMode: 'remove' });
    expect(existsSync(path.join(root, 'var/old'))).toBe(false);
    expect(existsSync(path.join(root, 'var/olddir'))).toBe(false);
    expect(readFileSync(path.join(root, 'var/added'), 'utf8')).toBe('added\n');
    expect(readdirSync(path.join(root, 'opt')).sort()).toEqual(['new', 'sub']);
    expect(readdirSync(path.join(root, 'opt/sub'))).toEqual(['fresh']);
    expect(statSync(path.join(root, 'opt/sub')).mode & 0o7777).toBe(0o750);
    expect(statSync(path.join(root, 'var')).mtimeMs).toBe(T2.getTime());
    // whiteout entries themselves never appear
    expect(readdirSync(path.join(root, 'var'))).toEqual(['added']);
  });

  it.each([true, false])('overlay mode: whiteout devices and opaque xattrs, checked through a real overlay mount (marker first: %s)', async (opaqueFirst) => {
    const lower = dir('lower');
    const upper = dir('upper');
    const merged = dir('merged');
    await applyLayer(streamOf(await packTar(baseLayer())), lower, { whiteoutMode: 'overlay' });
    await applyLayer(streamOf(await packTar(changeLayer(opaqueFirst))), upper, { whiteoutMode: 'overlay' });

    const wh = lstatSync(path.join(upper, 'var/old'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(lstatSync(path.join(upper, 'var/olddir')).isCharacterDevice()).toBe(true);
    expect(xattrsOf(path.join(upper, 'opt'), true)).toMatchObject({ 'trusted.overlay.opaque': '79' });
    expect(readdirSync(upper).sort()).toEqual(['opt', 'var']);

    mountOverlay(merged, [upper, lower]);
    expect(existsSync(path.join(merged, 'var/old'))).toBe(false);
    expect(existsSync(path.join(merged, 'var/olddir'))).toBe(false);
    expect(readdirSync(path.join(merged, 'var')).sort()).toEqual(['added']);
    expect(readdirSync(path.join(merged, 'opt')).sort()).toEqual(['new', 'sub']);
    expect(readdirSync(path.join(merged, 'opt/sub'))).toEqual(['fresh']);
    expect(readFileSync(path.join(merged, 'etc/passwd'), 'utf8')).toBe('root:x:0:0\n');
  });

  it('hard links to files of lower layers: native copy links, overlay copies up from lowerDirs', async () => {
    const linkLayer = await packTar([
      { name: 'etc', type: 'directory', mode: 0o755, mtime: T },
      { name: 'etc/passwd-link', type: 'link', linkname: 'etc/passwd' },
    ]);
    const root = dir('native');
    await applyLayer(streamOf(await packTar(baseLayer())), root, { whiteoutMode: 'remove' });
    await applyLayer(streamOf(linkLayer), root, { whiteoutMode: 'remove' });
    expect(statSync(path.join(root, 'etc/passwd-link')).ino).toBe(statSync(path.join(root, 'etc/passwd')).ino);

    const lower = dir('lower');
    const upper = dir('upper');
    await applyLayer(streamOf(await packTar(baseLayer())), lower, { whiteoutMode: 'overlay' });
    const err = await errorOf(applyLayer(streamOf(linkLayer), dir('upper-without-lowers'), { whiteoutMode: 'overlay' }));
    expect(err?.code).toBe('invalid-argument');
    expect(err?.message).toMatch(/^apply layer: hard link "etc\/passwd-link": target "etc\/passwd" not found$/);

    await applyLayer(streamOf(linkLayer), upper, { whiteoutMode: 'overlay', lowerDirs: [lower] });
    const copied = statSync(path.join(upper, 'etc/passwd'));
    expect(statSync(path.join(upper, 'etc/passwd-link')).ino).toBe(copied.ino);
    expect(readFileSync(path.join(upper, 'etc/passwd-link'), 'utf8')).toBe('root:x:0:0\n');
    expect(copied.mtimeMs).toBe(T.getTime());
    const merged = dir('merged');
    mountOverlay(merged, [upper, lower]);
    expect(readFileSync(path.join(merged, 'etc/passwd-link'), 'utf8')).toBe('root:x:0:0\n');
    expect(readFileSync(path.join(merged, 'etc/shadow'), 'utf8')).toBe('secret\n');
  });

  it('replaces entries of lower layers: file by dir, dir by symlink, and never writes through the old one', async () => {
    const root = dir('root');
    await applyLayer(streamOf(await packTar(baseLayer())), root, { whiteoutMode: 'remove' });
    await applyLayer(
      streamOf(
        await packTar([
          { name: 'etc/passwd', type: 'directory', mode: 0o700 },
          { name: 'etc/passwd/inside', data: 'in' },
          { name: 'opt', type: 'symlink', linkname: '/var' },
          { name: 'opt/through', data: 'via symlink' },
          { name: 'lib/abs', data: 'a file where a symlink was' },
        ]),
      ),
      root,
      { whiteoutMode: 'remove' },
    );
    expect(readFileSync(path.join(root, 'etc/passwd/inside'), 'utf8')).toBe('in');
    expect(readlinkSync(path.join(root, 'opt'))).toBe('/var');
    // "opt/through" resolves through the new symlink inside the root: /var of the image, not of the host
    expect(readFileSync(path.join(root, 'var/through'), 'utf8')).toBe('via symlink');
    expect(lstatSync(path.join(root, 'lib/abs')).isFile()).toBe(true);
    expect(readFileSync('/etc/passwd', 'utf8')).not.toBe('a file where a symlink was');
  });

  describe('escapes', () => {
    let outside: string;
    beforeEach(() => {
      outside = dir('outside');
      writeFileSync(path.join(outside, 'victim'), 'untouched');
    });

    function assertOutsideUntouched(): void {
      expect(readdirSync(outside)).toEqual(['victim']);
      expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('untouched');
      expect(readdirSync(base).sort()).toEqual(expect.arrayContaining(['outside']));
    }

    it.each([
      ['../outside/evil', 'file'],
      ['a/../../outside/evil', 'file'],
      ['../outside/victim', 'symlink'],
    ])('refuses a member named %j', async (name, type) => {
      const root = dir('root');
      const bytes = rawTar([{ name: 'ok', data: Buffer.from('fine') }, { name, type: type as 'file', linkname: '/x', data: type === 'file' ? Buffer.from('pwned') : undefined }]);
      const err = await errorOf(applyLayer(streamOf(bytes), root, { whiteoutMode: 'remove' }));
      expect(err?.code).toBe('invalid-argument');
      expect(err?.message).toBe(`apply layer: archive entry "${name}" escapes the target directory`);
      assertOutsideUntouched();
      expect(readdirSync(base).sort()).toEqual(['outside', 'root']);
    });

    it('confines absolute member names to the target', async () => {
      const root = dir('root');
      await applyLayer(streamOf(rawTar([{ name: '/abs/file', data: Buffer.from('in root') }])), root, { whiteoutMode: 'remove' });
      expect(readFileSync(path.join(root, 'abs/file'), 'utf8')).toBe('in root');
    });

    it('resolves absolute and climbing symlinks of lower layers inside the target', async () => {
      const root = dir('root');
      // The lower layer plants symlinks pointing at the host's "outside" directory, absolutely and by climbing.
      await applyLayer(
        streamOf(
          rawTar([
            { name: 'abs', type: 'symlink', linkname: outside },
            { name: 'climb', type: 'symlink', linkname: '../../../../../../../../' + outside.slice(1) },
            { name: 'hostroot', type: 'symlink', linkname: '/' },
          ]),
        ),
        root,
        { whiteoutMode: 'remove' },
      );
      await applyLayer(
        streamOf(
          rawTar([
            { name: 'abs/victim', data: Buffer.from('pwned 1') },
            { name: 'climb/evil', data: Buffer.from('pwned 2') },
            { name: 'hostroot/' + outside.slice(1) + '/evil2', data: Buffer.from('pwned 3') },
            { name: 'abs/.wh.victim' },
          ]),
        ),
        root,
        { whiteoutMode: 'remove' },
      );
      assertOutsideUntouched();
      // the writes landed inside the root, at the link targets taken relative to it
      expect(readFileSync(path.join(root, outside.slice(1), 'evil'), 'utf8')).toBe('pwned 2');
      expect(readFileSync(path.join(root, outside.slice(1), 'evil2'), 'utf8')).toBe('pwned 3');
      expect(existsSync(path.join(root, outside.slice(1), 'victim'))).toBe(false);
    });

    it('resolves a symlink planted earlier in the same layer inside the target', async () => {
      const root = dir('root');
      await applyLayer(
        streamOf(
          rawTar([
            { name: 'd', type: 'symlink', linkname: outside },
            { name: 'd/victim', data: Buffer.from('pwned') },
            { name: 'd2', type: 'symlink', linkname: '..' },
            { name: 'd2/d2/d2/x', data: Buffer.from('ok') },
          ]),
        ),
        root,
        { whiteoutMode: 'overlay' },
      );
      assertOutsideUntouched();
      expect(readFileSync(path.join(root, outside.slice(1), 'victim'), 'utf8')).toBe('pwned');
      expect(readFileSync(path.join(root, 'x'), 'utf8')).toBe('ok');
    });

    it('confines hard link targets', async () => {
      const root = dir('root');
      let err = await errorOf(applyLayer(streamOf(rawTar([{ name: 'h', type: 'link', linkname: '../outside/victim' }])), root, { whiteoutMode: 'remove' }));
      expect(err?.message).toBe('apply layer: archive entry "../outside/victim" escapes the target directory');
      // through a symlink pointing outside: looked up inside the root, where it does not exist
      err = await errorOf(
        applyLayer(
          streamOf(rawTar([{ name: 'l', type: 'symlink', linkname: outside }, { name: 'h', type: 'link', linkname: 'l/victim' }])),
          root,
          { whiteoutMode: 'remove' },
        ),
      );
      expect(err?.code).toBe('invalid-argument');
      expect(err?.message).toMatch(/target "l\/victim" not found/);
      expect(statSync(path.join(outside, 'victim')).nlink).toBe(1);
      assertOutsideUntouched();
    });
  });

  it('applies gzip and zstd layers to the same result and diffID as the plain tar', async () => {
    const bytes = await packTar(baseLayer());
    const zst = execFileSync('zstd', ['-q', '-c'], { input: bytes });
    const results = [];
    for (const [name, input] of [
      ['plain', bytes],
      ['gzip', gzipSync(bytes)],
      ['zstd', zst],
    ] as const) {
      const root = dir(name);
      const r = await applyLayer(streamOf(input), root, { whiteoutMode: 'overlay' });
      expect(r.compression).toBe(name === 'plain' ? 'none' : name);
      expect(readFileSync(path.join(root, 'home/user/.profile'), 'utf8')).toBe('export A=1\n');
      results.push(r.diffId);
    }
    expect(new Set(results)).toEqual(new Set([sha256(bytes)]));
  });

  it('does not mistake a plain tar for a compressed one, and skips detection when told', async () => {
    const bytes = await packTar([{ name: 'BZh9-notes.txt', data: 'starts like bzip2' }]);
    const r = await applyLayer(streamOf(bytes), dir('a'), { whiteoutMode: 'remove' });
    expect(r.compression).toBe('none');
    expect(readFileSync(path.join(base, 'a', 'BZh9-notes.txt'), 'utf8')).toBe('starts like bzip2');
    const err = await errorOf(applyLayer(streamOf(gzipSync(bytes)), dir('b'), { whiteoutMode: 'remove', decompress: false }));
    // gzip bytes read as a tar: too short for a header here, or a header with a bad checksum
    expect(err?.message).toMatch(/^apply layer: (unexpected end of archive|invalid tar header)/);
  });

  it('fails cleanly on a corrupt gzip and on a truncated tar', async () => {
    const bytes = await packTar(baseLayer());
    const gz = gzipSync(bytes);
    gz[3] = 0xe0; // reserved header flags
    let err = await errorOf(applyLayer(streamOf(gz), dir('gz'), { whiteoutMode: 'remove' }));
    expect(err?.code).toBe('invalid-argument');
    expect(err?.message).toBe('apply layer: gzip: unknown header flags set');

    // Damage inside the deflate data: whichever notices first (inflate or the tar parser) gives one line.
    const gz2 = gzipSync(bytes);
    gz2.fill(0x41, 100, 140);
    err = await errorOf(applyLayer(streamOf(gz2), dir('gz2'), { whiteoutMode: 'remove' }));
    expect(err?.code).toBe('invalid-argument');
    expect(err?.message).toMatch(/^apply layer: (gzip: [a-z ]+|invalid tar header.*)$/);

    err = await errorOf(applyLayer(streamOf(bytes.subarray(0, 3000)), dir('trunc'), { whiteoutMode: 'remove' }));
    expect(err?.code).toBe('invalid-argument');
    expect(err?.message).toBe('apply layer: unexpected end of archive');

    err = await errorOf(applyLayer(streamOf(gzipSync(bytes).subarray(0, 500)), dir('trunc-gz'), { whiteoutMode: 'remove' }));
    expect(err?.message).toBe('apply layer: gzip: unexpected end of file');

    err = await errorOf(applyLayer(streamOf(Buffer.from('this is not a tar archive at all'.repeat(20))), dir('junk'), { whiteoutMode: 'remove' }));
    expect(err?.message).toMatch(/^apply layer: invalid tar header/);
  });

  it('hashes bytes after the end-of-archive marker into the diffID', async () => {
    const bytes = Buffer.concat([await packTar([{ name: 'a', data: 'a' }]), Buffer.alloc(8192)]);
    const r = await applyLayer(streamOf(bytes), dir('root'), { whiteoutMode: 'remove' });
    expect(r.diffId).toBe(sha256(bytes));
    expect(r.uncompressedSize).toBe(bytes.length);
  });

  it('reports a failing input stream as it is', async () => {
    const bytes = await packTar(baseLayer());
    async function* broken() {
      yield bytes.subarray(0, 2048);
      throw new Error('connection reset by peer');
    }
    await expect(applyLayer(broken(), dir('root'), { whiteoutMode: 'remove' })).rejects.toThrow(/^connection reset by peer$/);
  });

  it('stops when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await errorOf(applyLayer(streamOf(await packTar(baseLayer())), dir('root'), { whiteoutMode: 'remove', signal: ac.signal }));
    expect(err?.code).toBe('canceled');
  });
});

describe.skipIf(!isRoot())('extractTree', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'nerdctl-extract-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('extracts without whiteout processing, owned by us unless asked', async () => {
    const bytes = await packTar([
      { name: 'd', type: 'directory', uid: 1000, gid: 1000 },
      { name: 'd/.wh.literal', uid: 1000, gid: 1000, data: 'kept as a file' },
      { name: 'd/f', mode: 0o4750, uid: 1000, gid: 1000, data: 'f' },
    ]);
    const a = path.join(base, 'a');
    mkdirSync(a);
    await extractTree(streamOf(bytes), a);
    expect(readFileSync(path.join(a, 'd/.wh.literal'), 'utf8')).toBe('kept as a file');
    expect(statSync(path.join(a, 'd/f')).uid).toBe(0);
    expect(statSync(path.join(a, 'd/f')).mode & 0o7777).toBe(0o4750);

    const b = path.join(base, 'b');
    mkdirSync(b);
    await extractTree(streamOf(gzipSync(bytes)), b, { sameOwner: true });
    expect(statSync(path.join(b, 'd/f')).uid).toBe(1000);

    const c = path.join(base, 'c');
    mkdirSync(c);
    await extractTree(streamOf(bytes), c, { owner: { uid: 7, gid: 8 } });
    expect([statSync(path.join(c, 'd')).uid, statSync(path.join(c, 'd/f')).gid]).toEqual([7, 8]);
  });

  it('refuses to replace a directory with a file when asked, as docker cp does', async () => {
    const t = path.join(base, 't');
    mkdirSync(path.join(t, 'etc'), { recursive: true });
    const err = await errorOf(extractTree(streamOf(await packTar([{ name: 'etc', data: 'x' }])), t, { noOverwriteDirNonDir: true }));
    expect(err?.code).toBe('conflict');
    expect(err?.message).toBe('extract archive: cannot overwrite directory "etc" with non-directory');
    expect(statSync(path.join(t, 'etc')).isDirectory()).toBe(true);
  });

  it('says which target is missing', async () => {
    const err = await errorOf(extractTree(streamOf(await packTar([{ name: 'x', data: 'x' }])), path.join(base, 'nope')));
    expect(err?.code).toBe('not-found');
  });
});
