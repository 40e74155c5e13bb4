/**
 * `compose start`, `stop`, `restart`, `kill`, `pause`, `unpause`, `rm` and `create`: the lifecycle commands over
 * the project's existing containers, in dependency order (dependents first when stopping).
 */
import type { ComposeBackend, ComposeReporter } from '../../compose/backend.js';
import type { Project } from '../../compose/index.js';
import type { ContainerSummary } from '../../engine/containers/types.js';
import { invalidArgument } from '../../engine/errdefs.js';
import { Compose as ComposeLabels } from '../../engine/labels.js';
import type { OpContext } from '../../engine/op-context.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand } from '../_lib/spec.js';
import { createFlags, runApply, toUpOptions } from './up.js';
import {
  checkServices,
  createProgressRenderer,
  globalFlags,
  openBackend,
  projectNameAndModel,
  requireProject,
  selectContainers,
  withBackend,
  type ComposeGlobalFlags,
} from './shared.js';

const serviceOf = (c: ContainerSummary) => c.labels[ComposeLabels.service] ?? '';

/** Runs `fn` over the selected containers with the progress display. */
async function withContainers(
  ctx: CommandContext,
  g: ComposeGlobalFlags,
  services: readonly string[],
  fn: (b: ComposeBackend, op: OpContext, list: ContainerSummary[], report: ComposeReporter, project: Project | undefined) => Promise<void>,
  opts: { all?: boolean; oneoff?: boolean } = {},
): Promise<void> {
  const { name, project } = await projectNameAndModel(ctx, g);
  if (project !== undefined) checkServices(project, services);
  await withBackend(ctx, async (b, op) => {
    const list = await selectContainers(b, op, name, services, { all: opts.all ?? true, oneoff: opts.oneoff ?? false });
    const progress = createProgressRenderer(ctx, g);
    try {
      await fn(b, op, list, progress.report, project);
    } finally {
      progress.stop();
    }
  });
}

/** Runs `each` on every container in parallel, reporting `working`/`done` texts. */
async function eachContainer(
  list: readonly ContainerSummary[],
  report: ComposeReporter,
  texts: [string, string],
  each: (c: ContainerSummary) => Promise<void>,
): Promise<void> {
  await Promise.all(
    list.map(async (c) => {
      const id = `Container ${c.name}`;
      report({ id, text: texts[0], status: 'working' });
      await each(c);
      report({ id, text: texts[1], status: 'done' });
    }),
  );
}

