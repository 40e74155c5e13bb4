/**
 * `compose down` (and the container part shared with `stop`/`rm`): stops and removes a project's containers with
 * dependents first, then its networks (never external ones) and, with `volumes`, its named volumes and the
 * anonymous volumes of its containers; with `rmi`, its images. Works from the loaded project, or from container
 * labels alone when only the project name is known (`compose -p name down` without a file).
 */
import { rm } from 'node:fs/promises';
import type { ContainerSummary } from '../engine/containers/types.js';
import { hasCode } from '../engine/errdefs.js';
import { Compose as ComposeLabels } from '../engine/labels.js';
import type { OpContext } from '../engine/op-context.js';
import { containerEventId, networkEventId, volumeEventId, type ComposeBackend, type ComposeReporter } from './backend.js';
import type { Project } from './model.js';
import { projectContainers } from './observe.js';
import { imageName } from './serialize.js';

export interface DownOptions {
  /** `-v`: named volumes declared by the project and anonymous volumes of its containers. */
  volumes?: boolean;
  /** `--rmi local|all`. */
  rmi?: 'local' | 'all';
  /** `--remove-orphans`: also containers of services no longer in the project. */
  removeOrphans?: boolean;
  /** `-t`. */
  timeoutSeconds?: number;
  /** `down SERVICE...`: only these services' containers; networks and volumes only when nothing uses them. */
  services?: readonly string[];
  onWarning?: (message: string) => void;
}

/** Service names of `containers` grouped into waves: every service after the services it depends on (by label). */
export function dependencyWaves(containers: readonly { labels: Readonly<Record<string, string>> }[], project?: Project): string[][] {
  const deps = new Map<string, Set<string>>();
  for (const c of containers) {
    const svc = c.labels[ComposeLabels.service] ?? '';
    const set = deps.get(svc) ?? new Set<string>();
    const fromModel = project?.services[svc]?.depends_on;
    const names = fromModel !== undefined ? Object.keys(fromModel) : (c.labels[ComposeLabels.dependsOn] ?? '').split(',').map((d) => d.split(':')[0]!).filter((d) => d !== '');
    for (const d of names) set.add(d);
    deps.set(svc, set);
  }
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < deps.size) {
    const wave = [...deps.keys()].filter((s) => !placed.has(s) && [...deps.get(s)!].every((d) => placed.has(d) || !deps.has(d))).sort();
    // a cycle (only possible with hand-made labels): place the rest together
    const next = wave.length > 0 ? wave : [...deps.keys()].filter((s) => !placed.has(s)).sort();
    for (const s of next) placed.add(s);
    waves.push(next);
  }
  return waves;
}

/**
 * Stops then removes `containers`, dependents first. A wave's dependencies are signalled as soon as the wave's
 * processes have exited; the slower part of a stop (unmounting, releasing the network) and the removal overlap
 * with the next wave.
 */
