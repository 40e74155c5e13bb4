/** `compose top`, `images`, `port`, `events`, `wait`, `build`, `pull` and `push`. */
import type { ImageAction } from '../../compose/plan.js';
import { hasCode, invalidArgument } from '../../engine/errdefs.js';
import { Compose as ComposeLabels } from '../../engine/labels.js';
import { tabwrite } from '../../util/tabwriter.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';
import {
  checkServices,
  createProgressRenderer,
  globalFlags,
  parallelLimit,
  projectNameAndModel,
  pullProgressReporter,
  requireProject,
  selectContainers,
  serviceContainer,
  withBackend,
} from './shared.js';

export const topCommand = defineCommand({
  name: 'top',
  usage: '[SERVICES...]',
  summary: 'Display the running processes',
  examples: [
    { command: 'nerdctl compose top', description: 'List the processes of every container of the project' },
  ],
  flags: {},
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const { name } = await projectNameAndModel(ctx, globalFlags(flags));
    await withBackend(ctx, async (b, op) => {
      const list = (await selectContainers(b, op, name, args, { all: false })).filter((c) => c.state.status === 'running');
      for (const c of list) {
        const top = await b.containers.top(op, c.id);
        ctx.out.line(c.name);
        ctx.out.write(tabwrite([top.titles.join('\t'), ...top.processes.map((p) => p.join('\t'))].map((l) => `${l}\n`).join('')));
        ctx.out.line();
      }
    });
  },
});

/** One `compose images` row. */
export interface ComposeImageRow {
  ContainerName: string;
  Repository: string;
  Tag: string;
  ID: string;
  Size: string;
}

export const imagesCommand = defineCommand({
  name: 'images',
  usage: '[SERVICE...]',
  summary: 'List images used by the created containers',
  examples: [
    { command: 'nerdctl compose images', description: 'List the images the containers of the project use' },
  ],
  flags: {
    format: { type: 'string', describe: 'Format the output. Values: [table | json]', default: 'table' },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display IDs' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const { name } = await projectNameAndModel(ctx, globalFlags(flags));
    const [{ parseReference, familiarRepository }, { humanSizeWithPrecision }] = await Promise.all([import('../../engine/reference.js'), import('../../util/units.js')]);
    const rows = await withBackend(ctx, async (b, op) => {
      const images = await b.images();
      const list = await selectContainers(b, op, name, args, { all: true });
      const out: ComposeImageRow[] = [];
      for (const c of list) {
        let repo = c.image;
        let tag = '';
        try {
          const r = parseReference(c.image);
          repo = familiarRepository(r);
          tag = 'tag' in r && typeof r.tag === 'string' ? r.tag : 'latest';
        } catch {
          // keep as typed
        }
        let size = '';
        try {
          const img = await images.get(op, c.imageId);
          size = humanSizeWithPrecision(img.summary.size ?? 0, 3);
        } catch (err) {
          if (!hasCode(err, 'not-found')) throw err;
        }
        out.push({ ContainerName: c.name, Repository: repo, Tag: tag, ID: c.imageId.replace(/^sha256:/, '').slice(0, 12), Size: size });
      }
      return out;
    });
    if (flags.quiet) {
      for (const id of new Set(rows.map((r) => r.ID))) ctx.out.line(id);
      return;
    }
    if (flags.format === 'json') {
      ctx.out.line(JSON.stringify(rows));
      return;
    }
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        defaultFormat: 'table {{.ContainerName}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}',
        headers: { ContainerName: 'CONTAINER', Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Size: 'SIZE' },
        quietField: (r) => r.ID,
      }),
    );
  },
});

