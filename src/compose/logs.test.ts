import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../engine/tasks/logs.js';
import { followContainer, formatLogTime, LogPrinter } from './logs.js';

function printer(opts: Partial<ConstructorParameters<typeof LogPrinter>[0]> = {}) {
  const out: string[] = [];
  const p = new LogPrinter({ write: (t) => out.push(t), ...opts });
  return { p, out };
}

describe('LogPrinter', () => {
  it('pads the prefix to the widest name plus one, for every container, as Compose v2', () => {
    const { p, out } = printer();
    p.register('web-1');
    p.register('worker-1');
    p.line('web-1', 'hello');
    p.line('worker-1', 'busy');
    expect(out.join('')).toBe('web-1     | hello\nworker-1  | busy\n');
  });

  it('prints without prefix, with timestamps, and status lines', () => {
    const { p, out } = printer({ prefix: false, timestamps: true });
    p.line('web-1', 'x', 1_700_000_000_123_456_789n);
    p.status('web-1', 'exited with code 0');
    expect(out.join('')).toBe('2023-11-14T22:13:20.123456789Z x\nweb-1 exited with code 0\n');
  });

  it('colours each container with the next palette entry', () => {
    const { p, out } = printer({ palette: [(t) => `<a>${t}</a>`, (t) => `<b>${t}</b>`] });
    p.line('a-1', '1');
    p.line('b-1', '2');
    p.status('a-1', 'exited with code 3');
    expect(out).toEqual(['<a>a-1  |</a> 1\n', '<b>b-1  |</b> 2\n', '<a>a-1 exited with code 3</a>\n']);
  });

  it('formats times with nine fraction digits', () => {
    expect(formatLogTime(0n)).toBe('1970-01-01T00:00:00.000000000Z');
  });
});

describe('followContainer', () => {
  it('joins fragments into lines and prints a last partial line at the end', async () => {
    const entries: LogEntry[] = [
      { time: 1n, stream: 'stdout', data: Buffer.from('a\nb') },
      { time: 2n, stream: 'stdout', data: Buffer.from('c\r\n') },
      { time: 3n, stream: 'stderr', data: Buffer.from('tail') },
    ];
    const containers = {
      logs: async function* () {
        yield* entries;
      },
    };
    const { p, out } = printer({ prefix: false });
    const ctx = { namespace: 'default', signal: new AbortController().signal, log: console as never };
    const last = await followContainer(containers as never, ctx as never, 'id', 'web-1', p, {});
    expect(out.join('')).toBe('a\nbc\ntail\n');
    expect(last).toBe(3n);
  });
});
