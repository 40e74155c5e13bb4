/**
 * The executor: runs a build plan (plan.ts) against the engine.
 *
 * Stages run as soon as what they need is ready: every stage the target needs starts at once and waits for the
 * stages it reads (its base, `COPY --from`, mounts, ONBUILD triggers of a base image), so independent stages build
 * in parallel; the first failure cancels the others. Within a stage, each instruction is evaluated with the
 * stage's environment (stage-env.ts) and then:
 *
 * - metadata instructions change the image config (execute-config.ts) and add an `empty_layer` history entry;
 * - RUN, COPY, ADD and WORKDIR are filesystem steps: their cache key (cache-key.ts) is computed first (for
 *   COPY/ADD this hashes the files they read, lazily and memoised), and a cache hit takes the recorded snapshot
 *   and layer without mounting or running anything; a miss executes the step as a new layer (execute-run.ts,
 *   execute-copy.ts) and records it.
 *
 * The target stage's config, layers and history become the image (engine/images/create.ts), stored under every
 * tag; when every name already points at the very same manifest nothing is written at all.
 *
 * Heavy modules (runc, archives, networking, the registry client) are imported only on the paths that need them,
 * so a fully cached rebuild loads, reads and writes almost nothing.
 */
import { sha256Digest, type Digest } from '../engine/digest.js';
import { canceled, hasCode, invalidArgument } from '../engine/errdefs.js';
import { openImage } from '../engine/images/open.js';
import { chainIds, type ImageConfigFile } from '../engine/images/manifest.js';
import type { ImageContent } from '../engine/images/types.js';
import { findImage } from '../engine/images/find.js';
import type { OpContext } from '../engine/op-context.js';
import { formatPlatform, type Platform } from '../engine/platforms.js';
import { formatReference, parseReference } from '../engine/reference.js';
import { MediaTypes, type Descriptor } from '../engine/remotes/types.js';
import type { CacheRecord, CachedLayer } from './cache.js';
import { cacheKey, imageBaseKey, scratchBaseKey } from './cache-key.js';
import type { BuildContext } from './context.js';
import type { SourceTree } from './copy-sources.js';
import { DockerfileError } from './dockerfile/errors.js';
import type { FromInstruction } from './dockerfile/instructions.js';
import {
  addHistory,
  applyMetadata,
  configFile,
  currentShell,
  currentWorkdir,
  forkConfigState,
  initialConfigState,
  layersFor,
  manifestFormat,
  manifestOf,
  type ConfigState,
} from './execute-config.js';
import { atStep, BuildStepError } from './execute-errors.js';
import { prepareCopy, prepareRun, type PreparedCopy, type PreparedRun, type RunContext } from './execute-prepare.js';
import { isDirInLayer, topLayerDir } from './execute-layer-dirs.js';
import { BuildSession, type ExecuteDeps } from './execute-session.js';
import type { SourceState, StepEnv } from './execute-step-env.js';
import { createdBy } from './history.js';
import { planImageTriggers, type BuildPlan, type PlannedStep, type SourceRef, type StagePlan } from './plan.js';
import type { ProgressEmitter } from './progress.js';
import { normalizeWorkdir } from './run-command.js';
import { createStageEnvironment, type ResolvedInstruction, type StageEnvironment } from './stage-env.js';

export type { ExecuteDeps } from './execute-session.js';

/** What to build. */
export interface ExecuteRequest {
  plan: BuildPlan;
  context: BuildContext;
  /** Normalised or as typed; empty: an untagged image. */
  tags: readonly string[];
  /** `--label`: merged over the Dockerfile's LABELs. */
  labels: Readonly<Record<string, string>>;
  noCache: boolean;
  /** Stages (indexes) whose steps ignore the cache (`--no-cache-filter`). */
  noCacheStages: ReadonlySet<number>;
  /** `--pull`: resolve base images from their registry even when present. */
  pull: boolean;
  network: 'default' | 'none' | 'host';
  secrets: ReadonlyMap<string, Buffer>;
  /** The only platform this builder produces (the host's). */
  platform: Platform;
  /** Store the result as an image record (false for outputs that only export it). */
  store: boolean;
  /** An output reads the root filesystem (its snapshot must exist even when nothing ran). */
  needRootfs?: boolean;
  /** `--cache-from`: images whose inline cache metadata seeds the cache. */
  cacheFrom?: readonly string[];
  /** Write inline cache metadata into the image config (`--build-arg BUILDKIT_INLINE_CACHE=1`). */
  inlineCache?: boolean;
}

