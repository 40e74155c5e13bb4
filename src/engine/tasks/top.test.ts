import { describe, expect, it } from 'vitest';
import { filterPsOutput } from './top.js';

const ps = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 08:20 ?        00:00:10 /sbin/init
root       13909   13900  0 08:33 ?        00:00:00 sleep 1000
root       13950   13909  0 08:33 ?        00:00:00 sh -c echo hi; sleep 5
`;

describe('filterPsOutput', () => {
  it('keeps only the task\'s pids and the whole command line', () => {
    expect(filterPsOutput(ps, [13909, 13950])).toEqual({
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [
        ['root', '13909', '13900', '0', '08:33', '?', '00:00:00', 'sleep 1000'],
        ['root', '13950', '13909', '0', '08:33', '?', '00:00:00', 'sh -c echo hi; sleep 5'],
      ],
    });
  });

  it('keeps thread rows under a kept process (ps -m)', () => {
    const out = `PID TTY TIME CMD\n  10 ? 00:00:00 app\n   - - 00:00:00 -\n  11 ? 00:00:00 other\n   - - 00:00:00 -\n`;
    expect(filterPsOutput(out, [10]).processes).toEqual([
      ['10', '?', '00:00:00', 'app'],
      ['-', '-', '00:00:00', '-'],
    ]);
  });

  it('fails without a PID column', () => {
    expect(() => filterPsOutput('USER CMD\nroot x\n', [1])).toThrow(/PID field/);
  });
});
