/**
 * The pure planner of `compose up` / `create` (docker/compose's convergence, as a value): from the normalised
 * project, the services asked for, the options and what the engine holds (plain records), it decides which
 * networks, volumes, images and containers to create, recreate, start, scale down or remove, grouped per service
 * in dependency order. The applier (apply*.ts) runs a {@link Plan}; nothing here touches the engine.
 *
 * How to run a plan (the contract the applier implements):
 * 1. `networks` and `volumes`: create each (they are independent; parallel is fine).
 * 2. `images`: pull or build each (independent; parallel is fine, builds of one image are deduplicated). Images
 *    change what containers must be recreated, so call {@link planUp} again afterwards with the new image ids in
 *    `observed.images` and `skipImages: true`, and run the containers part of that second plan.
 * 3. `services`: a DAG. A step may run when every step named in its `dependsOn` has finished and each edge's
 *    condition holds (`service_started`: running; `service_healthy`: healthy, or running when it has no
 *    healthcheck; `service_completed_successfully`: exited 0). Edges with `required: false` are skipped (with a
 *    warning) when their service fails or is absent. Steps whose dependencies are met may run in parallel. Inside a
 *    step, run the actions in order (creates of different replicas may run in parallel).
 * 4. `orphans`: stop and remove (only with `removeOrphans`).
 * A plan with no action at all ({@link isEmptyPlan}) means the project is up to date: nothing to do.
 *
 * Recreation follows Compose v2: a container is recreated when its `com.docker.compose.config-hash` label differs
 * from the service's hash (hash.ts), when its `com.docker.compose.image` differs from the image the service now
 * resolves to (when known), when a service whose namespaces or volumes it shares (`network_mode: service:x`,
 * `ipc`, `pid`, `volumes_from`) is recreated, or always with `force`; never with `never`. Targeted services use
 * `recreate`, their dependencies `recreateDependencies` (so `up -d web` leaves a running, unchanged `db` alone even
 * with `--force-recreate`, unless `--always-recreate-deps`).
 */
import { randomBytes } from 'node:crypto';
import { Compose as ComposeLabels } from '../engine/labels.js';
import { composeError } from './errors.js';
import { serviceConfigHash } from './hash.js';
import type { DependencyCondition, Network, Project, Service, Volume } from './model.js';
import { serviceScale } from './normalize.js';
import { imageName } from './serialize.js';

/** The Compose v2 release whose behaviour is followed; written to `com.docker.compose.version`. */
export const COMPOSE_VERSION = '2.39.2';

/** Engine states of a container, as Docker names them. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** A container that exists, as the applier reads it from the engine. */
export interface ObservedContainer {
  /** Full container id. */
  id: string;
  /** Name, without a leading `/`. */
  name: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Creation time (ms since the epoch), to order containers with the same number. */
  created?: number;
}

/** What exists in the engine for this project. */
export interface ObservedState {
  /** Every container labelled `com.docker.compose.project=<project name>` (services and one-offs). */
  containers: readonly ObservedContainer[];
  /** Engine names of the networks that exist. */
  networks?: readonly string[];
  /** Engine names of the volumes that exist. */
  volumes?: readonly string[];
  /**
   * Local images: the reference a service uses (`image`, or `<project>-<service>` for a build) -> its image id
   * (`sha256:...`). A reference missing here is not present locally.
   */
  images?: Readonly<Record<string, string>>;
}

/** `diverged` (recreate what changed), `force` (`--force-recreate`), `never` (`--no-recreate`). */
export type RecreatePolicy = 'diverged' | 'force' | 'never';

