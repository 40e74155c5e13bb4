/**
 * The applier of `compose up` / `create`: runs a {@link Plan} (plan.ts) through the backend, in-process.
 *
 * Order (plan.ts's contract): networks and volumes (external ones must exist), then images (pulls and builds in
 * parallel), a second planning round with the new image ids, then the service DAG: each service waits for its
 * dependencies' conditions (`service_started`, `service_healthy`, `service_completed_successfully`) and runs its
 * actions (remove, recreate, create, restart, start); independent services run in parallel; last the orphans.
 *
 * Failure: the first error stops scheduling (steps already running finish), then everything this invocation
 * created is removed again (containers, then volumes and networks), so a failed `up` leaves the project as it
 * found it, except for containers it had already replaced. The error names the service.
 */
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError, hasCode, invalidArgument, notFound } from '../engine/errdefs.js';
import type { ContainerRecord, ExtraHost } from '../engine/containers/types.js';
import type { MountRequest } from '../engine/containers/options.js';
import { Compose as ComposeLabels } from '../engine/labels.js';
import type { OpContext } from '../engine/op-context.js';
import type { CreateNetworkOptions } from '../network/index.js';
import {
  containerEventId,
  networkEventId,
  volumeEventId,
  type ComposeBackend,
  type ComposeBuildRequest,
  type ComposeReporter,
  type BuildOutput,
  type PullProgress,
} from './backend.js';
import { ComposeError, composeError } from './errors.js';
import { projectLocator } from './locate.js';
import type { Network, Project, Service } from './model.js';
import { observeImages, observeProject, toObserved, projectContainers } from './observe.js';
import {
  planUp,
  type ContainerAction,
  type CreateNetworkAction,
  type CreateVolumeAction,
  type DependencyEdge,
  type ImageAction,
  type Plan,
  type PlanOptions,
  type ServiceStep,
} from './plan.js';
import { imageName } from './serialize.js';
import { serviceCreateSpec, type MaterialisedFile, type ServiceLink } from './service-options.js';

export interface UpOptions extends PlanOptions {
  /** `-t`: seconds to wait for stops (recreate, scale down, orphans); default each container's own. */
  timeoutSeconds?: number;
  /** `--quiet-pull`. */
  quietPull?: boolean;
  /** Pull progress per layer (ignored with quietPull). */
  onPullProgress?: PullProgress;
  /** Build output lines. */
  onBuildOutput?: BuildOutput;
  /** `--quiet-build` / `build -q`. */
  quietBuild?: boolean;
  /** `--parallel` / COMPOSE_PARALLEL_LIMIT: pulls and builds at once (undefined or < 1: no limit). */
  parallel?: number;
  /** `--no-recreate` of inherited anonymous volumes (`-V/--renew-anon-volumes`): do not inherit them. */
  renewAnonVolumes?: boolean;
  /** Warnings (orphans, skipped optional dependencies, ignored logging options) go here. */
  onWarning?: (message: string) => void;
  /** Called after each container start or restart (attached `up` follows its logs from then). */
  onContainerStarted?: (c: { id: string; name: string; service: string }) => void;
}

export interface UpResult {
  plan: Plan;
  /** Ids of the containers of each planned service after the run (created, kept or recreated), by service. */
  containers: Record<string, string[]>;
}

