import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDevice, parseDeviceCgroupRule, resolveDevice, splitDevNumber } from './devices.js';

describe('parseDevice', () => {
  it.each([
    ['/dev/fuse', { pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', cgroupPermissions: 'rwm' }],
    ['/dev/sda:/dev/xvda', { pathOnHost: '/dev/sda', pathInContainer: '/dev/xvda', cgroupPermissions: 'rwm' }],
    ['/dev/sda:r', { pathOnHost: '/dev/sda', pathInContainer: '/dev/sda', cgroupPermissions: 'r' }],
    ['/dev/sda:/dev/xvda:rw', { pathOnHost: '/dev/sda', pathInContainer: '/dev/xvda', cgroupPermissions: 'rw' }],
    ['/dev/sda:/dev//xvda/', { pathOnHost: '/dev/sda', pathInContainer: '/dev/xvda', cgroupPermissions: 'rwm' }],
  ])('%s', (text, req) => {
    expect(parseDevice(text)).toEqual(req);
  });

  it.each([
    ['/dev/x:rwz:y', 'bad mode specified: y'],
    ['/dev/x:/dev/y:rwz', 'bad mode specified: rwz'],
    ['/dev/x:/dev/y:rr', 'bad mode specified: rr'],
    ['/dev/x:rel', 'rel is not an absolute path'],
    [':/dev/x', 'bad format for path: :/dev/x'],
    ['/a:/b:r:w', 'bad format for path: /a:/b:r:w'],
  ])('refuses %s', (text, message) => {
    expect(() => parseDevice(text)).toThrow(message);
  });
});

describe('parseDeviceCgroupRule', () => {
  it('reads type, numbers (or *) and access', () => {
    expect(parseDeviceCgroupRule('c 42:* rmw')).toEqual({ allow: true, type: 'c', major: 42, access: 'rmw' });
    expect(parseDeviceCgroupRule('b 8:1 r')).toEqual({ allow: true, type: 'b', major: 8, minor: 1, access: 'r' });
  });

  it('refuses other shapes with Docker\'s message', () => {
    expect(() => parseDeviceCgroupRule('x')).toThrow("invalid device cgroup format 'x'");
    expect(() => parseDeviceCgroupRule('c 1:2 rwx')).toThrow("invalid device cgroup format 'c 1:2 rwx'");
  });
});

describe('splitDevNumber', () => {
  it('splits Linux dev_t', () => {
    expect(splitDevNumber(0x103n)).toEqual({ major: 1, minor: 3 });
    expect(splitDevNumber(0xae5n)).toEqual({ major: 10, minor: 229 });
    // major 259, minor 300: high minor bits live above bit 20
    expect(splitDevNumber((259n << 8n) | (300n & 0xffn) | ((300n & ~0xffn) << 12n))).toEqual({ major: 259, minor: 300 });
  });
});

describe('resolveDevice', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oci-devices-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stats a device node and places it at the container path', () => {
    const [d] = resolveDevice({ pathOnHost: '/dev/null', pathInContainer: '/dev/mynull', cgroupPermissions: 'rw' });
    expect(d?.device).toMatchObject({ type: 'c', path: '/dev/mynull', major: 1, minor: 3 });
    expect(d?.permissions).toBe('rw');
  });

  it('follows a symlink to the device', () => {
    const link = path.join(dir, 'null-link');
    symlinkSync('/dev/null', link);
    const [d] = resolveDevice({ pathOnHost: link, pathInContainer: '/dev/n', cgroupPermissions: 'rwm' });
    expect(d?.device).toMatchObject({ major: 1, minor: 3, path: '/dev/n' });
  });

  it('refuses missing paths and regular files with Docker\'s message', () => {
    expect(() => resolveDevice({ pathOnHost: '/dev/nope', pathInContainer: '/dev/nope', cgroupPermissions: 'rwm' })).toThrow(
      'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    );
    const file = path.join(dir, 'plain');
    writeFileSync(file, 'x');
    expect(() => resolveDevice({ pathOnHost: file, pathInContainer: '/dev/x', cgroupPermissions: 'rwm' })).toThrow(
      `error gathering device information while adding custom device "${file}": not a device node`,
    );
  });
});
