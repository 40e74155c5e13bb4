/**
 * `nerdctl build` (also `builder build`): parse docker build's flags into the build service's options, run it with
 * a progress renderer on stderr, and print the image ID with `-q`. The work is in src/build (buildImage).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildImageOptions, BuildProgressEvent, OutputSpec, SecretSpec } from '../../build/index.js';
import { invalidArgument } from '../../engine/errdefs.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand, type FlagValues } from '../_lib/spec.js';
import { UsageError } from '../_lib/usage-error.js';

export const buildFlags = {
  tag: { type: 'strings', short: 't', describe: "Name and optionally a tag in the 'name:tag' format", valueName: 'list' },
  file: { type: 'string', short: 'f', describe: "Name of the Dockerfile (Default is 'PATH/Dockerfile')", complete: 'files' },
  'build-arg': { type: 'strings', describe: 'Set build-time variables', valueName: 'list' },
  target: { type: 'string', describe: 'Set the target build stage to build.' },
  platform: { type: 'string', describe: 'Set platform if server is multi-platform capable', complete: 'platforms' },
  'no-cache': { type: 'boolean', describe: 'Do not use cache when building the image' },
  'no-cache-filter': { type: 'strings', describe: 'Do not cache specified stages' },
  pull: { type: 'boolean', describe: 'Always attempt to pull a newer version of the image' },
  quiet: { type: 'boolean', short: 'q', describe: 'Suppress the build output and print image ID on success' },
  iidfile: { type: 'string', describe: 'Write the image ID to the file', complete: 'files' },
  label: { type: 'strings', describe: 'Set metadata for an image', valueName: 'list' },
  progress: {
    type: 'string',
    describe: 'Set type of progress output (auto, plain, tty). Use plain to show container output',
    default: 'auto',
    complete: { values: ['auto', 'plain', 'tty'] },
  },
  output: { type: 'strings', short: 'o', describe: 'Output destination (format: type=local,dest=path)', valueName: 'stringArray' },
  secret: { type: 'strings', describe: 'Secret file to expose to the build: id=mysecret,src=/local/secret', valueName: 'stringArray' },
  network: { type: 'string', describe: 'Set the networking mode for the RUN instructions during build', default: 'default', complete: { values: ['default', 'none', 'host'] } },
  'cache-from': { type: 'strings', describe: 'Images to consider as cache sources', valueName: 'strings' },
  ssh: { type: 'strings', describe: "SSH agent socket or keys to expose to the build (format: default|<id>[=<socket>|<key>[,<key>]])", valueName: 'stringArray' },
  rm: { type: 'boolean', describe: 'Remove intermediate containers after a successful build', default: true },
  'force-rm': { type: 'boolean', describe: 'Always remove intermediate containers' },
} as const;

type BuildFlags = FlagValues<typeof buildFlags>;

/** `--secret` values: CSV `id=...,src=...|source=...|env=...,type=file|env`. */
export function parseSecret(value: string): SecretSpec {
  const out: { id?: string; src?: string; env?: string; type?: string } = {};
  for (const field of value.split(',')) {
    const i = field.indexOf('=');
    if (i < 0) throw invalidArgument(`invalid secret "${value}": field "${field}" must be key=value`);
    const k = field.slice(0, i).trim().toLowerCase();
    const v = field.slice(i + 1).trim();
    if (k === 'id') out.id = v;
    else if (k === 'src' || k === 'source') out.src = v;
    else if (k === 'env') out.env = v;
    else if (k === 'type') out.type = v;
    else throw invalidArgument(`invalid secret "${value}": unexpected key "${k}"`);
  }
  if (out.type !== undefined && out.type !== 'file' && out.type !== 'env') throw invalidArgument(`invalid secret "${value}": type must be file or env`);
  if (out.id === undefined || out.id === '') {
    // buildx: the id defaults to the file's base name
    if (out.src !== undefined) out.id = path.basename(out.src);
    else throw invalidArgument(`invalid secret "${value}": id is required`);
  }
  if (out.type === 'env' && out.env === undefined && out.src !== undefined) {
    out.env = out.src;
    delete out.src;
  }
  return { id: out.id, ...(out.src !== undefined ? { src: out.src } : {}), ...(out.env !== undefined ? { env: out.env } : {}) };
}

/** `--label k=v` (a bare `k` gives an empty value, as Docker). */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    const k = i < 0 ? v : v.slice(0, i);
    if (k === '') throw invalidArgument(`invalid label "${v}": empty name`);
    out[k] = i < 0 ? '' : v.slice(i + 1);
  }
  return out;
}

