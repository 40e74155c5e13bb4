import { describe, expect, it } from 'vitest';
import { classifyWhiteout, whiteoutName } from './whiteout.js';

describe('classifyWhiteout', () => {
  it.each([
    ['file', undefined],
    ['.whx', undefined],
    ['.wh.file', { kind: 'whiteout', target: 'file' }],
    ['.wh..hidden', { kind: 'whiteout', target: '.hidden' }],
    ['.wh..wh..opq', { kind: 'opaque' }],
    ['.wh..wh.plnk', { kind: 'meta' }],
    ['.wh..wh.aufs', { kind: 'meta' }],
  ])('%j -> %j', (base, want) => {
    expect(classifyWhiteout(base)).toEqual(want);
  });

  it.each(['.wh.', '.wh..', '.wh...'])('refuses %j, which names nothing', (base) => {
    expect(() => classifyWhiteout(base)).toThrow(/invalid whiteout/);
  });

  it('round-trips with whiteoutName', () => {
    expect(classifyWhiteout(whiteoutName('a b'))).toEqual({ kind: 'whiteout', target: 'a b' });
  });
});
