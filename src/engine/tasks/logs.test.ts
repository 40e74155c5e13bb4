import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import {
  LogAssembler,
  formatTimestamp,
  parseGoDuration,
  parseLogRecord,
  parseRfc3339Nano,
  parseTimeArg,
  readLogs,
  type LogEntry,
} from './logs.js';

const T0 = '2026-11-22T08:32:39.680715434+00:00';
const ns = (s: string) => parseRfc3339Nano(s) as bigint;

describe('parseRfc3339Nano / formatTimestamp', () => {
  it('keeps nanoseconds and applies the offset', () => {
    expect(ns(T0)).toBe(1795336359680715434n);
    expect(ns('2026-11-22T09:32:39.680715434+01:00')).toBe(ns(T0));
    expect(ns('2026-11-22T03:02:39.680715434-05:30')).toBe(ns(T0));
    expect(ns('2026-11-22T08:32:39Z')).toBe(1795336359000000000n);
    expect(ns('2026-11-22T08:32:39.5Z')).toBe(1795336359500000000n);
  });
  it('rejects other shapes', () => {
    expect(parseRfc3339Nano('2026-11-22 08:32:39Z')).toBeUndefined();
    expect(parseRfc3339Nano('yesterday')).toBeUndefined();
  });
  it('formats as Docker does: UTC, nine digits', () => {
    expect(formatTimestamp(ns(T0))).toBe('2026-11-22T08:32:39.680715434Z');
    expect(formatTimestamp(1795336359000000000n)).toBe('2026-11-22T08:32:39.000000000Z');
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['10m', 600_000_000_000n],
    ['1h30m', 5_400_000_000_000n],
    ['1.5h', 5_400_000_000_000n],
    ['300ms', 300_000_000n],
    ['2s', 2_000_000_000n],
  ])('%s', (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });
  it('is undefined for non-durations', () => {
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('2026-01-01')).toBeUndefined();
  });
});

describe('parseTimeArg', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  it('takes durations back from now', () => {
    expect(parseTimeArg('10m', now)).toBe(ns('2026-11-22T09:50:00Z'));
  });
  it('takes RFC 3339 with a zone', () => {
    expect(parseTimeArg('2026-11-22T08:32:39.680715434Z', now)).toBe(ns('2026-11-22T08:32:39.680715434Z'));
    expect(parseTimeArg('2026-11-22T09:32:39+01:00', now)).toBe(ns('2026-11-22T08:32:39Z'));
    expect(parseTimeArg('2026-11-22Z', now)).toBe(ns('2026-11-22T00:00:00Z'));
  });
  it('reads zone-less times as local time', () => {
    const local = new Date(2026, 10, 22, 8, 32, 0).getTime();
    expect(parseTimeArg('2026-11-22T08:32', now)).toBe(BigInt(local) * 1_000_000n);
    expect(parseTimeArg('2026-11-22', now)).toBe(BigInt(new Date(2026, 10, 22).getTime()) * 1_000_000n);
  });
  it('takes Unix seconds with a fraction', () => {
    expect(parseTimeArg('1795336359.5', now)).toBe(1795336359500000000n);
    expect(parseTimeArg('0', now)).toBe(0n);
  });
  it('rejects anything else as invalid-argument', () => {
    expect(() => parseTimeArg('next tuesday', now)).toThrow(/failed to parse/);
    try {
      parseTimeArg('x', now);
    } catch (err) {
      expect(hasCode(err, 'invalid-argument')).toBe(true);
    }
  });
});

describe('parseLogRecord', () => {
  it('parses full and partial records', () => {
    expect(parseLogRecord(Buffer.from(`${T0} stdout F hello world`))).toEqual({
      time: ns(T0),
      stream: 'stdout',
      partial: false,
      content: Buffer.from('hello world'),
    });
    expect(parseLogRecord(Buffer.from(`${T0} stderr P abc`))?.partial).toBe(true);
  });
  it('keeps an empty line', () => {
    expect(parseLogRecord(Buffer.from(`${T0} stdout F `))?.content).toEqual(Buffer.alloc(0));
    expect(parseLogRecord(Buffer.from(`${T0} stdout F`))?.content).toEqual(Buffer.alloc(0));
  });
  it('keeps binary content', () => {
    const line = Buffer.concat([Buffer.from(`${T0} stdout F `), Buffer.from([0xff, 0x00, 0x20])]);
    expect([...(parseLogRecord(line)?.content ?? [])]).toEqual([0xff, 0x00, 0x20]);
  });
  it('ignores malformed lines', () => {
    expect(parseLogRecord(Buffer.from('garbage'))).toBeUndefined();
    expect(parseLogRecord(Buffer.from(`${T0} stdin F x`))).toBeUndefined();
  });
});

