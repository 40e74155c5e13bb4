/**
 * Owner tokens for locks kept in the metadata database (an ingest being written, for instance).
 *
 * A lock row records `<pid>:<starttime>:<token>`. Another process treats the lock as held while that process is
 * alive (same pid with the same start time in /proc, so a recycled pid does not count); a killed process leaves a
 * stale row that the next writer simply takes over. Inside one process the token tells two holders apart: it is
 * live while registered in {@link holdOwner} and not yet released.
 */
import { readFileSync } from 'node:fs';

const held = new Set<string>();
let selfStart: string | undefined;

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined if it is gone. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields after it start past the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

/** A new token for this process, registered as held until {@link releaseOwner}. */
export function holdOwner(): string {
  selfStart ??= processStartTime(process.pid) ?? '0';
  const owner = `${process.pid}:${selfStart}:${randomHex(6)}`;
  held.add(owner);
  return owner;
}

/** Marks `owner` as no longer held by this process. */
export function releaseOwner(owner: string): void {
  held.delete(owner);
}

/** True when the lock `owner` is still held: by a live holder in this process, or by a live other process. */
export function isOwnerAlive(owner: string | null | undefined): boolean {
  if (owner === null || owner === undefined || owner === '') return false;
  const [pidText, start] = owner.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return held.has(owner);
  const now = processStartTime(pid);
  return now !== undefined && now === start;
}

/** Random hex from Web Crypto: it loads only when an owner token is made (read-only commands never make one). */
function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString('hex');
}
