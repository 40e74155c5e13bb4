/**
 * `update`: new resource limits and restart policy for a container, Docker's way (daemon/update.go):
 *
 * 1. the request alone is checked as for a new container, with update's leniency (`--memory-swap` without
 *    `--memory` is fine) and the host's facts (CPU count, cpusets, whether blkio weight exists: if not, the weight is
 *    dropped with Docker's warning);
 * 2. it is merged into the container's settings: only the fields given change, and the combinations Docker refuses
 *    on an existing container fail with `Cannot update container <id>: ...` (a memory limit above the swap limit
 *    already set, CPU period/quota against `--cpus`, a restart policy on an `--rm` container);
 * 3. a running (or paused) container gets the requested values at once through `runc update` (only the fields given:
 *    runc leaves the others as they are); then the merged settings are written to the record, so the next start
 *    uses them. Nothing is recorded when runc refuses.
 *
 * Errors: not-found (container), invalid-argument (a refused value; Docker's messages), conflict (`Cannot update
 * container ...`), and runc's failures.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { conflict, invalidArgument, wrap } from '../errdefs.js';
import { emitContainerEvent } from '../events/emit.js';
import { readHostFacts } from '../oci/host.js';
import type { Resources } from '../oci/types.js';
import { parseUintList } from '../oci/units.js';
import type { OpContext } from '../op-context.js';
import { withContainerLock } from './lock.js';
import type { ResourceOptions } from './options.js';
import type { ContainerServiceImpl } from './service.js';
import type { RestartPolicy } from './types.js';

/** What `update` may change; absent fields stay as they are. Sizes in bytes, `nanoCpus` in billionths of a CPU. */
export interface UpdateContainerRequest {
  readonly memory?: number;
  /** Memory plus swap; -1 = unlimited. */
  readonly memorySwap?: number;
  readonly memoryReservation?: number;
  readonly nanoCpus?: number;
  readonly cpuShares?: number;
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
  readonly cpuRealtimePeriod?: number;
  readonly cpuRealtimeRuntime?: number;
  readonly cpusetCpus?: string;
  readonly cpusetMems?: string;
  /** <= 0 = unlimited. */
  readonly pidsLimit?: number;
  readonly blkioWeight?: number;
  readonly restartPolicy?: RestartPolicy;
}

export interface UpdateContainerResult {
  /** Docker's warnings (printed after the container names). */
  readonly warnings: string[];
}

/** The host facts update's checks need (see {@link hostFactsForUpdate}). */
export interface UpdateHostFacts {
  readonly cpus: number;
  readonly cpusetCpus: string;
  readonly cpusetMems: string;
  readonly swapLimit: boolean;
  readonly blkioWeight: boolean;
}

/** What the container has now. */
export interface UpdateCurrent {
  readonly id: string;
  readonly resources: ResourceOptions;
  readonly restartPolicy: RestartPolicy;
  readonly autoRemove: boolean;
}

export interface UpdatePlan {
  /** The container's settings after the update (to record). */
  readonly resources: ResourceOptions;
  readonly restartPolicy: RestartPolicy;
  /** For `runc update`: only what the request sets; undefined when it sets no resource. */
  readonly runtime: Resources | undefined;
  readonly warnings: string[];
}

const MIN_MEMORY = 6 * 1024 * 1024;

function cpusetAvailable(what: 'cpus' | 'mems', requested: string | undefined, available: string): void {
  if (requested === undefined || requested === '') return;
  let req: Set<number>;
  let avail: Set<number>;
  try {
    avail = parseUintList(available);
    req = parseUintList(requested, Math.max(8192, ...avail));
  } catch (err) {
    throw invalidArgument(`Invalid value ${requested} for cpuset ${what}: ${(err as Error).message}`);
  }
  for (const n of req) {
    if (!avail.has(n)) {
      const label = what === 'cpus' ? 'Requested CPUs are not available' : 'Requested memory nodes are not available';
      throw invalidArgument(`${label} - requested ${requested}, available: ${available}`);
    }
  }
}

/**
 * Checks `req` alone (Docker's verifyPlatformContainerResources with `update` set). Returns the request as it will
 * be applied (an unsupported blkio weight or swap limit dropped) and the warnings. Pure.
 */
