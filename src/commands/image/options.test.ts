import { describe, expect, it } from 'vitest';
import { checkLoginFlags } from '../registry/login.js';
import { toImportOptions } from './import.js';
import { toPullOptions } from './pull.js';

describe('toPullOptions', () => {
  it('reads platforms, all-platforms and unpack', () => {
    expect(toPullOptions({ platform: ['linux/arm64', 'linux/arm/v7,amd64'], 'all-platforms': false, unpack: 'auto' })).toEqual({
      platforms: [
        { os: 'linux', architecture: 'arm64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
        { os: 'linux', architecture: 'amd64' },
      ],
    });
    expect(toPullOptions({ platform: [], 'all-platforms': true, unpack: 'false' })).toEqual({ allPlatforms: true, unpack: false });
    expect(() => toPullOptions({ platform: [], 'all-platforms': false, unpack: 'maybe' })).toThrow(/--unpack/);
    expect(() => toPullOptions({ platform: ['plan9/amd64'], 'all-platforms': false, unpack: undefined })).toThrow(/unknown operating system/);
  });
});

describe('toImportOptions', () => {
  it('names the source as Docker does', () => {
    expect(toImportOptions({ change: ['CMD ["sh"]'], message: undefined, platform: undefined }, ['rootfs.tar', 'app:1'])).toEqual({
      sourceArg: 'rootfs.tar',
      name: 'app:1',
      changes: ['CMD ["sh"]'],
      source: '-',
    });
    expect(toImportOptions({ change: [], message: 'm', platform: 'linux/arm64' }, ['http://x/r.tar']).source).toBe('http://x/r.tar');
  });
});

describe('checkLoginFlags', () => {
  it("applies Docker's rules", () => {
    expect(() => checkLoginFlags({ username: 'u', password: 'p', 'password-stdin': true })).toThrow('--password and --password-stdin are mutually exclusive');
    expect(() => checkLoginFlags({ 'password-stdin': true })).toThrow('Must provide --username with --password-stdin');
    expect(() => checkLoginFlags({ username: 'u', 'password-stdin': true })).not.toThrow();
  });
});
