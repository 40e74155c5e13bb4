/**
 * What happens when a container's process ends (the exit command's work) and when a container is removed.
 *
 * handleExit, under the container's lock:
 *   1. delete the task (runc state, conmon's files) and read the exit status (the exit file outlives the task);
 *      a task still running means there is nothing to do (a spurious call, or a restart already happened);
 *   2. record the exit (status, code, finish time) and unmount the rootfs;
 *   3. apply the restart policy (restart-policy.ts): `restarting` with the back-off delay, then — without the
 *      lock, so `stop`/`rm` can intervene — wait, and start again keeping the network namespace; or
 *   4. release the network and, for `--rm`, remove the container with its anonymous volumes.
 * Every step is idempotent, so the exit command, a foreground CLI and `stop` may all call it.
 */
import { rm } from 'node:fs/promises';
import { conflict, hasCode } from '../errdefs.js';
import { emitContainerEvent, emitNetworkEvent, emitVolumeEvent } from '../events/emit.js';
import { holdOwner, isOwnerAlive, releaseOwner } from '../metadata/owner.js';
import type { OpContext } from '../op-context.js';
import type { ExitStatus } from '../tasks/task-service.js';
import type { ContainerServiceOptions } from './deps.js';
import { withContainerLock } from './lock.js';
import { containerPaths } from './paths.js';
import { restartDecision } from './restart-policy.js';
import { markExitHandled, startContainer, unmountRootfs } from './start.js';
import type { ContainerRecord, ContainerState, RemoveContainerOptions } from './types.js';

export type ExitOutcome = 'running' | 'restarted' | 'exited' | 'removed' | 'gone';

const ACTIVE = new Set(['running', 'paused', 'restarting']);