export const startCommand = defineCommand({
  name: 'start',
  usage: '[SERVICE...]',
  summary: 'Start services',
  examples: [
    { command: 'nerdctl compose start', description: 'Start the existing containers of every service' },
    { command: 'nerdctl compose start --wait web', description: 'Start the web service and wait until it is running or healthy' },
  ],
  flags: {
    wait: { type: 'boolean', describe: 'Wait for services to be running|healthy. Implies detached mode.' },
    'wait-timeout': { type: 'number', describe: 'Maximum duration in seconds to wait for the project to be running|healthy' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const project = await requireProject(ctx, g, { services: args });
    checkServices(project, args);
    const [{ dependencyOrder }, { waitForDependency, waitRunningOrHealthy }] = await Promise.all([import('../../compose/index.js'), import('../../compose/apply.js')]);
    const order = dependencyOrder(project, args);
    await withBackend(ctx, async (b, op) => {
      const all = await selectContainers(b, op, project.name, order, { all: true });
      for (const s of args) {
        if (!all.some((c) => serviceOf(c) === s)) throw invalidArgument(`service ${JSON.stringify(s)} has no container to start`);
      }
      const progress = createProgressRenderer(ctx, g);
      try {
        const done = new Map<string, Promise<void>>();
        const run = (svc: string): Promise<void> => {
          let p = done.get(svc);
          if (p !== undefined) return p;
          p = (async () => {
            for (const [dep, edge] of Object.entries(project.services[svc]?.depends_on ?? {})) {
              if (!order.includes(dep)) continue;
              await run(dep);
              const ids = all.filter((c) => serviceOf(c) === dep).map((c) => ({ id: c.id, name: c.name }));
              await waitForDependency(b, op, ids, { service: dep, condition: edge.condition }, progress.report);
            }
            await eachContainer(
              all.filter((c) => serviceOf(c) === svc && c.state.status !== 'running'),
              progress.report,
              ['Starting', 'Started'],
              async (c) => void (await b.containers.start(op, c.id)),
            );
          })();
          done.set(svc, p);
          return p;
        };
        await Promise.all(order.map(run));
        if (flags.wait) {
          await waitRunningOrHealthy(b, op, project, order, progress.report, {
            ...(flags['wait-timeout'] !== undefined && flags['wait-timeout'] > 0 ? { timeoutMs: flags['wait-timeout'] * 1000 } : {}),
          });
        }
      } finally {
        progress.stop();
      }
    });
  },
});

export const stopCommand = defineCommand({
  name: 'stop',
  usage: '[SERVICE...]',
  summary: 'Stop services',
  examples: [
    { command: 'nerdctl compose stop', description: 'Stop the containers of every service' },
    { command: 'nerdctl compose stop -t 30 db', description: 'Stop the db service, giving it 30 seconds before it is killed' },
  ],
  flags: { timeout: { type: 'number', short: 't', describe: 'Specify a shutdown timeout in seconds' } },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const { stopContainers } = await import('../../compose/down.js');
    await withContainers(ctx, g, args, (b, op, list, report, project) =>
      stopContainers(b, op, list, report, { ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}), ...(project ? { project } : {}) }),
    );
  },
});

export const restartCommand = defineCommand({
  name: 'restart',
  usage: '[SERVICE...]',
  summary: 'Restart service containers',
  examples: [
    { command: 'nerdctl compose restart', description: 'Restart the containers of every service' },
    { command: 'nerdctl compose restart -t 5 web', description: 'Restart the web service, giving it 5 seconds to stop' },
  ],
  flags: {
    timeout: { type: 'number', short: 't', describe: 'Specify a shutdown timeout in seconds' },
    'no-deps': { type: 'boolean', describe: "Don't restart dependent services" },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const { dependencyWaves } = await import('../../compose/down.js');
    await withContainers(ctx, g, args, async (b, op, list, report, project) => {
      for (const wave of dependencyWaves(list, project)) {
        await eachContainer(
          list.filter((c) => wave.includes(serviceOf(c))),
          report,
          ['Restarting', 'Started'],
          (c) => b.containers.restart(op, c.id, flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
        );
      }
    });
  },
});

export const killCommand = defineCommand({
  name: 'kill',
  usage: '[SERVICE...]',
  summary: 'Force stop service containers',
  examples: [
    { command: 'nerdctl compose kill', description: 'Kill the containers of every service' },
    { command: 'nerdctl compose kill -s SIGHUP web', description: 'Send SIGHUP to the containers of the web service' },
  ],
  flags: {
    signal: { type: 'string', short: 's', describe: 'SIGNAL to send to the container', default: 'SIGKILL', complete: 'signals' },
    'remove-orphans': { type: 'boolean', describe: 'Remove containers for services not defined in the Compose file' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    await withContainers(
      ctx,
      g,
      args,
      async (b, op, list, report, project) => {
        const running = list.filter((c) => c.state.status === 'running' || c.state.status === 'paused');
        if (running.length === 0 && list.length === 0) throw invalidArgument('no containers to kill');
        await eachContainer(running, report, ['Killing', 'Killed'], (c) => b.containers.kill(op, c.id, flags.signal));
        if (flags['remove-orphans'] && project !== undefined) {
          const orphans = list.filter((c) => !(serviceOf(c) in project.services) && !(serviceOf(c) in project.disabledServices));
          await eachContainer(orphans, report, ['Removing', 'Removed'], (c) => b.containers.remove(op, c.id, { force: true }));
        }
      },
      { all: true },
    );
  },
});

export const pauseCommand = defineCommand({
  name: 'pause',
  usage: '[SERVICE...]',
  summary: 'Pause services',
  examples: [
    { command: 'nerdctl compose pause web', description: 'Freeze the containers of the web service' },
  ],
  flags: {},
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    await withContainers(ctx, globalFlags(flags), args, (b, op, list, report) =>
      eachContainer(
        list.filter((c) => c.state.status === 'running'),
        report,
        ['Pausing', 'Paused'],
        (c) => b.containers.pause(op, c.id),
      ),
    );
  },
});

export const unpauseCommand = defineCommand({
  name: 'unpause',
  usage: '[SERVICE...]',
  summary: 'Unpause services',
  examples: [
    { command: 'nerdctl compose unpause web', description: 'Resume the paused containers of the web service' },
  ],
  flags: {},
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    await withContainers(ctx, globalFlags(flags), args, (b, op, list, report) =>
      eachContainer(
        list.filter((c) => c.state.status === 'paused'),
        report,
        ['Unpausing', 'Unpaused'],
        (c) => b.containers.unpause(op, c.id),
      ),
    );
  },
});

