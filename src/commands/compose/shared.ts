/**
 * What the `compose` subcommands share: the group's flags (`-f`, `-p`, `--project-directory`, `--env-file`,
 * `--profile`, `--ansi`, `--progress`, `--parallel`) turned into a loaded project, the backend the applier runs
 * on, and the renderers of Compose v2's progress lines and log colours.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ComposeBackend, ComposeEvent, ComposeReporter } from '../../compose/backend.js';
import type { Colorizer } from '../../compose/logs.js';
import type { ImageProgressEvent } from '../../engine/images/types.js';
import type { LoadedProject, Project } from '../../compose/index.js';
import { invalidArgument } from '../../engine/errdefs.js';
import type { OpContext } from '../../engine/op-context.js';
import type { CommandContext } from '../_lib/context.js';
import type { FlagSpecs } from '../_lib/spec.js';

/** The flags of the `compose` group (docker compose v2's global flags). */
export const composeFlags = {
  file: { type: 'strings', short: 'f', describe: 'Compose configuration files', complete: 'files' },
  'project-name': { type: 'string', short: 'p', describe: 'Project name' },
  'project-directory': {
    type: 'string',
    describe: 'Specify an alternate working directory (default: the path of the, first specified, Compose file)',
    complete: 'dirs',
  },
  'env-file': { type: 'strings', describe: 'Specify an alternate environment file', complete: 'files' },
  profile: { type: 'strings', describe: 'Specify a profile to enable' },
  ansi: {
    type: 'string',
    describe: 'Control when to print ANSI control characters ("never"|"always"|"auto")',
    default: 'auto',
    choices: ['never', 'always', 'auto'],
  },
  progress: { type: 'string', describe: 'Set type of progress output (auto, tty, plain, quiet)', choices: ['auto', 'tty', 'plain', 'quiet', 'json'] },
  parallel: { type: 'number', describe: 'Control max parallelism, -1 for unlimited', default: -1 },
} as const satisfies FlagSpecs;

/** The group flag values as a handler sees them. */
export interface ComposeGlobalFlags {
  file: string[];
  'project-name'?: string | undefined;
  'project-directory'?: string | undefined;
  'env-file': string[];
  profile: string[];
  ansi: string;
  progress?: string | undefined;
  parallel: number;
}

/** The group flags out of a handler's parsed flags (they are merged in by the parser). */
export function globalFlags(flags: object): ComposeGlobalFlags {
  const f = flags as Partial<ComposeGlobalFlags>;
  return {
    file: f.file ?? [],
    'project-name': f['project-name'],
    'project-directory': f['project-directory'],
    'env-file': f['env-file'] ?? [],
    profile: f.profile ?? [],
    ansi: f.ansi ?? 'auto',
    progress: f.progress,
    parallel: f.parallel ?? -1,
  };
}

function readStdin(ctx: CommandContext): string {
  try {
    return readFileSync((ctx.stdin as unknown as { fd?: number }).fd ?? 0, 'utf8');
  } catch {
    return '';
  }
}

export interface LoadOptions {
  /** Services named on the command line (activate their profiles). */
  services?: readonly string[];
  /** Restrict the project to `services` (and their dependencies unless `noDeps`). */
  select?: boolean;
  noDeps?: boolean;
  interpolate?: boolean;
  resolveEnvFiles?: boolean;
  consistency?: boolean;
}

/** Loads the project the group flags point at; warnings go to stderr as compose prints them. */
export async function loadComposeProject(ctx: CommandContext, g: ComposeGlobalFlags, opts: LoadOptions = {}): Promise<LoadedProject> {
  const { loadProject } = await import('../../compose/index.js');
  const loaded = loadProject({
    cwd: ctx.cwd,
    env: { ...ctx.env },
    files: g.file,
    ...(g['project-directory'] !== undefined ? { projectDirectory: resolve(ctx.cwd, g['project-directory']) } : {}),
    envFiles: g['env-file'].map((f) => resolve(ctx.cwd, f)),
    profiles: g.profile,
    ...(g['project-name'] !== undefined ? { projectName: g['project-name'] } : {}),
    ...(g.file.includes('-') ? { stdin: readStdin(ctx) } : {}),
    ...(opts.services !== undefined ? { services: opts.services } : {}),
    ...(opts.select === true ? { select: true, withDependencies: opts.noDeps !== true } : {}),
    ...(opts.interpolate === false ? { interpolate: false } : {}),
    ...(opts.resolveEnvFiles === false ? { resolveEnvFiles: false } : {}),
    ...(opts.consistency === false ? { consistency: false } : {}),
  });
  for (const w of loaded.warnings) ctx.warn(w.message);
  return loaded;
}

/** Loads the project and fails when it has no typed form (never with interpolation on). */
export async function requireProject(ctx: CommandContext, g: ComposeGlobalFlags, opts: LoadOptions = {}): Promise<Project> {
  const { project } = await loadComposeProject(ctx, g, opts);
  if (project === undefined) throw invalidArgument('the project could not be loaded');
  return project;
}

