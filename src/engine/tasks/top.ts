/**
 * `top`: the host's `ps` output narrowed to a task's processes, as Docker does it (run `ps <args>` on the host,
 * find the PID column, keep the rows whose pid is in the container's cgroup; with thread listings (`-m`), the
 * `-` rows under a kept process are kept too).
 */
import { failedPrecondition } from '../errdefs.js';

export interface TopResult {
  readonly titles: string[];
  readonly processes: string[][];
}

/** Filters `ps` output to `pids`. The last column keeps its spaces (the command line). Pure. */
export function filterPsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter(Boolean);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw failedPrecondition("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const processes: string[][] = [];
  const row = (fields: string[]) => [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
  let underKept = false;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const pidField = fields[pidIndex] ?? '';
    if (pidField === '-') {
      if (underKept) processes.push(row(fields));
      continue;
    }
    const pid = Number(pidField);
    if (!Number.isInteger(pid)) throw failedPrecondition(`unexpected pid '${pidField}' in ps output`);
    underKept = wanted.has(pid);
    if (underKept) processes.push(row(fields));
  }
  return { titles, processes };
}
