/**
 * The build service: `buildImage(ctx, deps, options)` turns a context and a Dockerfile into an image in the image
 * store, the way `docker build` does. The CLI's `build` command and compose's `build:` sections call it (compose
 * in-process, several at once: every call has its own session, lease and scratch directory, and they share the
 * cache).
 *
 *   const deps = createBuildDeps({ storage, stateRoot, hostsDirs, insecureRegistries, cniPath, cniNetconfPath, log });
 *   const r = await buildImage(ctx, deps, { context: 'app', tags: ['app:1'], buildArgs: { V: '2' }, onProgress });
 *   r.id          // sha256:... (the image ID)
 *
 * Errors (EngineError codes): invalid-argument for a bad Dockerfile, context, flag or option (Dockerfile errors
 * are `DockerfileError`s with the line: `Dockerfile:3: unknown instruction: RUNN (did you mean RUN?)`); a failed
 * step is a `BuildStepError` (line, step, the command's exit code and the last lines of its output); not-found for a
 * missing context, Dockerfile or COPY source; unavailable / unauthenticated from a registry; canceled when
 * `ctx.signal` fires. Whatever the outcome, no build container, mount, network namespace or uncommitted snapshot
 * is left behind; steps that completed stay in the cache.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../engine/digest.js';
import { invalidArgument, isErrno, notFound } from '../engine/errdefs.js';
import { createImageStore } from '../engine/images/store.js';
import type { Logger } from '../engine/log.js';
import type { Storage } from '../engine/metadata/storage.js';
import type { OpContext } from '../engine/op-context.js';
import type { Resolver } from '../engine/remotes/types.js';
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../engine/platforms.js';
import { familiarString, parseReference, parseReferenceRaw } from '../engine/reference.js';
import { createBuildCache } from './cache.js';
import { openBuildContext } from './context.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { executeBuild, type BuiltImage, type ExecuteDeps } from './execute.js';
import { needsRootfs, storesImage, type OutputSpec } from './output.js';
import { planBuild } from './plan.js';
import { ProgressEmitter, type BuildProgressListener } from './progress.js';

export type { BuildProgressEvent, BuildProgressListener, VertexStatus } from './progress.js';
export type { OutputSpec } from './output.js';
export { parseOutput } from './output.js';
export { BuildStepError } from './execute-errors.js';
export { DockerfileError } from './dockerfile/errors.js';
export { parseBuildArgs } from './build-args.js';
export type { ExecuteDeps as BuildDeps } from './execute.js';

/** A `--secret`: `id=x,src=FILE` or `id=x,env=VAR` (or `id=x` alone: the variable of that name). */
export interface SecretSpec {
  id: string;
  src?: string;
  env?: string;
}

/** What to build. Everything but `context` is optional. */
export interface BuildImageOptions {
  /** The context: a directory, or `-` for standard input (a tar, or a Dockerfile with an empty context). */
  context: string;
  /** `-f`: a path (relative to `cwd`, else to the context), or `-` for standard input. */
  dockerfile?: string;
  /** The Dockerfile's text itself (compose's `dockerfile_inline`). */
  dockerfileInline?: string;
  /** Where relative paths start (default: the process's cwd). */
  cwd?: string;
  /** Standard input, for `-`. */
  stdin?: AsyncIterable<Buffer | Uint8Array>;
  /** `-t` names; none: an untagged image. */
  tags?: readonly string[];
  /** `--build-arg` values (see build-args.ts: undefined = declared on the command line without a value). */
  buildArgs?: ReadonlyMap<string, string | undefined> | Readonly<Record<string, string | undefined>>;
  target?: string;
  /** `--platform`: only this host's platform can be built. */
  platform?: string;
  noCache?: boolean;
  /** Stage names whose steps ignore the cache. */
  noCacheFilter?: readonly string[];
  /** Re-resolve base images from their registry. */
  pull?: boolean;
  /**
   * `--cache-from`: images (local, else pulled) whose inline cache metadata seeds the cache. Such images are built
   * with `--build-arg BUILDKIT_INLINE_CACHE=1`, as with BuildKit.
   */
  cacheFrom?: readonly string[];
  /** `--label`: added to the image config's labels. */
  labels?: Readonly<Record<string, string>>;
  /** `--network`: `default` (the default bridge network), `none` or `host`. */
  network?: string;
  secrets?: readonly SecretSpec[];
  /** The environment `--secret id=x,env=VAR` reads (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `--output`; default: the image store. */
  outputs?: readonly OutputSpec[];
  /** Where `--output ...,dest=-` writes. */
  stdout?: NodeJS.WritableStream;
  onProgress?: BuildProgressListener;
}

