import { describe, expect, it } from 'vitest';
import {
  cpuPercent,
  parseBlkioV1,
  parseCgroupMounts,
  parseFlatKeyed,
  parseIoStatV2,
  parseNetDev,
  parseProcCgroup,
  parseProcStatCpu,
} from './metrics.js';

// Samples taken from this project's machines: a cgroup v1 hybrid host and a cgroup v2 host.
const procCgroupV1 = `9:name=systemd:/txtest-b2
8:pids:/txtest-b2
7:blkio:/txtest-b2
4:memory:/txtest-b2
2:cpuacct:/txtest-b2
1:cpu,cpuacct:/txtest-b2
0::/txtest-b2
`;

const mountinfoHybrid = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

describe('cgroup discovery', () => {
  it('reads /proc/<pid>/cgroup', () => {
    const cg = parseProcCgroup(procCgroupV1);
    expect(cg.v1.get('memory')).toBe('/txtest-b2');
    expect(cg.v1.get('cpu')).toBe('/txtest-b2');
    expect(cg.v1.get('name=systemd')).toBe('/txtest-b2');
    expect(cg.unified).toBe('/txtest-b2');
    expect(parseProcCgroup('0::/system.slice/x.scope\n')).toEqual({ v1: new Map(), unified: '/system.slice/x.scope' });
  });

  it('reads cgroup mounts from mountinfo', () => {
    const m = parseCgroupMounts(mountinfoHybrid);
    expect(m.v1.get('memory')).toBe('/sys/fs/cgroup/memory');
    expect(m.v1.get('cpuacct')).toBe('/sys/fs/cgroup/cpuacct');
    expect(m.v1.get('name=systemd')).toBe('/sys/fs/cgroup/systemd');
    expect(m.unified).toBe('/sys/fs/cgroup/unified');
    const v2 = parseCgroupMounts('30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n');
    expect(v2).toEqual({ v1: new Map(), unified: '/sys/fs/cgroup' });
  });
});

describe('counter parsers', () => {
  it('reads key/value files', () => {
    expect(parseFlatKeyed('cache 1851392\nrss 57344\ntotal_inactive_file 1589248\n')).toEqual({
      cache: 1851392,
      rss: 57344,
      total_inactive_file: 1589248,
    });
  });

  it('sums v1 blkio bytes over devices', () => {
    expect(parseBlkioV1('8:0 Read 4096\n8:0 Write 8192\n8:16 Read 1\n8:0 Total 12288\nTotal 12289\n')).toEqual({
      readBytes: 4097,
      writeBytes: 8192,
    });
    expect(parseBlkioV1('Total 0\n')).toEqual({ readBytes: 0, writeBytes: 0 });
  });

  it('sums v2 io.stat bytes', () => {
    expect(parseIoStatV2('8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n254:0 rbytes=1 wbytes=2\n')).toEqual({
      readBytes: 4097,
      writeBytes: 514,
    });
  });

  it('reads net/dev without loopback', () => {
    const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 3494010     933    0    0    0     0          0         0  3494010     933    0    0    0     0       0          0
  eth0: 488060675   16252    1    2    0     0          0         0  1278597   11312    3    4    0     0       0          0
`;
    expect(parseNetDev(text)).toEqual({
      eth0: {
        rxBytes: 488060675,
        rxPackets: 16252,
        rxErrors: 1,
        rxDropped: 2,
        txBytes: 1278597,
        txPackets: 11312,
        txErrors: 3,
        txDropped: 4,
      },
    });
  });

  it('reads host CPU time from /proc/stat', () => {
    expect(parseProcStatCpu('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n')).toBe(10_000_000_000);
  });

  it('computes Docker\'s CPU percentage', () => {
    expect(cpuPercent({ usageNanos: 0, systemNanos: 0 }, { usageNanos: 5e8, systemNanos: 2e9, onlineCpus: 2 })).toBe(50);
    expect(cpuPercent({ usageNanos: 10, systemNanos: 10 }, { usageNanos: 10, systemNanos: 20, onlineCpus: 2 })).toBe(0);
  });
});
