import { describe, expect, it } from 'vitest';
import { cacheKey, imageBaseKey, scratchBaseKey } from './cache-key.js';

describe('cache keys', () => {
  it('are stable hex digests of the parent, kind and description', () => {
    const k = cacheKey('parent', 'RUN', { args: ['sh', '-c', 'x'], env: ['A=1'] });
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey('parent', 'RUN', { args: ['sh', '-c', 'x'], env: ['A=1'] })).toBe(k);
  });

  it('change with any part', () => {
    const k = cacheKey('parent', 'RUN', { env: ['A=1'] });
    expect(cacheKey('other', 'RUN', { env: ['A=1'] })).not.toBe(k);
    expect(cacheKey('parent', 'COPY', { env: ['A=1'] })).not.toBe(k);
    expect(cacheKey('parent', 'RUN', { env: ['A=2'] })).not.toBe(k);
    expect(cacheKey('parent', 'RUN', { env: ['A=1', 'B=2'] })).not.toBe(cacheKey('parent', 'RUN', { env: ['B=2', 'A=1'] }));
  });

  it('tell bases and snapshotters apart', () => {
    expect(imageBaseKey('overlayfs', 'sha256:x')).not.toBe(imageBaseKey('native', 'sha256:x'));
    expect(imageBaseKey('overlayfs', 'sha256:x')).not.toBe(imageBaseKey('overlayfs', 'sha256:y'));
    expect(scratchBaseKey('overlayfs', 'linux/amd64')).not.toBe(scratchBaseKey('overlayfs', 'linux/arm64'));
  });
});
