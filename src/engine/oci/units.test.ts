import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseGoInt, parseNanoCpus, parseRamBytes, parseUintList } from './units.js';

describe('parseRamBytes', () => {
  it.each([
    ['512m', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1G', 1024 ** 3],
    ['1GB', 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['64k', 64 * 1024],
    ['100', 100],
    ['100b', 100],
    ['1.5g', 1.5 * 1024 ** 3],
    ['10 m', 10 * 1024 ** 2],
    ['0', 0],
    ['1e3', 1000],
    ['2p', 2 * 1024 ** 5],
  ])('%s -> %d bytes', (text, bytes) => {
    expect(parseRamBytes(text)).toBe(bytes);
  });

  it.each([
    ['x', "invalid size: 'x'"],
    ['', "invalid size: ''"],
    ['1x', "invalid suffix: 'x'"],
    ['1kbb', "invalid suffix: 'kbb'"],
    ['1mx', "invalid suffix: 'mx'"],
    ['1bb', "invalid suffix: 'bb'"],
    ['-1', "invalid size: '-1'"],
    ['1.2.3m', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
  ])('refuses %j with Docker\'s message', (text, message) => {
    expect(() => parseRamBytes(text)).toThrow(message);
  });
});

describe('parseNanoCpus', () => {
  it.each([
    ['1.5', 1_500_000_000],
    ['0.01', 10_000_000],
    ['2', 2_000_000_000],
    ['3/2', 1_500_000_000],
    ['1e-3', 1_000_000],
    ['0.000000001', 1],
  ])('%s -> %d', (text, nano) => {
    expect(parseNanoCpus(text)).toBe(nano);
  });

  it('refuses values finer than a nano-CPU and non-numbers', () => {
    expect(() => parseNanoCpus('0.0000000001')).toThrow('value is too precise');
    expect(() => parseNanoCpus('abc')).toThrow('failed to parse abc as a rational number');
    expect(() => parseNanoCpus('1/0')).toThrow('failed to parse 1/0 as a rational number');
  });
});

describe('parseGoInt', () => {
  it.each([
    ['10', 10],
    ['-5', -5],
    ['0x10', 16],
    ['010', 8],
    ['0o17', 15],
    ['0b101', 5],
    ['0x_1F', 31],
  ])('%s -> %d (strconv base 0)', (text, n) => {
    expect(parseGoInt(text)).toBe(n);
  });

  it('reports syntax and range errors as strconv does', () => {
    expect(() => parseGoInt('x')).toThrow('strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => parseGoInt('1_0')).toThrow('invalid syntax');
    expect(() => parseGoInt('70000', { bits: 16, unsigned: true })).toThrow(
      'strconv.ParseUint: parsing "70000": value out of range',
    );
    expect(() => parseGoInt('-1', { unsigned: true })).toThrow('strconv.ParseUint: parsing "-1": invalid syntax');
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['30s', 30e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['300ms', 300e6],
    ['0', 0],
    ['-1s', -1e9],
    ['10us', 10e3],
  ])('%s -> %d ns', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns);
  });

  it.each([
    ['5x', 'time: unknown unit "x" in duration "5x"'],
    ['5', 'time: missing unit in duration "5"'],
    ['x', 'time: invalid duration "x"'],
    ['', 'time: invalid duration ""'],
  ])('refuses %j', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message);
  });
});

describe('parseUintList', () => {
  it('reads cpuset lists', () => {
    expect([...parseUintList('0-2,5')]).toEqual([0, 1, 2, 5]);
    expect([...parseUintList('1')]).toEqual([1]);
    expect(parseUintList('').size).toBe(0);
  });

  it('refuses malformed lists and huge ranges', () => {
    expect(() => parseUintList('3-1')).toThrow('invalid format: 3-1');
    expect(() => parseUintList('a')).toThrow('invalid format: a');
    expect(() => parseUintList('0-100000', 8192)).toThrow('value of out range, maximum is 8192');
  });
});
