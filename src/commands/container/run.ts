/**
 * `run` and `create`: flags → CreateContainerRequest (create-request.ts) → containers.create, then for `run`
 * containers.start: detached (print the id) or in the foreground (attach before the process starts, wait, return
 * the container's exit code).
 */
import { writeFile } from 'node:fs/promises';
import { hasCode } from '../../engine/errdefs.js';
import { familiarString, parseReference } from '../../engine/reference.js';
import type { ImageProgressEvent } from '../../engine/images/types.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand } from '../_lib/spec.js';
import type { CreateFlagValues, RunPlan } from './create-request.js';
import { createFlags, runFlags } from './run-flags.js';
import { containerService } from './shared.js';

/** Pull output for run/create, on stderr as Docker's run prints it; nothing is loaded unless a pull happens. */
function pullProgress(ctx: CommandContext, plan: RunPlan): { onStart(): void; listener: (e: unknown) => void; stop(): void } {
  let display: { listener: (e: ImageProgressEvent) => void; stop(): void } | undefined;
  let pending: Promise<unknown> | undefined;
  const queued: ImageProgressEvent[] = [];
  const ensureDisplay = () =>
    (pending ??= import('../_lib/progress.js')
      .then((m) => m.createProgress(ctx.err, { mode: 'pull', quiet: plan.quiet }))
      .then((d) => {
        display = d;
        for (const q of queued.splice(0)) d.listener(q);
      }));
  return {
    onStart() {
      if (plan.request.pull === 'always') return;
      let shown = plan.request.image;
      try {
        shown = familiarString(parseReference(shown));
      } catch {
        // keep as typed
      }
      ctx.err.line(`Unable to find image '${shown}' locally`);
      void ensureDisplay();
    },
    listener(e: unknown) {
      if (display) return display.listener(e as ImageProgressEvent);
      queued.push(e as ImageProgressEvent);
      void ensureDisplay();
    },
    stop() {
      display?.stop();
    },
  };
}

async function createFromPlan(ctx: CommandContext, plan: RunPlan): Promise<{ id: string; name: string }> {
  const svc = await containerService(ctx);
  const progress = pullProgress(ctx, plan);
  let res;
  try {
    res = await svc.create(ctx.op(), { ...plan.request, onPullStart: progress.onStart, onPullProgress: progress.listener });
  } finally {
    progress.stop();
  }
  for (const w of res.warnings) ctx.err.line(`WARNING: ${w}`);
  if (plan.cidfile) await writeFile(plan.cidfile, res.id, { flag: 'wx' });
  return res;
}

export const createCommand = defineCommand({
  name: 'create',
  usage: 'IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  examples: [
    { command: 'nerdctl create --name web -p 8080:80 nginx', description: 'Create a container without starting it' },
    { command: 'nerdctl create -it --name box busybox sh', description: 'Create an interactive container, to start later with "nerdctl start -ai box"' },
  ],
  flags: createFlags,
  interspersed: false,
  args: { min: 1, complete: ['images', 'none'] },
  exitStatus: '125 when the container cannot be created.',
  async handler({ flags, args }, ctx) {
    const { toRunPlan } = await import('./create-request.js');
    const plan = toRunPlan(flags as CreateFlagValues, args, { env: ctx.env, cwd: ctx.cwd, commandPath: ['create'] });
    const { id } = await createFromPlan(ctx, plan);
    ctx.out.line(id);
  },
});

export const runCommand = defineCommand({
  name: 'run',
  usage: 'IMAGE [COMMAND] [ARG...]',
  summary: 'Run a command in a new container',
  flags: runFlags,
  interspersed: false,
  args: { min: 1, complete: ['images', 'none'] },
  examples: [
    { command: 'nerdctl run -d -p 8080:80 --name web nginx', description: 'Run nginx in the background, published on port 8080' },
    { command: 'nerdctl run --rm -it busybox sh', description: 'An interactive shell, removed on exit' },
  ],
  exitStatus: "The container's exit code; 125 when the container cannot be created or started, 126 when its command cannot be invoked, 127 when it is not found.",
  async handler({ flags, args }, ctx) {
    const { toRunPlan } = await import('./create-request.js');
    const plan = toRunPlan(flags as CreateFlagValues, args, { env: ctx.env, cwd: ctx.cwd, commandPath: ['run'] });
    const { id } = await createFromPlan(ctx, plan);
    const svc = await containerService(ctx);
    const op = ctx.op();
    const o = plan.request.options;
    if (plan.detach) {
      try {
        await svc.start(op, id);
      } catch (err) {
        // `run --rm -d` whose start failed: Docker removes the container.
        if (plan.request.autoRemove) await svc.remove(op, id, { force: true, volumes: true }).catch(() => {});
        throw err;
      }
      ctx.out.line(id);
      return 0;
    }
    const { finishForeground, foregroundIO, startSignalProxy } = await import('./foreground.js');
    const fg = await foregroundIO(ctx, {
      stdin: plan.attach.stdin,
      stdout: plan.attach.stdout,
      stderr: plan.attach.stderr,
      tty: o.tty,
      ...(plan.detachKeys !== undefined ? { detachKeys: plan.detachKeys } : {}),
    });
    // Without a restart policy this process handles the exit itself; conmon's exit command then stands down.
    const handleExit = plan.request.restartPolicy?.name === 'no' || plan.request.autoRemove === true;
    const proxy = startSignalProxy(ctx, svc, id, { sigProxy: plan.sigProxy, tty: o.tty });
    let session;
    try {
      ({ session } = await svc.start(op, id, {
        attach: fg.io,
        ...(fg.consoleSize ? { consoleSize: fg.consoleSize } : {}),
        handleExitInProcess: handleExit,
      }));
    } catch (err) {
      proxy.stop();
      fg.restore();
      if (plan.request.autoRemove) await svc.remove(op, id, { force: true, volumes: true }).catch(() => {});
      throw err;
    }
    try {
      return await finishForeground(ctx, svc, id, session, fg, { sigProxy: plan.sigProxy, tty: o.tty, handleExit, proxy });
    } catch (err) {
      if (hasCode(err, 'canceled')) return 130;
      throw err;
    }
  },
});
