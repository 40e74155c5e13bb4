/**
 * Small /proc readers for task reconciliation: is a pid still the process we started (not a zombie, not a
 * recycled pid)? And atomic small-file writes for the task's own files.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errdefs.js';

/** The fields of /proc/<pid>/stat we use. */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  /** R, S, D, Z, T, t, X... */
  readonly state: string;
  readonly ppid: number;
  /** Clock ticks since boot (field 22): with the pid, identifies one process for its lifetime. */
  readonly startTime: number;
}

/** Parses /proc/<pid>/stat (comm may contain spaces and parentheses). Pure. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field 22 is rest[19].
  const startTime = Number(rest[19]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    startTime: Number.isFinite(startTime) ? startTime : 0,
  };
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(await fsp.readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ESRCH')) return undefined;
    throw err;
  }
}

/**
 * Whether `pid` is alive (not a zombie) and, when given, still the same process (`startTime`) or program
 * (`comm`, the first 15 bytes of the executable name).
 */
export async function isProcessAlive(pid: number | undefined, expect: { startTime?: number; comm?: string } = {}): Promise<boolean> {
  if (pid === undefined) return false;
  const st = await readProcStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  if (expect.startTime !== undefined && expect.startTime !== 0 && st.startTime !== expect.startTime) return false;
  if (expect.comm !== undefined && st.comm !== expect.comm.slice(0, 15)) return false;
  return true;
}

/** Writes a small file atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await fsp.open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Creates `file` with `data` only if it does not exist yet (atomically); false when it already existed. */
export async function createFileExclusive(file: string, data: string): Promise<boolean> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await fsp.writeFile(tmp, data, { mode: 0o644 });
  try {
    // link(2) fails with EEXIST instead of replacing: the first writer wins.
    await fsp.link(tmp, file);
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** Finds an executable by name in PATH (or returns an absolute/relative path as is when it is executable). */
export function findExecutable(name: string, extraDirs: readonly string[] = []): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':'), ...extraDirs]
        .filter(Boolean)
        .map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      if (fs.statSync(c).isFile()) return path.resolve(c);
    } catch {
      // next
    }
  }
  return undefined;
}