/** Fails for services that are not in the project (Compose's `no such service: x`). */
export function checkServices(project: Project, names: readonly string[]): void {
  for (const n of names) {
    if (!(n in project.services) && !(n in project.disabledServices)) throw invalidArgument(`no such service: ${n}`);
  }
}

/**
 * The project name only: from `-p`, else `COMPOSE_PROJECT_NAME`, else the loaded files. Commands that work from
 * labels alone (`down`, `ps`, `logs`, `stop`...) still run without a compose file when `-p` is given.
 */
export async function projectNameAndModel(ctx: CommandContext, g: ComposeGlobalFlags, opts: LoadOptions = {}): Promise<{ name: string; project: Project | undefined }> {
  try {
    const { project } = await loadComposeProject(ctx, g, opts);
    return { name: project!.name, project };
  } catch (err) {
    const explicit = g['project-name'] ?? (g.file.length === 0 ? ctx.env.COMPOSE_PROJECT_NAME : undefined);
    const { hasCode } = await import('../../engine/errdefs.js');
    if (explicit !== undefined && explicit !== '' && g.file.length === 0 && hasCode(err, 'not-found')) return { name: explicit, project: undefined };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Backend

/** Opens the backend on the engine and network layer of this invocation; `close()` releases the network store. */
export async function openBackend(ctx: CommandContext): Promise<{ backend: ComposeBackend; op: OpContext; close(): void }> {
  const [engine, { openNetworks, emitEvent }, { networkActor }] = await Promise.all([
    ctx.engine(),
    import('../network/shared.js'),
    import('../../engine/events/types.js'),
  ]);
  const [containers, volumes] = await Promise.all([engine.containers(), engine.volumes()]);
  const store = await openNetworks(ctx);
  // The project's networks come and go with Docker's network create/destroy events, as `network create|rm` emit.
  const networks: ComposeBackend['networks'] & { close(): void } = {
    listNetworks: (op) => store.listNetworks(op),
    getNetwork: (op, ref) => store.getNetwork(op, ref),
    async createNetwork(op, opts) {
      const net = await store.createNetwork(op, opts);
      await emitEvent(ctx, { type: 'network', action: 'create', actor: networkActor(net) });
      return net;
    },
    async removeNetwork(op, ref) {
      const net = await store.removeNetwork(op, ref);
      await emitEvent(ctx, { type: 'network', action: 'destroy', actor: networkActor(net) });
      return net;
    },
    close: () => store.close(),
  };
  const dataRoot = resolve(ctx.cwd, ctx.globals.dataRoot);
  const backend: ComposeBackend = {
    containers,
    images: () => engine.images(),
    volumes,
    networks,
    async build(op, req, output) {
      const { buildForCompose } = await import('./build-adapter.js');
      return buildForCompose(ctx, op, req, output);
    },
    filesDir: (project, namespace) => join(dataRoot, 'compose', namespace, project),
  };
  return { backend, op: ctx.op(), close: () => networks.close() };
}

/** Runs `fn` with the backend open. */
export async function withBackend<T>(ctx: CommandContext, fn: (b: ComposeBackend, op: OpContext) => Promise<T>): Promise<T> {
  const { backend, op, close } = await openBackend(ctx);
  try {
    return await fn(backend, op);
  } finally {
    close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output

/** Whether ANSI colours/controls may be used on `out` (`--ansi`, `--no-color`, NO_COLOR, a TTY). */
export function ansiEnabled(ctx: CommandContext, g: ComposeGlobalFlags, out: CommandContext['out'] = ctx.out): boolean {
  if (g.ansi === 'never') return false;
  if (g.ansi === 'always') return true;
  return out.isTTY && !ctx.globals.noColor && (ctx.env.NO_COLOR ?? '') === '';
}

/** Compose v2's rainbow of log colours (chalk, loaded only when colours are on). */
export async function logPalette(): Promise<Colorizer[]> {
  const { Chalk } = await import('chalk');
  const c = new Chalk({ level: 1 });
  return [c.cyan, c.yellow, c.green, c.magenta, c.blue, c.cyanBright, c.yellowBright, c.greenBright, c.magentaBright, c.blueBright];
}

/** Layer progress of pulls as Compose v2's lines (`<layer id> Pull complete`), through the same reporter. */
export async function pullProgressReporter(report: ComposeReporter): Promise<(image: string, e: ImageProgressEvent) => void> {
  const { statusText } = await import('../_lib/progress.js');
  return (_image, e) => {
    if (e.kind !== 'layer') return;
    const text = statusText('pull', e.status);
    if (text === undefined) return;
    report({ id: e.id, text, status: e.status === 'complete' || e.status === 'exists' ? 'done' : 'working' });
  };
}

/** `--parallel`, else COMPOSE_PARALLEL_LIMIT (undefined: no limit). Pure. */
export function parallelLimit(g: ComposeGlobalFlags, env: Readonly<Record<string, string | undefined>>): number | undefined {
  if (g.parallel > 0) return g.parallel;
  const n = Number(env.COMPOSE_PARALLEL_LIMIT ?? '');
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** One plain progress line (Compose v2's plain writer): ` Container p-web-1  Started`. Pure. */
export function plainEventLine(e: ComposeEvent): string {
  return ` ${e.id}  ${e.text}${e.detail !== undefined ? ` ${e.detail}` : ''}`;
}

export interface ProgressRenderer {
  readonly report: ComposeReporter;
  /** Ends the display (a TTY block is drawn one last time). */
  stop(): void;
}

/** The progress display on stderr: plain lines, a redrawn block on a terminal, or nothing with `--progress quiet`. */
export function createProgressRenderer(ctx: CommandContext, g: ComposeGlobalFlags, opts: { quiet?: boolean; title?: string } = {}): ProgressRenderer {
  const mode = g.progress ?? 'auto';
  if (opts.quiet === true || mode === 'quiet') return { report: () => {}, stop() {} };
  const out = ctx.err;
  if (mode === 'json') {
    return { report: (e) => out.line(JSON.stringify({ id: e.id, status: e.text, ...(e.detail !== undefined ? { text: e.detail } : {}) })), stop() {} };
  }
  const tty = mode === 'tty' || (mode === 'auto' && out.isTTY && g.ansi !== 'never');
  if (!tty) return { report: (e) => out.line(plainEventLine(e)), stop() {} };
  return ttyRenderer(out, opts.title ?? 'Running');
}

/** The TTY block: `[+] Running 2/3` then ` ✔ Container p-web-1  Started   0.4s`, redrawn in place. */
function ttyRenderer(out: CommandContext['err'], title: string): ProgressRenderer {
  const rows = new Map<string, { e: ComposeEvent; start: number; end?: number }>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let tick = 0;
  const draw = () => {
    const now = Date.now();
    const list = [...rows.values()];
    const done = list.filter((r) => r.e.status !== 'working').length;
    const width = Math.max(0, ...list.map((r) => r.e.id.length));
    const lines = [`[+] ${title} ${done}/${list.length}`];
    // Compose's layout: the timer right-aligned at the terminal's edge, the text cut to fit before it
    const columns = Math.max(40, out.columns);
    for (const r of list) {
      const mark = r.e.status === 'done' ? '\x1b[32m✔\x1b[0m' : r.e.status === 'error' ? '\x1b[31m✘\x1b[0m' : r.e.status === 'warning' ? '\x1b[33m!\x1b[0m' : spinner[tick % spinner.length]!;
      const secs = `${(((r.end ?? now) - r.start) / 1000).toFixed(1)}s`;
      const detail = r.e.detail !== undefined ? ` ${r.e.detail}` : '';
      const room = columns - 4 - secs.length - 1;
      let text = `${r.e.id.padEnd(width)}  ${r.e.text}${detail}`;
      if (text.length > room) text = text.slice(0, Math.max(0, room - 1)) + '…';
      lines.push(` ${mark} ${text.padEnd(room)} ${secs}`);
    }
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    text += lines.map((l) => `\x1b[2K${l}\n`).join('');
    out.write(text);
    drawn = lines.length;
    tick++;
  };
  return {
    report(e) {
      if (stopped) return;
      const prev = rows.get(e.id);
      const now = Date.now();
      rows.set(e.id, { e, start: prev?.start ?? now, ...(e.status !== 'working' ? { end: now } : {}) });
      timer ??= setInterval(draw, 100);
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (rows.size > 0) draw();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Containers of a project

export interface SelectOptions {
  /** Include stopped containers (default true). */
  all?: boolean;
  /** Include `run` one-offs (default false). */
  oneoff?: boolean;
  /** `--index`: only replica n. */
  index?: number;
}

/** The project's containers of `services` (all services when empty), sorted by name. */
export async function selectContainers(b: ComposeBackend, op: OpContext, project: string, services: readonly string[], o: SelectOptions = {}) {
  const [{ projectContainers }, { Compose: L }] = await Promise.all([import('../../compose/observe.js'), import('../../engine/labels.js')]);
  return (await projectContainers(b, op, project))
    .filter((c) => o.oneoff === true || c.labels[L.oneoff] !== 'True')
    .filter((c) => services.length === 0 || services.includes(c.labels[L.service] ?? ''))
    .filter((c) => o.all !== false || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting')
    .filter((c) => o.index === undefined || c.labels[L.containerNumber] === String(o.index))
    .sort((x, y) => x.name.localeCompare(y.name));
}

/** The container `exec`/`port`/`cp` target: replica `index` (default 1) of `service`. */
export async function serviceContainer(b: ComposeBackend, op: OpContext, project: string, service: string, index?: number) {
  const list = await selectContainers(b, op, project, [service], { all: true, ...(index !== undefined ? { index } : {}) });
  const running = list.filter((c) => c.state.status === 'running');
  const c = index !== undefined ? list[0] : (running[0] ?? list[0]);
  if (c === undefined) {
    throw invalidArgument(index !== undefined ? `service "${service}" is not running container #${index}` : `service "${service}" is not running`);
  }
  return c;
}
