import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { readFileInRoot, resolveInRoot } from './rootfs-path.js';
import { parseGroup, parsePasswd, resolveUser, resolveUserSpec } from './user.js';

const passwd = parsePasswd(`root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment
alice:x:1000:1000:Alice:/home/alice:/bin/sh
bob:x:1001:100::/home/bob:/bin/sh
`);
const group = parseGroup(`root:x:0:
daemon:x:1:
users:x:100:alice
wheel:x:10:alice,bob
alice:x:1000:
audio:x:29:bob
`);

describe('resolveUserSpec', () => {
  it.each([
    ['', { uid: 0, gid: 0, additionalGids: [0], home: '/root' }],
    ['root', { uid: 0, gid: 0, additionalGids: [0], home: '/root' }],
    ['alice', { uid: 1000, gid: 1000, additionalGids: [1000, 100, 10], home: '/home/alice' }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [1000, 100, 10], home: '/home/alice' }],
    ['bob', { uid: 1001, gid: 100, additionalGids: [100, 10, 29], home: '/home/bob' }],
    ['alice:audio', { uid: 1000, gid: 29, additionalGids: [29], home: '/home/alice' }],
    ['alice:5000', { uid: 1000, gid: 5000, additionalGids: [5000], home: '/home/alice' }],
    ['1234', { uid: 1234, gid: 0, additionalGids: [0], home: '/' }],
    ['1234:1234', { uid: 1234, gid: 1234, additionalGids: [1234], home: '/' }],
    ['1234:wheel', { uid: 1234, gid: 10, additionalGids: [10], home: '/' }],
    [':10', { uid: 0, gid: 10, additionalGids: [10], home: '/root' }],
  ])('%j', (spec, user) => {
    expect(resolveUserSpec(spec, passwd, group)).toEqual(user);
  });

  it('adds --group-add groups by name or number', () => {
    expect(resolveUserSpec('alice', passwd, group, ['audio', '4242', '10']).additionalGids).toEqual([1000, 100, 10, 29, 4242]);
  });

  it.each([
    ['nobody', 'unable to find user nobody: no matching entries in passwd file'],
    ['alice:nogroup', 'unable to find group nogroup: no matching entries in group file'],
    ['-1', 'uids and gids must be in range 0-2147483647'],
    ['1:4294967296', 'uids and gids must be in range 0-2147483647'],
  ])('refuses %j with Docker\'s message', (spec, message) => {
    let err: unknown;
    try {
      resolveUserSpec(spec, passwd, group);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(message);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });

  it('refuses an unknown --group-add name', () => {
    expect(() => resolveUserSpec('', passwd, group, ['nosuch'])).toThrow(
      'Unable to find group nosuch: no matching entries in group file',
    );
  });

  it('works without passwd and group files for numeric ids only', () => {
    expect(resolveUserSpec('42:43', undefined, undefined)).toEqual({ uid: 42, gid: 43, additionalGids: [43], home: '/' });
    expect(() => resolveUserSpec('alice', undefined, undefined)).toThrow('no matching entries in passwd file');
  });
});

describe('resolveUser in a rootfs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oci-user-'));
  const rootfs = path.join(dir, 'rootfs');
  const outside = path.join(dir, 'outside');
  mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  mkdirSync(outside);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the image\'s /etc/passwd and /etc/group', () => {
    writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nweb:x:33:33::/var/www:/bin/sh\n');
    writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nweb:x:33:\nstaff:x:50:web\n');
    expect(resolveUser(rootfs, 'web', ['root'])).toEqual({ uid: 33, gid: 33, additionalGids: [33, 50, 0], home: '/var/www' });
  });

  it('does not follow a symlink out of the rootfs', () => {
    // The image's /etc/passwd points at an absolute path; it must resolve inside the rootfs, not on the host.
    writeFileSync(path.join(outside, 'passwd'), 'evil:x:4242:4242::/:/bin/sh\n');
    mkdirSync(path.join(rootfs, 'srv'), { recursive: true });
    writeFileSync(path.join(rootfs, 'srv/passwd'), 'good:x:77:77::/:/bin/sh\n');
    rmSync(path.join(rootfs, 'etc/passwd'));
    symlinkSync(`../../../../../../..${outside}/passwd`, path.join(rootfs, 'etc/passwd'));
    expect(() => resolveUser(rootfs, 'evil')).toThrow('unable to find user evil');
    rmSync(path.join(rootfs, 'etc/passwd'));
    symlinkSync('/srv/passwd', path.join(rootfs, 'etc/passwd'));
    expect(resolveUser(rootfs, 'good').uid).toBe(77);
  });

  it('confines absolute and relative symlinks and .. to the root', () => {
    symlinkSync('/', path.join(rootfs, 'rootlink'));
    symlinkSync('../../..', path.join(rootfs, 'up'));
    expect(resolveInRoot(rootfs, '/rootlink/etc')).toBe(path.join(rootfs, 'etc'));
    expect(resolveInRoot(rootfs, '/up/etc/group')).toBe(path.join(rootfs, 'etc/group'));
    expect(resolveInRoot(rootfs, '../../etc/group')).toBe(path.join(rootfs, 'etc/group'));
    expect(resolveInRoot(rootfs, '/missing/../etc')).toBe(path.join(rootfs, 'etc'));
    expect(readFileInRoot(rootfs, '/nope')).toBeUndefined();
  });

  it('stops symlink loops', () => {
    symlinkSync('/loop', path.join(rootfs, 'loop'));
    expect(() => resolveInRoot(rootfs, '/loop/x')).toThrow('too many levels of symbolic links');
  });
});
