/**
 * The health-check runner's pid file: at most one runner per state root and namespace.
 *
 * `<stateRoot>/health/<namespace>.pid` holds `<pid>:<starttime>` of the running runner. A runner claims the file
 * when it is missing or names a dead process (O_EXCL create; a stale file is replaced by rename, and the claim is
 * confirmed by reading it back). Before it exits, a runner removes its file and looks once more for containers
 * to check, so a container started at that moment is never left without a runner (the starter either sees the
 * file gone and spawns a new runner, or the runner sees the container).
 */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processStartTime } from '../metadata/owner.js';

export function healthPidFile(stateRoot: string, namespace: string): string {
  return path.join(stateRoot, 'health', `${namespace}.pid`);
}

function ownerAlive(text: string | undefined): boolean {
  if (!text) return false;
  const [pidText, start] = text.trim().split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  return processStartTime(pid) === start;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when a live runner holds the pid file. */
export function healthRunnerAlive(stateRoot: string, namespace: string): boolean {
  return ownerAlive(read(healthPidFile(stateRoot, namespace)));
}

/** Claims the pid file for this process; false when another live runner holds it. */
export function claimHealthRunner(stateRoot: string, namespace: string): boolean {
  const file = healthPidFile(stateRoot, namespace);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const me = `${process.pid}:${processStartTime(process.pid) ?? '0'}`;
  try {
    writeFileSync(file, me, { flag: 'wx', mode: 0o600 });
    return true;
  } catch {
    // exists
  }
  if (ownerAlive(read(file))) return false;
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, me, { mode: 0o600 });
  renameSync(tmp, file);
  return read(file) === me;
}

/** Gives the pid file up (only when this process holds it). */
export function releaseHealthRunner(stateRoot: string, namespace: string): void {
  const file = healthPidFile(stateRoot, namespace);
  const me = `${process.pid}:${processStartTime(process.pid) ?? '0'}`;
  if (read(file) === me) {
    try {
      unlinkSync(file);
    } catch {
      // gone already
    }
  }
}