export interface PlanOptions {
  /** The services named on the command line; empty or absent = every enabled service. */
  services?: readonly string[];
  /** `--no-deps`: leave the dependencies of the named services out of the plan. */
  noDeps?: boolean;
  /** Policy for the named services (default `diverged`). */
  recreate?: RecreatePolicy;
  /** Policy for their dependencies (default `diverged`; `--always-recreate-deps` = `force`). */
  recreateDependencies?: RecreatePolicy;
  /** `--scale svc=n` (overrides `scale`/`deploy.replicas`). */
  scale?: Readonly<Record<string, number>>;
  /** `--remove-orphans`. */
  removeOrphans?: boolean;
  /** `--no-start`: create, do not start. */
  noStart?: boolean;
  /** `--build` = `always`, `--no-build` = `never`, default `auto` (build when the image is missing). */
  build?: 'auto' | 'always' | 'never';
  /** `--pull` overriding every service's `pull_policy` (`always`, `missing`, `never`, `build`). */
  pull?: string;
  /** Leave images out (second planning round after the images were pulled/built). */
  skipImages?: boolean;
  /** Value of `com.docker.compose.version` (default {@link COMPOSE_VERSION}). */
  composeVersion?: string;
}

export interface CreateNetworkAction {
  kind: 'create-network';
  /** Key in `project.networks`. */
  key: string;
  /** Engine name. */
  name: string;
  network: Network;
  /** Labels to put on the network: `com.docker.compose.{project,network,version}` plus its own labels. */
  labels: Record<string, string>;
}

export interface CreateVolumeAction {
  kind: 'create-volume';
  key: string;
  name: string;
  volume: Volume;
  /** `com.docker.compose.{project,volume,version}` plus its own labels. */
  labels: Record<string, string>;
}

export interface PullImageAction {
  kind: 'pull-image';
  /** The reference to pull. */
  image: string;
  /** Services using it. */
  services: string[];
  /** Why: `policy always`, `image missing`... */
  reason: string;
  /** Set when the service can be built instead if the pull fails (`pull_policy: missing` with a build section). */
  buildFallback?: string;
}

export interface BuildImageAction {
  kind: 'build-image';
  service: string;
  /** The tag to give the result (`image`, or `<project>-<service>`). */
  image: string;
  reason: string;
}

export type ImageAction = PullImageAction | BuildImageAction;

/** Create and (unless `--no-start`, see the step's `start` actions) start a new replica. */
export interface CreateContainerAction {
  kind: 'create';
  service: string;
  number: number;
  /** `<project>-<service>-<number>` or `container_name`. */
  name: string;
  /** Every label the container gets (service labels, then the `com.docker.compose.*` ones). */
  labels: Record<string, string>;
  reason: string;
}

/**
 * Replace a container, Compose v2's way: stop `container` (its stop signal and `stop_grace_period`), rename it to
 * `tmpName` (`<id12>_<name>`), create the new one as `name` with `labels`, start it (unless `--no-start`), then
 * remove the old one (and its anonymous volumes only if not inherited; the applier may hand them over).
 */
export interface RecreateContainerAction {
  kind: 'recreate';
  service: string;
  number: number;
  container: ObservedContainer;
  name: string;
  tmpName: string;
  labels: Record<string, string>;
  reason: string;
  /** False with `--no-start`: the new container is only created. */
  start: boolean;
}

/** Start an existing (or just created) container. */
export interface StartContainerAction {
  kind: 'start';
  service: string;
  number: number;
  name: string;
  /** Absent when the container is created by an earlier action of the same step. */
  container?: ObservedContainer;
}

/** Restart a running container because a dependency with `restart: true` was recreated. */
export interface RestartContainerAction {
  kind: 'restart';
  service: string;
  container: ObservedContainer;
  reason: string;
}

/** Stop then remove a container (scale down, orphans). */
export interface RemoveContainerAction {
  kind: 'remove';
  service: string;
  container: ObservedContainer;
  reason: string;
}

export type ContainerAction =
  | CreateContainerAction
  | RecreateContainerAction
  | StartContainerAction
  | RestartContainerAction
  | RemoveContainerAction;