/** The image a build produced. */
export interface BuiltImage {
  /** The image ID (config digest). */
  id: Digest;
  config: ImageConfigFile;
  configBytes: Buffer;
  configDescriptor: Descriptor;
  manifestDescriptor: Descriptor;
  manifestBytes: Buffer;
  layers: Descriptor[];
  /** Top snapshot of the image's root filesystem (undefined: empty). */
  chainId: Digest | undefined;
  /** Normalised names it was stored under. */
  names: string[];
  /** Steps executed (0: everything came from the cache). */
  executed: number;
}

/** One stage's progress through the build. */
interface StageState {
  index: number;
  config: ConfigState;
  env: StageEnvironment;
  fsKey: string;
  stepKey: string;
  chainId: Digest | undefined;
  diffIds: Digest[];
  layers: Descriptor[];
  /** Newest history time so far. */
  created: Date | undefined;
  /** An image base whose layers may still need unpacking before the first executed step. */
  pendingBase?: ImageContent;
  /** The steps so far, for inline cache metadata (`BUILDKIT_INLINE_CACHE=1`). */
  inline: InlineCacheEntry[];
}

/** The image config field holding inline cache metadata (our own format; BuildKit's key is not reused). */
export const INLINE_CACHE_FIELD = 'nerdctl.build.cache.v1';

/**
 * One step of the target stage as inline cache metadata: its cache key, how many layers the image had after it,
 * when it first ran, and (a layer step) the layer's size; `meta` for metadata-only steps.
 */
export interface InlineCacheEntry {
  key: string;
  layers: number;
  created: string;
  bytes?: number;
  meta?: boolean;
}

/** The vertex name prefix: `[name k/n] ` (the name only for multi-stage Dockerfiles). */
function vertexName(plan: BuildPlan, stage: StagePlan, k: number, n: number, text: string): string {
  const prefix = plan.stages.length > 1 ? `${stage.displayName} ` : '';
  return `[${prefix}${k}/${n}] ${text}`;
}

function isFsStep(kind: string): boolean {
  return kind === 'RUN' || kind === 'COPY' || kind === 'ADD' || kind === 'WORKDIR';
}

/** Runs one build (see the module comment). */
class Executor {
  private readonly session: BuildSession;
  private readonly req: ExecuteRequest;
  private readonly plan: BuildPlan;
  private readonly stages = new Map<number, Promise<StageState>>();
  private readonly images = new Map<string, Promise<ImageContent>>();
  private readonly unpacked = new Map<string, Promise<void>>();
  private readonly contextTree: SourceTree;
  private readonly file: string;
  private firstError: unknown;
  executed = 0;

  constructor(session: BuildSession, req: ExecuteRequest) {
    this.session = session;
    this.req = req;
    this.plan = req.plan;
    this.file = req.plan.dockerfile.file;
    this.contextTree = { root: req.context.dir, matcher: req.context.ignore };
  }

  private get progress(): ProgressEmitter {
    return this.session.progress;
  }

  private get ns(): string {
    return this.session.ctx.namespace;
  }

  /** The build of stage `i` (started on first request). */
  stage(i: number): Promise<StageState> {
    let p = this.stages.get(i);
    if (p === undefined) {
      p = this.runStage(i).catch((err: unknown) => {
        if (this.firstError === undefined && !hasCode(err, 'canceled')) {
          this.firstError = err;
          this.abort(err);
        }
        throw err;
      });
      p.catch(() => {});
      this.stages.set(i, p);
    }
    return p;
  }

  abort: (reason: unknown) => void = () => {};

