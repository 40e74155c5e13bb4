import { describe, expect, it } from 'vitest';
import { needsRootfs, parseOutput, storesImage } from './output.js';

describe('--output', () => {
  it.each([
    ['type=local,dest=out', { type: 'local', dest: 'out' }],
    ['type=tar,dest=-', { type: 'tar', dest: '-' }],
    ['type=docker', { type: 'docker' }],
    ['type=docker,dest=img.tar', { type: 'docker', dest: 'img.tar' }],
    ['type=oci,dest=oci.tar', { type: 'oci', dest: 'oci.tar' }],
    ['type=image', { type: 'image' }],
    ['dir', { type: 'local', dest: 'dir' }],
    ['-', { type: 'tar', dest: '-' }],
  ])('parses %s', (value, want) => {
    expect(parseOutput(value)).toEqual(want);
  });

  it.each([
    ['type=tar', /needs dest=/],
    ['type=nope,dest=x', /unknown type "nope"/],
    ['dest=x', /type is required/],
    ['type=registry', /not supported/],
    ['type=local,dest', /must be key=value/],
  ])('refuses %s', (value, want) => {
    expect(() => parseOutput(value)).toThrow(want);
  });

  it('tells whether the image store and the root filesystem are involved', () => {
    expect(storesImage([])).toBe(true);
    expect(storesImage([{ type: 'docker' }])).toBe(true);
    expect(storesImage([{ type: 'docker', dest: 'x' }, { type: 'local', dest: 'd' }])).toBe(false);
    expect(needsRootfs([{ type: 'oci', dest: 'x' }])).toBe(false);
    expect(needsRootfs([{ type: 'tar', dest: '-' }])).toBe(true);
  });
});