/** An edge of the service DAG: this step waits for `service` to reach `condition`. */
export interface DependencyEdge {
  service: string;
  condition: DependencyCondition;
  /** false: a failed or missing dependency is only a warning. */
  required: boolean;
  /** true: this service is restarted when the dependency is restarted or recreated. */
  restart: boolean;
}

/** The work for one service. */
export interface ServiceStep {
  service: string;
  /** Edges to other steps of this plan. */
  dependsOn: DependencyEdge[];
  /** Replicas wanted after the step. */
  replicas: number;
  /** In order: scale-down removals, recreations, creations, then starts. May be empty (nothing to do). */
  actions: ContainerAction[];
}

export interface Plan {
  project: string;
  networks: CreateNetworkAction[];
  volumes: CreateVolumeAction[];
  images: ImageAction[];
  /** Every planned service, dependencies before dependents (ties by name). */
  services: ServiceStep[];
  orphans: RemoveContainerAction[];
  /** Things to tell the user (orphans found without `--remove-orphans`, skipped optional dependencies...). */
  warnings: string[];
}

/** True when running the plan would change nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return (
    plan.networks.length === 0 &&
    plan.volumes.length === 0 &&
    plan.images.length === 0 &&
    plan.orphans.length === 0 &&
    plan.services.every((s) => s.actions.length === 0)
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Naming and labels

/** `<project>-<service>-<number>`, or the service's `container_name`. */
export function containerName(project: string, service: Service, number: number): string {
  if (service.container_name !== undefined && service.container_name !== '') return service.container_name;
  return `${project}-${service.name}-${number}`;
}

/** A random 64-hex slug for a one-off container. */
export function newSlug(): string {
  return randomBytes(32).toString('hex');
}

/** `<project>-<service>-run-<first 12 hex of slug>`: the name of a `compose run` container. */
export function oneOffContainerName(project: string, service: string, slug: string): string {
  return `${project}-${service}-run-${slug.slice(0, 12)}`;
}

/** `svc:condition:restart` entries, sorted, as in `com.docker.compose.depends_on`. */
export function dependsOnLabel(service: Service): string {
  return Object.keys(service.depends_on ?? {})
    .sort()
    .map((d) => {
      const dep = service.depends_on![d]!;
      return `${d}:${dep.condition}:${dep.restart === true}`;
    })
    .join(',');
}

export interface ContainerLabelOptions {
  /** Replica number; omitted for one-off containers. */
  number?: number;
  /** A `compose run` container. */
  oneoff?: boolean;
  /** One-off slug (64 hex). */
  slug?: string;
  /** The image id the container is created from (`com.docker.compose.image`). */
  imageId?: string;
  composeVersion?: string;
}

/**
 * Labels of a service container: the service's own labels, then Compose's (which win): project, service,
 * container-number, oneoff, config-hash, project.working_dir, project.config_files, project.environment_file,
 * depends_on, image, version (and slug for one-offs).
 */
export function containerLabels(project: Project, service: Service, opts: ContainerLabelOptions = {}): Record<string, string> {
  const l: Record<string, string> = { ...service.labels };
  l[ComposeLabels.project] = project.name;
  l[ComposeLabels.service] = service.name;
  if (opts.number !== undefined && opts.oneoff !== true) l[ComposeLabels.containerNumber] = String(opts.number);
  l[ComposeLabels.oneoff] = opts.oneoff === true ? 'True' : 'False';
  if (opts.slug !== undefined) l[ComposeLabels.slug] = opts.slug;
  l[ComposeLabels.configHash] = serviceConfigHash(service);
  l[ComposeLabels.workingDir] = project.workingDir;
  l[ComposeLabels.configFiles] = project.configFiles.join(',');
  if (project.envFiles.length > 0) l[ComposeLabels.environmentFile] = project.envFiles.join(',');
  l[ComposeLabels.dependsOn] = dependsOnLabel(service);
  if (opts.imageId !== undefined) l[ComposeLabels.image] = opts.imageId;
  l[ComposeLabels.version] = opts.composeVersion ?? COMPOSE_VERSION;
  return l;
}