export const rmCommand = defineCommand({
  name: 'rm',
  usage: '[SERVICE...]',
  summary: 'Removes stopped service containers',
  description:
    'Removes stopped service containers. By default, anonymous volumes attached to containers are not removed. You can override this with -v. To list all volumes, use "docker volume ls". Any data which is not in a volume is lost.',
  examples: [
    { command: 'nerdctl compose rm', description: 'Remove the stopped containers of the project, after a confirmation prompt' },
    { command: 'nerdctl compose rm -s -f -v', description: 'Stop and remove every container with its anonymous volumes, without prompting' },
  ],
  flags: {
    force: { type: 'boolean', short: 'f', describe: "Don't ask to confirm removal" },
    stop: { type: 'boolean', short: 's', describe: 'Stop the containers, if required, before removing' },
    volumes: { type: 'boolean', short: 'v', describe: 'Remove any anonymous volumes attached to containers' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const { stopContainers } = await import('../../compose/down.js');
    await withContainers(
      ctx,
      g,
      args,
      async (b, op, list, report, project) => {
        if (flags.stop) {
          await stopContainers(b, op, list, report, { ...(project ? { project } : {}) });
          list = await Promise.all(list.map(async (c) => ({ ...c, state: (await b.containers.get(op, c.id)).state })));
        }
        const stopped = list.filter((c) => c.state.status !== 'running' && c.state.status !== 'paused' && c.state.status !== 'restarting');
        if (stopped.length === 0) {
          ctx.err.line('No stopped containers');
          return;
        }
        if (!flags.force) {
          ctx.out.line(`Going to remove ${stopped.map((c) => c.name).join(', ')}`);
          const { confirm } = await import('../system/confirm.js');
          if (!(await confirm(ctx, '? Are you sure?'))) return;
        }
        await eachContainer(stopped, report, ['Removing', 'Removed'], (c) => b.containers.remove(op, c.id, { volumes: flags.volumes }));
      },
      { all: true, oneoff: true },
    );
  },
});

export const createCommand = defineCommand({
  name: 'create',
  usage: '[SERVICE...]',
  summary: 'Creates containers for a service',
  examples: [
    { command: 'nerdctl compose create', description: 'Create the containers of every service without starting them' },
    { command: 'nerdctl compose create --build --force-recreate', description: 'Build the images first, and recreate containers that exist' },
  ],
  flags: { ...createFlags },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const project = await requireProject(ctx, g, { services: args });
    checkServices(project, args);
    const opts = toUpOptions({ ...flags, 'no-start': true }, args, ctx.env);
    const { backend, op, close } = await openBackend(ctx);
    try {
      await runApply(ctx, g, backend, op, project, opts);
    } finally {
      close();
    }
  },
});
