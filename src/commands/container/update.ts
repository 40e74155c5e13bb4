/**
 * `update`: change resource limits and the restart policy of containers. Prints each container as typed when it
 * was updated, then the warnings, then fails with the errors (one per line), as Docker's CLI does.
 */
import type { UpdateContainerRequest } from '../../engine/containers/update.js';
import { EngineError, invalidArgument } from '../../engine/errdefs.js';
import { flagError, parseGoInt, parseNanoCpus, parseRamBytes } from '../../engine/containers/options.js';
import { parseRestartPolicy } from '../../engine/containers/restart-policy.js';
import { errorText } from '../_lib/exit.js';
import { defineCommand, type FlagSpec } from '../_lib/spec.js';
import { UsageError } from '../_lib/usage-error.js';
import { containerService } from './shared.js';

const s = (describe: string, extra: Partial<FlagSpec> = {}): FlagSpec => ({ type: 'string', describe, ...extra });

const updateFlags = {
  'blkio-weight': s('Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', { valueName: 'uint16' }),
  'cpu-period': s('Limit CPU CFS (Completely Fair Scheduler) period', { valueName: 'int' }),
  'cpu-quota': s('Limit CPU CFS (Completely Fair Scheduler) quota', { valueName: 'int' }),
  'cpu-rt-period': s('Limit the CPU real-time period in microseconds', { valueName: 'int' }),
  'cpu-rt-runtime': s('Limit the CPU real-time runtime in microseconds', { valueName: 'int' }),
  'cpu-shares': s('CPU shares (relative weight)', { short: 'c', valueName: 'int' }),
  cpus: s('Number of CPUs', { valueName: 'decimal' }),
  'cpuset-cpus': s('CPUs in which to allow execution (0-3, 0,1)'),
  'cpuset-mems': s('MEMs in which to allow execution (0-3, 0,1)'),
  'kernel-memory': s('Kernel memory limit', { valueName: 'bytes' }),
  memory: s('Memory limit', { short: 'm', valueName: 'bytes' }),
  'memory-reservation': s('Memory soft limit', { valueName: 'bytes' }),
  'memory-swap': s("Swap limit equal to memory plus swap: '-1' to enable unlimited swap", { valueName: 'bytes' }),
  'pids-limit': s('Tune container pids limit (set -1 for unlimited)', { valueName: 'int' }),
  restart: s('Restart policy to apply when a container exits', { complete: 'restart-policies' }),
} as const;

export type UpdateFlagValues = { [K in keyof typeof updateFlags]?: string | undefined };

/** Docker's warning for `--kernel-memory`, which it accepts and ignores. */
export const KERNEL_MEMORY_WARNING = 'Specifying a kernel memory limit is deprecated and will be removed in a future release.';

/**
 * The typed request from the flags (pure; unit-tested). Values a flag refuses are usage errors worded as pflag's;
 * no flag at all is Docker's `you must provide one or more flags when using this command`.
 */
export function toUpdateRequest(flags: UpdateFlagValues): { request: UpdateContainerRequest; warnings: string[] } {
  const given = (Object.keys(updateFlags) as (keyof typeof updateFlags)[]).filter((k) => flags[k] !== undefined);
  if (given.length === 0) throw invalidArgument('you must provide one or more flags when using this command');
  const parse = <T>(flag: keyof typeof updateFlags, fn: (v: string) => T): T | undefined => {
    const v = flags[flag];
    if (v === undefined) return undefined;
    try {
      return fn(v);
    } catch (err) {
      throw new UsageError(flagError(flag, v, err).message, ['update']);
    }
  };
  const int = (flag: keyof typeof updateFlags) => parse(flag, (v) => parseGoInt(v));
  const bytes = (flag: keyof typeof updateFlags) => parse(flag, parseRamBytes);
  const r: { -readonly [K in keyof UpdateContainerRequest]: UpdateContainerRequest[K] } = {};
  const set = <K extends keyof UpdateContainerRequest>(k: K, v: UpdateContainerRequest[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set('blkioWeight', parse('blkio-weight', (v) => parseGoInt(v, { bits: 16, unsigned: true })));
  set('cpuPeriod', int('cpu-period'));
  set('cpuQuota', int('cpu-quota'));
  set('cpuRealtimePeriod', int('cpu-rt-period'));
  set('cpuRealtimeRuntime', int('cpu-rt-runtime'));
  set('cpuShares', int('cpu-shares'));
  set('nanoCpus', parse('cpus', parseNanoCpus));
  set('cpusetCpus', flags['cpuset-cpus']);
  set('cpusetMems', flags['cpuset-mems']);
  const kernel = bytes('kernel-memory');
  set('memory', bytes('memory'));
  set('memoryReservation', bytes('memory-reservation'));
  set('memorySwap', parse('memory-swap', (v) => (v === '-1' ? -1 : parseRamBytes(v))));
  set('pidsLimit', int('pids-limit'));
  if (flags.restart !== undefined && flags.restart !== '') set('restartPolicy', parseRestartPolicy(flags.restart));
  return { request: r, warnings: kernel !== undefined && kernel > 0 ? [KERNEL_MEMORY_WARNING] : [] };
}

export const updateCommand = defineCommand({
  name: 'update',
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Update configuration of one or more containers',
  examples: [
    { command: 'nerdctl update --memory 512m --memory-swap 1g web', description: 'Change the memory limit of the running container web' },
    { command: 'nerdctl update --cpus 1.5 web', description: 'Allow the container at most one and a half CPUs' },
    { command: 'nerdctl update --restart unless-stopped web db', description: 'Change the restart policy of two containers' },
  ],
  flags: updateFlags,
  args: { min: 1, complete: ['containers'] },
  async handler({ flags, args }, ctx) {
    const { request, warnings: requestWarnings } = toUpdateRequest(flags);
    const svc = await containerService(ctx);
    const { updateContainer, hostFactsForUpdate } = await import('../../engine/containers/update.js');
    const host = hostFactsForUpdate();
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const ref of args) {
      try {
        const res = await updateContainer(svc, ctx.op(), ref, request, host);
        ctx.out.line(ref);
        warnings.push(...requestWarnings, ...res.warnings);
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    if (warnings.length > 0) ctx.out.line(warnings.join('\n'));
    if (errors.length > 0) throw new EngineError('invalid-argument', errors.join('\n'));
  },
});