// ---------------------------------------------------------------------------------------------------------------
// Graph

/**
 * Services in dependency order (dependencies first, ties by name), restricted to `names` (and their dependencies
 * unless `noDeps`).
 * @throws ComposeError for unknown services and cycles
 */
export function dependencyOrder(project: Project, names: readonly string[] = [], noDeps = false): string[] {
  const wanted = new Set<string>();
  const add = (n: string, required: boolean): void => {
    if (wanted.has(n)) return;
    if (!(n in project.services)) {
      if (required) throw composeError(`no such service: ${n}`);
      return;
    }
    wanted.add(n);
    if (noDeps && names.length > 0) return;
    for (const [d, e] of Object.entries(project.services[n]!.depends_on ?? {})) add(d, e.required);
  };
  const roots = names.length > 0 ? names : Object.keys(project.services);
  for (const n of roots) add(n, true);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, path: string[]): void => {
    const st = state.get(n);
    if (st === 'done') return;
    if (st === 'visiting') throw composeError(`dependency cycle detected: ${[...path.slice(path.indexOf(n)), n].join(' -> ')}`);
    state.set(n, 'visiting');
    for (const d of Object.keys(project.services[n]!.depends_on ?? {}).sort()) if (wanted.has(d)) visit(d, [...path, n]);
    state.set(n, 'done');
    order.push(n);
  };
  for (const n of [...wanted].sort()) visit(n, []);
  return order;
}

// ---------------------------------------------------------------------------------------------------------------
// Planning

interface ServiceContainer {
  c: ObservedContainer;
  number: number;
}

