/**
 * The task state machine (the shape of containerd's runtime/v2/runc process/init_state.go), pure.
 *
 * ```
 *            start              pause
 *  created ─────────▶ running ◀────────▶ paused
 *     │                  │      resume      │
 *     │ kill/exit        │ exit/kill        │ kill (SIGKILL)
 *     ▼                  ▼                  ▼
 *  stopped ◀──────────────────────────────────
 *     │ delete
 *     ▼
 *  deleted
 * ```
 *
 * `delete` is also legal from `created` (never started). `kill` is legal in running and paused (runc delivers
 * signals to a frozen cgroup when it thaws; SIGKILL ends it at once) but not in created: runc would allow it,
 * Docker says "is not running" (a created container has no process for Docker). `exec` needs `running`.
 * `resize` is legal in created so a foreground `run -t` can size the pty before the process starts.
 * Illegal operations raise `failed-precondition` with Docker's wording ("container <id> is not running"); any
 * operation on a deleted task is `not-found`.
 */
import { EngineError } from '../errdefs.js';
import type { RuncStatus } from './runc.js';

export type TaskStatus = 'created' | 'running' | 'paused' | 'stopped' | 'deleted';

export type TaskOperation = 'start' | 'kill' | 'pause' | 'resume' | 'delete' | 'exec' | 'update' | 'resize';

/** The status runc's status stands for (`creating` is a create still in progress). */
export function statusFromRunc(s: RuncStatus): TaskStatus {
  return s === 'creating' ? 'created' : s;
}

const allowed: Record<TaskStatus, readonly TaskOperation[]> = {
  created: ['start', 'delete', 'resize'],
  running: ['kill', 'pause', 'exec', 'update', 'resize'],
  paused: ['kill', 'resume', 'update', 'resize'],
  stopped: ['delete'],
  deleted: [],
};

/** Where an allowed operation leads (kill leaves the status to the process: it may or may not exit). */
export function nextStatus(from: TaskStatus, op: TaskOperation): TaskStatus {
  switch (op) {
    case 'start':
      return 'running';
    case 'pause':
      return 'paused';
    case 'resume':
      return 'running';
    case 'delete':
      return 'deleted';
    default:
      return from;
  }
}

/** Whether `op` is legal in `status`. */
export function canTransition(status: TaskStatus, op: TaskOperation): boolean {
  return allowed[status].includes(op);
}

/** The failed-precondition error for an illegal operation, worded as Docker words it. */
export function illegalTransition(id: string, status: TaskStatus, op: TaskOperation): EngineError {
  const subject = { kind: 'task' as const, ref: id };
  if (status === 'deleted') return new EngineError('not-found', `task "${id}": not found`, { subject });
  let message: string;
  switch (op) {
    case 'pause':
      message = status === 'paused' ? `container ${id} is already paused` : `container ${id} is not running`;
      break;
    case 'resume':
      message = `container ${id} is not paused`;
      break;
    case 'exec':
      message =
        status === 'paused'
          ? `container ${id} is paused, unpause the container before exec`
          : `container ${id} is not running`;
      break;
    case 'start':
      message = status === 'stopped' ? `cannot start task in stopped state` : `container ${id} is already running`;
      break;
    case 'delete':
      message =
        status === 'paused'
          ? `cannot remove a paused container ${id}: unpause and then stop the container before attempting removal or force remove`
          : `you cannot remove a running container ${id}: stop the container before attempting removal or force remove`;
      break;
    case 'kill':
    case 'update':
    case 'resize':
      message = `container ${id} is not running`;
      break;
  }
  return new EngineError('failed-precondition', message, { subject, hint: `task is in ${status} state` });
}

/** Throws {@link illegalTransition} unless `op` is legal in `status`; returns the status it leads to. */
export function transition(id: string, status: TaskStatus, op: TaskOperation): TaskStatus {
  if (!canTransition(status, op)) throw illegalTransition(id, status, op);
  return nextStatus(status, op);
}