/** What a build produced. */
export interface BuildImageResult {
  /** The image ID (config digest, `sha256:...`). */
  id: Digest;
  /** Normalised names the image was stored under. */
  names: string[];
  /** Steps that ran (0 when everything came from the cache). */
  executed: number;
  /** Warnings (parse and plan warnings, unused build args), as Docker prints them. */
  warnings: string[];
  /** The built image in detail (config, manifest, layers). */
  image: BuiltImage;
}

/** Options of {@link createBuildDeps}. */
export interface CreateBuildDepsOptions {
  storage: Storage;
  /** Runtime state root (`--state-root`, default /run/nerdctl). */
  stateRoot: string;
  /** `--snapshotter` (default: the storage's). */
  snapshotter?: string;
  hostsDirs?: readonly string[];
  insecureRegistries?: readonly string[];
  cniPath?: string | readonly string[];
  cniNetconfPath?: string;
  /** Where the default network lives (nerdctl's defaults otherwise). */
  defaultNetwork?: { subnet?: string; gateway?: string; bridge?: string };
  cgroupManager?: 'cgroupfs' | 'systemd' | 'none';
  /** The runc binary (default `runc` from PATH). */
  runcPath?: string;
  /** The invocation's registry access (the engine's), so pulls share its credentials and tokens. */
  registry?: () => Promise<{ resolver(): Resolver }>;
  log: Logger;
}

/**
 * The engine pieces a build uses, over an opened storage. Cheap: the registry client and the network layer are
 * loaded only when a build pulls an image or runs a step on the default network.
 */
export function createBuildDeps(o: CreateBuildDepsOptions): ExecuteDeps {
  const imageStore = createImageStore(o.storage.db);
  const snapshotter = o.snapshotter ?? o.storage.snapshotterName;
  let resolver: (() => Resolver) | undefined;
  return {
    storage: o.storage,
    imageStore,
    cache: createBuildCache(o.storage.db),
    snapshotter,
    stateRoot: o.stateRoot,
    runc: { path: o.runcPath ?? 'runc', ...(o.cgroupManager === 'systemd' ? { systemdCgroup: true } : {}) },
    async openNetworking() {
      const { openNetworking } = await import('../network/networking.js');
      return openNetworking({
        dataRoot: o.storage.dataRoot,
        ...(o.cniNetconfPath !== undefined ? { netconfPath: o.cniNetconfPath } : {}),
        ...(o.cniPath !== undefined ? { cniPath: o.cniPath } : {}),
        ...(o.defaultNetwork !== undefined ? { defaultNetwork: o.defaultNetwork } : {}),
      });
    },
    async pull(ctx, ref, options) {
      const { pullImage } = await import('../engine/images/pull.js');
      if (resolver === undefined) {
        let access: { resolver(): Resolver };
        if (o.registry !== undefined) access = await o.registry();
        else {
          const { createRegistryAccess } = await import('../engine/images/registry-access.js');
          access = createRegistryAccess({ hostsDirs: o.hostsDirs ?? [], insecureRegistries: o.insecureRegistries ?? [], log: o.log });
        }
        resolver = () => access.resolver();
      }
      const r = await pullImage(ctx, { storage: o.storage, store: imageStore, resolver, defaultSnapshotter: snapshotter }, ref, {
        platforms: [options.platform],
        ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      });
      return r.image;
    },
  };
}

function readSecret(s: SecretSpec, env: Readonly<Record<string, string | undefined>>, cwd: string): Buffer {
  if (s.src !== undefined) {
    try {
      return readFileSync(path.resolve(cwd, s.src));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw notFound({ kind: 'file', ref: s.src }, { hint: `--secret id=${s.id}: the file does not exist` });
      throw invalidArgument(`--secret id=${s.id}: cannot read ${s.src}: ${(err as Error).message}`, { cause: err });
    }
  }
  const name = s.env ?? s.id;
  const v = env[name];
  if (v === undefined) throw invalidArgument(`--secret id=${s.id}: environment variable ${name} is not set`);
  return Buffer.from(v);
}

function networkMode(value: string | undefined): 'default' | 'none' | 'host' {
  if (value === undefined || value === '' || value === 'default' || value === 'bridge') return 'default';
  if (value === 'none' || value === 'host') return value;
  throw invalidArgument(`network mode "${value}" not supported by build: use default, none or host`);
}

