import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { parseSignal } from './signals.js';

describe('parseSignal', () => {
  it.each([
    ['SIGTERM', 15, 'SIGTERM'],
    ['TERM', 15, 'SIGTERM'],
    ['sigkill', 9, 'SIGKILL'],
    ['kill', 9, 'SIGKILL'],
    ['9', 9, 'SIGKILL'],
    [' 15 ', 15, 'SIGTERM'],
    [2, 2, 'SIGINT'],
    ['SIGIOT', 6, 'SIGABRT'],
    ['RTMIN', 34, 'SIGRTMIN'],
    ['SIGRTMIN+3', 37, 'SIGRTMIN+3'],
    ['RTMAX-1', 63, 'SIGRTMAX-1'],
    ['64', 64, 'SIGRTMAX'],
  ])('parses %j', (raw, num, name) => {
    expect(parseSignal(raw)).toEqual({ number: num, name });
  });

  it.each(['0', '65', 'NOPE', 'SIGRTMIN-1', 'RTMAX+1', '', '-1'])('rejects %j', (raw) => {
    expect(() => parseSignal(raw)).toThrow(/invalid signal/);
    try {
      parseSignal(raw);
    } catch (err) {
      expect(hasCode(err, 'invalid-argument')).toBe(true);
    }
  });
});
