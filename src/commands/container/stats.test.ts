import { describe, expect, it } from 'vitest';
import { statsFigures, type TaskMetrics } from '../../engine/containers/stats.js';
import { formatListing } from '../_lib/format.js';
import { STATS_DEFAULT_FORMAT, STATS_HEADERS, statsRow } from './stats.js';

const metrics = (over: { usage?: number; system?: number; mem?: number; inactive?: number }): TaskMetrics => ({
  read: new Date(0),
  cgroupVersion: 1,
  cpu: { usageNanos: over.usage ?? 0, systemNanos: over.system ?? 0, onlineCpus: 2 },
  memory: { usage: over.mem ?? 4 * 1024 * 1024, limit: 1024 * 1024 * 1024, inactiveFile: over.inactive ?? 0, stat: {} },
  pids: { current: 3 },
  blkio: { readBytes: 4096, writeBytes: 1_500_000 },
  networks: {
    eth0: { rxBytes: 1000, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 2500, txPackets: 1, txErrors: 0, txDropped: 0 },
    eth1: { rxBytes: 500, rxPackets: 1, rxErrors: 0, rxDropped: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDropped: 0 },
  },
});

const id = 'a180f9a9179072957a851184b5159e5940ad56f9dcf1fc2b976d731d04e263ae';

describe('stats rows', () => {
  it("computes Docker's figures: CPU over two samples, memory without inactive file cache, summed networks", () => {
    const prev = metrics({ usage: 0, system: 0 });
    const cur = metrics({ usage: 250_000_000, system: 1_000_000_000, mem: 5 * 1024 * 1024, inactive: 1024 * 1024 });
    const row = statsRow({ container: 'web', id }, 'web', statsFigures(cur, prev));
    expect(row).toEqual({
      Container: 'web',
      Name: 'web',
      ID: 'a180f9a91790',
      CPUPerc: '50.00%',
      MemUsage: '4MiB / 1GiB',
      MemPerc: '0.39%',
      NetIO: '1.5kB / 2.5kB',
      BlockIO: '4.1kB / 1.5MB',
      PIDs: '3',
    });
  });

  it('shows zeros for a container that is not running, and the full ID with --no-trunc', () => {
    const row = statsRow({ container: 'x', id }, 'x', statsFigures(undefined, undefined), { noTrunc: true });
    expect(row).toMatchObject({ ID: id, CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0' });
  });

  it("renders Docker's default table and sorted JSON", () => {
    const rows = [statsRow({ container: 'web', id }, 'web', statsFigures(metrics({}), undefined))];
    const table = formatListing(rows, { defaultFormat: STATS_DEFAULT_FORMAT, headers: STATS_HEADERS, quietField: (r) => r.ID });
    expect(table.split('\n')[0]).toBe('CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O         BLOCK I/O       PIDS');
    const json = formatListing(rows, { format: 'json', defaultFormat: STATS_DEFAULT_FORMAT, headers: STATS_HEADERS, quietField: (r) => r.ID });
    expect(Object.keys(JSON.parse(json) as object)).toEqual(['BlockIO', 'CPUPerc', 'Container', 'ID', 'MemPerc', 'MemUsage', 'Name', 'NetIO', 'PIDs']);
  });
});