/** Builds an image; see the module comment. */
export async function buildImage(ctx: OpContext, deps: ExecuteDeps, options: BuildImageOptions): Promise<BuildImageResult> {
  const progress = new ProgressEmitter(options.onProgress);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    progress.warn(m);
  };
  const cwd = options.cwd ?? process.cwd();
  const host = hostPlatform();
  let platform: Platform = host;
  if (options.platform !== undefined && options.platform !== '') {
    const wanted = parsePlatform(options.platform.split(',')[0]!.trim());
    if (options.platform.includes(',') || wanted.os !== host.os || wanted.architecture !== host.architecture) {
      throw invalidArgument(`--platform ${options.platform}: this builder can only build for the host platform ${formatPlatform(host)}`);
    }
    platform = { ...host, ...(wanted.variant !== undefined ? { variant: wanted.variant } : {}) };
  }
  const network = networkMode(options.network);
  for (const t of options.tags ?? []) parseReference(t);
  const outputs = options.outputs ?? [];

  const context = await openBuildContext({
    context: options.context,
    ...(options.dockerfile !== undefined ? { dockerfile: options.dockerfile } : {}),
    ...(options.dockerfileInline !== undefined ? { dockerfileText: options.dockerfileInline } : {}),
    cwd,
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    scratchDir: path.join(deps.stateRoot, 'build'),
  });
  try {
    const df = parseDockerfile(context.dockerfile, { file: context.dockerfileName });
    const buildArgs = options.buildArgs instanceof Map ? options.buildArgs : new Map(Object.entries(options.buildArgs ?? {}));
    const plan = planBuild(df, {
      buildArgs,
      ...(options.target !== undefined && options.target !== '' ? { target: options.target } : {}),
      buildPlatform: host,
      targetPlatform: platform,
    });
    // Announced once read and checked: a bad Dockerfile or context is one error line, nothing else.
    const defVertex = progress.start(`[internal] load build definition from ${context.dockerfileName}`);
    progress.done(defVertex, `[internal] load build definition from ${context.dockerfileName}`);
    if (context.ignoreFile !== undefined) {
      const v = progress.start('[internal] load .dockerignore');
      progress.done(v, '[internal] load .dockerignore');
    }
    for (const w of plan.warnings) warn(w.line > 0 ? `${df.file}:${w.line}: ${w.message}` : w.message);
    if (plan.unusedBuildArgs.length > 0) warn(`[Warning] One or more build-args [${plan.unusedBuildArgs.join(' ')}] were not consumed`);

    const noCacheStages = new Set<number>();
    for (const name of options.noCacheFilter ?? []) {
      const lower = name.toLowerCase();
      const hits = plan.stages.filter((s) => s.name === lower || String(s.index) === name);
      if (hits.length === 0) throw invalidArgument(`--no-cache-filter: no stage named "${name}"`);
      for (const s of hits) noCacheStages.add(s.index);
    }
    const secrets = new Map<string, Buffer>();
    for (const s of options.secrets ?? []) secrets.set(s.id, readSecret(s, options.env ?? process.env, cwd));

    const store = storesImage(outputs);
    ctx.log.debug('build: planned', { uptimeMs: Math.round(process.uptime() * 1000) });
    const built = await executeBuild(ctx, deps, {
      plan,
      context,
      tags: options.tags ?? [],
      labels: options.labels ?? {},
      noCache: options.noCache === true,
      noCacheStages,
      pull: options.pull === true,
      network,
      secrets,
      platform,
      store,
      needRootfs: needsRootfs(outputs),
      cacheFrom: options.cacheFrom ?? [],
      inlineCache: /^(1|true)$/i.test(buildArgs.get('BUILDKIT_INLINE_CACHE') ?? ''),
    }, progress);

    const exportName = store ? 'exporting to image' : 'exporting to client';
    const ev = progress.start(exportName);
    if (outputs.some((o) => o.type !== 'image' && !(o.type === 'docker' && o.dest === undefined))) {
      const { exportOutputs } = await import('./output-export.js');
      await exportOutputs(ctx, { storage: deps.storage, snapshotter: deps.snapshotter, ...(options.stdout !== undefined ? { stdout: options.stdout } : {}) }, built, outputs, path.join(deps.stateRoot, 'build'));
    }
    if (store) {
      progress.status(ev, `writing image ${built.id} done`);
      for (const n of built.names) progress.status(ev, `naming to ${familiarName(n)} done`);
    }
    progress.done(ev, exportName);
    return { id: built.id, names: built.names, executed: built.executed, warnings, image: built };
  } finally {
    context.close();
  }
}

/** `docker.io/library/app:latest` as BuildKit prints it (fully qualified). */
function familiarName(n: string): string {
  try {
    return n.includes('/') ? n : familiarString(parseReferenceRaw(n));
  } catch {
    return n;
  }
}
