/**
 * The containers service (contract in types.ts): composition of create.ts, start.ts, exit.ts and health.ts with
 * the per-container lock and the cheap reconciliation of reconcile.ts.
 */
import { statfsSync } from 'node:fs';
import { conflict, failedPrecondition, hasCode, invalidArgument, notFound } from '../errdefs.js';
import { emitContainerEvent } from '../events/emit.js';
import { eventLogFor } from '../events/event-log.js';
import { validateContainerName } from '../identifiers.js';
import { parseSignal } from '../oci/signals.js';
import { resolveUser } from '../oci/user.js';
import type { OpContext } from '../op-context.js';
import { readLogs } from '../tasks/logs.js';
import { createContainer } from './create.js';
import type { ContainerServiceOptions } from './deps.js';
import { handleExit, isActive, removeLocked } from './exit.js';
import { probeContainer } from './health.js';
import { dockerContainerInspect, type InspectExtras } from './inspect.js';
import { withContainerLock } from './lock.js';
import { containerPaths } from './paths.js';
import { reconcileState } from './reconcile.js';
import { markExitHandled, startContainer } from './start.js';
import type { ContainerRecord, ContainerService, ContainerState, ContainerSummary } from './types.js';

const SIGKILL = 9;

function notRunning(rec: ContainerRecord): Error {
  return failedPrecondition(`Container ${rec.id} is not running`, { subject: { kind: 'container', ref: rec.id } });
}

function cgroupVersion(): 1 | 2 {
  try {
    return statfsSync('/sys/fs/cgroup').type === 0x63677270 ? 2 : 1;
  } catch {
    return 1;
  }
}

/** The containers service plus what the CLI needs beyond the interface (inspect JSON). */
export interface ContainerServiceImpl extends ContainerService {
  /** Docker's inspect object of `ref` (`size`: compute SizeRw/SizeRootFs). */
  inspect(ctx: OpContext, ref: string, opts?: { size?: boolean }): Promise<Record<string, unknown>>;
  /** Every full record of the namespace (compose reads labels and configs). */
  records(ctx: OpContext): Promise<ContainerRecord[]>;
  /** What the service was built from (the health-check runner loops over it). */
  readonly deps: ContainerServiceOptions;
}