export const portCommand = defineCommand({
  name: 'port',
  usage: 'SERVICE PRIVATE_PORT',
  summary: 'Print the public port for a port binding',
  examples: [
    { command: 'nerdctl compose port web 80', description: 'The host address that port 80 of the web service is published on' },
  ],
  flags: {
    index: { type: 'number', describe: 'Index of the container if service has multiple replicas' },
    protocol: { type: 'string', describe: 'tcp or udp', default: 'tcp' },
  },
  args: { min: 2, max: 2, complete: ['compose-services', 'none'] },
  async handler({ flags, args }, ctx) {
    const { name, project } = await projectNameAndModel(ctx, globalFlags(flags));
    const [service, privatePort] = [args[0]!, args[1]!];
    if (project !== undefined) checkServices(project, [service]);
    const port = Number(privatePort);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw invalidArgument(`invalid port: ${privatePort}`);
    await withBackend(ctx, async (b, op) => {
      const c = await serviceContainer(b, op, name, service, flags.index);
      const bindings = await b.containers.ports(op, c.id);
      const hit = bindings.find((p) => p.containerPort === port && p.protocol === flags.protocol);
      if (hit === undefined) throw invalidArgument(`no port ${port}/${flags.protocol} for container ${c.name}: ${bindings.length === 0 ? 'no ports published' : 'not published'}`);
      const ip = hit.hostIp === '' ? '0.0.0.0' : hit.hostIp;
      ctx.out.line(`${ip.includes(':') ? `[${ip}]` : ip}:${hit.hostPort}`);
    });
  },
});