/** True for states in which the container's process may be running. */
export function isActive(s: Pick<ContainerState, 'status'>): boolean {
  return ACTIVE.has(s.status);
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/**
 * Releases the network of a container that will not run again. `container:` mode shares another's namespace and
 * `none`/`ns:` set up nothing to release (runc's own namespace, or the user's): no provider call at all.
 */
async function releaseNetwork(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord): Promise<void> {
  const kind = rec.config.network.mode.kind;
  if (kind === 'container' || kind === 'none' || kind === 'ns') return;
  await (await d.network()).teardown(ctx, rec.id);
  // Docker's events for a container leaving its networks at its exit: one disconnect per network.
  if (rec.state.network?.attached) {
    for (const e of rec.state.network.endpoints) {
      emitNetworkEvent(d.storage.db, ctx, { id: e.networkId, name: e.network, driver: e.driver ?? 'bridge' }, 'disconnect', { container: rec.id });
    }
  }
}

function stoppedNetwork(s: ContainerState): Partial<ContainerState> {
  return s.network ? { network: { ...s.network, attached: false, endpoints: [], ports: [] } } : {};
}

/** The exit status of the task, deleting the task. undefined when it is still running. */
async function collectExit(d: ContainerServiceOptions, ctx: OpContext, id: string): Promise<{ running: boolean; exit?: ExitStatus }> {
  try {
    const exit = await d.tasks.delete(ctx, id);
    return exit ? { running: false, exit } : { running: false };
  } catch (err) {
    if (hasCode(err, 'failed-precondition')) return { running: true };
    if (!hasCode(err, 'not-found')) throw err;
  }
  const exit = await d.tasks.readExitCode(ctx, id);
  return exit ? { running: false, exit } : { running: false };
}

/** Finishes a container that will not run again: network released, state exited, `--rm` honoured. */
async function finish(d: ContainerServiceOptions, ctx: OpContext, rec: ContainerRecord): Promise<ExitOutcome> {
  await releaseNetwork(d, ctx, rec);
  if (rec.config.autoRemove) {
    // Straight to removal: the record is about to go, no need to write its final state first.
    await removeLocked(d, ctx, { ...rec, state: { ...rec.state, status: 'exited' } }, { force: true, volumes: true, cleaned: true });
    return 'removed';
  }
  const after = d.store.updateState(ctx.namespace, rec.id, (s) => {
    const { restartOwner: _r, ...rest } = s;
    return { ...rest, status: 'exited', pid: 0, ...stoppedNetwork(s) };
  });
  return after ? 'exited' : 'gone';
}

/** handleExit (see the module comment). */
export async function handleExit(d: ContainerServiceOptions, ctx: OpContext, id: string): Promise<ExitOutcome> {
  const owner = holdOwner();
  try {
    const phase1 = await withContainerLock(d.store, ctx, id, async (): Promise<ExitOutcome | { restartIn: number }> => {
      const rec = d.store.get(ctx.namespace, id);
      if (!rec) return 'gone';
      const paths = containerPaths(d, ctx.namespace, id);
      if (rec.state.status === 'restarting') {
        // Someone is waiting out the back-off; take over only from a dead one.
        if (isOwnerAlive(rec.state.restartOwner) && !rec.state.stoppedByUser) return 'restarted';
        if (rec.state.stoppedByUser) return finish(d, ctx, rec);
        d.store.updateState(ctx.namespace, id, (s) => ({ ...s, restartOwner: owner }));
        return { restartIn: 0 };
      }
      const { running, exit } = await collectExit(d, ctx, id);
      if (running) return 'running';
      await unmountRootfs(paths);
      if (!isActive(rec.state)) {
        // Already handled (a second call): make sure nothing is left, change nothing.
        if (rec.state.network?.attached) return finish(d, ctx, rec);
        if (!rec.config.autoRemove) return 'exited';
        await removeLocked(d, ctx, rec, { force: true, volumes: true, cleaned: true });
        return 'removed';
      }
      const exitCode = exit?.exitCode ?? 255;
      const finishedAt = exit?.exitedAt ?? new Date();
      const ranForMs = rec.state.startedAt ? finishedAt.getTime() - Date.parse(rec.state.startedAt) : 0;
      const decision = restartDecision({
        policy: rec.config.restartPolicy,
        exitCode,
        restartCount: rec.state.restartCount,
        stoppedByUser: rec.state.stoppedByUser,
        autoRemove: rec.config.autoRemove,
        ranForMs,
        ...(rec.state.restartDelayMs !== undefined ? { previousDelayMs: rec.state.restartDelayMs } : {}),
      });
      const recorded = d.store.updateState(ctx.namespace, id, (s) => {
        // Docker's events for an exit: volume unmounts, then die with the exit code (in this transaction).
        for (const m of rec.config.mounts) {
          if (m.type === 'volume' && m.name !== undefined) emitVolumeEvent(d.storage.db, ctx, m.name, 'unmount', { container: id });
        }
        // Docker's order when the kernel killed it for memory: oom, then die.
        if (exit?.oomKilled === true) emitContainerEvent(d.storage.db, ctx, rec, 'oom');
        emitContainerEvent(d.storage.db, ctx, rec, 'die', { exitCode: String(exitCode) });
        return {
          ...s,
          pid: 0,
          exitCode,
          oomKilled: exit?.oomKilled === true,
          finishedAt: rfc3339(finishedAt),
          ...(decision.restart
            ? { status: 'restarting' as const, restartCount: s.restartCount + 1, restartDelayMs: decision.delayMs, restartOwner: owner }
            : {}),
        };
      });
      if (!recorded) return 'gone';
      if (!decision.restart) return finish(d, ctx, recorded);
      return { restartIn: decision.delayMs };
    });
    if (typeof phase1 === 'string') return phase1;

    await new Promise((r) => setTimeout(r, phase1.restartIn));
    return await withContainerLock(d.store, ctx, id, async (): Promise<ExitOutcome> => {
      const rec = d.store.get(ctx.namespace, id);
      if (!rec) return 'gone';
      if (rec.state.status !== 'restarting' || rec.state.restartOwner !== owner) return 'exited';
      if (rec.state.stoppedByUser) return finish(d, ctx, rec);
      try {
        await startContainer(d, ctx, rec);
        return 'restarted';
      } catch (err) {
        ctx.log.warn('restart failed', { id, error: err });
        const after = d.store.get(ctx.namespace, id);
        if (after) await finish(d, ctx, after);
        return 'exited';
      }
    });
  } catch (err) {
    if (hasCode(err, 'not-found')) return 'gone';
    throw err;
  } finally {
    releaseOwner(owner);
  }
}

/**
 * Removes a container; the caller holds its lock. Kills a running one when `force` (else conflict with Docker's
 * wording); removes the task, rootfs mount, network, snapshot, record and directories, and with `volumes` its
 * anonymous volumes (kept when another container still uses them).
 */
export async function removeLocked(
  d: ContainerServiceOptions,
  ctx: OpContext,
  rec: ContainerRecord,
  opts: RemoveContainerOptions & { /** handleExit already deleted the task, unmounted and released the network. */ cleaned?: boolean } = {},
): Promise<void> {
  const id = rec.id;
  const ns = ctx.namespace;
  const paths = containerPaths(d, ns, id);
  if (isActive(rec.state) && rec.state.status !== 'restarting') {
    if (!opts.force) {
      throw conflict(
        `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
        { subject: { kind: 'container', ref: id } },
      );
    }
    d.store.updateState(ns, id, (s) => ({ ...s, stoppedByUser: true, status: 'removing' }));
    await markExitHandled(paths);
    // SIGKILL to every process and wait for conmon's exit record (inotify): quicker than `runc delete --force`,
    // which polls for the death it causes. The delete below then finds a stopped task.
    try {
      await d.tasks.kill(ctx, id, 9, { all: true });
      await d.tasks.waitExit(ctx, id, { timeoutMs: 10_000 });
    } catch (err) {
      ctx.log.debug('rm -f: kill before delete failed; the forced delete takes over', { id, error: err });
    }
  }
  if (!opts.cleaned) {
    await d.tasks.delete(ctx, id, { force: true }).catch((err: unknown) => {
      if (!hasCode(err, 'not-found')) throw err;
    });
    await unmountRootfs(paths);
    await releaseNetwork(d, ctx, rec);
  }
  await d.tasks.purge(ctx, id);
  await d.storage
    .snapshotterFor(rec.snapshotter)
    .remove(ctx, rec.snapshotKey)
    .catch((err: unknown) => {
      if (!hasCode(err, 'not-found')) throw err;
    });
  d.store.db.write(() => {
    d.store.delete(ns, id);
    emitContainerEvent(d.storage.db, ctx, rec, 'destroy');
  });
  await Promise.all([rm(paths.dir, { recursive: true, force: true }), rm(paths.bundle, { recursive: true, force: true })]);
  if (opts.volumes) {
    for (const m of rec.config.mounts) {
      if (m.type !== 'volume' || !m.anonymous || m.fromContainer || !m.name) continue;
      await d.volumes.remove(ctx, m.name).catch((err: unknown) => {
        if (!hasCode(err, 'not-found') && !hasCode(err, 'conflict')) ctx.log.warn('could not remove volume', { volume: m.name, error: err });
      });
    }
  }
}