  /** Builds every needed stage and returns the target's state. */
  async run(): Promise<StageState> {
    for (const i of this.plan.order) void this.stage(i);
    let target: StageState | undefined;
    let error: unknown;
    try {
      target = await this.stage(this.plan.target);
    } catch (err) {
      error = err;
    }
    await Promise.allSettled([...this.stages.values()]);
    if (this.firstError !== undefined) throw this.firstError;
    if (error !== undefined) throw error;
    return target!;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Images

  /** A local image by name or ID, or pulled (always with `--pull`); platform checked. */
  image(ref: string, platform: Platform | undefined): Promise<ImageContent> {
    const memo = `${ref}\0${platform === undefined ? '' : formatPlatform(platform)}`;
    let p = this.images.get(memo);
    if (p === undefined) {
      p = this.loadImage(ref, platform);
      this.images.set(memo, p);
    }
    return p;
  }

  private async loadImage(ref: string, platform: Platform | undefined): Promise<ImageContent> {
    const deps = this.session.deps;
    const ctx = this.session.ctx;
    const want = platform ?? this.req.platform;
    let name: string;
    try {
      name = formatReference(parseReference(ref));
    } catch {
      name = ref;
    }
    let record = this.req.pull ? undefined : deps.imageStore.get(this.ns, name);
    if (record === undefined && !this.req.pull) {
      try {
        record = findImage(deps.imageStore, this.ns, ref).records[0];
      } catch (err) {
        if (!hasCode(err, 'not-found') && !hasCode(err, 'invalid-argument')) throw err;
      }
    }
    let content: ImageContent | undefined;
    if (record !== undefined) {
      try {
        content = await openImage(ctx, deps.storage.content, record, want);
      } catch (err) {
        if (!hasCode(err, 'not-found')) throw err;
      }
    }
    if (content === undefined) {
      const id = this.progress.start(`[internal] load metadata for ${name}`);
      try {
        const pulled = await deps.pull(ctx, ref, { platform: want });
        content = await openImage(ctx, deps.storage.content, pulled, want);
      } catch (err) {
        this.progress.error(id, `[internal] load metadata for ${name}`, err instanceof Error ? err.message : String(err));
        throw err;
      }
      this.progress.done(id, `[internal] load metadata for ${name}`);
    }
    const got = content.platform;
    if (got.os !== want.os || got.architecture !== want.architecture) {
      throw invalidArgument(`image ${ref} is for ${formatPlatform(got)}: this builder can only build for ${formatPlatform(this.req.platform)}`);
    }
    return content;
  }

  /** Unpacks an image's layers before a step needs its snapshot. */
  private ensureUnpacked(content: ImageContent): Promise<void> {
    let p = this.unpacked.get(content.id);
    if (p === undefined) {
      p = (async () => {
        const ctx = await this.session.leased();
        const { unpackImageLayers } = await import('../engine/images/unpack.js');
        await unpackImageLayers(ctx, this.session.deps.storage.content, this.session.sn, {
          layers: content.manifest.layers,
          diffIds: content.diffIds,
          chainIds: content.chainIds,
          configDigest: content.id,
        });
      })();
      this.unpacked.set(content.id, p);
    }
    return p;
  }

  /** A stage or image as the source of COPY --from or a mount. */
  async source(ref: SourceRef): Promise<SourceState> {
    if (ref.kind === 'stage') {
      const s = await this.stage(ref.stage);
      return {
        key: s.fsKey,
        chainId: s.chainId,
        ensure: async () => {
          if (s.pendingBase !== undefined) await this.ensureUnpacked(s.pendingBase);
        },
      };
    }
    if (ref.kind === 'image') {
      const content = await this.image(ref.ref, undefined);
      return {
        key: `image:${content.id}:${this.session.deps.snapshotter}`,
        chainId: content.chainIds[content.chainIds.length - 1],
        ensure: () => this.ensureUnpacked(content),
      };
    }
    throw invalidArgument('the build context cannot be used as a stage here');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Stages

  private async runStage(i: number): Promise<StageState> {
    const stage = this.plan.stages[i]!;
    const noCache = this.req.noCache || this.req.noCacheStages.has(i);
    let steps: PlannedStep[] = [...stage.steps];
    let state: StageState;
    let fromVertex: { name: string; cached: boolean } | undefined;
    const sn = this.session.deps.snapshotter;

    if (stage.base.kind === 'stage') {
      const parent = await this.stage(stage.base.stage);
      state = {
        index: i,
        config: forkConfigState(parent.config),
        env: createStageEnvironment(this.plan, i, { parent: parent.env }),
        fsKey: parent.fsKey,
        stepKey: cacheKey(parent.stepKey, 'from-stage', {}),
        chainId: parent.chainId,
        diffIds: [...parent.diffIds],
        layers: [...parent.layers],
        created: parent.created,
        ...(parent.pendingBase !== undefined ? { pendingBase: parent.pendingBase } : {}),
        inline: [...parent.inline],
      };
    } else if (stage.base.kind === 'scratch') {
      const platform = this.req.platform;
      const key = scratchBaseKey(sn, formatPlatform(platform));
      state = {
        index: i,
        config: initialConfigState(undefined, { architecture: platform.architecture, os: platform.os, ...(platform.variant !== undefined ? { variant: platform.variant } : {}) }),
        env: createStageEnvironment(this.plan, i, { imageEnv: [] }),
        fsKey: key,
        stepKey: key,
        chainId: undefined,
        diffIds: [],
        layers: [],
        created: undefined,
        inline: [],
      };
    } else {
      this.checkPlatform(stage);
      const content = await this.atFrom(stage.from, () => this.image((stage.base as { ref: string }).ref, stage.platform));
      const key = imageBaseKey(sn, content.id);
      state = {
        index: i,
        config: initialConfigState(content.config, this.req.platform),
        env: createStageEnvironment(this.plan, i, { imageEnv: content.config.config?.Env ?? [], os: content.config.os }),
        fsKey: key,
        stepKey: key,
        chainId: content.chainIds[content.chainIds.length - 1],
        diffIds: [...content.diffIds],
        layers: content.manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
        created: content.config.created !== undefined ? new Date(content.config.created) : undefined,
        pendingBase: content,
        inline: [],
      };
      fromVertex = { name: `FROM ${this.displayRef(stage.baseName)}`, cached: true };
      const triggers = content.config.config?.OnBuild ?? [];
      if (triggers.length > 0) {
        const planned = await this.atFrom(stage.from, () => planImageTriggers(this.plan, i, triggers));
        steps = [...planned.steps, ...steps];
      }
    }
    // The image Env is what the stage environment holds (Docker's default PATH included).
    state.config.config.Env = state.env.imageEnv;

    const total = (fromVertex !== undefined || stage.base.kind === 'stage' ? 1 : 0) + steps.filter((s) => isFsStep(s.instruction.kind)).length;
    let k = 0;
    if (fromVertex !== undefined) {
      k++;
      const name = vertexName(this.plan, stage, k, total, fromVertex.name);
      const id = this.progress.start(name);
      this.progress.cached(id, name);
    } else if (stage.base.kind === 'stage') {
      k++;
    }

    for (const step of steps) {
      if (this.session.ctx.signal.aborted) throw canceled('build canceled');
      const loc = step.origin === 'onbuild' ? stage.from.location : step.instruction.location;
      const at = { file: this.file, startLine: loc.startLine, endLine: loc.endLine };
      const r = state.env.evaluate(step, at);
      if (!isFsStep(r.kind)) {
        this.metaStep(state, r, noCache);
        continue;
      }
      k++;
      const text = step.origin === 'onbuild' ? `ONBUILD ${step.instruction.original}` : step.instruction.original;
      await this.fsStep(stage, state, r, vertexName(this.plan, stage, k, total, text), loc.startLine, noCache);
    }
    state.config.config.Env = state.env.imageEnv;
    return state;
  }

  private checkPlatform(stage: StagePlan): void {
    const p = stage.platform;
    if (p === undefined) return;
    const host = this.req.platform;
    if (p.os !== host.os || p.architecture !== host.architecture || (p.variant !== undefined && host.variant !== undefined && p.variant !== host.variant)) {
      const l = stage.from.location;
      throw new DockerfileError(this.file, l.startLine, l.endLine, `FROM --platform=${formatPlatform(p)}: this builder can only build for ${formatPlatform(host)}`);
    }
  }

  private displayRef(ref: string): string {
    try {
      return formatReference(parseReference(ref));
    } catch {
      return ref;
    }
  }

  private async atFrom<T>(from: FromInstruction, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DockerfileError || hasCode(err, 'canceled')) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      const code = hasCode(err, 'not-found') ? 'not-found' : hasCode(err, 'invalid-argument') ? 'invalid-argument' : hasCode(err, 'unavailable') ? 'unavailable' : hasCode(err, 'unauthenticated') ? 'unauthenticated' : 'failed-precondition';
      throw new BuildStepError({ code, file: this.file, line: from.location.startLine, step: from.original, detail: e.message, cause: err });
    }
  }