export const eventsCommand = defineCommand({
  name: 'events',
  usage: '[SERVICE...]',
  summary: 'Receive real time events from containers',
  examples: [
    { command: 'nerdctl compose events --json', description: 'Follow the container events of the project, one JSON object a line' },
  ],
  flags: {
    json: { type: 'boolean', describe: 'Output events as a stream of json objects' },
    since: { type: 'string', describe: 'Show all events created since timestamp' },
    until: { type: 'string', describe: 'Stream events until this timestamp' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const { name } = await projectNameAndModel(ctx, globalFlags(flags));
    const [{ eventLogFor }, { parseTimeArg }] = await Promise.all([import('../../engine/events/event-log.js'), import('../../engine/tasks/logs.js')]);
    const engine = await ctx.engine();
    const log = eventLogFor(engine.storage.db);
    const op = ctx.op();
    const since = flags.since !== undefined ? parseTimeArg(flags.since) : undefined;
    const until = flags.until !== undefined ? parseTimeArg(flags.until) : undefined;
    const print = (e: import('../../engine/events/types.js').EventRecord) => {
      if (e.type !== 'container' || e.attributes[ComposeLabels.project] !== name) return;
      const service = e.attributes[ComposeLabels.service] ?? '';
      if (args.length > 0 && !args.includes(service)) return;
      const attributes: Record<string, string> = {};
      for (const [k, v] of Object.entries(e.attributes)) if (!k.startsWith('com.docker.compose.')) attributes[k] = v;
      const ms = Number(e.timeNano / 1_000_000n);
      const micro = String(e.timeNano % 1_000_000_000n).padStart(9, '0').slice(0, 6);
      const time = `${new Date(ms).toISOString().slice(0, 19)}.${micro}`;
      if (flags.json) {
        ctx.out.line(JSON.stringify({ time, type: e.type, action: e.action, id: e.actorId, service, attributes }));
        return;
      }
      const attrs = Object.keys(attributes)
        .sort()
        .map((k) => `${k}=${attributes[k]}`)
        .join(', ');
      ctx.out.line(`${time.replace('T', ' ')} ${e.type} ${e.action} ${e.actorId} (${attrs})`);
    };
    const start = log.lastSeq();
    if (since !== undefined) for (const e of log.list(op, { since, maxSeq: start, ...(until !== undefined ? { until } : {}) })) print(e);
    try {
      for await (const e of log.follow(op, { afterSeq: start, ...(until !== undefined ? { until } : {}) })) print(e);
    } catch (err) {
      if (!hasCode(err, 'canceled') && !op.signal.aborted) throw err;
    }
  },
});

export const waitCommand = defineCommand({
  name: 'wait',
  usage: 'SERVICE [SERVICE...]',
  summary: 'Block until containers of all (or specified) services stop.',
  examples: [
    { command: 'nerdctl compose wait migrate', description: 'Block until the migrate service stops, and exit with its exit code' },
  ],
  flags: { 'down-project': { type: 'boolean', describe: 'Drops project when the first container stops' } },
  args: { min: 1, complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const { name, project } = await projectNameAndModel(ctx, g);
    if (project !== undefined) checkServices(project, args);
    const code = await withBackend(ctx, async (b, op) => {
      const list = await selectContainers(b, op, name, args, { all: true });
      if (list.length === 0) throw invalidArgument(`no containers for project ${JSON.stringify(name)}`);
      const first = await Promise.race(list.map((c) => b.containers.wait(op, c.id)));
      if (flags['down-project']) {
        const { applyDown } = await import('../../compose/down.js');
        const progress = createProgressRenderer(ctx, g);
        try {
          await applyDown(b, op, name, project, { onWarning: (m) => ctx.warn(m) }, progress.report);
        } finally {
          progress.stop();
        }
      }
      return first;
    });
    if (code !== 0) throw new ExitStatus(code);
  },
});

export const buildCommand = defineCommand({
  name: 'build',
  usage: '[SERVICE...]',
  summary: 'Build or rebuild services',
  examples: [
    { command: 'nerdctl compose build', description: 'Build the images of every service that has a build section' },
    { command: 'nerdctl compose build --no-cache --build-arg VERSION=2 web', description: 'Rebuild the web service from scratch, with a build argument' },
  ],
  flags: {
    'build-arg': { type: 'strings', describe: 'Set build-time variables for services' },
    'no-cache': { type: 'boolean', describe: 'Do not use cache when building the image' },
    pull: { type: 'boolean', describe: 'Always attempt to pull a newer version of the image' },
    quiet: { type: 'boolean', short: 'q', describe: "Don't print anything to STDOUT" },
    'with-dependencies': { type: 'boolean', describe: 'Also build dependencies (transitively)' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const project = await requireProject(ctx, g, { services: args });
    checkServices(project, args);
    const [{ dependencyOrder }, { buildRequest }] = await Promise.all([import('../../compose/index.js'), import('../../compose/apply.js')]);
    const services = flags['with-dependencies'] ? dependencyOrder(project, args) : args.length > 0 ? args : Object.keys(project.services).sort();
    const buildArgs: Record<string, string> = {};
    for (const a of flags['build-arg']) {
      const eq = a.indexOf('=');
      if (eq < 0) {
        const v = ctx.env[a];
        if (v !== undefined) buildArgs[a] = v;
      } else buildArgs[a.slice(0, eq)] = a.slice(eq + 1);
    }
    await withBackend(ctx, async (b, op) => {
      const progress = createProgressRenderer(ctx, g, { quiet: flags.quiet });
      try {
        const seen = new Set<string>();
        await Promise.all(
          services.map(async (svc) => {
            const s = project.services[svc];
            if (s?.build === undefined) return;
            const req = buildRequest(project, s, { noCache: flags['no-cache'], pull: flags.pull, quiet: flags.quiet, args: buildArgs });
            if (seen.has(req.tags[0]!)) return;
            seen.add(req.tags[0]!);
            const id = `Service ${svc}`;
            progress.report({ id, text: 'Building', status: 'working' });
            try {
              await b.build(op, req, flags.quiet ? undefined : (t) => ctx.err.write(t));
            } catch (err) {
              progress.report({ id, text: 'Error', status: 'error' });
              throw err;
            }
            progress.report({ id, text: 'Built', status: 'done' });
          }),
        );
      } finally {
        progress.stop();
      }
    });
  },
});

export const pullCommand = defineCommand({
  name: 'pull',
  usage: '[SERVICE...]',
  summary: 'Pull service images',
  examples: [
    { command: 'nerdctl compose pull', description: 'Pull the images of every service' },
    { command: 'nerdctl compose pull --ignore-buildable', description: 'Skip the services that are built from a Dockerfile' },
  ],
  flags: {
    'ignore-buildable': { type: 'boolean', describe: 'Ignore images that can be built' },
    'ignore-pull-failures': { type: 'boolean', describe: 'Pull what it can and ignores images with pull failures' },
    'include-deps': { type: 'boolean', describe: 'Also pull services declared as dependencies' },
    policy: { type: 'string', describe: 'Apply pull policy ("missing"|"always")' },
    quiet: { type: 'boolean', short: 'q', describe: 'Pull without printing progress information' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const project = await requireProject(ctx, g, { services: args });
    checkServices(project, args);
    const [{ dependencyOrder, imageName }, { runImageActions, limiter }, { observeImages }] = await Promise.all([
      import('../../compose/index.js'),
      import('../../compose/apply.js'),
      import('../../compose/observe.js'),
    ]);
    if (flags.policy !== undefined && flags.policy !== 'missing' && flags.policy !== 'always') throw invalidArgument(`invalid pull policy ${JSON.stringify(flags.policy)}`);
    const services = flags['include-deps'] ? dependencyOrder(project, args) : args.length > 0 ? args : Object.keys(project.services).sort();
    await withBackend(ctx, async (b, op) => {
      const local = flags.policy === 'missing' ? await observeImages(b, op, project) : {};
      const pulls = new Map<string, ImageAction & { kind: 'pull-image' }>();
      for (const svc of services) {
        const s = project.services[svc];
        if (s === undefined || s.image === undefined) continue;
        if (s.build !== undefined && flags['ignore-buildable']) continue;
        const ref = imageName(project, s);
        if (flags.policy === 'missing' && ref in local) continue;
        const p = pulls.get(ref);
        if (p !== undefined) p.services.push(svc);
        else pulls.set(ref, { kind: 'pull-image', image: ref, services: [svc], reason: 'pull', ...(s.build !== undefined ? { buildFallback: '' } : {}) });
      }
      const progress = createProgressRenderer(ctx, g, { quiet: flags.quiet });
      try {
        // a buildable service whose pull fails is only a warning (Compose: "... can be built")
        const actions = [...pulls.values()].map((a) => {
          const { buildFallback: _drop, ...rest } = a;
          return rest;
        });
        const buildable = new Set([...pulls.values()].filter((a) => a.buildFallback !== undefined).map((a) => a.image));
        const layerProgress = await pullProgressReporter(progress.report);
        const limit = limiter(parallelLimit(g, ctx.env));
        await Promise.all(
          actions.map(limit((a: (typeof actions)[number]) =>
            runImageActions(b, op, project, [a], progress.report, {
              quietPull: flags.quiet,
              ...(flags.quiet ? {} : { onPullProgress: layerProgress }),
              ignorePullFailures: flags['ignore-pull-failures'] || buildable.has(a.image),
            }),
          )),
        );
      } finally {
        progress.stop();
      }
    });
  },
});

export const pushCommand = defineCommand({
  name: 'push',
  usage: '[SERVICE...]',
  summary: 'Push service images',
  examples: [
    { command: 'nerdctl compose push web', description: 'Push the image of the web service to its registry' },
  ],
  flags: {
    'ignore-push-failures': { type: 'boolean', describe: 'Push what it can and ignores images with push failures' },
    'include-deps': { type: 'boolean', describe: 'Also push images of services declared as dependencies' },
    quiet: { type: 'boolean', short: 'q', describe: 'Push without printing progress information' },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const project = await requireProject(ctx, g, { services: args });
    checkServices(project, args);
    const { dependencyOrder } = await import('../../compose/index.js');
    const services = flags['include-deps'] ? dependencyOrder(project, args) : args.length > 0 ? args : Object.keys(project.services).sort();
    await withBackend(ctx, async (b, op) => {
      const images = await b.images();
      const progress = createProgressRenderer(ctx, g, { quiet: flags.quiet });
      try {
        const seen = new Set<string>();
        for (const svc of services) {
          const s = project.services[svc];
          if (s?.image === undefined || seen.has(s.image)) continue;
          seen.add(s.image);
          const id = `Image ${s.image}`;
          progress.report({ id, text: 'Pushing', status: 'working' });
          try {
            await images.push(op, s.image);
          } catch (err) {
            progress.report({ id, text: 'Error', status: 'error', detail: err instanceof Error ? err.message : String(err) });
            if (flags['ignore-push-failures']) continue;
            throw err;
          }
          progress.report({ id, text: 'Pushed', status: 'done' });
        }
      } finally {
        progress.stop();
      }
    });
  },
});
