/**
 * `compose exec` (a command in a running service container; a TTY when stdin is one unless `-T`; the command's
 * exit code) and `compose run` (a one-off container `<project>-<service>-run-<hex>` labelled oneoff=True, with
 * its dependencies started first; the container's exit code).
 */
import { parseEnvFlag, parseVolumeSpec } from '../../engine/containers/options.js';
import { hasCode, invalidArgument } from '../../engine/errdefs.js';
import { defineCommand } from '../_lib/spec.js';
import { finishForeground, foregroundIO } from '../container/foreground.js';
import { runApply } from './up.js';
import { checkServices, createProgressRenderer, globalFlags, openBackend, projectNameAndModel, requireProject, serviceContainer, withBackend } from './shared.js';

export const composeExecCommand = defineCommand({
  name: 'exec',
  usage: 'SERVICE COMMAND [ARGS...]',
  summary: 'Execute a command in a running container',
  examples: [
    { command: 'nerdctl compose exec web sh', description: 'A shell in the first container of the web service' },
  ],
  flags: {
    detach: { type: 'boolean', short: 'd', describe: 'Detached mode: Run command in the background' },
    env: { type: 'strings', short: 'e', describe: 'Set environment variables' },
    index: { type: 'number', describe: 'Index of the container if service has multiple replicas' },
    'no-TTY': { type: 'boolean', short: 'T', describe: 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.' },
    interactive: { type: 'boolean', short: 'i', describe: 'Keep STDIN open even if not attached', default: true, hidden: true },
    tty: { type: 'boolean', short: 't', describe: 'Allocate a pseudo-TTY', default: true, hidden: true },
    privileged: { type: 'boolean', describe: 'Give extended privileges to the process' },
    user: { type: 'string', short: 'u', describe: 'Run the command as this user' },
    workdir: { type: 'string', short: 'w', describe: 'Path to workdir directory for this command' },
  },
  interspersed: false,
  args: { min: 2, complete: ['compose-services', 'none'] },
  exitStatus: "The command's exit code; 126 when it cannot be invoked, 127 when it is not found.",
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const { name, project } = await projectNameAndModel(ctx, g);
    const service = args[0]!;
    if (project !== undefined) checkServices(project, [service]);
    const env = flags.env.map((e) => parseEnvFlag(e, (k) => ctx.env[k]));
    const tty = !flags['no-TTY'] && flags.tty && ctx.stdin.isTTY === true;
    return withBackend(ctx, async (b, op) => {
      const c = await serviceContainer(b, op, name, service, flags.index);
      const fg = flags.detach ? undefined : await foregroundIO(ctx, { stdin: flags.interactive, stdout: true, stderr: true, tty });
      try {
        const res = await b.containers.exec(op, c.id, {
          args: args.slice(1),
          env,
          ...(flags.workdir ? { workdir: flags.workdir } : {}),
          ...(flags.user ? { user: flags.user } : {}),
          privileged: flags.privileged,
          tty,
          stdin: !flags.detach && flags.interactive,
          detach: flags.detach,
          ...(fg ? { io: fg.io } : {}),
          ...(fg?.consoleSize ? { consoleSize: fg.consoleSize } : {}),
        });
        return flags.detach ? 0 : (res.exitCode ?? 0);
      } finally {
        fg?.restore();
      }
    });
  },
});