  /** The created time of a metadata step: the first time this prefix of the stage was built. */
  private metaStep(state: StageState, r: ResolvedInstruction, noCache: boolean): void {
    const text = applyMetadata(state.config, r, state.env.imageEnv);
    state.stepKey = cacheKey(state.stepKey, 'meta', text ?? (r.kind === 'ONBUILD' ? `ONBUILD ${r.expression}` : r.kind));
    if (text === undefined) return;
    let created: Date;
    const rec = noCache ? undefined : this.session.deps.cache.get(this.ns, state.stepKey);
    if (rec !== undefined) {
      created = rec.createdAt;
      this.session.reuse(rec);
    } else {
      created = new Date();
      this.session.record({ key: state.stepKey, kind: 'meta', description: text, createdAt: created });
    }
    addHistory(state.config, { createdBy: text, created, emptyLayer: true });
    if (state.created === undefined || created > state.created) state.created = created;
    state.inline.push({ key: state.stepKey, layers: state.diffIds.length, created: created.toISOString(), meta: true });
  }

  private stepEnv(vertex: number, line: number): StepEnv {
    return {
      session: this.session,
      file: this.file,
      line,
      vertex,
      context: this.contextTree,
      source: (ref) => this.source(ref),
      secrets: this.req.secrets,
      network: this.req.network,
      dataRoot: this.session.deps.storage.dataRoot,
    };
  }