function containerNumber(c: ObservedContainer): number | undefined {
  const n = Number(c.labels[ComposeLabels.containerNumber]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

const SERVICE_PREFIX = 'service:';

/** Services whose namespaces or volumes `s` shares (recreating them forces recreating `s`). */
function sharedParents(s: Service): string[] {
  const out: string[] = [];
  for (const mode of [s.network_mode, s.ipc, s.pid]) if (mode?.startsWith(SERVICE_PREFIX)) out.push(mode.slice(SERVICE_PREFIX.length));
  for (const v of s.volumes_from ?? []) if (!v.startsWith('container:')) out.push(v.split(':')[0]!);
  return out;
}

function planImages(project: Project, order: readonly string[], observed: ObservedState, opts: PlanOptions): ImageAction[] {
  const local = observed.images ?? {};
  const pulls = new Map<string, PullImageAction>();
  const builds: BuildImageAction[] = [];
  for (const name of order) {
    const s = project.services[name]!;
    const ref = imageName(project, s);
    const present = Object.hasOwn(local, ref);
    const policy = opts.pull ?? s.pull_policy ?? 'missing';
    const addPull = (reason: string, buildFallback?: string): void => {
      const p = pulls.get(ref);
      if (p === undefined) pulls.set(ref, { kind: 'pull-image', image: ref, services: [name], reason, ...(buildFallback ? { buildFallback } : {}) });
      else if (!p.services.includes(name)) p.services.push(name);
    };
    if (s.build !== undefined) {
      if (opts.build === 'always' || policy === 'build') builds.push({ kind: 'build-image', service: name, image: ref, reason: opts.build === 'always' ? '--build' : 'pull_policy build' });
      else if (policy === 'always' && s.image !== undefined) addPull('pull_policy always', name);
      else if (!present && opts.build !== 'never') builds.push({ kind: 'build-image', service: name, image: ref, reason: 'image missing' });
      continue;
    }
    if (policy === 'never') continue;
    if (policy === 'always') addPull('pull_policy always');
    else if (!present) addPull('image missing');
  }
  return [...pulls.values(), ...builds];
}

/**
 * Plans `compose up` (or `create` with `noStart`).
 * @throws ComposeError for unknown services, dependency cycles and `--scale` of a `container_name` service above 1
 */
export function planUp(project: Project, observed: ObservedState, opts: PlanOptions = {}): Plan {
  const targets = opts.services ?? [];
  const order = dependencyOrder(project, targets, opts.noDeps === true);
  const inPlan = new Set(order);
  const warnings: string[] = [];
  const version = opts.composeVersion ?? COMPOSE_VERSION;

  // networks and volumes used by the planned services
  const usedNetworks = new Set<string>();
  const usedVolumes = new Set<string>();
  for (const n of order) {
    const s = project.services[n]!;
    for (const k of Object.keys(s.networks ?? {})) usedNetworks.add(k);
    for (const v of s.volumes ?? []) if (v.type === 'volume' && v.source !== undefined) usedVolumes.add(v.source);
  }
  const existingNetworks = new Set(observed.networks ?? []);
  const existingVolumes = new Set(observed.volumes ?? []);
  const networks: CreateNetworkAction[] = [];
  for (const key of [...usedNetworks].sort()) {
    const n = project.networks[key];
    if (n === undefined || n.external === true || existingNetworks.has(n.name)) continue;
    networks.push({
      kind: 'create-network',
      key,
      name: n.name,
      network: n,
      labels: { ...n.labels, [ComposeLabels.project]: project.name, [ComposeLabels.network]: key, [ComposeLabels.version]: version },
    });
  }
  const volumes: CreateVolumeAction[] = [];
  for (const key of [...usedVolumes].sort()) {
    const v = project.volumes[key];
    if (v === undefined || v.external === true || existingVolumes.has(v.name)) continue;
    volumes.push({
      kind: 'create-volume',
      key,
      name: v.name,
      volume: v,
      labels: { ...v.labels, [ComposeLabels.project]: project.name, [ComposeLabels.volume]: key, [ComposeLabels.version]: version },
    });
  }

  const images = opts.skipImages === true ? [] : planImages(project, order, observed, opts);

  // observed containers of this project, by service
  const byService = new Map<string, ServiceContainer[]>();
  const orphans: RemoveContainerAction[] = [];
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  for (const c of observed.containers) {
    if (c.labels[ComposeLabels.project] !== project.name) continue;
    const svc = c.labels[ComposeLabels.service] ?? '';
    if (c.labels[ComposeLabels.oneoff] === 'True') {
      if (c.state === 'exited' || c.state === 'dead') orphans.push({ kind: 'remove', service: svc, container: c, reason: 'orphaned one-off container' });
      continue;
    }
    if (!known.has(svc)) {
      orphans.push({ kind: 'remove', service: svc, container: c, reason: 'orphaned container' });
      continue;
    }
    const list = byService.get(svc) ?? [];
    list.push({ c, number: containerNumber(c) ?? 0 });
    byService.set(svc, list);
  }
  if (orphans.length > 0 && opts.removeOrphans !== true) {
    warnings.push(
      `Found orphan containers ([${orphans.map((o) => o.container.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
    );
  }

  const recreated = new Set<string>();
  const steps: ServiceStep[] = [];
  for (const name of order) {
    const s = project.services[name]!;
    const targeted = targets.length === 0 || targets.includes(name);
    const policy: RecreatePolicy = (targeted ? opts.recreate : opts.recreateDependencies) ?? 'diverged';
    const replicas = opts.scale?.[name] ?? serviceScale(s);
    if (replicas > 1 && s.container_name !== undefined && s.container_name !== '') {
      throw composeError(`services.${name}: can't set container_name and scale as container name must be unique`);
    }
    const ref = imageName(project, s);
    const imageId = observed.images?.[ref];
    const hash = serviceConfigHash(s);
    const parentRecreated = sharedParents(s).some((p) => recreated.has(p));
    const mustRecreate = (c: ObservedContainer): string | undefined => {
      if (policy === 'never') return undefined;
      if (policy === 'force') return 'forced';
      if (parentRecreated) return 'a service it shares namespaces or volumes with was recreated';
      if (c.labels[ComposeLabels.configHash] !== hash) return 'configuration changed';
      if (imageId !== undefined && c.labels[ComposeLabels.image] !== imageId) return 'image changed';
      return undefined;
    };
    const labelsFor = (number: number): Record<string, string> =>
      containerLabels(project, s, { number, imageId, composeVersion: version });

    const existing = (byService.get(name) ?? []).map((sc) => ({ ...sc, why: mustRecreate(sc.c) }));
    // keep up-to-date containers and low numbers; scale down obsolete and high numbers first (Compose v2's sort)
    existing.sort((a, b) => {
      const oa = a.why !== undefined;
      const ob = b.why !== undefined;
      if (oa !== ob) return oa ? 1 : -1;
      if (a.number !== b.number) return a.number - b.number;
      return (b.c.created ?? 0) - (a.c.created ?? 0);
    });
    const actions: ContainerAction[] = [];
    const removals = existing.slice(replicas).sort((a, b) => b.number - a.number);
    for (const r of removals) actions.push({ kind: 'remove', service: name, container: r.c, reason: 'scale down' });
    const kept = existing.slice(0, replicas);
    const starts: StartContainerAction[] = [];
    for (const k of kept.sort((a, b) => a.number - b.number)) {
      const finalName = containerName(project.name, s, k.number);
      if (k.why !== undefined) {
        actions.push({
          kind: 'recreate',
          service: name,
          number: k.number,
          container: k.c,
          name: finalName,
          tmpName: `${k.c.id.slice(0, 12)}_${finalName}`,
          // Compose v2 marks the replacement with what it replaces: `container_name` or `<service>-<number>`
          labels: { ...labelsFor(k.number), [ComposeLabels.replace]: s.container_name ?? `${name}-${k.number}` },
          reason: k.why,
          start: opts.noStart !== true,
        });
        recreated.add(name);
        continue;
      }
      if (opts.noStart !== true && (k.c.state === 'created' || k.c.state === 'exited' || k.c.state === 'dead')) {
        starts.push({ kind: 'start', service: name, number: k.number, name: k.c.name, container: k.c });
      }
    }
    let next = Math.max(0, ...(byService.get(name) ?? []).map((x) => x.number)) + 1;
    for (let i = kept.length; i < replicas; i++, next++) {
      const cname = containerName(project.name, s, next);
      actions.push({ kind: 'create', service: name, number: next, name: cname, labels: labelsFor(next), reason: 'no existing container' });
      if (opts.noStart !== true) starts.push({ kind: 'start', service: name, number: next, name: cname });
    }
    const dependsOn: DependencyEdge[] = [];
    for (const d of Object.keys(s.depends_on ?? {}).sort()) {
      const e = s.depends_on![d]!;
      if (!inPlan.has(d)) {
        if (!(d in project.services) && !e.required) warnings.push(`service ${name}: optional dependency ${d} is not part of the project, ignored`);
        continue;
      }
      dependsOn.push({ service: d, condition: e.condition, required: e.required, restart: e.restart === true });
    }
    // a dependency recreated with `restart: true` restarts the running containers that were not recreated
    if (opts.noStart !== true && dependsOn.some((e) => e.restart && recreated.has(e.service))) {
      for (const k of kept) {
        if (k.why === undefined && k.c.state === 'running') {
          const dep = dependsOn.find((e) => e.restart && recreated.has(e.service))!;
          actions.push({ kind: 'restart', service: name, container: k.c, reason: `dependency ${dep.service} was recreated` });
        }
      }
    }
    actions.push(...starts);
    steps.push({ service: name, dependsOn, replicas, actions });
  }

  return {
    project: project.name,
    networks,
    volumes,
    images,
    services: steps,
    orphans: opts.removeOrphans === true ? orphans : [],
    warnings,
  };
}
