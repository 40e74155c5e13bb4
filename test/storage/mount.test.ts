/** mount/mount.ts against the real `mount`/`umount`: errors are one line and classified; unmount is idempotent. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findEngineError } from '../../src/engine/errdefs.js';
import { isMountPoint, mountAll, mountPointsUnder, unmount, withTempMount } from '../../src/engine/mount/mount.js';
import { isRoot, unmountUnder } from '../helpers/cli.js';

describe.skipIf(!isRoot())('mount helpers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-mount-'));
  });
  afterEach(() => {
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('bind-mounts read-only and unmounts idempotently', async () => {
    const src = path.join(dir, 'src');
    const target = path.join(dir, 'target');
    mkdirSync(src);
    mkdirSync(target);
    writeFileSync(path.join(src, 'f'), 'hello');
    await mountAll([{ type: 'bind', source: src, options: ['rbind', 'ro'] }], target);
    expect(await isMountPoint(target)).toBe(true);
    expect(readFileSync(path.join(target, 'f'), 'utf8')).toBe('hello');
    expect(() => writeFileSync(path.join(target, 'g'), 'x')).toThrow(/EROFS/);
    await unmount(target);
    await unmount(target);
    await unmount(path.join(dir, 'does-not-exist'));
    expect(await mountPointsUnder(dir)).toEqual([]);
  });

  it('fails with one classified line and leaves nothing mounted when a later mount fails', async () => {
    const src = path.join(dir, 'src');
    const target = path.join(dir, 'target');
    mkdirSync(src);
    mkdirSync(target);
    let err: unknown;
    try {
      await mountAll(
        [
          { type: 'bind', source: src, options: ['rbind'] },
          { type: 'overlay', source: 'overlay', options: [`lowerdir=${path.join(dir, 'missing')}`], target: '/' },
        ],
        target,
      );
    } catch (e) {
      err = e;
    }
    const e = findEngineError(err);
    expect(e?.message).toBe(`mount overlay on "${target}": a lower, upper or work directory does not exist`);
    expect(e?.code).toBe('not-found');
    expect(e?.message).not.toContain('\n');
    expect(await mountPointsUnder(dir)).toEqual([]);
  });

  it('unmounts and removes the temporary mount point even when the callback throws', async () => {
    const src = path.join(dir, 'src');
    mkdirSync(src);
    let seen = '';
    await expect(
      withTempMount(
        [{ type: 'bind', source: src, options: ['rbind'] }],
        async (root) => {
          seen = root;
          throw new Error('boom');
        },
        { tmpRoot: dir },
      ),
    ).rejects.toThrow('boom');
    expect(seen.startsWith(dir)).toBe(true);
    expect(await mountPointsUnder(dir)).toEqual([]);
  });
});
