/**
 * Healthchecks without a daemon: one probe is one exec in the container; results land in State.Health with
 * Docker's rules (moby daemon/health.go):
 * - exit 0 → healthy, failing streak reset; anything else (or a timeout) → streak + 1, unhealthy once the streak
 *   reaches Retries (default 3); failures within StartPeriod after the start do not count (status stays
 *   `starting`);
 * - the log keeps the last five results, output cut at 4 KiB;
 * - defaults: Interval 30 s, Timeout 30 s, Retries 3.
 *
 * {@link runHealthLoop} is the body of the on-demand runner process (`internal healthcheck-runner`): it probes
 * every running container of the namespace that has a healthcheck when it is due, and returns when none is left.
 */
import { PassThrough } from 'node:stream';
import { emitContainerEvent } from '../events/emit.js';
import type { OpContext } from '../op-context.js';
import type { ContainerServiceOptions } from './deps.js';
import { nowRfc3339Nano } from './create.js';
import type { HealthConfig } from './options.js';
import { hasHealthcheck } from './start.js';
import type { ContainerRecord, HealthLogEntry, HealthState } from './types.js';

const SECOND_NS = 1_000_000_000;
export const DEFAULT_INTERVAL_NS = 30 * SECOND_NS;
export const DEFAULT_TIMEOUT_NS = 30 * SECOND_NS;
export const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

function ms(ns: number | undefined, fallbackNs: number): number {
  return Math.max(1, Math.round((ns && ns > 0 ? ns : fallbackNs) / 1e6));
}

/** The argv a probe runs. */
export function probeArgs(hc: HealthConfig): string[] | undefined {
  const t = hc.Test ?? [];
  if (t[0] === 'CMD') return t.slice(1);
  if (t[0] === 'CMD-SHELL') return ['/bin/sh', '-c', t.slice(1).join(' ')];
  return undefined;
}

/** Go's duration text for whole seconds/milliseconds, as Docker prints it in the timeout message. */
function goDuration(msValue: number): string {
  if (msValue % 1000 === 0) return `${msValue / 1000}s`;
  return `${msValue}ms`;
}

/** The next state after a probe result (pure). */
export function nextHealth(prev: HealthState | undefined, hc: HealthConfig, result: HealthLogEntry, inStartPeriod: boolean): HealthState {
  const log = [...(prev?.log ?? []), result].slice(-MAX_LOG_ENTRIES);
  const retries = hc.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES;
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (inStartPeriod && prev?.status !== 'healthy') return { status: prev?.status ?? 'starting', failingStreak: prev?.failingStreak ?? 0, log };
  const streak = (prev?.failingStreak ?? 0) + 1;
  const status = streak >= retries ? 'unhealthy' : (prev?.status ?? 'starting');
  return { status, failingStreak: streak, log };
}

/** When the next probe of `rec` is due (epoch ms). */
export function nextProbeAt(rec: ContainerRecord): number {
  const hc = rec.config.healthcheck ?? {};
  const interval = ms(hc.Interval, DEFAULT_INTERVAL_NS);
  const last = rec.state.health?.log.at(-1);
  const base = last ? Date.parse(last.end) : Date.parse(rec.state.startedAt);
  return (Number.isNaN(base) ? Date.now() : base) + interval;
}

/** Runs one probe of container `rec` and records it. undefined when the container is not running. */
export async function probeContainer(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord): Promise<HealthState | undefined> {
  const hc = rec.config.healthcheck;
  if (!hc || !hasHealthcheck(rec) || rec.state.status !== 'running') return undefined;
  const args = probeArgs(hc);
  if (!args) return undefined;
  const timeoutMs = ms(hc.Timeout, DEFAULT_TIMEOUT_NS);
  const start = nowRfc3339Nano();
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new PassThrough();
  sink.on('data', (b: Buffer) => {
    if (size < MAX_OUTPUT) chunks.push(b);
    size += b.length;
  });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let exitCode: number;
  let output: string;
  try {
    const res = await d.tasks.exec({ ...ctx, signal: abort.signal }, rec.id, { args, io: { stdout: sink, stderr: sink } });
    if (res.ended === 'canceled' || abort.signal.aborted) {
      if (res.pid > 0) {
        try {
          process.kill(res.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      exitCode = -1;
      output = `Health check exceeded timeout (${goDuration(timeoutMs)})`;
    } else {
      exitCode = res.exitCode ?? -1;
      output = Buffer.concat(chunks).toString('utf8').slice(0, MAX_OUTPUT);
    }
  } catch (err) {
    if (abort.signal.aborted) {
      exitCode = -1;
      output = `Health check exceeded timeout (${goDuration(timeoutMs)})`;
    } else {
      exitCode = -1;
      output = err instanceof Error ? err.message : String(err);
    }
  } finally {
    clearTimeout(timer);
  }
  const entry: HealthLogEntry = { start, end: nowRfc3339Nano(), exitCode, output };
  const startPeriod = hc.StartPeriod && hc.StartPeriod > 0 ? hc.StartPeriod / 1e6 : 0;
  const inStartPeriod = Date.now() - Date.parse(rec.state.startedAt) < startPeriod;
  const after = d.store.updateState(ctx.namespace, rec.id, (s) => {
    // Only for the run that was probed: a restart in between starts a new health history.
    if (s.startedAt !== rec.state.startedAt || s.status !== 'running') return s;
    return { ...s, health: nextHealth(s.health, hc, entry, inStartPeriod) };
  });
  // Docker logs a health event only when the status changes.
  const status = after?.state.health?.status;
  if (after && status !== undefined && status !== rec.state.health?.status) emitContainerEvent(d.storage.db, ctx, after, `health_status: ${status}`);
  return after?.state.health;
}

/**
 * The runner's loop: probe what is due, sleep until the next one, until no running container of the namespace
 * has a healthcheck (or `ctx.signal` aborts).
 */
export async function runHealthLoop(d: ContainerServiceOptions, ctx: OpContext): Promise<void> {
  const inFlight = new Set<string>();
  for (;;) {
    if (ctx.signal.aborted) return;
    const candidates = d.store.all(ctx.namespace).filter((r) => r.state.status === 'running' && hasHealthcheck(r));
    if (candidates.length === 0 && inFlight.size === 0) return;
    const now = Date.now();
    let next = now + 1000;
    for (const rec of candidates) {
      const due = nextProbeAt(rec);
      if (due <= now && !inFlight.has(rec.id)) {
        inFlight.add(rec.id);
        void probeContainer(d, ctx, rec)
          .catch((err: unknown) => ctx.log.debug('health probe failed', { id: rec.id, error: err }))
          .finally(() => inFlight.delete(rec.id));
      } else if (due > now) {
        next = Math.min(next, due);
      }
    }
    await new Promise((r) => setTimeout(r, Math.max(50, Math.min(next - Date.now(), 1000))));
  }
}