export const composeRunCommand = defineCommand({
  name: 'run',
  usage: 'SERVICE [COMMAND] [ARGS...]',
  summary: 'Run a one-off command on a service',
  examples: [
    { command: 'nerdctl compose run --rm web ./manage.py migrate', description: 'A one-off command in a new web container, removed afterwards' },
  ],
  flags: {
    build: { type: 'boolean', describe: 'Build image before starting container' },
    'cap-add': { type: 'strings', describe: 'Add Linux capabilities' },
    'cap-drop': { type: 'strings', describe: 'Drop Linux capabilities' },
    detach: { type: 'boolean', short: 'd', describe: 'Run container in background and print container ID' },
    entrypoint: { type: 'string', describe: 'Override the entrypoint of the image' },
    env: { type: 'strings', short: 'e', describe: 'Set environment variables' },
    interactive: { type: 'boolean', short: 'i', describe: 'Keep STDIN open even if not attached', default: true },
    label: { type: 'strings', short: 'l', describe: 'Add or override a label' },
    name: { type: 'string', describe: 'Assign a name to the container' },
    'no-TTY': { type: 'boolean', short: 'T', describe: 'Disable pseudo-TTY allocation (default: auto-detected)' },
    tty: { type: 'boolean', short: 't', describe: 'Allocate a pseudo-TTY', hidden: true },
    'no-deps': { type: 'boolean', describe: "Don't start linked services" },
    publish: { type: 'strings', short: 'p', describe: "Publish a container's port(s) to the host" },
    pull: { type: 'string', describe: 'Pull image before running ("always"|"missing"|"never")', default: 'policy' },
    'quiet-pull': { type: 'boolean', describe: 'Pull without printing progress information' },
    'remove-orphans': { type: 'boolean', describe: 'Remove containers for services not defined in the Compose file' },
    rm: { type: 'boolean', describe: 'Automatically remove the container when it exits' },
    'service-ports': { type: 'boolean', short: 'P', describe: "Run command with all service's ports enabled and mapped to the host" },
    'use-aliases': { type: 'boolean', describe: "Use the service's network useAliases in the network(s) the container connects to" },
    user: { type: 'string', short: 'u', describe: 'Run as specified username or uid' },
    volume: { type: 'strings', short: 'v', describe: 'Bind mount a volume' },
    workdir: { type: 'string', short: 'w', describe: 'Working directory inside the container' },
  },
  interspersed: false,
  args: { min: 1, complete: ['compose-services', 'none'] },
  exitStatus: "The container's exit code.",
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const service = args[0]!;
    const project = await requireProject(ctx, g, { services: [service] });
    checkServices(project, [service]);
    const s = project.services[service];
    if (s === undefined) throw invalidArgument(`service ${JSON.stringify(service)} is disabled`);
    const [c, { parsePublish }] = await Promise.all([import('../../compose/index.js'), import('../../network/index.js')]);
    const { serviceCreateSpec } = await import('../../compose/service-options.js');
    const { observeImages } = await import('../../compose/observe.js');
    const { runImageActions } = await import('../../compose/apply.js');
    const { projectLocator } = await import('../../compose/locate.js');

    const { backend: b, op, close } = await openBackend(ctx);
    try {
      // dependencies first (not the service itself)
      const deps = c.dependencyOrder(project, [service]).filter((d) => d !== service);
      if (!flags['no-deps'] && deps.length > 0) {
        await runApply(ctx, g, b, op, project, {
          services: deps,
          removeOrphans: flags['remove-orphans'],
          ...(flags.pull !== 'policy' ? { pull: flags.pull } : {}),
          quietPull: flags['quiet-pull'],
          onBuildOutput: (t) => ctx.err.write(t),
        });
      }
      // the service's image
      const ref = c.imageName(project, s);
      const images = await observeImages(b, op, project);
      const plan = c.planUp(project, { containers: [], images }, {
        services: [service],
        noDeps: true,
        ...(flags.build ? { build: 'always' as const } : {}),
        ...(flags.pull !== 'policy' ? { pull: flags.pull } : {}),
      });
      if (plan.images.length > 0) {
        const progress = createProgressRenderer(ctx, g, { quiet: flags['quiet-pull'] });
        try {
          await runImageActions(b, op, project, plan.images, progress.report, { quietPull: flags['quiet-pull'], onBuildOutput: (t) => ctx.err.write(t) });
        } finally {
          progress.stop();
        }
      }
      const imageId = (await observeImages(b, op, project))[ref];

      const slug = c.newSlug();
      const name = flags.name ?? c.oneOffContainerName(project.name, service, slug);
      const labels = { ...c.containerLabels(project, s, { oneoff: true, slug, ...(imageId !== undefined ? { imageId } : {}) }) };
      for (const l of flags.label) {
        const eq = l.indexOf('=');
        labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
      }
      const tty = flags['no-TTY'] ? false : flags.tty || (ctx.stdin.isTTY === true && !flags.detach);
      const svcForRun = { ...s, ...(flags['service-ports'] ? {} : { ports: [] }) };
      const imgs = await b.images();
      const imageConfig = s.command?.length === 0 && s.entrypoint === undefined ? (await imgs.open(op, await imgs.get(op, ref))).config.config : undefined;
      const spec = serviceCreateSpec(
        {
          project,
          image: ref,
          serviceContainer: () => undefined,
          filesDir: b.filesDir(project.name, op.namespace),
          containerName: name,
          useNetworkAliases: flags['use-aliases'],
          locate: projectLocator(project),
          ...(imageConfig !== undefined ? { imageConfig: { Entrypoint: imageConfig.Entrypoint ?? null, Cmd: imageConfig.Cmd ?? null } } : {}),
        },
        svcForRun,
      );
      for (const w of spec.warnings) ctx.warn(w);
      const o = spec.request.options;
      if (args.length > 1) o.cmd = args.slice(1);
      if (flags.entrypoint !== undefined) {
        const { splitShellWords } = await import('../../compose/shellwords.js');
        o.entrypoint = flags.entrypoint === '' ? [''] : splitShellWords(flags.entrypoint).words;
        if (args.length <= 1) o.cmd = [];
      }
      o.env = [...o.env, ...flags.env.map((e) => parseEnvFlag(e, (k) => ctx.env[k]))];
      if (flags.user !== undefined) o.user = flags.user;
      if (flags.workdir !== undefined) o.workdir = flags.workdir;
      o.capAdd = [...o.capAdd, ...flags['cap-add']];
      o.capDrop = [...o.capDrop, ...flags['cap-drop']];
      o.tty = tty;
      o.interactive = flags.interactive && !flags.detach;
      for (const v of flags.volume) {
        const m = parseVolumeSpec(v, project.workingDir);
        o.mounts = [...o.mounts.filter((x) => x.target !== m.target), m];
      }
      const publish = flags.publish.flatMap((p) => parsePublish(p));
      const { writeFile, mkdir, chown } = await import('node:fs/promises');
      const { dirname } = await import('node:path');
      for (const f of spec.files) {
        await mkdir(dirname(f.path), { recursive: true, mode: 0o700 });
        await writeFile(f.path, f.content, { mode: f.mode });
        if (f.uid !== undefined || f.gid !== undefined) await chown(f.path, f.uid ?? 0, f.gid ?? 0);
      }
      const res = await b.containers.create(op, {
        ...spec.request,
        options: o,
        name,
        labels,
        network: { ...spec.request.network, ports: [...(spec.request.network?.ports ?? []), ...publish] },
        ...(flags.rm ? { autoRemove: true, restartPolicy: { name: 'no', maximumRetryCount: 0 } } : {}),
        attach: { stdin: o.interactive, stdout: !flags.detach, stderr: !flags.detach },
        ...(o.interactive ? { stdinOnce: true } : {}),
      });
      for (const w of res.warnings) ctx.err.line(`WARNING: ${w}`);
      const svc = b.containers as import('../../engine/containers/service.js').ContainerServiceImpl;
      if (flags.detach) {
        try {
          await svc.start(op, res.id);
        } catch (err) {
          if (flags.rm) await svc.remove(op, res.id, { force: true, volumes: true }).catch(() => {});
          throw err;
        }
        ctx.out.line(name);
        return 0;
      }
      const fg = await foregroundIO(ctx, { stdin: o.interactive, stdout: true, stderr: true, tty });
      const handleExit = flags.rm || (spec.request.restartPolicy?.name ?? 'no') === 'no';
      let session;
      try {
        ({ session } = await svc.start(op, res.id, { attach: fg.io, ...(fg.consoleSize ? { consoleSize: fg.consoleSize } : {}), handleExitInProcess: handleExit }));
      } catch (err) {
        fg.restore();
        if (flags.rm) await svc.remove(op, res.id, { force: true, volumes: true }).catch(() => {});
        throw err;
      }
      try {
        return await finishForeground(ctx, svc, res.id, session, fg, { sigProxy: true, tty, handleExit });
      } catch (err) {
        if (hasCode(err, 'canceled')) return 130;
        throw err;
      }
    } finally {
      close();
    }
  },
});