  private async fsStep(stage: StagePlan, state: StageState, r: ResolvedInstruction, name: string, line: number, noCache: boolean): Promise<void> {
    const id = this.progress.start(name);
    const x = this.stepEnv(id, line);
    const ns = this.ns;
    try {
      let key: string;
      let historyText: string | undefined;
      let run: () => Promise<{ chainId: Digest | undefined; layer: CachedLayer | undefined }>;
      if (r.kind === 'RUN') {
        const { env, proxyEnv } = state.env.runEnvironment();
        const rc: RunContext = { shell: currentShell(state.config), env, proxyEnv, user: state.config.config.User ?? '', workdir: currentWorkdir(state.config) };
        const prepared: PreparedRun = await prepareRun(x, r, rc);
        key = cacheKey(state.fsKey, 'RUN', prepared.spec);
        historyText = createdBy(r, { args: prepared.args, buildArgs: state.env.historyBuildArgs() });
        run = async () => {
          await this.ensureParent(state);
          const { executeRun } = await import('./execute-run.js');
          return executeRun(x, prepared, rc, state.chainId);
        };
      } else if (r.kind === 'COPY' || r.kind === 'ADD') {
        const prepared: PreparedCopy = await prepareCopy(x, r, currentWorkdir(state.config));
        key = cacheKey(state.fsKey, r.kind, prepared.spec);
        historyText = createdBy(r);
        run = async () => {
          await this.ensureParent(state);
          const { executeCopy } = await import('./execute-copy.js');
          return executeCopy(x, r, prepared, state.chainId);
        };
      } else if (r.kind === 'WORKDIR') {
        const before = currentWorkdir(state.config);
        historyText = applyMetadata(state.config, r, state.env.imageEnv);
        const dir = normalizeWorkdir(before, r.path);
        const user = state.config.config.User ?? '';
        key = cacheKey(state.fsKey, 'WORKDIR', { dir, user });
        run = async () => {
          if (dir === '/') return { chainId: state.chainId, layer: undefined };
          // An existing directory changes nothing: when the top layer shows it, no snapshot needs mounting.
          if (state.chainId !== undefined && state.pendingBase === undefined) {
            const top = topLayerDir(this.session.deps.storage, this.ns, this.session.deps.snapshotter, state.chainId);
            if (top !== undefined && isDirInLayer(top, dir)) return { chainId: state.chainId, layer: undefined };
          }
          await this.ensureParent(state);
          const { executeWorkdir } = await import('./execute-copy.js');
          return executeWorkdir(x, dir, user, state.chainId);
        };
      } else {
        throw new Error(`not a filesystem step: ${r.kind}`);
      }

      const rec: CacheRecord | undefined = noCache ? undefined : this.session.deps.cache.get(ns, key);
      let layer: CachedLayer | undefined;
      let created: Date;
      if (rec !== undefined) {
        this.session.reuse(rec);
        state.chainId = rec.chainId;
        layer = rec.layer;
        created = rec.createdAt;
        this.progress.cached(id, name);
      } else {
        const out = await run();
        this.executed++;
        state.chainId = out.chainId;
        layer = out.layer;
        created = new Date();
        this.session.record({
          key,
          kind: 'fs',
          snapshotter: this.session.deps.snapshotter,
          ...(out.chainId !== undefined ? { chainId: out.chainId } : {}),
          ...(out.layer !== undefined ? { layer: out.layer } : {}),
          description: name,
          createdAt: created,
        });
        this.progress.done(id, name);
      }
      if (layer !== undefined) {
        state.diffIds.push(layer.diffId);
        state.layers.push({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size });
        // The snapshot now holds our layer: the base needs no unpacking for this chain any more.
        delete state.pendingBase;
      }
      state.fsKey = key;
      state.stepKey = cacheKey(state.stepKey, 'fs', key);
      state.inline.push({ key, layers: state.diffIds.length, created: created.toISOString(), ...(layer !== undefined ? { bytes: layer.bytes } : {}) });
      if (historyText !== undefined) addHistory(state.config, { createdBy: historyText, created, emptyLayer: layer === undefined });
      if (state.created === undefined || created > state.created) state.created = created;
    } catch (err) {
      const tail = this.progress.tail(id);
      const message = err instanceof Error ? err.message : String(err);
      if (!hasCode(err, 'canceled')) this.progress.error(id, name, message);
      throw atStep(err, { file: this.file, line, step: name, outputTail: tail });
    }
  }