/** The build service's options from docker build's flags. Pure. */
export async function toBuildOptions(flags: BuildFlags, context: string, env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<BuildImageOptions> {
  const { parseBuildArgs, parseOutput } = await import('../../build/index.js');
  if ((flags.ssh ?? []).length > 0) throw invalidArgument('--ssh is not supported by this builder');
  const outputs: OutputSpec[] = (flags.output ?? []).map(parseOutput);
  if (context === '-' && flags.file === '-') throw invalidArgument("invalid argument: can't use stdin for both build context and dockerfile");
  if (!['auto', 'plain', 'tty'].includes(flags.progress)) {
    throw invalidArgument(`invalid --progress "${flags.progress}": use auto, plain or tty`);
  }
  return {
    context,
    ...(flags.file !== undefined && flags.file !== '' ? { dockerfile: flags.file } : {}),
    cwd,
    tags: flags.tag ?? [],
    buildArgs: parseBuildArgs(flags['build-arg'] ?? [], env),
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
    noCache: flags['no-cache'],
    noCacheFilter: flags['no-cache-filter'] ?? [],
    pull: flags.pull,
    cacheFrom: (flags['cache-from'] ?? []).map((v) => v.replace(/^type=registry,ref=/, '')),
    labels: parseLabels(flags.label ?? []),
    network: flags.network,
    secrets: (flags.secret ?? []).map(parseSecret),
    env,
    outputs,
  };
}

async function runBuild(args: { flags: BuildFlags; args: string[] }, ctx: CommandContext): Promise<number> {
  const context = args.args[0];
  if (context === undefined) throw new UsageError('"build" requires exactly 1 argument.', ['build'], { status: 1 });
  ctx.log.debug('build: command started', { uptimeMs: Math.round(process.uptime() * 1000) });
  const options = await toBuildOptions(args.flags, context, ctx.env, ctx.cwd);
  const quiet = args.flags.quiet;
  const mode = args.flags.progress === 'auto' ? (ctx.err.isTTY ? 'tty' : 'plain') : args.flags.progress;
  const { plainRenderer } = await import('./progress-plain.js');
  const renderer = quiet
    ? undefined
    : mode === 'tty'
      ? (await import('./progress-tty.js')).ttyRenderer({ write: (t) => ctx.err.write(t), get columns() { return ctx.err.columns; } })
      : plainRenderer((t) => ctx.err.write(t));
  // With -q, a failure still shows the failed step's output.
  const failures: BuildProgressEvent[] = [];
  const onProgress = (e: BuildProgressEvent) => {
    if (renderer !== undefined) renderer.onEvent(e);
    else if (e.type === 'vertex' || e.type === 'log') failures.push(e);
  };
  const { buildImage } = await import('../../build/index.js');
  const { openBuildDeps } = await import('./deps.js');
  const deps = await openBuildDeps(ctx);
  try {
    const result = await buildImage(ctx.op(), deps, {
      ...options,
      stdin: ctx.stdin as AsyncIterable<Buffer>,
      stdout: ctx.out.stream,
      onProgress,
    });
    renderer?.finish();
    ctx.log.debug('build: command done', { uptimeMs: Math.round(process.uptime() * 1000) });
    if (args.flags.iidfile !== undefined && args.flags.iidfile !== '') writeFileSync(path.resolve(ctx.cwd, args.flags.iidfile), result.id);
    if (quiet) ctx.out.line(result.id);
    return 0;
  } catch (err) {
    renderer?.finish();
    if (renderer === undefined) {
      // -q: only the failed step's output, BuildKit's block, then the error line.
      const failed = failures.find((e) => e.type === 'vertex' && e.status === 'error');
      const failedId = failed !== undefined && failed.type === 'vertex' ? failed.id : -1;
      const logs = failures.filter((e) => e.type === 'log' && e.id === failedId);
      if (failed !== undefined && failed.type === 'vertex' && logs.length > 0) {
        const text = logs.map((e) => (e.type === 'log' ? e.data.toString('utf8') : '')).join('');
        const lines = text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        ctx.err.write(`------\n > ${failed.name}:\n${lines.slice(-10).map((l) => `${l}\n`).join('')}------\n`);
      }
    }
    throw err;
  }
}

export const buildCommand = defineCommand({
  name: 'build',
  usage: 'PATH | URL | -',
  summary: 'Build an image from a Dockerfile',
  description:
    'Build an image from a Dockerfile. Every RUN step runs in a container on the default network (see --network); ' +
    'steps are cached across builds, and stages that do not depend on each other build in parallel.',
  flags: buildFlags,
  args: { min: 1, max: 1, complete: ['dirs'] },
  examples: [
    { description: 'Build the image "app" from the current directory', command: 'nerdctl build -t app .' },
    { description: 'Build a stage with a build argument, without the cache', command: 'nerdctl build --target test --build-arg VERSION=2 --no-cache .' },
  ],
  handler: (args, ctx) => runBuild(args, ctx),
});
