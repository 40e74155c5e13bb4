/**
 * Layer diffs as root: changes made through a real overlay mount become an OCI layer that, applied over the
 * lower tree, reproduces the merged view (both whiteout modes); the native tree diff does the same; output
 * is reproducible.
 */
import {
  chmodSync,
  chownSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, compressLayer, writeOverlayDiff, writeTree, writeTreeDiff } from '../../src/engine/archive/index.js';
import { findEngineError } from '../../src/engine/errdefs.js';
import { isRoot, unmountUnder } from '../helpers/cli.js';
import { collector, describeTree, listTar, mountOverlay, packTar, run, sha256, streamOf, umount, type PackEntry } from './helpers.js';

const T = new Date(1_600_000_000_000);

function lowerLayer(): PackEntry[] {
  return [
    { name: 'etc', type: 'directory', mode: 0o755, mtime: T },
    { name: 'etc/passwd', mode: 0o644, mtime: T, data: 'root:x:0:0\n' },
    { name: 'etc/hostname', mode: 0o644, mtime: T, data: 'aaaa\n' },
    { name: 'bin', type: 'directory', mode: 0o755, mtime: T },
    { name: 'bin/su', mode: 0o4755, mtime: T, data: '#!/bin/sh\n' },
    { name: 'bin/su-hard', type: 'link', linkname: 'bin/su', mtime: T },
    { name: 'opt', type: 'directory', mode: 0o755, mtime: T },
    { name: 'opt/gone', mode: 0o644, mtime: T, data: 'gone\n' },
    { name: 'opt/keep', mode: 0o644, mtime: T, data: 'keep\n' },
    { name: 'opt/sub', type: 'directory', mode: 0o755, mtime: T },
    { name: 'opt/sub/old1', mode: 0o644, mtime: T, data: 'old1\n' },
    { name: 'opt/sub/old2', mode: 0o644, mtime: T, data: 'old2\n' },
    { name: 'var', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/olddir', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/olddir/x', mode: 0o644, mtime: T, data: 'x\n' },
    { name: 'var/file-to-dir', mode: 0o644, mtime: T, data: 'was a file\n' },
    { name: 'var/dir-to-file', type: 'directory', mode: 0o755, mtime: T },
    { name: 'var/dir-to-file/inner', mode: 0o644, mtime: T, data: 'inner\n' },
    { name: 'dev', type: 'directory', mode: 0o755, mtime: T },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666, mtime: T },
    { name: 'lnk', type: 'symlink', linkname: 'etc/passwd', mtime: T },
  ];
}

/** The same changes a RUN step could make, applied under `root` (a merged overlay or a native copy). */
function makeChanges(root: string): void {
  const p = (s: string) => path.join(root, s);
  writeFileSync(p('etc/passwd'), 'root:x:0:0\nuser:x:1000:1000\n');
  rmSync(p('opt/gone'));
  rmSync(p('var/olddir'), { recursive: true });
  rmSync(p('opt/sub'), { recursive: true });
  mkdirSync(p('opt/sub'));
  writeFileSync(p('opt/sub/new'), 'new\n');
  mkdirSync(p('newdir/deeper'), { recursive: true });
  chmodSync(p('newdir'), 0o2775);
  writeFileSync(p('newdir/file'), 'file\n');
  chownSync(p('newdir/file'), 1234, 5678);
  linkSync(p('newdir/file'), p('newdir/file-hard'));
  symlinkSync('../etc/passwd', p('newdir/ln'));
  symlinkSync('/does/not/exist', p('newdir/dangling'));
  writeFileSync(p('newdir/deeper/' + 'long-name-'.repeat(12)), 'long\n');
  run('setfattr', '-n', 'user.k', '-v', 'value', p('newdir/file'));
  run('mkfifo', p('newdir/fifo'));
  chmodSync(p('bin/su'), 0o755); // metadata only
  rmSync(p('var/file-to-dir'));
  mkdirSync(p('var/file-to-dir'));
  writeFileSync(p('var/file-to-dir/in'), 'in\n');
  rmSync(p('var/dir-to-file'), { recursive: true });
  writeFileSync(p('var/dir-to-file'), 'now a file\n');
  rmSync(p('lnk'));
  symlinkSync('etc/hostname', p('lnk'));
}

