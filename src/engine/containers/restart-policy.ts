/**
 * Restart policies (`--restart`), as Docker parses them and decides (moby's restartmanager): pure functions.
 *
 * Decision at each exit of the process:
 * - never after an explicit `stop`/`kill` by the user (until the next `start`);
 * - `always`, `unless-stopped`: restart;
 * - `on-failure[:N]`: restart when the exit code is not 0, and fewer than N restarts were made (N = 0: no limit);
 * - `no`: never.
 * Back-off: the first restart waits 100 ms, each further one twice as long as the one before (at most 1 min);
 * a process that ran for 10 s or more resets the delay to 100 ms.
 */
import { invalidArgument } from '../errdefs.js';
import type { RestartPolicy } from './types.js';

export const NO_RESTART: RestartPolicy = { name: 'no', maximumRetryCount: 0 };

const INITIAL_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/**
 * Parses a `--restart` value (`no`, `always`, `unless-stopped`, `on-failure[:N]`; '' = no) with Docker's
 * messages: `invalid restart policy 'x'`, `maximum retry count must be an integer`, `maximum retry count cannot
 * be negative`, `maximum retry count cannot be used with restart policy 'always'`.
 */
export function parseRestartPolicy(text: string): RestartPolicy {
  if (text === '') return NO_RESTART;
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const count = colon < 0 ? undefined : text.slice(colon + 1);
  let n = 0;
  if (count !== undefined) {
    if (!/^[+-]?\d+$/.test(count)) throw invalidArgument('maximum retry count must be an integer');
    n = Number(count);
  }
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (count !== undefined && n !== 0) throw invalidArgument(`maximum retry count cannot be used with restart policy '${name}'`);
      return { name, maximumRetryCount: 0 };
    case 'on-failure':
      if (n < 0) throw invalidArgument('maximum retry count cannot be negative');
      return { name, maximumRetryCount: n };
    default:
      throw invalidArgument(`invalid restart policy '${text}'`);
  }
}

/** Docker's `--restart` text for a policy (`on-failure:3`). */
export function formatRestartPolicy(p: RestartPolicy): string {
  return p.name === 'on-failure' && p.maximumRetryCount > 0 ? `on-failure:${p.maximumRetryCount}` : p.name;
}

export interface RestartInput {
  readonly policy: RestartPolicy;
  readonly exitCode: number;
  /** Restarts made so far (State.RestartCount). */
  readonly restartCount: number;
  readonly stoppedByUser: boolean;
  readonly autoRemove: boolean;
  /** How long the process ran, in ms. */
  readonly ranForMs: number;
  /** The previous back-off delay, if any. */
  readonly previousDelayMs?: number;
}

/** Whether to restart, and after how long. */
export function restartDecision(i: RestartInput): { restart: false } | { restart: true; delayMs: number } {
  if (i.stoppedByUser || i.autoRemove) return { restart: false };
  let restart = false;
  switch (i.policy.name) {
    case 'always':
    case 'unless-stopped':
      restart = true;
      break;
    case 'on-failure':
      restart = i.exitCode !== 0 && (i.policy.maximumRetryCount === 0 || i.restartCount < i.policy.maximumRetryCount);
      break;
    default:
      restart = false;
  }
  if (!restart) return { restart: false };
  const delayMs =
    i.previousDelayMs === undefined || i.ranForMs >= RESET_AFTER_MS ? INITIAL_DELAY_MS : Math.min(i.previousDelayMs * 2, MAX_DELAY_MS);
  return { restart: true, delayMs };
}
