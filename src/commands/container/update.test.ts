import { describe, expect, it } from 'vitest';
import { UsageError } from '../_lib/usage-error.js';
import { KERNEL_MEMORY_WARNING, toUpdateRequest } from './update.js';

describe('toUpdateRequest', () => {
  it('needs at least one flag', () => {
    expect(() => toUpdateRequest({})).toThrow('you must provide one or more flags when using this command');
  });

  it('parses sizes, CPUs, integers and the restart policy', () => {
    const { request, warnings } = toUpdateRequest({
      memory: '64m',
      'memory-swap': '-1',
      'memory-reservation': '32m',
      cpus: '1.5',
      'cpu-shares': '512',
      'pids-limit': '-1',
      'blkio-weight': '300',
      'cpuset-cpus': '0',
      restart: 'on-failure:3',
      'kernel-memory': '10m',
    });
    expect(request).toEqual({
      memory: 64 * 1024 * 1024,
      memorySwap: -1,
      memoryReservation: 32 * 1024 * 1024,
      nanoCpus: 1.5e9,
      cpuShares: 512,
      pidsLimit: -1,
      blkioWeight: 300,
      cpusetCpus: '0',
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
    });
    expect(warnings).toEqual([KERNEL_MEMORY_WARNING]);
  });

  it.each([
    [{ memory: 'abc' }, `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`],
    [{ 'pids-limit': 'abc' }, 'invalid argument "abc" for "--pids-limit" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [{ cpus: 'abc' }, 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'],
    [{ 'blkio-weight': '-1' }, 'invalid argument "-1" for "--blkio-weight" flag: strconv.ParseUint: parsing "-1": invalid syntax'],
  ])('refuses %j as pflag would (usage error, exit 125)', (flags, msg) => {
    let err: unknown;
    try {
      toUpdateRequest(flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(msg);
    expect((err as UsageError).status).toBe(125);
  });

  it("rejects bad restart policies with Docker's words", () => {
    expect(() => toUpdateRequest({ restart: 'bogus' })).toThrow("invalid restart policy 'bogus'");
    expect(() => toUpdateRequest({ restart: 'always:3' })).toThrow("maximum retry count cannot be used with restart policy 'always'");
  });
});
