import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  cidrLast,
  cidrToString,
  cidrsOverlap,
  firstHost,
  formatIp,
  lastHost,
  nextCidr,
  normalizeIp,
  parseCidr,
  parseIp,
} from './ip.js';

describe('parseIp / formatIp', () => {
  it.each([
    ['10.4.0.1', '10.4.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['::', '::'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FD00:0:0:0:1:0:0:2', 'fd00::1:0:0:2'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1:2:3:4', 'fe80::1:2:3:4'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('normalises %s to %s', (input, out) => {
    expect(normalizeIp(input)).toBe(out);
  });

  it.each(['10.4.0', '10.4.0.256', '010.1.1.1', '1::2::3', 'foo', '', '1:2:3:4:5:6:7:8:9', '10.0.0.1/24'])(
    'rejects %s',
    (input) => {
      expect(parseIp(input)).toBeUndefined();
    },
  );

  it('round-trips an IPv4 value', () => {
    const ip = parseIp('192.168.1.254')!;
    expect(formatIp(4, ip.value + 1n)).toBe('192.168.1.255');
  });
});

describe('parseCidr', () => {
  it('clears host bits into network but keeps the address', () => {
    const c = parseCidr('10.4.1.7/24')!;
    expect(cidrToString(c)).toBe('10.4.1.0/24');
    expect(formatIp(4, c.address)).toBe('10.4.1.7');
  });

  it('computes first/last hosts', () => {
    const c = parseCidr('10.4.0.0/24')!;
    expect(formatIp(4, firstHost(c))).toBe('10.4.0.1');
    expect(formatIp(4, lastHost(c))).toBe('10.4.0.254');
    expect(formatIp(4, cidrLast(c))).toBe('10.4.0.255');
    const v6 = parseCidr('fd00:1::/64')!;
    expect(formatIp(6, firstHost(v6))).toBe('fd00:1::1');
  });

  it.each(['10.0.0.0/33', '10.0.0.0', '10.0.0.0/x', 'x/8'])('rejects %s', (s) => {
    expect(parseCidr(s)).toBeUndefined();
  });
});

describe('overlap and containment', () => {
  it.each([
    ['10.4.0.0/24', '10.4.0.0/16', true],
    ['10.4.0.0/24', '10.4.1.0/24', false],
    ['10.0.0.0/8', '10.213.5.0/24', true],
    ['10.4.0.0/24', 'fd00::/64', false],
    ['fd00::/64', 'fd00::/48', true],
  ])('%s vs %s -> %s', (a, b, want) => {
    expect(cidrsOverlap(parseCidr(a)!, parseCidr(b)!)).toBe(want);
    expect(cidrsOverlap(parseCidr(b)!, parseCidr(a)!)).toBe(want);
  });

  it('tests containment', () => {
    const c = parseCidr('10.213.5.0/24')!;
    expect(cidrContains(c, parseIp('10.213.5.77')!)).toBe(true);
    expect(cidrContains(c, parseIp('10.213.6.1')!)).toBe(false);
  });

  it('walks to the next subnet of the same size', () => {
    expect(cidrToString(nextCidr(parseCidr('10.4.1.0/24')!)!)).toBe('10.4.2.0/24');
    expect(cidrToString(nextCidr(parseCidr('10.4.255.0/24')!)!)).toBe('10.5.0.0/24');
    expect(nextCidr(parseCidr('255.255.255.0/24')!)).toBeUndefined();
  });
});