describe('LogAssembler', () => {
  it('joins fragments per stream and restores the newline', () => {
    const a = new LogAssembler();
    const rec = (stream: 'stdout' | 'stderr', partial: boolean, s: string, t = 1n) => ({
      time: t,
      stream,
      partial,
      content: Buffer.from(s),
    });
    expect(a.push(rec('stdout', true, 'hel', 1n))).toBeUndefined();
    expect(a.push(rec('stderr', false, 'oops', 2n))).toEqual({ time: 2n, stream: 'stderr', data: Buffer.from('oops\n') });
    expect(a.push(rec('stdout', false, 'lo', 3n))).toEqual({ time: 1n, stream: 'stdout', data: Buffer.from('hello\n') });
    a.push(rec('stdout', true, 'no newline', 4n));
    expect(a.flush()).toEqual([{ time: 4n, stream: 'stdout', data: Buffer.from('no newline') }]);
    expect(a.flush()).toEqual([]);
  });
});

describe('readLogs', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-'));
    file = path.join(dir, 'ctr.log');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const line = (sec: number, stream: string, tag: string, text: string) =>
    `2026-11-22T08:00:${String(sec).padStart(2, '0')}.000000001+00:00 ${stream} ${tag} ${text}\n`;
  const text = (es: LogEntry[]) => es.map((e) => e.data.toString()).join('');
  const collect = async (it: AsyncIterable<LogEntry>) => {
    const out: LogEntry[] = [];
    for await (const e of it) out.push(e);
    return out;
  };

  it('reads a missing file as empty', async () => {
    expect(await collect(readLogs(file))).toEqual([]);
  });

  it('reads both streams in order, selects streams, tails', async () => {
    fs.writeFileSync(
      file,
      line(1, 'stdout', 'F', 'a') + line(2, 'stderr', 'F', 'b') + line(3, 'stdout', 'P', 'c1') + line(4, 'stdout', 'F', 'c2'),
    );
    expect(text(await collect(readLogs(file)))).toBe('a\nb\nc1c2\n');
    expect(text(await collect(readLogs(file, { stderr: false })))).toBe('a\nc1c2\n');
    expect(text(await collect(readLogs(file, { stdout: false })))).toBe('b\n');
    expect(text(await collect(readLogs(file, { tail: 2 })))).toBe('b\nc1c2\n');
    expect(text(await collect(readLogs(file, { tail: 0 })))).toBe('');
  });

  it('filters by since and until (inclusive)', async () => {
    fs.writeFileSync(file, line(1, 'stdout', 'F', 'a') + line(2, 'stdout', 'F', 'b') + line(3, 'stdout', 'F', 'c'));
    const t2 = ns('2026-11-22T08:00:02.000000001Z');
    expect(text(await collect(readLogs(file, { since: t2 })))).toBe('b\nc\n');
    expect(text(await collect(readLogs(file, { until: t2 })))).toBe('a\nb\n');
  });

  it('gives an unfinished last line as it is', async () => {
    fs.writeFileSync(file, line(1, 'stdout', 'P', 'prompt> '));
    expect(text(await collect(readLogs(file)))).toBe('prompt> ');
  });

  it('follows growth and a rotation until the container exits', async () => {
    fs.writeFileSync(file, line(1, 'stdout', 'F', 'first'));
    let exit!: () => void;
    const exited = new Promise<void>((r) => (exit = r));
    const seen: string[] = [];
    const reader = (async () => {
      for await (const e of readLogs(file, { follow: true, exited, pollMs: 20 })) seen.push(e.data.toString());
    })();
    const until = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(1);
    fs.appendFileSync(file, line(2, 'stdout', 'F', 'second'));
    await until(2);
    // conmon's rotation: a new file renamed over the old path.
    fs.writeFileSync(`${file}.tmp`, line(3, 'stderr', 'F', 'after rotation'));
    fs.renameSync(`${file}.tmp`, file);
    await until(3);
    fs.appendFileSync(file, line(4, 'stdout', 'P', 'tail without newline'));
    exit();
    await reader;
    expect(seen).toEqual(['first\n', 'second\n', 'after rotation\n', 'tail without newline']);
  });

  it('stops following when aborted', async () => {
    fs.writeFileSync(file, line(1, 'stdout', 'F', 'x'));
    const ac = new AbortController();
    const seen: string[] = [];
    const reader = (async () => {
      for await (const e of readLogs(file, { follow: true, signal: ac.signal, pollMs: 20 })) seen.push(e.data.toString());
    })();
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await reader;
    expect(seen).toEqual(['x\n']);
  });
});
