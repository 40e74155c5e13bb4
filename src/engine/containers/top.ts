/**
 * `top`: the host's `ps` narrowed to a container's processes, as Docker's daemon does it: the ps arguments are one
 * string split on single spaces (default `-ef`), `ps` runs on the host, and the rows whose PID column holds a pid
 * of the container's cgroup are kept (tasks/top.ts). Errors carry Docker's wording: `Container <id> is not running`,
 * `ps: <first line of ps's stderr>`, `Couldn't find PID field in ps output`.
 */
import { spawn } from 'node:child_process';
import { failedPrecondition, invalidArgument, unavailable } from '../errdefs.js';
import { emitContainerEvent } from '../events/emit.js';
import type { OpContext } from '../op-context.js';
import { filterPsOutput, type TopResult } from '../tasks/top.js';
import type { ContainerServiceImpl } from './service.js';

export type { TopResult } from '../tasks/top.js';

/** Docker refuses `-o x=PID`-style renamings of the PID column under another key (it could not find the pids). */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw invalidArgument(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

function runPs(args: readonly string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ps', [...args], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(unavailable(`ps: ${err.message}`, { cause: err })));
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      const first = stderr.split('\n')[0]?.trim();
      reject(invalidArgument(`ps: ${first !== undefined && first !== '' ? first : `exit status ${String(code)}`}`));
    });
  });
}

/** The processes of the running container `ref` (`psArgs` as typed after the container, joined by spaces). */
export async function containerTop(svc: ContainerServiceImpl, ctx: OpContext, ref: string, psArgs: string): Promise<TopResult> {
  const rec = await svc.get(ctx, ref);
  const status = rec.state.status;
  if (status === 'restarting') throw failedPrecondition(`Container ${rec.id} is restarting, wait until the container is running`);
  if (status !== 'running' && status !== 'paused') throw failedPrecondition(`Container ${rec.id} is not running`);
  const args = psArgs === '' ? '-ef' : psArgs;
  validatePsArgs(args);
  const pids = await svc.deps.tasks.pids(ctx, rec.id);
  const out = await runPs(args.split(' '), ctx.signal);
  const titles = (out.split('\n')[0] ?? '').trim().split(/\s+/);
  if (!titles.includes('PID')) throw failedPrecondition("Couldn't find PID field in ps output");
  const result = filterPsOutput(out, pids);
  emitContainerEvent(svc.deps.storage.db, ctx, rec, 'top');
  return result;
}
