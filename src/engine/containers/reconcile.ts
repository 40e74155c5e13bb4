/**
 * The cheap truth about a recorded state, for `ps`, `inspect` and `wait`: the record says what we last wrote;
 * an exit file says the process has ended since (its exit command may still be running); a dead monitor without
 * an exit file is the rare case that needs `runc state` (the caller's slow path).
 *
 * Only the light modules are imported here: `ps` loads this and the store, nothing else of the engine.
 */
import { readFileSync, statSync } from 'node:fs';
import { processStartTime } from '../metadata/owner.js';
import { taskLayout } from '../tasks/layout.js';
import type { ContainerState } from './types.js';

export type Reconciled =
  /** The record is right. */
  | { kind: 'ok'; state: ContainerState }
  /** The process has exited; the state shows it (exit code and time from the exit file). */
  | { kind: 'exited'; state: ContainerState }
  /** The monitor is gone and no exit was recorded: ask runc. */
  | { kind: 'unknown'; state: ContainerState };

function alive(pid: number | undefined, startTime: string | undefined): boolean {
  if (pid === undefined || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A recycled pid: compare start times only when the record has one (the check costs a file read).
  return startTime === undefined || processStartTime(pid) === startTime;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Reads the exit file of task `id`: code and time. */
export function readExitFile(stateRoot: string, namespace: string, id: string): { code: number; at: Date } | undefined {
  const file = taskLayout(stateRoot, namespace, id).exitFile;
  try {
    const st = statSync(file);
    const code = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (Number.isNaN(code)) return undefined;
    return { code, at: st.mtime };
  } catch {
    return undefined;
  }
}

/** Reconciles one state (see the module comment). Synchronous: no process is spawned. */
export function reconcileState(stateRoot: string, namespace: string, id: string, s: ContainerState): Reconciled {
  if (s.status !== 'running' && s.status !== 'paused') return { kind: 'ok', state: s };
  const exit = readExitFile(stateRoot, namespace, id);
  if (exit) {
    return {
      kind: 'exited',
      state: { ...s, status: 'exited', pid: 0, exitCode: exit.code, finishedAt: rfc3339(exit.at) },
    };
  }
  if (alive(s.monitorPid, s.monitorStartTime)) return { kind: 'ok', state: s };
  return { kind: 'unknown', state: s };
}