export function createContainerService(d: ContainerServiceOptions): ContainerServiceImpl {
  const { store } = d;
  const locked = <T>(ctx: OpContext, id: string, fn: () => Promise<T>) => withContainerLock(store, ctx, id, fn);

  /** The state with the slow path (runc) taken when the monitor is gone without an exit record. */
  async function reconciled(ctx: OpContext, id: string, s: ContainerState): Promise<ContainerState> {
    const r = reconcileState(d.stateRoot, ctx.namespace, id, s);
    if (r.kind !== 'unknown') return r.state;
    try {
      // With its monitor gone, the task service records the exit itself and runs the exit command.
      const st = await d.tasks.state(ctx, id);
      if (st.status === 'running' || st.status === 'paused') return { ...s, status: st.status, pid: st.pid };
      const code = st.exit?.exitCode ?? 255;
      return { ...s, status: 'exited', pid: 0, exitCode: code, finishedAt: (st.exit?.exitedAt ?? new Date()).toISOString() };
    } catch (err) {
      if (!hasCode(err, 'not-found')) throw err;
      return { ...s, status: 'exited', pid: 0 };
    }
  }

  // The event log's schema is made now, outside any transaction, so events can be emitted inside the ones that
  // record state changes (see events/event-log.ts).
  eventLogFor(d.storage.db);
  const resolve = (ctx: OpContext, ref: string) => store.resolve(ctx.namespace, ref);
  // Docker's container events (events/emit.ts); start, attach, die and destroy are emitted in start.ts and exit.ts.
  const event = (ctx: OpContext, c: ContainerRecord, action: string, extra?: Record<string, string>) =>
    emitContainerEvent(d.storage.db, ctx, c, action, extra);

  async function getReconciled(ctx: OpContext, ref: string): Promise<ContainerRecord> {
    const rec = resolve(ctx, ref);
    return { ...rec, state: await reconciled(ctx, rec.id, rec.state) };
  }

  const service: ContainerServiceImpl = {
    deps: d,
    // The `create` event is emitted by create.ts with the record.
    create: (ctx, req) => createContainer(d, ctx, req),

    async start(ctx, ref, opts = {}) {
      const id = resolve(ctx, ref).id;
      return locked(ctx, id, async () => {
        const rec = store.get(ctx.namespace, id);
        if (!rec) throw notFound({ kind: 'container', ref });
        const st = await reconciled(ctx, id, rec.state);
        if (st.status === 'paused') throw failedPrecondition('cannot start a paused container, try unpause instead');
        if (st.status === 'running') return { started: false };
        if (rec.state.status === 'running' || rec.state.status === 'paused') {
          // Exited but not yet handled: record that exit first (no restart: the user is starting it).
          store.updateState(ctx.namespace, id, (s) => ({ ...s, stoppedByUser: true }));
          await handleExit(d, ctx, id);
        }
        const fresh = store.get(ctx.namespace, id);
        if (!fresh) throw notFound({ kind: 'container', ref });
        return startContainer(d, ctx, { ...fresh, state: { ...fresh.state, stoppedByUser: false } }, opts);
      });
    },

    async stop(ctx, ref, opts = {}) {
      const rec = resolve(ctx, ref);
      const st = await reconciled(ctx, rec.id, rec.state);
      if (!isActive(st) && !isActive(rec.state)) return;
      const o = rec.config.options;
      const signal = opts.signal ?? rec.config.merged.stopSignal ?? 'SIGTERM';
      const timeoutSeconds = opts.timeoutSeconds ?? o.stopTimeout ?? 10;
      const proceed = await locked(ctx, rec.id, async () => {
        const cur = store.updateState(ctx.namespace, rec.id, (s) => {
          try {
            event(ctx, rec, 'kill', { signal: String(parseSignal(signal).number) });
          } catch {
            // an unparsable stop signal fails in tasks.stop below
          }
          return { ...s, stoppedByUser: true };
        });
        // A container waiting out a restart back-off: just finish it.
        if (cur?.state.status === 'restarting') {
          await handleExit(d, ctx, rec.id);
          return false;
        }
        return true;
      });
      if (!proceed) return;
      // This process handles the exit below: conmon's exit command need not start another one.
      await markExitHandled(containerPaths(d, ctx.namespace, rec.id));
      try {
        await d.tasks.stop(ctx, rec.id, { timeoutSeconds, signal });
      } catch (err) {
        if (!hasCode(err, 'not-found')) throw err;
      }
      await handleExit(d, ctx, rec.id);
      event(ctx, rec, 'stop');
    },

    async restart(ctx, ref, opts = {}) {
      await service.stop(ctx, ref, opts);
      await service.start(ctx, ref);
      event(ctx, resolve(ctx, ref), 'restart');
    },

    async kill(ctx, ref, signal = 'KILL') {
      const rec = resolve(ctx, ref);
      const sig = parseSignal(signal);
      const st = await reconciled(ctx, rec.id, rec.state);
      if (st.status !== 'running' && st.status !== 'paused') {
        throw failedPrecondition(`Cannot kill container: ${ref}: Container ${rec.id} is not running`);
      }
      await locked(ctx, rec.id, async () => {
        store.updateState(ctx.namespace, rec.id, (s) => {
          event(ctx, rec, 'kill', { signal: String(sig.number) });
          return { ...s, stoppedByUser: true };
        });
      });
      // SIGKILL: this process waits for the exit and handles it, so conmon's exit command stands down.
      if (sig.number === SIGKILL) await markExitHandled(containerPaths(d, ctx.namespace, rec.id));
      await d.tasks.kill(ctx, rec.id, sig.number);
      if (sig.number === SIGKILL) {
        await d.tasks.waitExit(ctx, rec.id, { timeoutMs: 10_000 }).catch(() => undefined);
        await handleExit(d, ctx, rec.id);
      }
    },

    async pause(ctx, ref) {
      const rec = resolve(ctx, ref);
      await locked(ctx, rec.id, async () => {
        const st = await reconciled(ctx, rec.id, rec.state);
        if (st.status === 'paused') throw failedPrecondition(`Container ${rec.id} is already paused`);
        if (st.status !== 'running') throw notRunning(rec);
        await d.tasks.pause(ctx, rec.id);
        store.updateState(ctx.namespace, rec.id, (s) => ({ ...s, status: 'paused' }));
        event(ctx, rec, 'pause');
      });
    },

    async unpause(ctx, ref) {
      const rec = resolve(ctx, ref);
      await locked(ctx, rec.id, async () => {
        const st = await reconciled(ctx, rec.id, rec.state);
        if (st.status !== 'paused') throw failedPrecondition(`Container ${rec.id} is not paused`);
        await d.tasks.resume(ctx, rec.id);
        store.updateState(ctx.namespace, rec.id, (s) => ({ ...s, status: 'running' }));
        event(ctx, rec, 'unpause');
      });
    },

    async remove(ctx, ref, opts = {}) {
      const first = resolve(ctx, ref);
      await locked(ctx, first.id, async () => {
        const rec = store.get(ctx.namespace, first.id);
        if (!rec) throw notFound({ kind: 'container', ref });
        const st = await reconciled(ctx, rec.id, rec.state);
        if (!isActive(st) && isActive(rec.state)) {
          // Exited, exit not handled yet: treat as stopped.
          await removeLocked(d, ctx, { ...rec, state: st }, opts);
          return;
        }
        await removeLocked(d, ctx, rec, opts);
      });
    },

    async rename(ctx, ref, newName) {
      const rec = resolve(ctx, ref);
      const name = newName.replace(/^\//, '');
      validateContainerName(name);
      if (name === rec.name) throw invalidArgument(`Renaming a container with the same name as its current name`);
      store.rename(ctx.namespace, rec.id, name);
      event(ctx, { ...rec, name }, 'rename', { oldName: `/${rec.name}` });
    },

    get: getReconciled,

    async records(ctx) {
      return store.all(ctx.namespace);
    },

    async list(ctx, opts = {}) {
      const all = store.list(ctx.namespace);
      const out: ContainerSummary[] = [];
      for (const c of all) {
        const state = await reconciled(ctx, c.id, c.state);
        if (!opts.all && state.status !== 'running' && state.status !== 'paused' && state.status !== 'restarting') continue;
        out.push(state === c.state ? c : { ...c, state });
      }
      return out;
    },

    async wait(ctx, ref) {
      const rec = resolve(ctx, ref);
      const st = await reconciled(ctx, rec.id, rec.state);
      if (st.status !== 'running' && st.status !== 'paused') return st.exitCode;
      const exit = await d.tasks.waitExit(ctx, rec.id);
      return exit.exitCode;
    },

    async attach(ctx, ref, io) {
      const rec = await getReconciled(ctx, ref);
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') {
        throw failedPrecondition('You cannot attach to a stopped container, start it first');
      }
      const session = await d.tasks.attach(ctx, rec.id, {
        ...(io.stdin ? { stdin: io.stdin } : {}),
        ...(io.stdout ? { stdout: io.stdout } : {}),
        ...(io.stderr ? { stderr: io.stderr } : {}),
        ...(io.detachKeys !== undefined ? { detachKeys: io.detachKeys } : {}),
        ...(io.terminal ? { terminal: io.terminal } : {}),
        ...(io.closeStdinOnEof !== undefined ? { closeStdinOnEof: io.closeStdinOnEof } : {}),
      });
      event(ctx, rec, 'attach');
      return session;
    },

    async exec(ctx, ref, o) {
      const rec = await getReconciled(ctx, ref);
      if (rec.state.status === 'paused') throw conflict(`Container ${rec.id} is paused, unpause the container before exec`);
      if (rec.state.status !== 'running') throw notRunning(rec);
      const paths = containerPaths(d, ctx.namespace, rec.id);
      const user = o.user !== undefined && o.user !== '' ? resolveUser(paths.rootfs, o.user) : undefined;
      const cmd = o.args.join(' ');
      event(ctx, rec, `exec_create: ${cmd}`);
      event(ctx, rec, `exec_start: ${cmd}`);
      const result = await d.tasks.exec(ctx, rec.id, {
        args: o.args,
        ...(o.env ? { env: o.env } : {}),
        ...(o.workdir ? { cwd: o.workdir } : {}),
        ...(user ? { user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } } : {}),
        ...(o.tty ? { terminal: true } : {}),
        ...(o.consoleSize ? { consoleSize: o.consoleSize } : {}),
        ...(o.privileged ? { privileged: true } : {}),
        stdin: o.stdin === true,
        detach: o.detach === true,
        ...(o.io
          ? {
              io: {
                ...(o.io.stdin ? { stdin: o.io.stdin } : {}),
                ...(o.io.stdout ? { stdout: o.io.stdout } : {}),
                ...(o.io.stderr ? { stderr: o.io.stderr } : {}),
                ...(o.io.detachKeys !== undefined ? { detachKeys: o.io.detachKeys } : {}),
                ...(o.io.terminal ? { terminal: o.io.terminal } : {}),
              },
            }
          : {}),
      });
      if (result.exitCode !== undefined) event(ctx, rec, 'exec_die', { exitCode: String(result.exitCode) });
      return result;
    },

    logs(ctx, ref, o = {}) {
      const rec = resolve(ctx, ref);
      const paths = containerPaths(d, ctx.namespace, rec.id);
      let exited: Promise<unknown> | undefined;
      if (o.follow) {
        const st = reconcileState(d.stateRoot, ctx.namespace, rec.id, rec.state).state;
        exited = st.status === 'running' || st.status === 'paused' ? d.tasks.waitExit(ctx, rec.id).catch(() => undefined) : Promise.resolve();
      }
      return readLogs(paths.logFile, {
        ...(o.tail !== undefined ? { tail: o.tail } : {}),
        ...(o.since !== undefined ? { since: o.since } : {}),
        ...(o.until !== undefined ? { until: o.until } : {}),
        ...(o.stdout !== undefined ? { stdout: o.stdout } : {}),
        ...(o.stderr !== undefined ? { stderr: o.stderr } : {}),
        ...(o.follow ? { follow: true, exited } : {}),
        signal: ctx.signal,
      });
    },

    async ports(ctx, ref) {
      const rec = await getReconciled(ctx, ref);
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') return [];
      return [...(rec.state.network?.ports ?? [])];
    },

    async resize(ctx, ref, size) {
      await d.tasks.resize(ctx, resolve(ctx, ref).id, size);
    },

    async top(ctx, ref, psArgs) {
      const rec = await getReconciled(ctx, ref);
      if (rec.state.status !== 'running' && rec.state.status !== 'paused') throw notRunning(rec);
      return d.tasks.top(ctx, rec.id, psArgs);
    },

    async stats(ctx, ref) {
      return d.tasks.stats(ctx, resolve(ctx, ref).id);
    },

    handleExit: (ctx, id) => handleExit(d, ctx, id),

    async size(ctx, ref) {
      const rec = resolve(ctx, ref);
      const sn = d.storage.snapshotterFor(rec.snapshotter);
      const rw = (await sn.usage(ctx, rec.snapshotKey)).size;
      let rootFs = rw;
      let parent = (await sn.stat(ctx, rec.snapshotKey)).parent;
      while (parent) {
        rootFs += (await sn.usage(ctx, parent)).size;
        parent = (await sn.stat(ctx, parent)).parent;
      }
      return { rw, rootFs };
    },

    async runHealthcheck(ctx, id) {
      const rec = store.get(ctx.namespace, id);
      if (!rec) throw notFound({ kind: 'container', ref: id });
      return probeContainer(d, ctx, rec);
    },

    async inspect(ctx, ref, opts = {}) {
      const rec = await getReconciled(ctx, ref);
      let graphDriver: InspectExtras['graphDriver'];
      try {
        const mounts = await d.storage.snapshotterFor(rec.snapshotter).mounts(ctx, rec.snapshotKey);
        const m = mounts[0];
        if (m?.type === 'overlay') {
          const opt = (k: string) => m.options.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1);
          graphDriver = {
            name: rec.snapshotter,
            data: {
              LowerDir: opt('lowerdir') ?? '',
              MergedDir: containerPaths(d, ctx.namespace, rec.id).rootfs,
              UpperDir: opt('upperdir') ?? '',
              WorkDir: opt('workdir') ?? '',
            },
          };
        } else if (m) {
          graphDriver = { name: rec.snapshotter, data: { Dir: m.source } };
        }
      } catch {
        // the snapshot may be gone (a half-removed container): inspect still answers
      }
      const size = opts.size ? await service.size(ctx, rec.id).catch(() => undefined) : undefined;
      return dockerContainerInspect(rec, rec.state, {
        dataRoot: d.dataRoot,
        stateRoot: d.stateRoot,
        cgroupVersion: cgroupVersion(),
        ...(graphDriver ? { graphDriver } : {}),
        ...(size ? { size } : {}),
      });
    },
  };

  // volume rm refuses volumes in use (rmi's check is wired in engine.ts, see imageUsers in store.ts).
  d.volumes.setUsersProvider((ctx, name) => store.usersOfVolume(ctx.namespace, name));
  return service;
}
