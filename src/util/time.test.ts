import { describe, expect, it } from 'vitest';
import { hasCode } from '../engine/errdefs.js';
import { formatGoTime, formatRFC3339Nano, getTimestamp, getTimestampDate, timeAgo } from './time.js';

const ref = new Date('2024-06-15T12:00:00.750Z');
const refOffsetMin = -ref.getTimezoneOffset();
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
/** Unix ns of a wall-clock time in the reference's zone (how Docker reads a value without a zone). */
const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): bigint => ns(Date.UTC(y, mo - 1, d, h, mi, s) - refOffsetMin * 60_000);

describe('getTimestamp (moby GetTimestamp)', () => {
  it.each([
    // Durations count back from the reference, in whole seconds.
    ['10m', ns(Date.parse('2024-06-15T11:50:00Z'))],
    ['1h30m', ns(Date.parse('2024-06-15T10:30:00Z'))],
    ['-5s', ns(Date.parse('2024-06-15T12:00:05Z'))],
    ['1.5s', ns(Date.parse('2024-06-15T11:59:59Z'))],
    // Zoned RFC3339 forms.
    ['2024-01-02T03:04:05Z', ns(Date.parse('2024-01-02T03:04:05Z'))],
    ['2024-01-02T03:04:05.123456789Z', ns(Date.parse('2024-01-02T03:04:05Z')) + 123_456_789n],
    ['2024-01-02T03:04:05+02:00', ns(Date.parse('2024-01-02T01:04:05Z'))],
    ['2024-01-02T03:04:05-07:00', ns(Date.parse('2024-01-02T10:04:05Z'))],
    ['2024-01-02T03:04Z', ns(Date.parse('2024-01-02T03:04:00Z'))],
    ['2024-01-02T03Z', ns(Date.parse('2024-01-02T03:00:00Z'))],
    ['2024-01-02T3:04:05Z', ns(Date.parse('2024-01-02T03:04:05Z'))],
    ['2024-01-02Z', ns(Date.parse('2024-01-02T00:00:00Z'))],
    ['2024-01-02+01:00', ns(Date.parse('2024-01-01T23:00:00Z'))],
    // Without a zone: the reference's zone.
    ['2024-01-02', local(2024, 1, 2)],
    ['2024-01-02T03', local(2024, 1, 2, 3)],
    ['2024-01-02T03:04', local(2024, 1, 2, 3, 4)],
    ['2024-01-02T03:04:05', local(2024, 1, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05.5', local(2024, 1, 2, 3, 4, 5) + 500_000_000n],
    // Unix seconds, with an optional fraction.
    ['1700000000', 1_700_000_000_000_000_000n],
    ['1700000000.5', 1_700_000_000_500_000_000n],
    ['1700000000.000000001', 1_700_000_000_000_000_001n],
    ['0', 0n],
    ['2024-02-29T00:00:00Z', ns(Date.parse('2024-02-29T00:00:00Z'))],
    ['0099-01-01T00:00:00Z', ns(Date.parse('0099-01-01T00:00:00Z'))],
  ])('%s', (value, want) => {
    expect(getTimestamp(value, ref)).toBe(want);
  });

  it.each([
    ['yesterday', 'failed to parse value as time or duration: "yesterday"'],
    ['1700000000.', 'failed to parse value as time or duration: "1700000000."'],
    ['2024-13-01', 'parsing time "2024-13-01": month out of range'],
    ['2024-02-30', 'parsing time "2024-02-30": day out of range'],
    ['2024-01-02T25:00:00Z', 'parsing time "2024-01-02T25:00:00Z": hour out of range'],
    ['2024-1-2', 'parsing time "2024-1-2" as "2006-01-02": cannot parse "1-2" as "01"'],
    // A value with a dash is taken for a date, so a negative Unix time fails as one (as in Docker).
    ['-1.5', 'parsing time "-1.5" as "2006-01-02T15:04:05.999999999": cannot parse "-1.5" as "2006"'],
    ['2024-01-02T03:04:05Zjunk', 'parsing time "2024-01-02T03:04:05Zjunk": extra text: "junk"'],
    ['2023-02-29', 'parsing time "2023-02-29": day out of range'],
  ])('%s fails', (value, msg) => {
    let err: unknown;
    try {
      getTimestamp(value, ref);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(msg);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });

  it('gives a Date too', () => {
    expect(getTimestampDate('2024-01-02T03:04:05.123Z', ref).toISOString()).toBe('2024-01-02T03:04:05.123Z');
  });

  it('defaults the reference to now', () => {
    const before = BigInt(Date.now() - 10 * 60_000 - 1000) * 1_000_000n;
    const t = getTimestamp('10m');
    expect(t >= before).toBe(true);
    expect(t <= BigInt(Date.now()) * 1_000_000n).toBe(true);
  });
});

describe('formatRFC3339Nano', () => {
  it.each([
    [new Date('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05Z'],
    [new Date('2024-01-02T03:04:05.120Z'), '2024-01-02T03:04:05.12Z'],
    [1_704_164_645_123_456_789n, '2024-01-02T03:04:05.123456789Z'],
    [1_704_164_645_100_000_000n, '2024-01-02T03:04:05.1Z'],
    [0n, '1970-01-01T00:00:00Z'],
    [-1n, '1969-12-31T23:59:59.999999999Z'],
  ])('%s', (t, want) => {
    expect(formatRFC3339Nano(t)).toBe(want);
  });
});

describe('timeAgo', () => {
  const now = Date.parse('2024-06-15T12:00:00Z');
  it.each([
    [now - 500, 'Less than a second ago'],
    [now - 2 * 60_000, '2 minutes ago'],
    [now - 61 * 60_000, 'About an hour ago'],
    [now - 3 * 86_400_000, '3 days ago'],
  ])('%d', (t, want) => {
    expect(timeAgo(t, now)).toBe(want);
    expect(timeAgo(new Date(t), new Date(now))).toBe(want);
  });
});

describe('formatGoTime', () => {
  it('prints the local wall clock with its numeric offset, as Go time.Time.String', () => {
    const t = new Date('2024-01-02T03:04:05Z');
    const out = formatGoTime(t);
    const off = -t.getTimezoneOffset();
    const sign = off < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
    const mm = String(Math.abs(off) % 60).padStart(2, '0');
    expect(out).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:05 \\${sign}${hh}${mm} \\S+$`));
    if (off === 0) expect(out).toBe('2024-01-02 03:04:05 +0000 UTC');
    expect(formatGoTime(1_704_164_645_120_000_000n)).toContain(':05.12 ');
  });
});
