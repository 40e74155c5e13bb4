/**
 * `compose up` (and `compose create`, its `--no-start` half): converge the project, then either return (`-d`,
 * `--wait`) or stay attached, streaming every container's log with Compose v2's prefixes until the containers
 * exit, a container exit aborts the run (`--abort-on-container-exit`, `--abort-on-container-failure`,
 * `--exit-code-from`), or the user presses Ctrl-C (graceful stop, a second Ctrl-C kills).
 */
import type { UpOptions } from '../../compose/apply.js';
import type { ComposeBackend } from '../../compose/backend.js';
import type { LogPrinter } from '../../compose/logs.js';
import type { Project } from '../../compose/index.js';
import { invalidArgument } from '../../engine/errdefs.js';
import { Compose as ComposeLabels } from '../../engine/labels.js';
import type { OpContext } from '../../engine/op-context.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand, type FlagSpecs } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import { countInterrupts } from './interrupt.js';
import {
  ansiEnabled,
  checkServices,
  createProgressRenderer,
  globalFlags,
  logPalette,
  openBackend,
  parallelLimit,
  pullProgressReporter,
  requireProject,
  type ComposeGlobalFlags,
} from './shared.js';

/** `--scale web=3` values into a map. Pure. */
export function parseScale(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const n = Number(v.slice(eq + 1));
    if (eq <= 0 || !/^\d+$/.test(v.slice(eq + 1)) || !Number.isSafeInteger(n)) throw invalidArgument(`invalid --scale value ${JSON.stringify(v)}: expected SERVICE=NUM`);
    out[v.slice(0, eq)] = n;
  }
  return out;
}

/** Flags `up` and `create` share. */
export const createFlags = {
  build: { type: 'boolean', describe: 'Build images before starting containers' },
  'no-build': { type: 'boolean', describe: "Don't build an image, even if it's policy" },
  pull: { type: 'string', describe: 'Pull image before running ("always"|"missing"|"never"|"build")', default: 'policy' },
  'quiet-pull': { type: 'boolean', describe: 'Pull without printing progress information' },
  'force-recreate': { type: 'boolean', describe: "Recreate containers even if their configuration and image haven't changed" },
  'no-recreate': { type: 'boolean', describe: "If containers already exist, don't recreate them. Incompatible with --force-recreate." },
  'remove-orphans': { type: 'boolean', describe: 'Remove containers for services not defined in the Compose file' },
  scale: { type: 'strings', describe: 'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.', valueName: 'scale' },
} as const satisfies FlagSpecs;

interface CreateFlagValues {
  build: boolean;
  'no-build': boolean;
  pull: string;
  'quiet-pull': boolean;
  'force-recreate': boolean;
  'no-recreate': boolean;
  'remove-orphans': boolean;
  scale: string[];
}

/** The applier's options from `up`/`create` flags. Pure (throws invalid-argument for conflicting flags). */
export function toUpOptions(
  f: CreateFlagValues & { 'always-recreate-deps'?: boolean; 'no-deps'?: boolean; 'no-start'?: boolean; timeout?: number | undefined; 'renew-anon-volumes'?: boolean },
  services: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): UpOptions {
  if (f.build && f['no-build']) throw invalidArgument('--build and --no-build are incompatible');
  if (f['force-recreate'] && f['no-recreate']) throw invalidArgument('--force-recreate and --no-recreate are incompatible');
  if (f['always-recreate-deps'] === true && f['no-recreate']) throw invalidArgument('--always-recreate-deps and --no-recreate are incompatible');
  if (!['policy', 'always', 'missing', 'never', 'build'].includes(f.pull)) throw invalidArgument(`invalid --pull option ${JSON.stringify(f.pull)}`);
  const recreate = f['force-recreate'] ? 'force' : f['no-recreate'] ? 'never' : 'diverged';
  const removeOrphans = f['remove-orphans'] || ['1', 'true', 'True', 'TRUE'].includes(env.COMPOSE_REMOVE_ORPHANS ?? '');
  return {
    services: [...services],
    ...(f['no-deps'] === true ? { noDeps: true } : {}),
    recreate,
    recreateDependencies: f['always-recreate-deps'] === true ? 'force' : f['no-recreate'] ? 'never' : 'diverged',
    scale: parseScale(f.scale),
    removeOrphans,
    ...(f['no-start'] === true ? { noStart: true } : {}),
    build: f.build ? 'always' : f['no-build'] ? 'never' : 'auto',
    ...(f.pull !== 'policy' ? { pull: f.pull } : {}),
    quietPull: f['quiet-pull'],
    ...(f.timeout !== undefined ? { timeoutSeconds: f.timeout } : {}),
    ...(f['renew-anon-volumes'] === true ? { renewAnonVolumes: true } : {}),
  };
}

