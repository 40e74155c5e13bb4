/**
 * Every per-task file path, in one place.
 *
 * State root (default `/run/nerdctl`, a tmpfs: nothing here survives a reboot, as for runc itself):
 *
 * ```
 * <stateRoot>/
 *   runc/<namespace>/                 runc --root: runc's own state (state.json, exec fifo) per container id
 *   tasks/<namespace>/<id>/           ours, one directory per task; removed by TaskService.delete
 *     task.json                       TaskRecord (bundle, terminal, stdin, exit command, pids), written atomically
 *     conmon.pid                      conmon's pid (--conmon-pidfile), written by conmon after its first fork
 *     init.pid                        the container's init pid (-p), written by runc create
 *     runc-log.json                   runc's JSON log for create (--log-format json --log), read to classify errors
 *     exec/<execId>/                  one exec session: conmon's bundle dir (-b) for that exec
 *       process.json                  the OCI process spec handed to `runc exec --process`
 *       attach  ctl  winsz            conmon's attach socket and control FIFOs for the session
 *       pid                           the exec'd process's pid
 *       <id>                          its exit file (conmon names exit files after -c, the container id)
 *       runc-log.json                 runc's JSON log for the exec
 *   exits/<namespace>/<id>            conmon's exit file for the task (--exit-dir): the exit status as decimal
 *                                     text, its mtime the exit time; kept after delete so `wait`/`inspect` can
 *                                     still read it, removed when the task is created again or purged
 * <bundle>/                           the caller's OCI bundle (config.json, rootfs); conmon adds:
 *   attach                            SOCK_SEQPACKET attach socket (we pass --full-attach, see attachSocketAddress)
 *   ctl                               control FIFO: "1 <rows> <cols>\n" resizes the pty, "2 0 0\n" reopens logs
 *   winsz                             conmon-internal FIFO for resizes
 * ```
 *
 * The container log (k8s-file format) lives wherever the caller says (normally the data root's container
 * directory); conmon rotates it in place when `--log-size-max` is set. Its path must not contain ':' (conmon
 * splits `-l driver:path` on colons).
 */
import path from 'node:path';

/** The paths of one task. Pure: nothing is created. */
export interface TaskLayout {
  /** runc's --root for the task's namespace. */
  readonly runcRoot: string;
  /** Our per-task directory. */
  readonly dir: string;
  readonly recordFile: string;
  readonly conmonPidFile: string;
  readonly initPidFile: string;
  readonly runcLogFile: string;
  readonly execRoot: string;
  /** conmon's --exit-dir (shared by the namespace) and the task's exit file in it. */
  readonly exitDir: string;
  readonly exitFile: string;
}

/** The paths of one exec session. */
export interface ExecLayout {
  readonly dir: string;
  readonly processFile: string;
  readonly attachSocket: string;
  readonly ctlFifo: string;
  readonly pidFile: string;
  readonly exitFile: string;
  readonly runcLogFile: string;
}

/** The bundle-side files conmon creates. */
export interface BundleFiles {
  readonly attachSocket: string;
  readonly ctlFifo: string;
}

/** Paths for task `id` of `namespace` under `stateRoot`. */
export function taskLayout(stateRoot: string, namespace: string, id: string): TaskLayout {
  const dir = path.join(stateRoot, 'tasks', namespace, id);
  const exitDir = path.join(stateRoot, 'exits', namespace);
  return {
    runcRoot: path.join(stateRoot, 'runc', namespace),
    dir,
    recordFile: path.join(dir, 'task.json'),
    conmonPidFile: path.join(dir, 'conmon.pid'),
    initPidFile: path.join(dir, 'init.pid'),
    runcLogFile: path.join(dir, 'runc-log.json'),
    execRoot: path.join(dir, 'exec'),
    exitDir,
    exitFile: path.join(exitDir, id),
  };
}

/** Paths of exec session `execId` of a task. */
export function execLayout(task: TaskLayout, id: string, execId: string): ExecLayout {
  const dir = path.join(task.execRoot, execId);
  return {
    dir,
    processFile: path.join(dir, 'process.json'),
    attachSocket: path.join(dir, 'attach'),
    ctlFifo: path.join(dir, 'ctl'),
    pidFile: path.join(dir, 'pid'),
    exitFile: path.join(dir, id),
    runcLogFile: path.join(dir, 'runc-log.json'),
  };
}

/** The files conmon makes in a bundle directory. */
export function bundleFiles(bundle: string): BundleFiles {
  return { attachSocket: path.join(bundle, 'attach'), ctlFifo: path.join(bundle, 'ctl') };
}