export function checkUpdateRequest(req: UpdateContainerRequest, host: UpdateHostFacts): { req: UpdateContainerRequest; warnings: string[] } {
  const warnings: string[] = [];
  let r: UpdateContainerRequest = { ...req };
  const mem = r.memory ?? 0;
  const swap = r.memorySwap ?? 0;
  if (mem !== 0 && mem < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (mem > 0 && swap !== -1 && !host.swapLimit) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.');
    r = { ...r, memorySwap: -1 };
  }
  if (mem > 0 && swap > 0 && swap < mem) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  const reservation = r.memoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && reservation > 0 && mem < reservation) {
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  const nano = r.nanoCpus ?? 0;
  if (nano > 0 && (r.cpuPeriod ?? 0) > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (r.cpuQuota ?? 0) > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.cpus * 1e9) {
    throw invalidArgument(`Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  const period = r.cpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  const quota = r.cpuQuota ?? 0;
  if (quota > 0 && quota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  cpusetAvailable('cpus', r.cpusetCpus, host.cpusetCpus);
  cpusetAvailable('mems', r.cpusetMems, host.cpusetMems);
  if ((r.blkioWeight ?? 0) > 0 && !host.blkioWeight) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    const { blkioWeight: _dropped, ...rest } = r;
    r = rest;
  }
  const weight = r.blkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  return { req: r, warnings };
}

/** The swap limit a container effectively has (Docker records twice the memory when only memory was given). */
function effectiveSwap(r: ResourceOptions): number {
  if (r.memorySwap !== undefined && r.memorySwap !== 0) return r.memorySwap;
  return r.memory !== undefined && r.memory > 0 ? r.memory * 2 : 0;
}

/**
 * Merges a checked request into the container's settings (Docker's Container.UpdateContainer) and derives what to
 * hand to runc. Pure. conflict errors carry Docker's `Cannot update container <id>: ` prefix.
 */
export function planUpdate(current: UpdateCurrent, req: UpdateContainerRequest, warnings: readonly string[] = []): UpdatePlan {
  const c = current.resources;
  const refuse = (msg: string) => conflict(`Cannot update container ${current.id}: ${msg}`);
  const nano = req.nanoCpus ?? 0;
  const period = req.cpuPeriod ?? 0;
  const quota = req.cpuQuota ?? 0;
  if (nano > 0 && (c.cpuPeriod ?? 0) > 0) throw refuse('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (nano > 0 && (c.cpuQuota ?? 0) > 0) throw refuse('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  if (period > 0 && (c.nanoCpus ?? 0) > 0) throw refuse('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (quota > 0 && (c.nanoCpus ?? 0) > 0) throw refuse('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');

  const next: ResourceOptions = { ...c, ulimits: [...c.ulimits] };
  const mem = req.memory ?? 0;
  const swap = req.memorySwap ?? 0;
  if (mem !== 0) {
    const currentSwap = effectiveSwap(c);
    if (currentSwap !== -1 && mem > currentSwap && swap === 0) {
      throw refuse('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    // Keep the swap limit the container had, rather than letting "twice the memory" follow the new value.
    if (c.memorySwap === undefined && currentSwap !== 0) next.memorySwap = currentSwap;
    next.memory = mem;
  }
  if (swap !== 0) next.memorySwap = swap;
  if ((req.memoryReservation ?? 0) !== 0) next.memoryReservation = req.memoryReservation!;
  if ((req.blkioWeight ?? 0) !== 0) next.blkioWeight = req.blkioWeight!;
  if ((req.cpuShares ?? 0) !== 0) next.cpuShares = req.cpuShares!;
  if (nano !== 0) next.nanoCpus = nano;
  if (period !== 0) next.cpuPeriod = period;
  if (quota !== 0) next.cpuQuota = quota;
  if ((req.cpuRealtimePeriod ?? 0) !== 0) next.cpuRealtimePeriod = req.cpuRealtimePeriod!;
  if ((req.cpuRealtimeRuntime ?? 0) !== 0) next.cpuRealtimeRuntime = req.cpuRealtimeRuntime!;
  if (req.cpusetCpus !== undefined && req.cpusetCpus !== '') next.cpusetCpus = req.cpusetCpus;
  if (req.cpusetMems !== undefined && req.cpusetMems !== '') next.cpusetMems = req.cpusetMems;
  if (req.pidsLimit !== undefined) next.pidsLimit = req.pidsLimit;

  let restartPolicy = current.restartPolicy;
  if (req.restartPolicy !== undefined) {
    if (current.autoRemove && req.restartPolicy.name !== 'no') {
      throw refuse('Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    restartPolicy = req.restartPolicy;
  }
  return { resources: next, restartPolicy, runtime: runtimeResources(req), warnings: [...warnings] };
}

/** The OCI resources `runc update` gets: the request's fields only (runc keeps what is not given). Pure. */
export function runtimeResources(req: UpdateContainerRequest): Resources | undefined {
  const out: Resources = {};
  const memory: NonNullable<Resources['memory']> = {};
  if ((req.memory ?? 0) > 0) memory.limit = req.memory!;
  if ((req.memoryReservation ?? 0) > 0) memory.reservation = req.memoryReservation!;
  if (req.memorySwap !== undefined && (req.memorySwap > 0 || req.memorySwap === -1)) memory.swap = req.memorySwap;
  if (Object.keys(memory).length > 0) out.memory = memory;
  const cpu: NonNullable<Resources['cpu']> = {};
  if ((req.cpuShares ?? 0) > 0) cpu.shares = req.cpuShares!;
  if (req.cpusetCpus) cpu.cpus = req.cpusetCpus;
  if (req.cpusetMems) cpu.mems = req.cpusetMems;
  if ((req.nanoCpus ?? 0) > 0) {
    cpu.period = 100_000;
    cpu.quota = Math.trunc((req.nanoCpus! * 100_000) / 1e9);
  }
  if ((req.cpuPeriod ?? 0) > 0) cpu.period = req.cpuPeriod!;
  if ((req.cpuQuota ?? 0) !== 0) cpu.quota = req.cpuQuota!;
  if ((req.cpuRealtimePeriod ?? 0) > 0) cpu.realtimePeriod = req.cpuRealtimePeriod!;
  if ((req.cpuRealtimeRuntime ?? 0) > 0) cpu.realtimeRuntime = req.cpuRealtimeRuntime!;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (req.pidsLimit !== undefined) out.pids = { limit: req.pidsLimit > 0 ? req.pidsLimit : -1 };
  if ((req.blkioWeight ?? 0) > 0) out.blockIO = { weight: req.blkioWeight! };
  return Object.keys(out).length > 0 ? out : undefined;
}

function cgroupMountOf(controller: string): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const sep = line.indexOf(' - ');
      if (sep < 0) continue;
      const right = line.slice(sep + 3).split(' ');
      if (right[0] === 'cgroup' && (right[2] ?? '').split(',').includes(controller)) return line.slice(0, sep).split(' ')[4];
    }
  } catch {
    // no mountinfo: treat as absent
  }
  return undefined;
}

/** Reads the host facts update needs. */
export function hostFactsForUpdate(): UpdateHostFacts {
  const h = readHostFacts();
  let blkioWeight: boolean;
  if (h.cgroupVersion === 2) {
    let controllers = '';
    try {
      controllers = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8');
    } catch {
      // none
    }
    blkioWeight = controllers.split(/\s+/).includes('io');
  } else {
    const mount = cgroupMountOf('blkio');
    blkioWeight = mount !== undefined && (existsSync(path.join(mount, 'blkio.weight')) || existsSync(path.join(mount, 'blkio.bfq.weight')));
  }
  return { cpus: h.cpus, cpusetCpus: h.cpusetCpus, cpusetMems: h.cpusetMems, swapLimit: h.swapLimit, blkioWeight };
}

/** Updates container `ref` (see the module comment). */
export async function updateContainer(
  svc: ContainerServiceImpl,
  ctx: OpContext,
  ref: string,
  request: UpdateContainerRequest,
  host: UpdateHostFacts = hostFactsForUpdate(),
): Promise<UpdateContainerResult> {
  const d = svc.deps;
  const id = d.store.resolve(ctx.namespace, ref).id;
  const checked = checkUpdateRequest(request, host);
  return withContainerLock(d.store, ctx, id, async () => {
    const rec = await svc.get(ctx, id);
    const plan = planUpdate(
      { id: rec.id, resources: rec.config.options.resources, restartPolicy: rec.config.restartPolicy, autoRemove: rec.config.autoRemove },
      checked.req,
      checked.warnings,
    );
    const live = rec.state.status === 'running' || rec.state.status === 'paused';
    if (live && plan.runtime !== undefined) {
      try {
        await d.tasks.update(ctx, rec.id, plan.runtime);
      } catch (err) {
        throw wrap(err, `Cannot update container ${rec.id}`);
      }
    }
    d.store.updateConfig(ctx.namespace, rec.id, {
      ...rec.config,
      options: { ...rec.config.options, resources: plan.resources },
      restartPolicy: plan.restartPolicy,
    });
    emitContainerEvent(d.storage.db, ctx, rec, 'update');
    return { warnings: plan.warnings };
  });
}
