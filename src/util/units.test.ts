import { describe, expect, it } from 'vitest';
import { hasCode } from '../engine/errdefs.js';
import {
  bytesSize,
  formatGoDuration,
  fromHumanSize,
  goHumanSize,
  HOUR,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  MINUTE,
  parseGoDuration,
  parseGoDurationBig,
  ramInBytes,
  SECOND,
} from './units.js';

const KB = 1000;
const MB = 1000 * KB;
const GB = 1000 * MB;
const TB = 1000 * GB;
const PB = 1000 * TB;
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;
const PiB = 1024 * TiB;

describe('sizes (go-units)', () => {
  it.each([
    // go-units' own HumanSize table (4 significant digits).
    [1000, '1kB'],
    [1024, '1.024kB'],
    [1000000, '1MB'],
    [1048576, '1.049MB'],
    [2 * MB, '2MB'],
    [3.42 * GB, '3.42GB'],
    [5.372 * TB, '5.372TB'],
    [2.22 * PB, '2.22PB'],
    [10000000000000 * PB, '1e+04YB'],
  ])('goHumanSize(%d) = %s', (n, want) => {
    expect(goHumanSize(n)).toBe(want);
  });

  it.each([
    // Docker's listings: HumanSizeWithPrecision(size, 3).
    [0, '0B'],
    [999, '999B'],
    [1200, '1.2kB'],
    [4258000, '4.26MB'],
    [2125, '2.12kB'], // exact tie, half to even
    [999999, '1e+03kB'],
    [1048576, '1.05MB'],
    [77800000, '77.8MB'],
  ])('humanSize(%d) = %s', (n, want) => {
    expect(humanSize(n)).toBe(want);
  });

  it('humanSizeWithPrecision takes any precision', () => {
    expect(humanSizeWithPrecision(1234567, 2)).toBe('1.2MB');
    expect(humanSizeWithPrecision(1234567, 6)).toBe('1.23457MB');
  });

  it.each([
    [1024, '1KiB'],
    [1024 * 1024, '1MiB'],
    [2 * MiB, '2MiB'],
    [3.42 * GiB, '3.42GiB'],
    [5.372 * TiB, '5.372TiB'],
    [2.22 * PiB, '2.22PiB'],
    [KiB * KiB * KiB * KiB * KiB * PiB, '1.049e+06YiB'],
    [1.5 * MiB, '1.5MiB'],
    [512, '512B'],
  ])('bytesSize(%d) = %s', (n, want) => {
    expect(bytesSize(n)).toBe(want);
  });
});

