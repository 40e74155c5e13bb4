import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform, platformMatches, rankPlatforms } from './platforms.js';

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['amd64', 'linux/amd64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['Linux/AMD64', 'linux/amd64'],
  ])('%s -> %s', (input, out) => {
    expect(formatPlatform(parsePlatform(input))).toBe(out);
  });

  it.each(['', 'linux/', 'a/b/c/d', 'plan9/amd64'])('rejects %j', (input) => {
    expect(() => parsePlatform(input)).toThrow(/invalid platform/);
  });
});

describe('platform matching', () => {
  it('matches normalised platforms and not others', () => {
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' })).toBe(true);
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'arm64' })).toBe(false);
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe(true);
  });

  it('prefers the exact arm variant, then older ones', () => {
    const items = [
      { os: 'linux', architecture: 'arm', variant: 'v5' },
      { os: 'linux', architecture: 'arm', variant: 'v8' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 'amd64' },
    ];
    const ranked = rankPlatforms(parsePlatform('linux/arm/v7'), items, (x) => x);
    expect(ranked.map((p) => p.variant)).toEqual(['v7', 'v5']);
  });

  it('picks linux/amd64 out of a multi-arch list', () => {
    const items = [
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'windows', architecture: 'amd64' },
      { os: 'linux', architecture: 'amd64' },
    ];
    expect(rankPlatforms(parsePlatform('linux/amd64'), items, (x) => x)).toEqual([{ os: 'linux', architecture: 'amd64' }]);
  });
});
