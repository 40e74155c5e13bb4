/**
 * What the engine holds for a project, read through the backend as the planner's plain records: containers
 * labelled `com.docker.compose.project=<name>`, the networks and volumes that exist, and the local image ids of
 * the services' image references.
 */
import { hasCode } from '../engine/errdefs.js';
import type { ContainerSummary } from '../engine/containers/types.js';
import { Compose as ComposeLabels } from '../engine/labels.js';
import type { OpContext } from '../engine/op-context.js';
import type { ComposeBackend } from './backend.js';
import type { Project } from './model.js';
import type { ContainerState, ObservedContainer, ObservedState } from './plan.js';
import { imageName } from './serialize.js';

/** A summary as the planner's record. */
export function toObserved(c: ContainerSummary): ObservedContainer {
  const created = Date.parse(c.createdAt);
  return {
    id: c.id,
    name: c.name,
    labels: { ...c.labels },
    state: c.state.status as ContainerState,
    ...(Number.isNaN(created) ? {} : { created }),
  };
}

/** Every container (running or not) of project `name`, newest first. */
export async function projectContainers(b: ComposeBackend, ctx: OpContext, name: string): Promise<ContainerSummary[]> {
  const all = await b.containers.list(ctx, { all: true });
  return all.filter((c) => c.labels[ComposeLabels.project] === name);
}

/** Local image ids of the references the project's services use (absent = not present). */
export async function observeImages(b: ComposeBackend, ctx: OpContext, project: Project): Promise<Record<string, string>> {
  const images = await b.images();
  const refs = new Set(Object.values(project.services).map((s) => imageName(project, s)));
  const out: Record<string, string> = {};
  await Promise.all(
    [...refs].map(async (ref) => {
      try {
        const img = await images.get(ctx, ref);
        const id = img.summary.id ?? (await images.open(ctx, img)).id;
        out[ref] = id;
      } catch (err) {
        if (!hasCode(err, 'not-found')) throw err;
      }
    }),
  );
  return out;
}

/** The full observed state for planning. */
export async function observeProject(b: ComposeBackend, ctx: OpContext, project: Project, opts: { images?: boolean } = {}): Promise<ObservedState> {
  const [containers, networks, volumes, images] = await Promise.all([
    projectContainers(b, ctx, project.name),
    b.networks.listNetworks(ctx),
    b.volumes.list(ctx),
    opts.images === false ? Promise.resolve(undefined) : observeImages(b, ctx, project),
  ]);
  return {
    containers: containers.map(toObserved),
    networks: networks.map((n) => n.name),
    volumes: volumes.map((v) => v.name),
    ...(images !== undefined ? { images } : {}),
  };
}

/** The `service-number` display name Compose v2 uses in log prefixes (the full name for `container_name`). */
export function shortName(c: { name: string; labels: Readonly<Record<string, string>> }): string {
  const project = c.labels[ComposeLabels.project] ?? '';
  const service = c.labels[ComposeLabels.service] ?? '';
  const number = c.labels[ComposeLabels.containerNumber];
  if (number !== undefined && c.name === `${project}-${service}-${number}`) return `${service}-${number}`;
  if (c.labels[ComposeLabels.oneoff] === 'True' && c.name.startsWith(`${project}-`)) return c.name.slice(project.length + 1);
  return c.name;
}
