import { describe, expect, it } from 'vitest';
import type { ContainerState } from '../../engine/containers/types.js';
import { tabwrite } from '../../util/tabwriter.js';
import { alignTable, commandText, ellipsis, goQuote, portEntries, portsText, statusText } from './ps-rows.js';

const base: ContainerState = {
  status: 'running',
  pid: 1,
  exitCode: 0,
  error: '',
  oomKilled: false,
  startedAt: '2026-01-01T00:00:00.000000000Z',
  finishedAt: '',
  restartCount: 0,
  stoppedByUser: false,
};
const t0 = Date.parse('2026-01-01T00:00:00Z');

describe('statusText', () => {
  it.each<[Partial<ContainerState>, number, string]>([
    [{ status: 'created' }, 0, 'Created'],
    [{}, 5_000, 'Up 5 seconds'],
    [{ status: 'paused' }, 120_000, 'Up 2 minutes (Paused)'],
    [{ health: { status: 'healthy', failingStreak: 0, log: [] } }, 1_000, 'Up 1 second (healthy)'],
    [{ health: { status: 'starting', failingStreak: 0, log: [] } }, 500, 'Up Less than a second (health: starting)'],
    [{ status: 'exited', exitCode: 3, finishedAt: '2026-01-01T00:00:00Z' }, 3_000, 'Exited (3) 3 seconds ago'],
    [{ status: 'restarting', exitCode: 1, finishedAt: '2026-01-01T00:00:00Z' }, 2_000, 'Restarting (1) 2 seconds ago'],
    [{ status: 'removing' }, 0, 'Removal In Progress'],
  ])('%j after %i ms', (s, dt, want) => {
    expect(statusText({ ...base, ...s }, t0 + dt)).toBe(want);
  });
});

describe('commandText', () => {
  it('joins like Docker, quotes spaced arguments, truncates to 20 with an ellipsis', () => {
    expect(commandText(['sleep', '100'], false)).toBe('"sleep 100"');
    expect(commandText(['sh', '-c', 'sleep 1; exit 3'], false)).toBe(`"sh -c 'sleep 1; exi…"`);
    expect(commandText(['sh', '-c', 'sleep 1; exit 3'], true)).toBe(`"sh -c 'sleep 1; exit 3'"`);
    expect(commandText(['echo', 'a"b'], false)).toBe('"echo a\\"b"');
  });
  it('quotes like strconv.Quote and cuts by characters', () => {
    expect(goQuote('a\tb\n\\')).toBe('"a\\tb\\n\\\\"');
    expect(ellipsis('ééééé', 3)).toBe('éé…');
    expect(ellipsis('abc', 3)).toBe('abc');
  });
});

describe('portsText', () => {
  it('shows bindings, exposed ports and groups consecutive ones as Docker does', () => {
    expect(portsText(portEntries(['80/tcp'], [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]))).toBe('0.0.0.0:8080->80/tcp');
    expect(portsText(portEntries(['80/tcp', '443/tcp', '53/udp'], []))).toBe('80/tcp, 53/udp, 443/tcp'); // Docker's grouping order, odd as it is
    expect(
      portsText(
        portEntries(
          [],
          [8000, 8001, 8002].map((p) => ({ hostIp: '127.0.0.1', hostPort: p, containerPort: p, protocol: 'tcp' as const })),
        ),
      ),
    ).toBe('127.0.0.1:8000-8002->8000-8002/tcp');
    expect(portsText(portEntries(['81/tcp', '82/tcp'], []))).toBe('81-82/tcp');
    expect(portsText(portEntries([], [{ hostIp: '::', hostPort: 9000, containerPort: 90, protocol: 'udp' }]))).toBe('[::]:9000->90/udp');
  });
});

describe('alignTable', () => {
  it('lays rows out exactly as the tabwriter does with Docker\'s settings', () => {
    const lines = [
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
      ['0123456789ab', 'busybox', '"sleep 100"', '2 seconds ago', 'Up 1 second', '', 'web'],
      ['ba9876543210', 'registry.example/很长的名字', '"sh -c \'x\'"', 'About a minute ago', 'Exited (0) 3 seconds ago', '0.0.0.0:80->80/tcp', 'a'],
      ['x', '', '', '', '', '', ''],
    ];
    expect(alignTable(lines)).toBe(tabwrite(lines.map((l) => l.join('\t')).join('\n') + '\n'));
  });
});
