import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { cleanArchivePath, resolveInRoot } from './root-path.js';

describe('cleanArchivePath', () => {
  it.each([
    ['a/b/c', ['a', 'b', 'c']],
    ['./a/./b/', ['a', 'b']],
    ['/abs/path', ['abs', 'path']],
    ['a//b', ['a', 'b']],
    ['a/../b', ['b']],
    ['./', []],
    ['.', []],
    ['/', []],
  ])('%j -> %j', (name, want) => {
    expect(cleanArchivePath(name)).toEqual(want);
  });

  it.each(['../x', 'a/../../x', '/../x', '..'])('refuses %j, which climbs above the root', (name) => {
    expect(() => cleanArchivePath(name)).toThrow(/escapes the target directory/);
    try {
      cleanArchivePath(name);
    } catch (err) {
      expect(hasCode(err, 'invalid-argument')).toBe(true);
    }
  });
});

describe('resolveInRoot', () => {
  let base: string;
  let root: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'rootpath-'));
    root = join(base, 'root');
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    writeFileSync(join(root, 'usr/lib/file'), 'x');
    symlinkSync('/usr/lib', join(root, 'abs')); // absolute: must stay inside root
    symlinkSync('../../../../../etc', join(root, 'usr/up')); // climbs: must stop at root
    symlinkSync('lib', join(root, 'usr/rel'));
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
    symlinkSync('missing/dir', join(root, 'dangling'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('follows absolute symlinks relative to the root', () => {
    expect(resolveInRoot(root, 'abs/file')).toEqual({ path: join(root, 'usr/lib/file'), components: ['usr', 'lib', 'file'], exists: true });
  });

  it('stops .. in link targets at the root', () => {
    expect(resolveInRoot(root, 'usr/up/passwd').path).toBe(join(root, 'etc/passwd'));
  });

  it('follows relative symlinks and keeps the final link when asked', () => {
    expect(resolveInRoot(root, 'usr/rel/file').path).toBe(join(root, 'usr/lib/file'));
    expect(resolveInRoot(root, 'usr/rel', { followFinal: false }).path).toBe(join(root, 'usr/rel'));
    expect(resolveInRoot(root, 'usr/rel').path).toBe(join(root, 'usr/lib'));
  });

  it('appends missing components literally and says so', () => {
    const r = resolveInRoot(root, 'dangling/x');
    expect(r).toEqual({ path: join(root, 'missing/dir/x'), components: ['missing', 'dir', 'x'], exists: false });
  });

  it('re-checks components after .. climbs out of a missing part', () => {
    // "nope/../abs" must still follow the abs symlink.
    expect(resolveInRoot(root, 'nope/../abs/file').path).toBe(join(root, 'usr/lib/file'));
  });

  it('gives up on symlink loops', () => {
    expect(() => resolveInRoot(root, 'loop1/x')).toThrow(/too many levels of symbolic links/);
  });
});
