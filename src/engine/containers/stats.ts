/**
 * `stats`: one resource sample per container, read from its task's cgroup and network namespace
 * (tasks/metrics.ts). A container that is not running (created, exited, or gone between listing and sampling)
 * gives a sample without metrics, which `stats` shows as zeros, as Docker does. CPU percentages need two samples;
 * {@link statsFigures} computes Docker's figures from the previous and the current one.
 *
 * Errors: not-found (subject container) when the record itself is gone.
 */
import { totalmem } from 'node:os';
import { hasCode, notFound } from '../errdefs.js';
import type { OpContext } from '../op-context.js';
import { cpuPercent, type TaskMetrics } from '../tasks/metrics.js';
import type { ContainerServiceOptions } from './deps.js';
import { reconcileState } from './reconcile.js';

export type { TaskMetrics } from '../tasks/metrics.js';

export interface ContainerStatsSample {
  readonly id: string;
  /** Without the leading slash. */
  readonly name: string;
  /** Absent when the container's task is not running. */
  readonly metrics?: TaskMetrics;
}

/** Samples container `id` (full id) once. */
export async function sampleContainerStats(d: ContainerServiceOptions, ctx: OpContext, id: string): Promise<ContainerStatsSample> {
  const rec = d.store.get(ctx.namespace, id);
  if (!rec) throw notFound({ kind: 'container', ref: id });
  const st = reconcileState(d.stateRoot, ctx.namespace, id, rec.state).state;
  if (st.status !== 'running' && st.status !== 'paused') return { id, name: rec.name };
  try {
    return { id, name: rec.name, metrics: await d.tasks.stats(ctx, id) };
  } catch (err) {
    // Stopped between the state check and the read: an empty sample, like any stopped container.
    if (hasCode(err, 'failed-precondition') || hasCode(err, 'not-found')) return { id, name: rec.name };
    throw err;
  }
}

/** The figures `stats` shows for one container, in Docker's units (bytes, percent). */
export interface StatsFigures {
  /** Docker's CPU percentage over the interval since `previous` (0 without a previous sample). */
  readonly cpuPercent: number;
  /** Memory use without the inactive file cache, which Docker's CLI subtracts. */
  readonly memoryUsage: number;
  readonly memoryLimit: number;
  readonly memoryPercent: number;
  readonly networkRx: number;
  readonly networkTx: number;
  readonly blockRead: number;
  readonly blockWrite: number;
  readonly pids: number;
}

/** Docker's CLI arithmetic over two samples (pure); undefined for a container that is not running. */
export function statsFigures(current: TaskMetrics | undefined, previous: TaskMetrics | undefined): StatsFigures | undefined {
  if (!current) return undefined;
  const m = current.memory;
  // Docker's daemon reports at most the host's memory as the limit.
  const memoryLimit = Math.min(m.limit, totalmem());
  const memoryUsage = m.inactiveFile < m.usage ? m.usage - m.inactiveFile : m.usage;
  let networkRx = 0;
  let networkTx = 0;
  for (const n of Object.values(current.networks)) {
    networkRx += n.rxBytes;
    networkTx += n.txBytes;
  }
  return {
    cpuPercent: previous ? cpuPercent(previous.cpu, current.cpu) : 0,
    memoryUsage,
    memoryLimit,
    memoryPercent: memoryLimit > 0 ? (memoryUsage / memoryLimit) * 100 : 0,
    networkRx,
    networkTx,
    blockRead: current.blkio.readBytes,
    blockWrite: current.blkio.writeBytes,
    pids: current.pids.current,
  };
}