/** The errors of one failed step, carrying the service for the message. */
function serviceError(service: string, err: unknown): EngineError {
  if (err instanceof ComposeError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const e = err instanceof EngineError ? err : undefined;
  if (e?.code === 'canceled') return e;
  // no exitCode: a service that fails to start makes `up` exit 1, as docker compose does (not 126/127)
  return new EngineError(e?.code ?? 'internal', `service ${JSON.stringify(service)}: ${msg}`, {
    cause: err,
    ...(e?.hint !== undefined ? { hint: e.hint } : {}),
  });
}

function checkAborted(ctx: OpContext): void {
  if (ctx.signal.aborted) throw new EngineError('canceled', 'canceled');
}

/** Waits `ms` or until `signal` aborts (the listener is removed either way: waits run in loops). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

// ---------------------------------------------------------------------------------------------------------------
// Networks and volumes

/** The network layer's create options for a compose network. */
export function networkCreateOptions(project: Project, key: string, n: Network, labels: Record<string, string>): CreateNetworkOptions {
  const where = (path: string) => composeError(`networks.${key}.${path}: not supported by nerdctl compose`, { path: `networks.${key}.${path}` });
  const pools = n.ipam?.config ?? [];
  for (const [i, p] of pools.entries()) if (p.aux_addresses !== undefined && Object.keys(p.aux_addresses).length > 0) throw where(`ipam.config.${i}.aux_addresses`);
  if (n.ipam?.options !== undefined && Object.keys(n.ipam.options).length > 0) throw where('ipam.options');
  if (n.enable_ipv4 === false) throw where('enable_ipv4');
  void project;
  const subnets = pools.flatMap((p) => (p.subnet !== undefined ? [p.subnet] : []));
  const gateways = pools.flatMap((p) => (p.gateway !== undefined ? [p.gateway] : []));
  const ipRanges = pools.flatMap((p) => (p.ip_range !== undefined ? [p.ip_range] : []));
  return {
    name: n.name,
    ...(n.driver !== undefined ? { driver: n.driver } : {}),
    ...(subnets.length > 0 ? { subnets } : {}),
    ...(gateways.length > 0 ? { gateways } : {}),
    ...(ipRanges.length > 0 ? { ipRanges } : {}),
    ...(n.ipam?.driver !== undefined ? { ipamDriver: n.ipam.driver } : {}),
    ...(n.internal === true ? { internal: true } : {}),
    ...(n.enable_ipv6 === true ? { ipv6: true } : {}),
    labels,
    ...(n.driver_opts !== undefined ? { options: { ...n.driver_opts } } : {}),
  };
}

/** Fails when an external network or volume the services use is missing (Compose v2's wording). */
export async function checkExternals(b: ComposeBackend, ctx: OpContext, project: Project, services: readonly string[]): Promise<void> {
  const nets = new Set<string>();
  const vols = new Set<string>();
  for (const name of services) {
    const s = project.services[name];
    if (s === undefined) continue;
    for (const k of Object.keys(s.networks ?? {})) nets.add(k);
    for (const v of s.volumes ?? []) if (v.type === 'volume' && v.source !== undefined) vols.add(v.source);
  }
  for (const k of nets) {
    const n = project.networks[k];
    if (n?.external !== true) continue;
    try {
      await b.networks.getNetwork(ctx, n.name);
    } catch (err) {
      if (!hasCode(err, 'not-found')) throw err;
      throw new EngineError('not-found', `network ${n.name} declared as external, but could not be found`, { cause: err });
    }
  }
  for (const k of vols) {
    const v = project.volumes[k];
    if (v?.external !== true) continue;
    try {
      await b.volumes.get(ctx, v.name);
    } catch (err) {
      if (!hasCode(err, 'not-found')) throw err;
      throw new EngineError('not-found', `external volume "${v.name}" not found`, { cause: err });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Images

/** The build request of a service's `build:` section. */
export function buildRequest(project: Project, s: Service, opts: { noCache?: boolean; pull?: boolean; quiet?: boolean; args?: Record<string, string> } = {}): ComposeBuildRequest {
  const bc = s.build!;
  if (/^[a-z]+:\/\//.test(bc.context) || bc.context.startsWith('git@')) {
    throw composeError(`services.${s.name}.build.context: remote build contexts are not supported by nerdctl compose`);
  }
  // build keys the in-process builder has no counterpart for are refused, not silently dropped
  const refuse = (key: string, why = 'not supported by nerdctl compose') => {
    throw composeError(`services.${s.name}.build.${key}: ${why}`, { path: `services.${s.name}.build.${key}` });
  };
  const nonEmpty = (v: unknown) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  for (const key of ['ssh', 'secrets', 'additional_contexts', 'entitlements', 'privileged', 'ulimits', 'cache_to', 'extra_hosts'] as const) {
    if (nonEmpty(bc[key])) refuse(key);
  }
  if (bc.isolation !== undefined && bc.isolation !== 'default') refuse('isolation');
  if ((bc.platforms ?? []).length > 1) refuse('platforms', 'only the host platform can be built');
  if (bc.shm_size !== undefined) refuse('shm_size');
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(bc.args ?? {})) if (v !== null) args[k] = v;
  Object.assign(args, opts.args ?? {});
  const ref = imageName(project, s);
  const tags = [ref, ...(bc.tags ?? []).filter((t) => t !== ref)];
  return {
    service: s.name,
    context: bc.context,
    ...(bc.dockerfile !== undefined ? { dockerfile: bc.dockerfile } : {}),
    ...(bc.dockerfile_inline !== undefined ? { dockerfileInline: bc.dockerfile_inline } : {}),
    tags,
    args,
    ...(bc.target !== undefined ? { target: bc.target } : {}),
    labels: { ...(bc.labels ?? {}) },
    noCache: opts.noCache === true || bc.no_cache === true,
    pull: opts.pull === true || bc.pull === true,
    ...(s.platform !== undefined ? { platform: s.platform } : {}),
    ...(bc.network !== undefined ? { network: bc.network } : {}),
    extraHosts: [],
    ...(bc.no_cache_filter !== undefined && bc.no_cache_filter.length > 0 ? { noCacheFilter: [...bc.no_cache_filter] } : {}),
    quiet: opts.quiet === true,
  };
}

/** Pulls and builds the plan's images, in parallel (builds of one image once). */
export async function runImageActions(
  b: ComposeBackend,
  ctx: OpContext,
  project: Project,
  actions: readonly ImageAction[],
  report: ComposeReporter,
  opts: Pick<UpOptions, 'quietPull' | 'onPullProgress' | 'onBuildOutput' | 'quietBuild' | 'parallel'> & { ignorePullFailures?: boolean } = {},
): Promise<void> {
  const limit = limiter(opts.parallel);
  const images = actions.some((a) => a.kind === 'pull-image') ? await b.images() : undefined;
  const building = new Map<string, Promise<void>>();
  const build = (service: string): Promise<void> => {
    const s = project.services[service]!;
    const ref = imageName(project, s);
    let p = building.get(ref);
    if (p === undefined) {
      p = (async () => {
        const id = `Service ${service}`;
        report({ id, text: 'Building', status: 'working' });
        try {
          await b.build(ctx, buildRequest(project, s, { quiet: opts.quietBuild === true }), opts.quietBuild === true ? undefined : opts.onBuildOutput);
        } catch (err) {
          report({ id, text: 'Error', status: 'error', detail: err instanceof Error ? err.message : String(err) });
          throw serviceError(service, err);
        }
        report({ id, text: 'Built', status: 'done' });
      })();
      building.set(ref, p);
    }
    return p;
  };
  await Promise.all(
    actions.map(limit(async (a: ImageAction) => {
      checkAborted(ctx);
      if (a.kind === 'build-image') return build(a.service);
      const id = a.services.join(', ');
      report({ id, text: 'Pulling', status: 'working' });
      try {
        await images!.pull(ctx, a.image, {
          ...(opts.quietPull !== true && opts.onPullProgress !== undefined ? { onProgress: (e) => opts.onPullProgress!(a.image, e) } : {}),
        });
      } catch (err) {
        if (hasCode(err, 'canceled')) throw err;
        if (a.buildFallback !== undefined) {
          report({ id, text: 'Warning', status: 'warning', detail: `pull failed, building instead` });
          return build(a.buildFallback);
        }
        report({ id, text: 'Error', status: 'error', detail: err instanceof Error ? err.message : String(err) });
        if (opts.ignorePullFailures === true) return;
        throw serviceError(a.services[0]!, err);
      }
      report({ id, text: 'Pulled', status: 'done' });
    })),
  );
}

/** Wraps functions so that at most `n` of their calls run at once (no limit when n is undefined or < 1). */
export function limiter(n: number | undefined): <A, R>(fn: (a: A) => Promise<R>) => (a: A) => Promise<R> {
  if (n === undefined || !Number.isFinite(n) || n < 1) return (fn) => fn;
  let running = 0;
  const queue: (() => void)[] = [];
  return (fn) => async (a) => {
    if (running >= n) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await fn(a);
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Containers

/** Writes inline secrets/configs (mode and owner as asked). */
async function writeFiles(files: readonly MaterialisedFile[]): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(f.path), { recursive: true, mode: 0o700 });
    await writeFile(f.path, f.content, { mode: f.mode });
    if (f.uid !== undefined || f.gid !== undefined) await chown(f.path, f.uid ?? 0, f.gid ?? 0);
  }
}

/** State shared by the steps of one run. */
interface RunState {
  b: ComposeBackend;
  ctx: OpContext;
  project: Project;
  report: ComposeReporter;
  opts: UpOptions;
  /** Live containers by service: id and name, lowest number first (for `service:x` references and links). */
  byService: Map<string, { id: string; name: string; number: number }[]>;
  /** Ids of containers this run created (for rollback), newest last. */
  created: string[];
  locate: ReturnType<typeof projectLocator>;
  warn: (m: string) => void;
}

function serviceContainerName(st: RunState, service: string): string | undefined {
  return st.byService.get(service)?.[0]?.name;
}

async function linkHosts(st: RunState, links: readonly ServiceLink[]): Promise<ExtraHost[]> {
  const out: ExtraHost[] = [];
  for (const l of links) {
    // a service's own name resolves through its network alias; only other aliases need a hosts entry
    if (l.kind === 'service' && l.alias === l.target) continue;
    const target = l.kind === 'service' ? serviceContainerName(st, l.target) : l.target;
    if (target === undefined) continue;
    try {
      const rec = await st.b.containers.get(st.ctx, target);
      const ip = rec.state.network?.endpoints.find((e) => e.ipAddress !== undefined && e.ipAddress !== '')?.ipAddress;
      if (ip !== undefined) out.push({ host: l.alias, ip });
      else if (l.alias !== target) out.push({ host: l.alias, ip: '127.0.0.1' });
    } catch (err) {
      if (!hasCode(err, 'not-found')) throw err;
      if (l.kind === 'container') throw invalidArgument(`external link target container ${JSON.stringify(l.target)} not found`);
    }
  }
  return out;
}

/** The anonymous volumes of `old` as named mounts, so a recreated container keeps its data (Compose v2). */
function inheritedMounts(old: ContainerRecord, mounts: MountRequest[]): MountRequest[] {
  const out = [...mounts];
  for (const m of old.config.mounts) {
    if (m.type !== 'volume' || m.anonymous !== true || m.name === undefined) continue;
    const i = out.findIndex((x) => x.target === m.destination);
    if (i >= 0) {
      const cur = out[i]!;
      if (cur.type === 'volume' && cur.name === undefined) out[i] = { ...cur, name: m.name };
    } else {
      out.push({ type: 'volume', name: m.name, target: m.destination, readOnly: m.readOnly, noCopy: true });
    }
  }
  return out;
}

async function imageConfigFor(st: RunState, ref: string): Promise<{ Entrypoint?: readonly string[] | null; Cmd?: readonly string[] | null }> {
  const images = await st.b.images();
  const content = await images.open(st.ctx, await images.get(st.ctx, ref));
  const c = content.config.config ?? {};
  return { Entrypoint: c.Entrypoint ?? null, Cmd: c.Cmd ?? null };
}

/** Creates one container of `s` named `name` with `labels`; returns its id. */
async function createServiceContainer(
  st: RunState,
  s: Service,
  name: string,
  labels: Record<string, string>,
  opts: { aliasName?: string; inheritFrom?: ContainerRecord } = {},
): Promise<string> {
  const inheritFrom = opts.inheritFrom;
  const ref = imageName(st.project, s);
  const spec = serviceCreateSpec(
    {
      project: st.project,
      image: ref,
      serviceContainer: (svc) => serviceContainerName(st, svc),
      filesDir: st.b.filesDir(st.project.name, st.ctx.namespace),
      containerName: opts.aliasName ?? name,
      useNetworkAliases: true,
      locate: st.locate,
      ...(s.command !== undefined && s.command.length === 0 && s.entrypoint === undefined ? { imageConfig: await imageConfigFor(st, ref) } : {}),
    },
    s,
  );
  for (const w of spec.warnings) st.warn(w);
  await writeFiles(spec.files);
  const extra = await linkHosts(st, spec.links);
  const options = inheritFrom !== undefined && st.opts.renewAnonVolumes !== true ? { ...spec.request.options, mounts: inheritedMounts(inheritFrom, spec.request.options.mounts) } : spec.request.options;
  const res = await st.b.containers.create(st.ctx, {
    ...spec.request,
    options,
    name,
    labels,
    network: { ...spec.request.network, extraHosts: [...(spec.request.network?.extraHosts ?? []), ...extra] },
  });
  for (const w of res.warnings) st.warn(w);
  st.created.push(res.id);
  return res.id;
}

function track(st: RunState, service: string, id: string, name: string, number: number): void {
  const list = (st.byService.get(service) ?? []).filter((c) => c.id !== id && c.name !== name);
  list.push({ id, name, number });
  list.sort((a, b) => a.number - b.number);
  st.byService.set(service, list);
}

function untrack(st: RunState, service: string, id: string): void {
  st.byService.set(service, (st.byService.get(service) ?? []).filter((c) => c.id !== id));
}

async function stopAndRemove(st: RunState, id: string, name: string, volumes = false): Promise<void> {
  const eid = containerEventId(name);
  st.report({ id: eid, text: 'Stopping', status: 'working' });
  try {
    await st.b.containers.stop(st.ctx, id, st.opts.timeoutSeconds !== undefined ? { timeoutSeconds: st.opts.timeoutSeconds } : {});
  } catch (err) {
    if (!hasCode(err, 'not-found')) throw err;
  }
  st.report({ id: eid, text: 'Stopped', status: 'done' });
  st.report({ id: eid, text: 'Removing', status: 'working' });
  try {
    await st.b.containers.remove(st.ctx, id, { force: true, volumes });
  } catch (err) {
    if (!hasCode(err, 'not-found')) throw err;
  }
  st.report({ id: eid, text: 'Removed', status: 'done' });
}

async function startContainer(st: RunState, id: string, name: string, service: string): Promise<void> {
  const eid = containerEventId(name);
  st.report({ id: eid, text: 'Starting', status: 'working' });
  await st.b.containers.start(st.ctx, id);
  st.report({ id: eid, text: 'Started', status: 'done' });
  st.opts.onContainerStarted?.({ id, name, service });
}

async function runAction(st: RunState, a: ContainerAction): Promise<void> {
  checkAborted(st.ctx);
  const s = st.project.services[a.service];
  switch (a.kind) {
    case 'remove':
      await stopAndRemove(st, a.container.id, a.container.name);
      untrack(st, a.service, a.container.id);
      return;
    case 'create': {
      const eid = containerEventId(a.name);
      st.report({ id: eid, text: 'Creating', status: 'working' });
      const id = await createServiceContainer(st, s!, a.name, a.labels);
      track(st, a.service, id, a.name, a.number);
      st.report({ id: eid, text: 'Created', status: 'done' });
      return;
    }
    case 'recreate': {
      const eid = containerEventId(a.container.name);
      st.report({ id: eid, text: 'Recreate', status: 'working' });
      const old = await st.b.containers.get(st.ctx, a.container.id);
      const wasRunning = old.state.status === 'running' || old.state.status === 'restarting';
      await st.b.containers.stop(st.ctx, old.id, st.opts.timeoutSeconds !== undefined ? { timeoutSeconds: st.opts.timeoutSeconds } : {});
      let id: string;
      try {
        id = await createServiceContainer(st, s!, a.tmpName, a.labels, { aliasName: a.name, inheritFrom: old });
      } catch (err) {
        // the replacement could not be made: keep the old container as it was
        if (wasRunning) await st.b.containers.start(st.ctx, old.id).catch(() => undefined);
        throw err;
      }
      await st.b.containers.remove(st.ctx, old.id, { force: true, volumes: false });
      await st.b.containers.rename(st.ctx, id, a.name);
      untrack(st, a.service, old.id);
      track(st, a.service, id, a.name, a.number);
      st.report({ id: eid, text: 'Recreated', status: 'done' });
      if (a.start) await startContainer(st, id, a.name, a.service);
      return;
    }
    case 'restart': {
      const eid = containerEventId(a.container.name);
      st.report({ id: eid, text: 'Restarting', status: 'working' });
      await st.b.containers.restart(st.ctx, a.container.id, st.opts.timeoutSeconds !== undefined ? { timeoutSeconds: st.opts.timeoutSeconds } : {});
      st.report({ id: eid, text: 'Restarted', status: 'done' });
      st.opts.onContainerStarted?.({ id: a.container.id, name: a.container.name, service: a.service });
      return;
    }
    case 'start': {
      const c = a.container ?? st.byService.get(a.service)?.find((x) => x.name === a.name);
      if (c === undefined) throw notFound({ kind: 'container', ref: a.name });
      await startContainer(st, c.id, a.name, a.service);
      return;
    }
  }
}

/**
 * The create half of a step (Compose v2 creates every container before starting any): removals and recreations
 * in order, then creations in parallel. Returns the start half's actions: restarts, starts, and the starts of
 * recreated containers.
 */
async function createPhase(st: RunState, step: ServiceStep): Promise<ContainerAction[]> {
  const later: ContainerAction[] = step.actions.filter((a) => a.kind === 'restart');
  const creates = step.actions.filter((a) => a.kind === 'create');
  for (const a of step.actions) {
    if (a.kind === 'remove') await runAction(st, a);
    if (a.kind === 'recreate') {
      await runAction(st, { ...a, start: false });
      if (a.start) later.push({ kind: 'start', service: a.service, number: a.number, name: a.name });
    }
  }
  await Promise.all(creates.map((a) => runAction(st, a)));
  return [...later, ...step.actions.filter((a) => a.kind === 'start')];
}

/** The start half: restarts first, then starts, each group in parallel. */
async function startPhase(st: RunState, actions: readonly ContainerAction[]): Promise<void> {
  await Promise.all(actions.filter((a) => a.kind === 'restart').map((a) => runAction(st, a)));
  await Promise.all(actions.filter((a) => a.kind !== 'restart').map((a) => runAction(st, a)));
}

/** Links to other aliases become hosts entries with the targets' addresses: such a service is created late. */
function needsRunningTargets(s: Service): boolean {
  return (s.external_links ?? []).length > 0 || (s.links ?? []).some((l) => l.includes(':') && l.split(':')[1] !== l.split(':')[0]);
}

/** Waits until `dep`'s containers satisfy `edge` (Compose v2's messages on failure). */
export async function waitForDependency(
  b: ComposeBackend,
  ctx: OpContext,
  ids: readonly { id: string; name: string }[],
  edge: Pick<DependencyEdge, 'service' | 'condition'>,
  report: ComposeReporter,
): Promise<void> {
  if (edge.condition === 'service_started') return;
  await Promise.all(
    ids.map(async (c) => {
      const eid = containerEventId(c.name);
      report({ id: eid, text: 'Waiting', status: 'working' });
      for (;;) {
        checkAborted(ctx);
        const rec = await b.containers.get(ctx, c.id);
        const status = rec.state.status;
        if (edge.condition === 'service_completed_successfully') {
          if (status === 'exited' || status === 'dead') {
            if (rec.state.exitCode === 0) {
              report({ id: eid, text: 'Exited', status: 'done' });
              return;
            }
            report({ id: eid, text: 'Error', status: 'error' });
            throw invalidArgument(`service ${JSON.stringify(edge.service)} didn't complete successfully: exit ${rec.state.exitCode}`);
          }
        } else {
          const hc = rec.config.healthcheck;
          const hasCheck = hc?.Test !== undefined && hc.Test.length > 0 && hc.Test[0] !== 'NONE';
          if (!hasCheck) {
            throw invalidArgument(`container ${c.name} has no healthcheck configured`);
          }
          if (status === 'exited' || status === 'dead') {
            report({ id: eid, text: 'Error', status: 'error' });
            throw invalidArgument(`dependency failed to start: container ${c.name} exited (${rec.state.exitCode})`);
          }
          const h = rec.state.health?.status;
          if (h === 'healthy') {
            report({ id: eid, text: 'Healthy', status: 'done' });
            return;
          }
          if (h === 'unhealthy') {
            report({ id: eid, text: 'Error', status: 'error' });
            throw invalidArgument(`dependency failed to start: container ${c.name} is unhealthy`);
          }
        }
        await sleep(100, ctx.signal);
      }
    }),
  );
}

/** Removes what a failed run created: containers (with their anonymous volumes), volumes, networks. */
async function rollback(st: RunState, networks: readonly string[], volumes: readonly string[]): Promise<void> {
  const ctx: OpContext = { ...st.ctx, signal: new AbortController().signal };
  for (const id of [...st.created].reverse()) {
    try {
      await st.b.containers.remove(ctx, id, { force: true, volumes: true });
    } catch (err) {
      if (!hasCode(err, 'not-found')) ctx.log.warn('rollback: container not removed', { id, error: err });
    }
  }
  for (const v of volumes) {
    try {
      await st.b.volumes.remove(ctx, v);
    } catch (err) {
      ctx.log.warn('rollback: volume not removed', { volume: v, error: err });
    }
  }
  for (const n of networks) {
    try {
      await st.b.networks.removeNetwork(ctx, n);
    } catch (err) {
      ctx.log.warn('rollback: network not removed', { network: n, error: err });
    }
  }
}

/**
 * `compose up` / `compose create` (with `noStart`): converges the project to `project` and returns the plan that
 * was run. Throws the first failure after undoing what this call created.
 */
export async function applyUp(b: ComposeBackend, ctx: OpContext, project: Project, opts: UpOptions, report: ComposeReporter): Promise<UpResult> {
  const warn = opts.onWarning ?? (() => {});
  const locate = projectLocator(project);
  let plan = planUp(project, await observeProject(b, ctx, project, { images: opts.skipImages !== true }), opts);
  for (const w of plan.warnings) warn(w);
  const st: RunState = { b, ctx, project, report, opts, byService: new Map(), created: [], locate, warn };
  const createdNetworks: string[] = [];
  const createdVolumes: string[] = [];
  try {
    preflight(st, plan.services);
    for (const a of plan.images) if (a.kind === 'build-image') buildRequest(project, project.services[a.service]!);
    await checkExternals(b, ctx, project, plan.services.map((s) => s.service));
    await Promise.all([
      ...plan.networks.map((n) => createNetwork(st, n, createdNetworks)),
      ...plan.volumes.map((v) => createVolume(st, v, createdVolumes)),
    ]);
    if (plan.images.length > 0) {
      await runImageActions(b, ctx, project, plan.images, report, opts);
      const observed = await observeProject(b, ctx, project, { images: false });
      plan = planUp(project, { ...observed, images: await observeImages(b, ctx, project) }, { ...opts, skipImages: true });
    }
    // what exists, for `service:x` references of services that are not recreated
    for (const c of await projectContainers(b, ctx, project.name)) {
      const o = toObserved(c);
      if (o.labels[ComposeLabels.oneoff] === 'True') continue;
      const svc = o.labels[ComposeLabels.service] ?? '';
      const number = Number(o.labels[ComposeLabels.containerNumber] ?? '0');
      track(st, svc, o.id, o.name, number);
    }
    await runServiceDag(st, plan.services);
    for (const o of plan.orphans) await stopAndRemove(st, o.container.id, o.container.name);
  } catch (err) {
    await rollback(st, createdNetworks, createdVolumes);
    throw err;
  }
  const containers: Record<string, string[]> = {};
  for (const step of plan.services) containers[step.service] = (st.byService.get(step.service) ?? []).map((c) => c.id);
  return { plan, containers };
}

/**
 * Maps every service that will get a container before anything is created, so an unsupported key or a bad value
 * fails the whole run up front (references to other services' containers are not resolved yet).
 */
function preflight(st: RunState, steps: readonly ServiceStep[]): void {
  for (const step of steps) {
    if (!step.actions.some((a) => a.kind === 'create' || a.kind === 'recreate')) continue;
    const s = st.project.services[step.service]!;
    serviceCreateSpec(
      {
        project: st.project,
        image: imageName(st.project, s),
        serviceContainer: (svc) => `${st.project.name}-${svc}-1`,
        filesDir: st.b.filesDir(st.project.name, st.ctx.namespace),
        locate: st.locate,
        imageConfig: {},
      },
      s,
    );
  }
}

async function createNetwork(st: RunState, n: CreateNetworkAction, created: string[]): Promise<void> {
  const eid = networkEventId(n.name);
  st.report({ id: eid, text: 'Creating', status: 'working' });
  let opts: CreateNetworkOptions;
  try {
    opts = networkCreateOptions(st.project, n.key, n.network, n.labels);
  } catch (err) {
    const loc = st.locate(['networks', n.key]);
    if (err instanceof ComposeError && loc !== undefined) throw composeError(err.message, loc);
    throw err;
  }
  try {
    await st.b.networks.createNetwork(st.ctx, opts);
  } catch (err) {
    if (hasCode(err, 'already-exists')) {
      st.report({ id: eid, text: 'Created', status: 'done' });
      return;
    }
    st.report({ id: eid, text: 'Error', status: 'error' });
    const e = err instanceof EngineError ? err : undefined;
    throw new EngineError(e?.code ?? 'internal', `failed to create network ${n.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  created.push(n.name);
  st.report({ id: eid, text: 'Created', status: 'done' });
}

async function createVolume(st: RunState, v: CreateVolumeAction, created: string[]): Promise<void> {
  const eid = volumeEventId(v.name);
  if (v.volume.driver !== undefined && v.volume.driver !== 'local') {
    throw composeError(`volumes.${v.key}.driver: volume driver ${JSON.stringify(v.volume.driver)} is not supported by nerdctl compose`, {
      path: `volumes.${v.key}.driver`,
      ...(st.locate(['volumes', v.key, 'driver']) ?? {}),
    });
  }
  st.report({ id: eid, text: 'Creating', status: 'working' });
  const r = await st.b.volumes.ensure(st.ctx, v.name, { labels: v.labels, ...(v.volume.driver_opts !== undefined ? { options: v.volume.driver_opts } : {}) });
  if (r.created) created.push(v.name);
  st.report({ id: eid, text: 'Created', status: 'done' });
}

/**
 * Runs the steps as a DAG in two halves, as Compose v2 does: every service's containers are created once its
 * dependencies' are (no waiting for health), and started once its dependencies' containers are started and
 * their conditions hold; independent services run in parallel.
 */
async function runServiceDag(st: RunState, steps: readonly ServiceStep[]): Promise<void> {
  const created = new Map<string, Promise<ContainerAction[]>>();
  const started = new Map<string, Promise<void>>();
  const failed = new Set<string>();
  let first: unknown;
  const abort = new AbortController();
  const stepCtx: OpContext = { ...st.ctx, signal: AbortSignal.any([st.ctx.signal, abort.signal]) };
  const sst: RunState = { ...st, ctx: stepCtx };
  const byName = new Map(steps.map((s) => [s.service, s]));
  const fail = (step: ServiceStep, err: unknown): never => {
    failed.add(step.service);
    if (first === undefined) {
      first = serviceError(step.service, err);
      abort.abort();
    }
    throw err;
  };
  const late = (step: ServiceStep) => needsRunningTargets(st.project.services[step.service]!);

  const create = (step: ServiceStep): Promise<ContainerAction[]> => {
    let p = created.get(step.service);
    if (p !== undefined) return p;
    p = (async () => {
      for (const edge of step.dependsOn) {
        const dep = byName.get(edge.service);
        if (dep === undefined) continue;
        await create(dep).catch(() => undefined);
      }
      if (late(step)) return [];
      checkAborted(stepCtx);
      return createPhase(sst, step);
    })().catch((err: unknown) => fail(step, err));
    created.set(step.service, p);
    return p;
  };

  const start = (step: ServiceStep): Promise<void> => {
    let p = started.get(step.service);
    if (p !== undefined) return p;
    p = (async () => {
      let actions = await create(step);
      for (const edge of step.dependsOn) {
        const dep = byName.get(edge.service);
        if (dep === undefined) continue;
        try {
          await start(dep);
          if (failed.has(edge.service)) throw invalidArgument(`dependency ${edge.service} failed`);
          if (st.opts.noStart !== true) {
            const ids = sst.byService.get(edge.service) ?? [];
            await waitForDependency(st.b, stepCtx, ids, edge, st.report);
          }
        } catch (err) {
          if (!edge.required && !hasCode(err, 'canceled')) {
            st.warn(`optional dependency ${edge.service} of service ${step.service} failed, ignored: ${err instanceof Error ? err.message : String(err)}`);
            continue;
          }
          throw err;
        }
      }
      checkAborted(stepCtx);
      if (late(step)) actions = await createPhase(sst, step);
      await startPhase(sst, actions);
      if (step.actions.length === 0) {
        for (const c of sst.byService.get(step.service) ?? []) st.report({ id: containerEventId(c.name), text: 'Running', status: 'done' });
      }
    })().catch((err: unknown) => {
      if (!failed.has(step.service)) fail(step, err);
    });
    started.set(step.service, p);
    return p;
  };

  await Promise.all(steps.map((s) => start(s).catch(() => undefined)));
  if (first !== undefined) {
    if (st.ctx.signal.aborted) throw new EngineError('canceled', 'canceled', { cause: first });
    throw first;
  }
}

export { observeProject };

/**
 * `up --wait` / `start --wait`: waits until every container of `services` is healthy (with a healthcheck) or
 * running (without); a container that exited is an error unless it exited 0 and another service waits for it
 * with `service_completed_successfully`. Throws `deadline-exceeded` after `timeoutMs`.
 */
export async function waitRunningOrHealthy(
  b: ComposeBackend,
  ctx: OpContext,
  project: Project,
  services: readonly string[],
  report: ComposeReporter,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const oneShots = new Set<string>();
  for (const s of Object.values(project.services)) {
    for (const [d, e] of Object.entries(s.depends_on ?? {})) if (e.condition === 'service_completed_successfully') oneShots.add(d);
  }
  const timeout = new AbortController();
  const timer = opts.timeoutMs !== undefined ? setTimeout(() => timeout.abort(), opts.timeoutMs) : undefined;
  const wctx: OpContext = { ...ctx, signal: AbortSignal.any([ctx.signal, timeout.signal]) };
  try {
    const containers = (await projectContainers(b, ctx, project.name)).filter(
      (c) => c.labels[ComposeLabels.oneoff] !== 'True' && services.includes(c.labels[ComposeLabels.service] ?? ''),
    );
    await Promise.all(
      containers.map(async (c) => {
        const eid = containerEventId(c.name);
        const svc = c.labels[ComposeLabels.service] ?? '';
        report({ id: eid, text: 'Waiting', status: 'working' });
        for (;;) {
          if (wctx.signal.aborted) {
            if (ctx.signal.aborted) throw new EngineError('canceled', 'canceled');
            throw new EngineError('deadline-exceeded', `application not healthy after ${Math.round((opts.timeoutMs ?? 0) / 1000)}s`);
          }
          const rec = await b.containers.get(ctx, c.id);
          const status = rec.state.status;
          if (status === 'exited' || status === 'dead') {
            if (rec.state.exitCode === 0 && oneShots.has(svc)) {
              report({ id: eid, text: 'Exited', status: 'done' });
              return;
            }
            report({ id: eid, text: 'Error', status: 'error' });
            throw invalidArgument(`container ${c.name} exited (${rec.state.exitCode})`);
          }
          const hc = rec.config.healthcheck;
          const hasCheck = hc?.Test !== undefined && hc.Test.length > 0 && hc.Test[0] !== 'NONE';
          if (!hasCheck && status === 'running') {
            report({ id: eid, text: 'Healthy', status: 'done' });
            return;
          }
          if (hasCheck && rec.state.health?.status === 'healthy') {
            report({ id: eid, text: 'Healthy', status: 'done' });
            return;
          }
          if (hasCheck && rec.state.health?.status === 'unhealthy') {
            report({ id: eid, text: 'Error', status: 'error' });
            throw invalidArgument(`container ${c.name} is unhealthy`);
          }
          await sleep(200, wctx.signal);
        }
      }),
    );
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