async function diffBytes(fn: (out: NodeJS.WritableStream & import('node:stream').Writable) => Promise<{ diffId: string; digest: string; size: number }>) {
  const c = collector();
  const r = await fn(c.stream);
  return { ...r, bytes: c.bytes() };
}

describe.skipIf(!isRoot())('layer diffs', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(tmpdir(), 'nerdctl-diff-'));
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

  it('writeOverlayDiff of an upper dir round-trips through applyLayer in both modes', async () => {
    const lower = dir('lower');
    const upper = dir('upper');
    const work = dir('work');
    const merged = dir('merged');
    await applyLayer(streamOf(await packTar(lowerLayer())), lower, { whiteoutMode: 'overlay' });
    mountOverlay(merged, [lower], upper, work);
    makeChanges(merged);
    const expected = describeTree(merged);
    umount(merged);

    const d = await diffBytes((out) => writeOverlayDiff(upper, out));
    expect(d.diffId).toBe(sha256(d.bytes));
    expect(d.digest).toBe(d.diffId);
    expect(d.size).toBe(d.bytes.length);
    const members = listTar(d.bytes);
    const names = members.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['opt/.wh.gone', 'var/.wh.olddir', 'opt/sub/', 'opt/sub/.wh..wh..opq', 'opt/sub/new']));
    // the opaque marker follows its directory, before the directory's content
    expect(names.indexOf('opt/sub/.wh..wh..opq')).toBe(names.indexOf('opt/sub/') + 1);
    expect(names.indexOf('opt/sub/new')).toBeGreaterThan(names.indexOf('opt/sub/.wh..wh..opq'));
    expect(members.find((m) => m.name === 'newdir/file-hard')).toMatchObject({ type: 'link', linkname: 'newdir/file' });
    expect(members.find((m) => m.name === 'newdir/file')?.xattrs).toEqual({ 'user.k': Buffer.from('value').toString('hex') });
    // overlayfs bookkeeping never leaks into the layer
    expect(JSON.stringify(members)).not.toContain('trusted.overlay');
    expect(names).not.toContain('opt/keep');

    // remove mode over a copy of the lower tree
    const native = dir('native');
    run('cp', '-a', lower + '/.', native);
    await applyLayer(streamOf(d.bytes), native, { whiteoutMode: 'remove' });
    expect(describeTree(native)).toEqual(expected);

    // overlay mode into a fresh upper dir, viewed through a mount
    const upper2 = dir('upper2');
    const merged2 = dir('merged2');
    await applyLayer(streamOf(d.bytes), upper2, { whiteoutMode: 'overlay' });
    mountOverlay(merged2, [upper2, lower]);
    expect(describeTree(merged2)).toEqual(expected);
  });

  it('writeOverlayDiff is reproducible, also gzip-compressed', async () => {
    const lower = dir('lower');
    const upper = dir('upper');
    const merged = dir('merged');
    await applyLayer(streamOf(await packTar(lowerLayer())), lower, { whiteoutMode: 'overlay' });
    mountOverlay(merged, [lower], upper, dir('work'));
    makeChanges(merged);
    umount(merged);

    const a = await diffBytes((out) => writeOverlayDiff(upper, out));
    const b = await diffBytes((out) => writeOverlayDiff(upper, out));
    expect(b.diffId).toBe(a.diffId);
    expect(b.bytes.equals(a.bytes)).toBe(true);

    const gz1 = await diffBytes((out) => writeOverlayDiff(upper, out, { compression: 'gzip' }));
    const gz2 = await diffBytes((out) => writeOverlayDiff(upper, out, { compression: 'gzip' }));
    expect(gz1.diffId).toBe(a.diffId);
    expect(gz1.digest).toBe(sha256(gz1.bytes));
    expect(gz1.digest).toBe(gz2.digest);
    expect(gunzipSync(gz1.bytes).equals(a.bytes)).toBe(true);
  });

  it('writeOverlayDiff refuses upper dirs that rely on redirect_dir', async () => {
    const upper = dir('upper');
    mkdirSync(path.join(upper, 'moved'));
    run('setfattr', '-n', 'trusted.overlay.redirect', '-v', '/orig', path.join(upper, 'moved'));
    const err = await writeOverlayDiff(upper, collector().stream).then(() => undefined, (e: unknown) => findEngineError(e));
    expect(err?.code).toBe('failed-precondition');
    expect(err?.message).toMatch(/^write diff: "moved" uses overlayfs redirect_dir\/metacopy/);
  });

  it('writeTreeDiff of a native snapshot round-trips and is empty for an unchanged copy', async () => {
    const lower = dir('lower');
    await applyLayer(streamOf(await packTar(lowerLayer())), lower, { whiteoutMode: 'remove' });
    const copy = dir('copy');
    run('cp', '-a', lower + '/.', copy);

    const empty = await diffBytes((out) => writeTreeDiff(lower, copy, out));
    expect(listTar(empty.bytes)).toEqual([]);

    makeChanges(copy);
    // Same size, same whole-second mtime, different bytes: only the content can tell.
    writeFileSync(path.join(copy, 'etc/hostname'), 'bbbb\n');
    utimesSync(path.join(copy, 'etc/hostname'), T, T);
    const expected = describeTree(copy);

    const d = await diffBytes((out) => writeTreeDiff(lower, copy, out));
    const names = listTar(d.bytes).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['etc/', 'etc/hostname', 'opt/.wh.gone', 'var/.wh.olddir', 'newdir/file-hard']));
    expect(names).not.toContain('opt/keep');
    expect(names).not.toContain('dev/null');

    const target = dir('target');
    run('cp', '-a', lower + '/.', target);
    await applyLayer(streamOf(d.bytes), target, { whiteoutMode: 'remove' });
    expect(describeTree(target)).toEqual(expected);

    const again = await diffBytes((out) => writeTreeDiff(lower, copy, out));
    expect(again.diffId).toBe(d.diffId);
  });

  it('writeTree archives a tree that extracts to the same tree, reproducibly', async () => {
    const src = dir('src');
    await applyLayer(streamOf(await packTar(lowerLayer())), src, { whiteoutMode: 'remove' });
    run('setfattr', '-n', 'user.tag', '-v', 'x', path.join(src, 'etc/passwd'));
    const a = await diffBytes((out) => writeTree(src, out));
    const b = await diffBytes((out) => writeTree(src, out));
    expect(a.diffId).toBe(b.diffId);
    expect(a.diffId).toBe(sha256(a.bytes));
    const names = listTar(a.bytes).map((m) => m.name);
    expect(names[0]).toBe('bin/');
    expect(names).toEqual([...names].sort());

    const out = dir('out');
    await applyLayer(streamOf(a.bytes), out, { whiteoutMode: 'remove' });
    expect(describeTree(out)).toEqual(describeTree(src));
  });

  it('writeTree with include and prefix, as cp and export use it', async () => {
    const src = dir('src');
    await applyLayer(streamOf(await packTar(lowerLayer())), src, { whiteoutMode: 'remove' });
    const inc = listTar((await diffBytes((out) => writeTree(src, out, { include: ['etc', 'lnk'] }))).bytes);
    expect(inc.map((m) => m.name)).toEqual(['etc/', 'etc/hostname', 'etc/passwd', 'lnk']);
    expect(inc[3]).toMatchObject({ type: 'symlink', linkname: 'etc/passwd' });

    const pre = listTar((await diffBytes((out) => writeTree(path.join(src, 'etc'), out, { prefix: 'etc', xattrs: false }))).bytes);
    expect(pre.map((m) => m.name)).toEqual(['etc/', 'etc/hostname', 'etc/passwd']);

    const err = await writeTree(src, collector().stream, { include: ['nope'] }).then(() => undefined, (e: unknown) => findEngineError(e));
    expect(err?.code).toBe('not-found');
  });

  it('compressLayer turns a plain tar into a gzip blob with both digests', async () => {
    const plain = await packTar(lowerLayer());
    const c = collector();
    const r = await compressLayer(streamOf(plain), c.stream, { compression: 'gzip' });
    expect(r.inputCompression).toBe('none');
    expect(r.diffId).toBe(sha256(plain));
    expect(r.size).toBe(plain.length);
    expect(r.digest).toBe(sha256(c.bytes()));
    expect(gunzipSync(c.bytes()).equals(plain)).toBe(true);
  });
});
