import { describe, expect, it } from 'vitest';
import { isSharedMountPoint } from './netns.js';

const mountinfo = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '42 27 254:0 /run/netns /run/netns rw,relatime shared:5 - ext4 /dev/vda rw',
  '43 27 0:44 / /run/private rw,nosuid - tmpfs tmpfs rw',
  '107 42 0:4 net:[4026532233] /run/netns/x rw shared:5 - nsfs nsfs rw',
].join('\n');

describe('isSharedMountPoint', () => {
  it('finds a mount point by its mount path and reads the shared tag among the optional fields', () => {
    expect(isSharedMountPoint(mountinfo, '/run/netns')).toBe(true);
    expect(isSharedMountPoint(mountinfo, '/run/private')).toBe(false);
    expect(isSharedMountPoint(mountinfo, '/var/run/netns')).toBe(false);
  });
});