export async function removeContainers(
  b: ComposeBackend,
  ctx: OpContext,
  containers: readonly ContainerSummary[],
  report: ComposeReporter,
  opts: { volumes?: boolean; timeoutSeconds?: number; stop?: boolean; project?: Project },
): Promise<void> {
  const waves = dependencyWaves(containers, opts.project).reverse();
  const stopOpts = opts.timeoutSeconds !== undefined ? { timeoutSeconds: opts.timeoutSeconds } : {};
  const pending: Promise<void>[] = [];
  for (const wave of waves) {
    const group = containers.filter((c) => wave.includes(c.labels[ComposeLabels.service] ?? ''));
    const exits = group.map((c) => {
      const eid = containerEventId(c.name);
      const active = opts.stop !== false && (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting');
      const work = (async () => {
        if (active) {
          report({ id: eid, text: 'Stopping', status: 'working' });
          try {
            await b.containers.stop(ctx, c.id, stopOpts);
          } catch (err) {
            if (!hasCode(err, 'not-found')) throw err;
          }
          report({ id: eid, text: 'Stopped', status: 'done' });
        }
        report({ id: eid, text: 'Removing', status: 'working' });
        try {
          await b.containers.remove(ctx, c.id, { force: true, volumes: opts.volumes === true });
        } catch (err) {
          if (!hasCode(err, 'not-found')) throw err;
        }
        report({ id: eid, text: 'Removed', status: 'done' });
      })();
      pending.push(work);
      work.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
      if (!active) return Promise.resolve();
      // the process has exited (the exit is recorded) or the whole stop/remove is over, whichever comes first
      const waiting = new AbortController();
      void work.finally(() => waiting.abort()).catch(() => {});
      const exited = b.containers.wait({ ...ctx, signal: AbortSignal.any([ctx.signal, waiting.signal]) }, c.id).then(
        () => undefined,
        () => work,
      );
      return Promise.race([exited, work]);
    });
    await Promise.all(exits);
  }
  await Promise.all(pending);
}

/** Stops containers dependents first (for `compose stop`). */
export async function stopContainers(
  b: ComposeBackend,
  ctx: OpContext,
  containers: readonly ContainerSummary[],
  report: ComposeReporter,
  opts: { timeoutSeconds?: number; project?: Project },
): Promise<void> {
  const waves = dependencyWaves(containers, opts.project).reverse();
  for (const wave of waves) {
    const group = containers.filter((c) => wave.includes(c.labels[ComposeLabels.service] ?? ''));
    await Promise.all(
      group.map(async (c) => {
        if (c.state.status !== 'running' && c.state.status !== 'paused' && c.state.status !== 'restarting') return;
        const eid = containerEventId(c.name);
        report({ id: eid, text: 'Stopping', status: 'working' });
        await b.containers.stop(ctx, c.id, opts.timeoutSeconds !== undefined ? { timeoutSeconds: opts.timeoutSeconds } : {});
        report({ id: eid, text: 'Stopped', status: 'done' });
      }),
    );
  }
}

/** `compose down` for project `name` (`project` when its files were loaded). */
export async function applyDown(
  b: ComposeBackend,
  ctx: OpContext,
  name: string,
  project: Project | undefined,
  opts: DownOptions,
  report: ComposeReporter,
): Promise<void> {
  const all = await projectContainers(b, ctx, name);
  const known = project === undefined ? undefined : new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  const orphans = known === undefined ? [] : all.filter((c) => c.labels[ComposeLabels.oneoff] !== 'True' && !known.has(c.labels[ComposeLabels.service] ?? ''));
  const selected = opts.services !== undefined && opts.services.length > 0;
  let targets = opts.removeOrphans === true ? all : all.filter((c) => !orphans.includes(c));
  if (selected) targets = targets.filter((c) => opts.services!.includes(c.labels[ComposeLabels.service] ?? ''));
  const remaining = all.filter((c) => !targets.includes(c));
  if (orphans.length > 0 && opts.removeOrphans !== true) {
    opts.onWarning?.(
      `Found orphan containers ([${orphans.map((o) => o.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
    );
  }
  await removeContainers(b, ctx, targets, report, {
    volumes: opts.volumes === true,
    ...(opts.timeoutSeconds !== undefined ? { timeoutSeconds: opts.timeoutSeconds } : {}),
    ...(project !== undefined ? { project } : {}),
  });

  // networks: the project's own (by model, else by label); a network still used by orphans stays
  const nets = await b.networks.listNetworks(ctx);
  const ours = nets.filter((n) => {
    if (n.pseudo || n.isDefault) return false;
    if (project !== undefined) {
      return Object.values(project.networks).some((m) => m.external !== true && m.name === n.name) && (n.labels[ComposeLabels.project] ?? name) === name;
    }
    return n.labels[ComposeLabels.project] === name;
  });
  await Promise.all(
    ours
      .sort((a, z) => a.name.localeCompare(z.name))
      .map(async (n) => {
        const eid = networkEventId(n.name);
        report({ id: eid, text: 'Removing', status: 'working' });
        try {
          await b.networks.removeNetwork(ctx, n);
        } catch (err) {
          if (hasCode(err, 'failed-precondition') && remaining.length > 0) {
            report({ id: eid, text: 'Resource is still in use', status: 'warning' });
            return;
          }
          if (!hasCode(err, 'not-found')) {
            report({ id: eid, text: 'Error', status: 'error' });
            throw err;
          }
        }
        report({ id: eid, text: 'Removed', status: 'done' });
      }),
  );

  if (opts.volumes === true && (!selected || remaining.length === 0)) {
    const vols = await b.volumes.list(ctx);
    const names = vols
      .filter((v) =>
        project !== undefined
          ? Object.values(project.volumes).some((m) => m.external !== true && m.name === v.name)
          : v.labels[ComposeLabels.project] === name,
      )
      .map((v) => v.name)
      .sort();
    for (const v of names) {
      const eid = volumeEventId(v);
      report({ id: eid, text: 'Removing', status: 'working' });
      try {
        await b.volumes.remove(ctx, v);
      } catch (err) {
        if (!hasCode(err, 'not-found')) {
          report({ id: eid, text: 'Error', status: 'error' });
          throw err;
        }
      }
      report({ id: eid, text: 'Removed', status: 'done' });
    }
  }

  if (opts.rmi !== undefined) await removeImages(b, ctx, name, project, targets, opts.rmi, report);
  if (remaining.length === 0) await rm(b.filesDir(name, ctx.namespace), { recursive: true, force: true });
}

async function removeImages(
  b: ComposeBackend,
  ctx: OpContext,
  name: string,
  project: Project | undefined,
  containers: readonly ContainerSummary[],
  mode: 'local' | 'all',
  report: ComposeReporter,
): Promise<void> {
  const refs = new Set<string>();
  if (project !== undefined) {
    for (const s of Object.values(project.services)) {
      // `local`: only images without a custom tag (built as <project>-<service>)
      if (mode === 'all' || s.image === undefined) refs.add(imageName(project, s));
    }
  } else {
    for (const c of containers) {
      const svc = c.labels[ComposeLabels.service] ?? '';
      if (mode === 'all' || c.image === `${name}-${svc}`) refs.add(c.image);
    }
  }
  const images = await b.images();
  for (const ref of [...refs].sort()) {
    const eid = `Image ${ref}`;
    try {
      await images.get(ctx, ref);
    } catch (err) {
      if (hasCode(err, 'not-found')) continue;
      throw err;
    }
    report({ id: eid, text: 'Removing', status: 'working' });
    try {
      await images.remove(ctx, ref, {});
    } catch (err) {
      if (hasCode(err, 'conflict')) {
        report({ id: eid, text: 'Resource is still in use', status: 'warning' });
        continue;
      }
      if (!hasCode(err, 'not-found')) throw err;
    }
    report({ id: eid, text: 'Removed', status: 'done' });
  }
}
