import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { checkUpdateRequest, planUpdate, runtimeResources, type UpdateCurrent, type UpdateHostFacts } from './update.js';

const host: UpdateHostFacts = { cpus: 2, cpusetCpus: '0-1', cpusetMems: '0', swapLimit: true, blkioWeight: true };
const MiB = 1024 * 1024;
const current = (over: Partial<UpdateCurrent> = {}): UpdateCurrent => ({
  id: 'c1',
  resources: { ulimits: [] },
  restartPolicy: { name: 'no', maximumRetryCount: 0 },
  autoRemove: false,
  ...over,
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('checkUpdateRequest', () => {
  it.each([
    [{ memory: 1 * MiB }, 'Minimum memory limit allowed is 6MB'],
    [{ memory: 64 * MiB, memorySwap: 32 * MiB }, 'Minimum memoryswap limit should be larger than memory limit, see usage'],
    [{ memoryReservation: 1 * MiB }, 'Minimum memory reservation allowed is 6MB'],
    [{ memory: 16 * MiB, memoryReservation: 32 * MiB }, 'Minimum memory limit can not be less than memory reservation limit, see usage'],
    [{ nanoCpus: 1e9, cpuPeriod: 10000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set'],
    [{ nanoCpus: 1e9, cpuQuota: 10000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
    [{ nanoCpus: 8e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ cpuPeriod: 10 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)'],
    [{ cpuQuota: 10 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)'],
    [{ cpusetCpus: '5' }, 'Requested CPUs are not available - requested 5, available: 0-1'],
    [{ cpusetCpus: 'x' }, 'Invalid value x for cpuset cpus: invalid format: x'],
    [{ cpusetMems: '3' }, 'Requested memory nodes are not available - requested 3, available: 0'],
    [{ blkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000'],
  ])('refuses %j with Docker\'s message', (req, msg) => {
    expect(message(() => checkUpdateRequest(req, host))).toBe(msg);
  });

  it('allows --memory-swap alone (update is lenient there) and accepts valid values', () => {
    expect(checkUpdateRequest({ memorySwap: 128 * MiB }, host).warnings).toEqual([]);
    expect(checkUpdateRequest({ memory: 64 * MiB, cpusetCpus: '0-1', blkioWeight: 300, pidsLimit: -1 }, host).req).toEqual({
      memory: 64 * MiB,
      cpusetCpus: '0-1',
      blkioWeight: 300,
      pidsLimit: -1,
    });
  });

  it('drops the blkio weight with a warning where the kernel has none, before the range check', () => {
    const r = checkUpdateRequest({ blkioWeight: 5, cpuShares: 512 }, { ...host, blkioWeight: false });
    expect(r.req).toEqual({ cpuShares: 512 });
    expect(r.warnings).toEqual(['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
  });

  it('limits memory without swap, with a warning, where swap cannot be limited', () => {
    const r = checkUpdateRequest({ memory: 64 * MiB }, { ...host, swapLimit: false });
    expect(r.req.memorySwap).toBe(-1);
    expect(r.warnings[0]).toMatch(/does not support swap limit/);
  });
});

describe('planUpdate', () => {
  it('refuses a memory limit above the swap limit already set, unless swap is given too', () => {
    const e = (() => {
      try {
        planUpdate(current(), { memory: 64 * MiB });
      } catch (err) {
        return err;
      }
    })();
    expect(hasCode(e, 'conflict')).toBe(true);
    expect((e as Error).message).toBe(
      'Cannot update container c1: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
    );
    const p = planUpdate(current(), { memory: 64 * MiB, memorySwap: 128 * MiB });
    expect(p.resources).toMatchObject({ memory: 64 * MiB, memorySwap: 128 * MiB });
  });

  it('keeps the implicit swap (twice the memory at create) when only the memory changes', () => {
    const p = planUpdate(current({ resources: { ulimits: [], memory: 32 * MiB } }), { memory: 48 * MiB });
    expect(p.resources).toMatchObject({ memory: 48 * MiB, memorySwap: 64 * MiB });
    expect(p.runtime).toEqual({ memory: { limit: 48 * MiB } });
  });

  it('refuses CPU period/quota against --cpus and the reverse', () => {
    expect(message(() => planUpdate(current({ resources: { ulimits: [], nanoCpus: 1e9 } }), { cpuQuota: 20000 }))).toBe(
      'Cannot update container c1: Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set',
    );
    expect(message(() => planUpdate(current({ resources: { ulimits: [], cpuPeriod: 50000 } }), { nanoCpus: 1e9 }))).toBe(
      'Cannot update container c1: Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set',
    );
  });

  it('changes the restart policy, except to a real policy on an --rm container', () => {
    expect(planUpdate(current(), { restartPolicy: { name: 'on-failure', maximumRetryCount: 3 } }).restartPolicy).toEqual({
      name: 'on-failure',
      maximumRetryCount: 3,
    });
    expect(planUpdate(current(), { restartPolicy: { name: 'always', maximumRetryCount: 0 } }).runtime).toBeUndefined();
    expect(message(() => planUpdate(current({ autoRemove: true }), { restartPolicy: { name: 'always', maximumRetryCount: 0 } }))).toBe(
      'Cannot update container c1: Restart policy cannot be updated because AutoRemove is enabled for the container',
    );
    expect(planUpdate(current({ autoRemove: true }), { restartPolicy: { name: 'no', maximumRetryCount: 0 } }).restartPolicy.name).toBe('no');
  });

  it('leaves what the request does not set', () => {
    const before = { ulimits: [], memory: 64 * MiB, memorySwap: 128 * MiB, cpuShares: 256, pidsLimit: 10 };
    const p = planUpdate(current({ resources: before }), { cpuShares: 512 });
    expect(p.resources).toEqual({ ...before, cpuShares: 512 });
  });
});

describe('runtimeResources', () => {
  it('carries only the requested fields, in OCI form', () => {
    expect(runtimeResources({ nanoCpus: 1.5e9, pidsLimit: 0, cpusetCpus: '0', memorySwap: -1 })).toEqual({
      cpu: { period: 100000, quota: 150000, cpus: '0' },
      pids: { limit: -1 },
      memory: { swap: -1 },
    });
    expect(runtimeResources({ blkioWeight: 300, memoryReservation: 32 * MiB })).toEqual({
      blockIO: { weight: 300 },
      memory: { reservation: 32 * MiB },
    });
    expect(runtimeResources({})).toBeUndefined();
  });
});