/** Runs the applier with the progress display and warnings on stderr. */
export async function runApply(
  ctx: CommandContext,
  g: ComposeGlobalFlags,
  b: ComposeBackend,
  op: OpContext,
  project: Project,
  opts: UpOptions,
  display: { quiet?: boolean } = {},
) {
  const { applyUp } = await import('../../compose/apply.js');
  const progress = createProgressRenderer(ctx, g, display);
  const limit = parallelLimit(g, ctx.env);
  try {
    return await applyUp(
      b,
      op,
      project,
      {
        ...opts,
        onWarning: (m) => ctx.warn(m),
        ...(opts.quietPull !== true ? { onPullProgress: await pullProgressReporter(progress.report) } : {}),
        ...(limit !== undefined ? { parallel: limit } : {}),
      },
      progress.report,
    );
  } finally {
    progress.stop();
  }
}

export const upCommand = defineCommand({
  name: 'up',
  usage: '[SERVICE...]',
  summary: 'Create and start containers',
  description:
    'Builds, (re)creates, starts, and attaches to containers for a service. Unless they are already running, this command also starts any linked services.',
  examples: [
    { command: 'nerdctl compose up -d', description: 'Create and start every service in the background' },
    { command: 'nerdctl compose up --build --abort-on-container-exit', description: 'Rebuild, run attached, and stop everything when a container exits' },
  ],
  flags: {
    ...createFlags,
    detach: { type: 'boolean', short: 'd', describe: 'Detached mode: Run containers in the background' },
    'no-start': { type: 'boolean', describe: "Don't start the services after creating them" },
    'no-deps': { type: 'boolean', describe: "Don't start linked services" },
    'always-recreate-deps': { type: 'boolean', describe: 'Recreate dependent containers. Incompatible with --no-recreate.' },
    'renew-anon-volumes': { type: 'boolean', short: 'V', describe: 'Recreate anonymous volumes instead of retrieving data from the previous containers' },
    'abort-on-container-exit': { type: 'boolean', describe: 'Stops all containers if any container was stopped. Incompatible with -d' },
    'abort-on-container-failure': { type: 'boolean', describe: 'Stops all containers if any container exited with failure. Incompatible with -d' },
    'exit-code-from': { type: 'string', describe: 'Return the exit code of the selected service container. Implies --abort-on-container-exit', complete: 'compose-services' },
    attach: { type: 'strings', describe: 'Restrict attaching to the specified services. Incompatible with --attach-dependencies.', complete: 'compose-services' },
    'no-attach': { type: 'strings', describe: 'Do not attach (stream logs) to the specified services', complete: 'compose-services' },
    'attach-dependencies': { type: 'boolean', describe: 'Automatically attach to log output of dependent services' },
    'no-color': { type: 'boolean', describe: 'Produce monochrome output' },
    'no-log-prefix': { type: 'boolean', describe: "Don't print prefix in logs" },
    timestamps: { type: 'boolean', describe: 'Show timestamps' },
    timeout: { type: 'number', short: 't', describe: 'Use this timeout in seconds for container shutdown when attached or when containers are already running' },
    wait: { type: 'boolean', describe: 'Wait for services to be running|healthy. Implies detached mode.' },
    'wait-timeout': { type: 'number', describe: 'Maximum duration in seconds to wait for the project to be running|healthy' },
    'quiet-build': { type: 'boolean', describe: 'Suppress the build output' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const abortOnExit = flags['abort-on-container-exit'] || flags['exit-code-from'] !== undefined;
    const abortOnFailure = flags['abort-on-container-failure'];
    const detach = flags.detach || flags.wait;
    if (detach && (abortOnExit || abortOnFailure)) {
      throw invalidArgument(`--${abortOnFailure ? 'abort-on-container-failure' : 'abort-on-container-exit'} and --detach are incompatible`);
    }
    if (abortOnExit && abortOnFailure) throw invalidArgument('--abort-on-container-exit and --abort-on-container-failure are incompatible');
    if (flags['attach-dependencies'] && flags.attach.length > 0) throw invalidArgument('--attach-dependencies and --attach are incompatible');
    const project = await requireProject(ctx, g, { services: args });
    checkServices(project, args);
    if (flags['exit-code-from'] !== undefined && !(flags['exit-code-from'] in project.services)) throw invalidArgument(`no such service: ${flags['exit-code-from']}`);
    const opts = toUpOptions(flags, args, ctx.env);
    opts.quietBuild = flags['quiet-build'];
    opts.onBuildOutput = (t) => ctx.err.write(t);
    const { backend, op, close } = await openBackend(ctx);
    try {
      if (detach || flags['no-start']) {
        await runApply(ctx, g, backend, op, project, opts);
        if (flags.wait && !flags['no-start']) {
          const { dependencyOrder } = await import('../../compose/index.js');
          const { waitRunningOrHealthy } = await import('../../compose/apply.js');
          const services = dependencyOrder(project, args, flags['no-deps']);
          const progress = createProgressRenderer(ctx, g);
          try {
            await waitRunningOrHealthy(backend, op, project, services, progress.report, {
              ...(flags['wait-timeout'] !== undefined && flags['wait-timeout'] > 0 ? { timeoutMs: flags['wait-timeout'] * 1000 } : {}),
            });
          } finally {
            progress.stop();
          }
        }
        return 0;
      }
      return await attachedUp(ctx, g, backend, op, project, opts, {
        attach: flags.attach,
        noAttach: flags['no-attach'],
        attachDependencies: flags['attach-dependencies'],
        abortOnExit,
        abortOnFailure,
        exitCodeFrom: flags['exit-code-from'],
        color: !flags['no-color'] && ansiEnabled(ctx, g),
        prefix: !flags['no-log-prefix'],
        timestamps: flags.timestamps,
        ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
      });
    } finally {
      close();
    }
  },
});

interface AttachOptions {
  attach: string[];
  noAttach: string[];
  attachDependencies: boolean;
  abortOnExit: boolean;
  abortOnFailure: boolean;
  exitCodeFrom: string | undefined;
  color: boolean;
  prefix: boolean;
  timestamps: boolean;
  timeoutSeconds?: number;
}

/** The services whose logs are shown. Pure. */
export function attachedServices(project: Project, order: readonly string[], targets: readonly string[], o: Pick<AttachOptions, 'attach' | 'noAttach' | 'attachDependencies'>): string[] {
  let list: string[];
  if (o.attach.length > 0) list = order.filter((s) => o.attach.includes(s));
  else if (targets.length === 0 || o.attachDependencies) list = [...order];
  else list = order.filter((s) => targets.includes(s));
  return list.filter((s) => !o.noAttach.includes(s) && (o.attach.includes(s) || project.services[s]?.attach !== false));
}

async function attachedUp(
  ctx: CommandContext,
  g: ComposeGlobalFlags,
  b: ComposeBackend,
  op: OpContext,
  project: Project,
  opts: UpOptions,
  a: AttachOptions,
): Promise<number> {
  const [{ LogPrinter, followContainer }, { shortName, projectContainers }, { dependencyOrder }, { stopContainers }] = await Promise.all([
    import('../../compose/logs.js'),
    import('../../compose/observe.js'),
    import('../../compose/index.js'),
    import('../../compose/down.js'),
  ]);
  const order = dependencyOrder(project, opts.services ?? [], opts.noDeps === true);
  const shown = new Set(attachedServices(project, order, opts.services ?? [], a));
  const printer: LogPrinter = new LogPrinter({
    ...(a.color ? { palette: await logPalette() } : {}),
    prefix: a.prefix,
    timestamps: a.timestamps,
    write: (t) => ctx.out.write(t),
  });

  // Ctrl-C: the first stops gracefully, the second kills (Docker Compose's behaviour)
  const stopController = new AbortController();
  let interrupted = false;
  let forced = false;
  const stopOp: OpContext = { ...op, signal: stopController.signal };
  const followCtl = new AbortController();
  // not tied to the command's signal: the first Ctrl-C aborts that one, and the logs must keep flowing
  const followOp: OpContext = { ...op, signal: followCtl.signal };
  let resolveInterrupt!: () => void;
  const interruptedP = new Promise<void>((r) => (resolveInterrupt = r));
  const release = countInterrupts((n) => {
    if (n === 1) {
      // keep streaming: the containers' last words and exits are shown while they stop
      interrupted = true;
      resolveInterrupt();
      return;
    }
    if (!forced) {
      forced = true;
      stopController.abort();
      followCtl.abort();
    }
  });

  try {
    // 1. create everything (progress shown), 2. attach, 3. start in dependency order
    await runApply(ctx, g, b, op, project, { ...opts, noStart: true });
    const planned = (await projectContainers(b, op, project.name)).filter(
      (c) => c.labels[ComposeLabels.oneoff] !== 'True' && order.includes(c.labels[ComposeLabels.service] ?? ''),
    );
    const attachedNames = planned
      .filter((c) => shown.has(c.labels[ComposeLabels.service] ?? ''))
      .sort((x, y) => order.indexOf(x.labels[ComposeLabels.service] ?? '') - order.indexOf(y.labels[ComposeLabels.service] ?? '') || x.name.localeCompare(y.name))
      .map((c) => shortName(c));
    for (const n of attachedNames) printer.register(n);
    printer.info(`Attaching to ${attachedNames.join(', ')}`);

    const followers = new Map<string, Promise<void>>();
    let abortReason: { name: string; code: number } | undefined;
    let resolveAbort!: () => void;
    const abortRequested = new Promise<void>((r) => (resolveAbort = r));

    const follow = (c: { id: string; name: string; service: string }, since: bigint) => {
      if (!shown.has(c.service) || followers.has(c.id)) return;
      const labels = { [ComposeLabels.project]: project.name, [ComposeLabels.service]: c.service };
      const rec = planned.find((p) => p.id === c.id);
      const name = shortName(rec ?? { name: c.name, labels: { ...labels, ...(/-(\d+)$/.test(c.name) ? { [ComposeLabels.containerNumber]: /-(\d+)$/.exec(c.name)![1]! } : {}) } });
      const p = (async () => {
        let from = since;
        for (;;) {
          const last = await followContainer(b.containers, followOp, c.id, name, printer, { follow: true, since: from });
          if (followOp.signal.aborted) return;
          if (last !== undefined) from = last + 1n;
          const st = await b.containers.get(followOp, c.id).catch(() => undefined);
          if (st === undefined) return;
          if (st.state.status === 'running' || st.state.status === 'restarting') {
            // restarted by its policy: print its exit and keep following
            printer.status(name, `exited with code ${st.state.exitCode}`);
            if (st.state.status === 'restarting') await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          printer.status(name, `exited with code ${st.state.exitCode}`);
          if (abortReason === undefined && (a.abortOnExit || (a.abortOnFailure && st.state.exitCode !== 0))) {
            abortReason = { name, code: st.state.exitCode };
            resolveAbort();
          }
          return;
        }
      })();
      followers.set(c.id, p);
    };

    const t0 = BigInt(Date.now()) * 1_000_000n;
    // running containers that this run does not start are followed from now on
    for (const c of planned) if (c.state.status === 'running') follow({ id: c.id, name: c.name, service: c.labels[ComposeLabels.service] ?? '' }, t0);
    await runApply(
      ctx,
      g,
      b,
      op,
      project,
      { ...opts, noStart: false, recreate: 'never', recreateDependencies: 'never', removeOrphans: false, skipImages: true, onContainerStarted: (c) => follow(c, t0) },
      { quiet: true },
    ).catch((err: unknown) => {
      if (!interrupted) throw err;
    });

    // wait: every follower ended, an abort, or Ctrl-C
    await Promise.race([Promise.all([...followers.values()]), abortRequested, interruptedP]);

    if (!interrupted && abortReason === undefined) {
      return 0;
    }
    printer.info(interrupted ? 'Gracefully stopping... (press Ctrl+C again to force)' : 'Aborting on container exit...');
    const progress = createProgressRenderer(ctx, g);
    const all = (await projectContainers(b, stopOp, project.name)).filter(
      (c) => c.labels[ComposeLabels.oneoff] !== 'True' && order.includes(c.labels[ComposeLabels.service] ?? ''),
    );
    try {
      await stopContainers(b, stopOp, all, progress.report, { ...(a.timeoutSeconds !== undefined ? { timeoutSeconds: a.timeoutSeconds } : {}), project });
    } catch (err) {
      if (!forced) throw err;
    }
    // the followers end as their containers exit (printing `... exited with code N`)
    if (!forced) {
      await Promise.race([Promise.all([...followers.values()]), new Promise((r) => setTimeout(r, 2000))]);
    }
    followCtl.abort();
    if (forced) {
      for (const c of all) {
        progress.report({ id: `Container ${c.name}`, text: 'Killing', status: 'working' });
        await b.containers.kill({ ...op, signal: new AbortController().signal }, c.id, 'KILL').catch(() => undefined);
        progress.report({ id: `Container ${c.name}`, text: 'Killed', status: 'done' });
      }
    }
    progress.stop();
    if (interrupted) throw new ExitStatus(130);
    if (a.exitCodeFrom !== undefined) {
      const c = all.find((x) => x.labels[ComposeLabels.service] === a.exitCodeFrom);
      if (c !== undefined) return (await b.containers.get(stopOp, c.id)).state.exitCode;
    }
    return abortReason?.code ?? 0;
  } finally {
    release();
  }
}
