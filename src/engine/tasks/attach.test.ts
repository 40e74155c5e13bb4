import { describe, expect, it } from 'vitest';
import { DetachKeyMatcher, decodeAttachPacket, parseDetachKeys } from './attach.js';

describe('parseDetachKeys', () => {
  it.each([
    ['ctrl-p,ctrl-q', [16, 17]],
    ['ctrl-a', [1]],
    ['ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', [0, 27, 28, 29, 30, 31]],
    ['a,b', [97, 98]],
    ['ctrl-P', [16]],
    ['x,ctrl-z', [120, 26]],
  ])('parses %j', (spec, bytes) => {
    expect([...parseDetachKeys(spec)]).toEqual(bytes);
  });

  it.each(['ctrl-', 'ctrl-ab', 'ab', 'ctrl-1', ''])('rejects %j as invalid-argument', (spec) => {
    expect(() => parseDetachKeys(spec)).toThrow(/invalid detach keys/);
  });
});

describe('DetachKeyMatcher', () => {
  const keys = Buffer.from([16, 17]);

  it('forwards ordinary input untouched', () => {
    const m = new DetachKeyMatcher(keys);
    expect(m.push(Buffer.from('hello'))).toEqual({ forward: Buffer.from('hello'), detached: false });
  });

  it('detects the sequence inside a chunk and drops what follows', () => {
    const m = new DetachKeyMatcher(keys);
    const r = m.push(Buffer.from([104, 105, 16, 17, 120]));
    expect(r.detached).toBe(true);
    expect([...r.forward]).toEqual([104, 105]);
  });

  it('detects the sequence split across chunks', () => {
    const m = new DetachKeyMatcher(keys);
    const a = m.push(Buffer.from([97, 16]));
    expect(a).toEqual({ forward: Buffer.from([97]), detached: false });
    expect(m.push(Buffer.from([17])).detached).toBe(true);
  });

  it('releases held bytes when the sequence breaks off', () => {
    const m = new DetachKeyMatcher(keys);
    expect([...m.push(Buffer.from([16])).forward]).toEqual([]);
    const r = m.push(Buffer.from([120]));
    expect(r.detached).toBe(false);
    expect([...r.forward]).toEqual([16, 120]);
  });

  it('restarts matching on the byte that broke a partial match', () => {
    const m = new DetachKeyMatcher(keys);
    const r = m.push(Buffer.from([16, 16, 17]));
    expect(r.detached).toBe(true);
    expect([...r.forward]).toEqual([16]);
  });

  it('detaches on a one-key sequence', () => {
    const m = new DetachKeyMatcher(Buffer.from([1]));
    expect(m.push(Buffer.from([97, 1])).detached).toBe(true);
  });

  it('gives back held bytes at end of input', () => {
    const m = new DetachKeyMatcher(keys);
    m.push(Buffer.from([16]));
    expect([...m.flush()]).toEqual([16]);
  });

  it('never detaches with an empty sequence', () => {
    const m = new DetachKeyMatcher(Buffer.alloc(0));
    expect(m.push(Buffer.from([16, 17]))).toEqual({ forward: Buffer.from([16, 17]), detached: false });
  });
});

describe('decodeAttachPacket', () => {
  it('splits the stream tag from the payload', () => {
    expect(decodeAttachPacket(Buffer.from([2, 104, 105]))).toEqual({ stream: 'stdout', data: Buffer.from('hi') });
    expect(decodeAttachPacket(Buffer.from([3, 33]))).toEqual({ stream: 'stderr', data: Buffer.from('!') });
  });
  it('ignores empty and unknown packets', () => {
    expect(decodeAttachPacket(Buffer.alloc(0))).toBeUndefined();
    expect(decodeAttachPacket(Buffer.from([9, 1]))).toBeUndefined();
  });
});
