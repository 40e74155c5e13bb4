import { describe, expect, it } from 'vitest';
import { sha256Digest } from '../../engine/digest.js';
import type { ImageRecord } from '../../engine/images/store.js';
import { MediaTypes } from '../../engine/remotes/types.js';
import { groupImages, imageRows, pathMatch, referenceMatches } from './ls.js';

const rec = (name: string, s: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  name,
  target: { mediaType: MediaTypes.ociManifest, digest: sha256Digest(`m${s}`), size: 1 },
  labels: {},
  summary: { id: sha256Digest(`c${s}`), created: s === 'new' ? '2024-06-01T00:00:00Z' : '2024-01-01T00:00:00Z', size: 1984226 },
  repoDigest: undefined,
  source: 'pull',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...extra,
});

describe('groupImages / imageRows', () => {
  const now = Date.parse('2024-06-01T01:00:00Z');

  it('makes one row per tag, newest image first, with Docker columns', () => {
    const groups = groupImages([rec('docker.io/library/busybox:latest', 'old'), rec('docker.io/library/app:1', 'new'), rec('docker.io/library/busybox:1', 'old')]);
    const rows = groups.flatMap((g) => imageRows(g, { digests: false, noTrunc: false, now }));
    expect(rows.map((r) => [r.Repository, r.Tag, r.ID, r.Size, r.Digest])).toEqual([
      ['app', '1', sha256Digest('cnew').slice(7, 19), '1.98MB', '<none>'],
      ['busybox', '1', sha256Digest('cold').slice(7, 19), '1.98MB', '<none>'],
      ['busybox', 'latest', sha256Digest('cold').slice(7, 19), '1.98MB', '<none>'],
    ]);
    expect(rows[0]!.CreatedSince).toBe('About an hour ago');
    expect(rows[0]!.VirtualSize).toBe('1.984MB');
  });

  it('shows digests with --digests, digest-only references and dangling images', () => {
    const md = sha256Digest('mold');
    const groups = groupImages([
      rec('docker.io/library/busybox:latest', 'old', { repoDigest: md }),
      rec(`docker.io/library/other@${md}`, 'old'),
      rec(`<none>@${sha256Digest('mx')}`, 'x'),
    ]);
    const rows = groups.flatMap((g) => imageRows(g, { digests: true, noTrunc: true, now }));
    expect(rows.map((r) => [r.Repository, r.Tag, r.Digest]).sort()).toEqual([
      ['<none>', '<none>', '<none>'],
      ['busybox', 'latest', md],
      ['other', '<none>', md],
    ]);
    expect(rows.find((r) => r.Repository === 'busybox')!.ID).toBe(sha256Digest('cold'));
  });
});

describe('reference filter', () => {
  it.each([
    ['busybox', 'busybox:latest', true],
    ['busybox:*', 'busybox:latest', true],
    ['busy*', 'busybox:latest', true],
    ['*', 'localhost:5000/a/b:1', false],
    ['localhost:5000/a/*', 'localhost:5000/a/b:1', true],
    ['alpine', 'busybox:latest', false],
  ])('%s against %s is %s', (pattern, ref, want) => {
    expect(referenceMatches(pattern, ref)).toBe(want);
  });

  it('implements path.Match classes', () => {
    expect(pathMatch('b[a-z]sybox', 'busybox')).toBe(true);
    expect(pathMatch('b?sybox', 'busybox')).toBe(true);
    expect(pathMatch('b?sybox', 'b/sybox')).toBe(false);
  });
});
