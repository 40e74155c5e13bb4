/**
 * Where a container's files live (pure; nothing is created here).
 *
 *   <dataRoot>/containers/<namespace>/<id>/     persistent: survives stop and reboot, removed with the container
 *     hostname  hosts  resolv.conf              bind-mounted at /etc/hostname, /etc/hosts, /etc/resolv.conf
 *     <id>.log                                  the container log (k8s-file, written by conmon)
 *   <stateRoot>/containers/<namespace>/<id>/    the OCI bundle while the container runs (a tmpfs: gone at reboot)
 *     config.json                               the runtime spec, rebuilt at every start
 *     exit-handled                              marker: the exit will be handled in-process (see exit-command.ts)
 *     rootfs/                                   the rootfs snapshot's mount point
 *     attach  ctl  winsz                        conmon's socket and FIFOs
 */
import path from 'node:path';

export interface ContainerPaths {
  readonly dir: string;
  readonly hostnameFile: string;
  readonly hostsFile: string;
  readonly resolvConfFile: string;
  readonly logFile: string;
  readonly bundle: string;
  readonly rootfs: string;
  readonly configFile: string;
  /** Exists while a command that will handle the current exit itself runs (the exit command then stands down). */
  readonly exitHandledMarker: string;
}

export function containerPaths(roots: { dataRoot: string; stateRoot: string }, namespace: string, id: string): ContainerPaths {
  const dir = path.join(roots.dataRoot, 'containers', namespace, id);
  const bundle = path.join(roots.stateRoot, 'containers', namespace, id);
  return {
    dir,
    hostnameFile: path.join(dir, 'hostname'),
    hostsFile: path.join(dir, 'hosts'),
    resolvConfFile: path.join(dir, 'resolv.conf'),
    logFile: path.join(dir, `${id}.log`),
    bundle,
    rootfs: path.join(bundle, 'rootfs'),
    configFile: path.join(bundle, 'config.json'),
    exitHandledMarker: path.join(bundle, 'exit-handled'),
  };
}