  /** Makes sure the snapshot a step starts from exists (unpacking the stage's base image when needed). */
  private async ensureParent(state: StageState): Promise<void> {
    if (state.pendingBase !== undefined) await this.ensureUnpacked(state.pendingBase);
  }

  /**
   * `--cache-from`: turns the inline cache metadata of image `ref` (local, else pulled) into cache records that
   * point at its layers, so matching steps of this build are reused. An image without metadata, or one that
   * cannot be found, only gives a warning, as BuildKit does.
   */
  async importCache(ref: string): Promise<void> {
    let content: ImageContent;
    try {
      content = await this.image(ref, undefined);
    } catch (err) {
      this.progress.warn(`--cache-from ${ref}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const entries = content.config[INLINE_CACHE_FIELD];
    if (!Array.isArray(entries)) {
      this.progress.warn(`--cache-from ${ref}: the image has no inline cache metadata (build it with --build-arg BUILDKIT_INLINE_CACHE=1)`);
      return;
    }
    await this.ensureUnpacked(content);
    const chains = content.chainIds;
    const cache = this.session.deps.cache;
    const records: Omit<CacheRecord, 'lastUsedAt'>[] = [];
    for (const raw of entries as InlineCacheEntry[]) {
      if (typeof raw?.key !== 'string' || typeof raw.layers !== 'number' || raw.layers > content.diffIds.length || raw.layers < 0) continue;
      const created = new Date(raw.created);
      if (Number.isNaN(created.getTime()) || cache.get(this.ns, raw.key) !== undefined) continue;
      if (raw.meta === true) {
        records.push({ key: raw.key, kind: 'meta', description: `imported from ${ref}`, createdAt: created });
      } else {
        const i = raw.layers - 1;
        // A step that made a layer has its size recorded; its layer is the last one counted.
        const l = raw.bytes !== undefined && i >= 0 ? content.manifest.layers[i] : undefined;
        records.push({
          key: raw.key,
          kind: 'fs',
          snapshotter: this.session.deps.snapshotter,
          ...(i >= 0 ? { chainId: chains[i]! } : {}),
          ...(l !== undefined ? { layer: { digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: content.diffIds[i]!, bytes: raw.bytes ?? 0 } } : {}),
          description: `imported from ${ref}`,
          createdAt: created,
        });
      }
    }
    cache.put(this.ns, records);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The image

  /** Turns the target stage into an image (see the module comment). */
  async finish(target: StageState): Promise<BuiltImage> {
    const deps = this.session.deps;
    const ctx = this.session.ctx;
    const created = target.created ?? new Date();
    const config = configFile(target.config, { diffIds: target.diffIds, created, extraLabels: this.req.labels });
    if (this.req.inlineCache === true) config[INLINE_CACHE_FIELD] = target.inline;
    const configBytes = Buffer.from(JSON.stringify(config));
    const format = manifestFormat(target.layers);
    const layers = layersFor(format, target.layers);
    const configDescriptor: Descriptor = {
      mediaType: format === 'docker' ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
      digest: sha256Digest(configBytes),
      size: configBytes.length,
    };
    const { bytes: manifestBytes } = manifestOf(format, configDescriptor, layers);
    const manifestDescriptor: Descriptor = {
      mediaType: format === 'docker' ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
      digest: sha256Digest(manifestBytes),
      size: manifestBytes.length,
    };
    const names = this.req.tags.map((t) => formatReference(parseReference(t)));
    const chains = chainIds(target.diffIds);
    const result: BuiltImage = {
      id: configDescriptor.digest as Digest,
      config,
      configBytes,
      configDescriptor,
      manifestDescriptor,
      manifestBytes,
      layers,
      chainId: chains[chains.length - 1],
      names,
      executed: this.executed,
    };
    if (!this.req.store) {
      if (this.req.needRootfs === true && target.pendingBase !== undefined) await this.ensureUnpacked(target.pendingBase);
      return result;
    }

    const store = deps.imageStore;
    const pointed =
      names.length > 0
        ? names.every((n) => store.get(this.ns, n)?.target.digest === manifestDescriptor.digest)
        : store.byTarget(this.ns, manifestDescriptor.digest as Digest).length > 0;
    if (pointed) {
      try {
        await deps.storage.content.info(ctx, manifestDescriptor.digest as Digest);
        return result;
      } catch (err) {
        if (!hasCode(err, 'not-found')) throw err;
      }
    }
    if (target.pendingBase !== undefined) await this.ensureUnpacked(target.pendingBase);
    const lctx = await this.session.leased();
    const { createImage } = await import('../engine/images/create.js');
    await createImage(lctx, { storage: deps.storage, store, defaultSnapshotter: deps.snapshotter }, {
      names,
      configBytes,
      layers,
      format,
      source: 'build',
      snapshotter: deps.snapshotter,
    });
    return result;
  }
}

/** Runs a build and stores its image; see the module comment. `progress` receives the build's events. */
export async function executeBuild(ctx: OpContext, deps: ExecuteDeps, req: ExecuteRequest, progress: ProgressEmitter): Promise<BuiltImage> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) controller.abort(ctx.signal.reason);
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const session = new BuildSession(deps, { ...ctx, signal: controller.signal }, progress);
  const ex = new Executor(session, req);
  ex.abort = (reason) => controller.abort(reason);
  const t0 = Date.now();
  try {
    for (const ref of req.cacheFrom ?? []) await ex.importCache(ref);
    const target = await ex.run();
    ctx.log.debug('build: stages done', { ms: Date.now() - t0, executed: ex.executed });
    const built = await ex.finish(target);
    ctx.log.debug('build: image stored', { ms: Date.now() - t0 });
    return built;
  } catch (err) {
    if (ctx.signal.aborted) throw canceled('build canceled', { cause: err });
    throw err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await session.close();
    ctx.log.debug('build: session closed', { ms: Date.now() - t0 });
  }
}

