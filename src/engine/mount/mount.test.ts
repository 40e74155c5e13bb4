import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { compactOverlay, isReadonly, mountCommand, mountLayout, type Mount } from './mount.js';

const root = '/var/lib/nerdctl/snapshots/overlayfs';

function overlay(layers: number): Mount {
  const lower = Array.from({ length: layers }, (_, i) => `${root}/${layers - i}/fs`).join(':');
  return {
    type: 'overlay',
    source: 'overlay',
    options: [`workdir=${root}/999/work`, `upperdir=${root}/999/fs`, `lowerdir=${lower}`],
  };
}

describe('mountCommand', () => {
  it('mounts a bind mount without -t and adds the bind flag', () => {
    expect(mountCommand({ type: 'bind', source: '/a', options: ['ro'] }, '/t')).toEqual({
      argv: ['-o', 'bind,ro', '--', '/a', '/t'],
    });
    expect(mountCommand({ type: 'bind', source: '/a', options: ['rbind', 'rw'] }, '/t').argv).toEqual([
      '-o',
      'rbind,rw',
      '--',
      '/a',
      '/t',
    ]);
  });

  it('keeps absolute overlay options when they fit in a page', () => {
    const cmd = mountCommand(overlay(3), '/t');
    expect(cmd.cwd).toBeUndefined();
    expect(cmd.argv).toEqual(['-t', 'overlay', '-o', overlay(3).options.join(','), '--', 'overlay', '/t']);
  });

  it('rewrites lower dirs relative to their common parent when options exceed a page', () => {
    const m = overlay(130);
    expect(m.options.join(',').length).toBeGreaterThan(4095);
    const cmd = mountCommand(m, '/t');
    expect(cmd.cwd).toBe(root);
    const data = cmd.argv[3] ?? '';
    expect(data.length).toBeLessThan(4096);
    expect(data).toContain('lowerdir=130/fs:129/fs:');
    expect(data).toContain(`upperdir=${root}/999/fs`);
  });

  it('fails with invalid-argument when even relative paths do not fit', () => {
    let err: unknown;
    try {
      mountCommand(overlay(130), '/t', 200);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });
});

describe('compactOverlay', () => {
  it('finds the common parent of lower dirs in different trees', () => {
    const r = compactOverlay(['lowerdir=/a/b/c/fs:/a/x/fs', 'upperdir=/u']);
    expect(r).toEqual({ cwd: '/a', options: ['lowerdir=b/c/fs:x/fs', 'upperdir=/u'] });
  });
});

describe('isReadonly', () => {
  it('reads the first mount', () => {
    expect(isReadonly([{ type: 'bind', source: '/a', options: ['rbind', 'ro'] }])).toBe(true);
    expect(isReadonly([{ type: 'bind', source: '/a', options: ['rbind', 'rw'] }])).toBe(false);
    expect(isReadonly([])).toBe(false);
  });
});

describe('mountLayout', () => {
  it('describes a bind mount as its directory', () => {
    expect(mountLayout([{ type: 'bind', source: '/s/1/fs', options: ['rbind', 'rw'] }])).toEqual({
      type: 'dir',
      dir: '/s/1/fs',
      readonly: false,
    });
  });

  it('splits an overlay into upper, work and lowers', () => {
    expect(mountLayout([overlay(2)])).toEqual({
      type: 'overlay',
      upper: `${root}/999/fs`,
      work: `${root}/999/work`,
      lowers: [`${root}/2/fs`, `${root}/1/fs`],
      readonly: false,
    });
    expect(mountLayout([{ type: 'overlay', source: 'overlay', options: ['ro', 'lowerdir=/a:/b'] }])).toEqual({
      type: 'overlay',
      lowers: ['/a', '/b'],
      readonly: true,
    });
  });

  it('gives up on anything else', () => {
    expect(mountLayout([])).toBeUndefined();
    expect(mountLayout([{ type: 'tmpfs', source: 'tmpfs', options: [] }])).toBeUndefined();
    expect(mountLayout([overlay(1), overlay(1)])).toBeUndefined();
  });
});