describe('parsing sizes', () => {
  it.each([
    ['0', 0],
    ['0b', 0],
    ['0 B', 0],
    ['32', 32],
    ['32K', 32 * KB],
    ['32kb', 32 * KB],
    ['32Mb', 32 * MB],
    ['32Gb', 32 * GB],
    ['32.5kB', 32.5 * KB],
    ['32.5 kB', 32.5 * KB],
    ['32.5 B', 32],
    ['0.3 K', 300],
    ['.3kB', 300],
    ['0.', 0],
    ['0. ', 0],
    ['-0', 0],
    ['32.', 32],
    ['32. B', 32],
    ['1kib', 1000],
  ])('fromHumanSize(%j) = %d', (s, want) => {
    expect(fromHumanSize(s)).toBe(want);
  });

  it.each([
    ['512m', 512 * MiB],
    ['1g', GiB],
    ['1024', 1024],
    ['1.5G', 1.5 * GiB],
    ['32KiB', 32 * KiB],
    ['32mb', 32 * MiB],
    ['1t', TiB],
    ['64 MB', 64 * MiB],
  ])('ramInBytes(%j) = %d', (s, want) => {
    expect(ramInBytes(s)).toBe(want);
  });

  it.each([
    ['', "invalid size: ''"],
    ['hello', "invalid size: 'hello'"],
    ['.', 'strconv.ParseFloat: parsing ".": invalid syntax'],
    [' 0', 'strconv.ParseFloat: parsing "": invalid syntax'],
    ['0b ', 'strconv.ParseFloat: parsing "0b": invalid syntax'],
    ['-32', "invalid size: '-32'"],
    ['-32 B', "invalid size: '-32 B'"],
    ['32b.', 'strconv.ParseFloat: parsing "32b.": invalid syntax'],
    ['32 bb', "invalid suffix: 'bb'"],
    ['1x', "invalid suffix: 'x'"],
    ['1MBB', "invalid suffix: 'mbb'"],
    ['1KIBB', "invalid suffix: 'KIBB'"],
    ['1kx', "invalid suffix: 'kx'"],
    ['1kbb', "invalid suffix: 'kbb'"],
  ])('ramInBytes(%j) fails with %s', (s, msg) => {
    let err: unknown;
    try {
      ramInBytes(s);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(msg);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });
});

describe('humanDuration (go-units thresholds)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const day = 24 * h;
  const week = 7 * day;
  const month = 30 * day;
  const year = 365 * day;
  it.each([
    [450, 'Less than a second'],
    [-5 * s, 'Less than a second'],
    [1 * s, '1 second'],
    [45 * s, '45 seconds'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [3 * m, '3 minutes'],
    [35 * m + 40 * s, '35 minutes'],
    [59 * m, '59 minutes'],
    [1 * h, 'About an hour'],
    [1 * h + 29 * m, 'About an hour'],
    [1 * h + 31 * m, '2 hours'],
    [3 * h + 59 * m, '4 hours'],
    [24 * h, '24 hours'],
    [1 * day + 12 * h, '36 hours'],
    [2 * day, '2 days'],
    [13 * day + 5 * h, '13 days'],
    [2 * week, '2 weeks'],
    [2 * week + 4 * day, '2 weeks'],
    [1 * month, '4 weeks'],
    [1 * month + 2 * week, '6 weeks'],
    [2 * month, '2 months'],
    [5 * month + 2 * week, '5 months'],
    [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'],
    [3 * year + 2 * month, '3 years'],
  ])('%d ms is %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe('Go durations', () => {
  it.each([
    ['0', 0],
    ['1m30s', 90 * SECOND],
    ['500ms', 500_000_000],
    ['1h', HOUR],
    ['-1.5h', -1.5 * HOUR],
    ['+5s', 5 * SECOND],
    ['1.5s', 1_500_000_000],
    ['.5s', 500_000_000],
    ['2h45m', 2 * HOUR + 45 * MINUTE],
    ['10us', 10_000],
    ['10µs', 10_000],
    ['10μs', 10_000],
    ['7ns', 7],
    ['1h1m1s1ms1us1ns', HOUR + MINUTE + SECOND + 1_001_001],
  ])('parseGoDuration(%j) = %d', (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });

  it('is exact beyond 2^53 with the BigInt variant', () => {
    expect(parseGoDurationBig('2562047h47m16.854775807s')).toBe(2n ** 63n - 1n);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['x', 'time: invalid duration "x"'],
    ['1', 'time: missing unit in duration "1"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['-', 'time: invalid duration "-"'],
    ['.s', 'time: invalid duration ".s"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ])('parseGoDuration(%j) fails with %s', (s, msg) => {
    expect(() => parseGoDuration(s)).toThrow(msg);
  });

  it.each([
    [0, '0s'],
    [1, '1ns'],
    [1_100, '1.1µs'],
    [2_200_000, '2.2ms'],
    [1_500_000_000, '1.5s'],
    [90 * SECOND, '1m30s'],
    [HOUR, '1h0m0s'],
    [2 * HOUR + 45 * MINUTE, '2h45m0s'],
    [61.5 * SECOND, '1m1.5s'],
    [-90 * SECOND, '-1m30s'],
    [2n ** 63n - 1n, '2562047h47m16.854775807s'],
  ])('formatGoDuration(%s) = %s', (ns, want) => {
    expect(formatGoDuration(ns)).toBe(want);
  });

  it('round-trips', () => {
    for (const s of ['1m30s', '1.5s', '500ms', '2h45m0s', '1h0m0.001s']) {
      expect(formatGoDuration(parseGoDuration(s))).toBe(s.replace(/^(\d+)ms$/, '$1ms'));
    }
  });
});
