/**
 * `--sysctl`: only namespaced sysctls may be set (Docker's client list), and only when the container has its own
 * namespace for them (runc's validator; checked here so the error comes before anything is created).
 */
import { invalidArgument } from '../errdefs.js';
import { ValueSyntaxError } from './units.js';

const ipcSysctls = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

function isIpcSysctl(key: string): boolean {
  return ipcSysctls.has(key) || key.startsWith('fs.mqueue.');
}

/**
 * Parses one `--sysctl key=value`. Allowed keys, as Docker's client: the IPC ones (`kernel.msg*`, `kernel.sem`,
 * `kernel.shm*`, `fs.mqueue.*`) and `net.*`. Slashes in the key are accepted and turned into dots (runc does the
 * same). Docker's message otherwise: `sysctl 'key=value' is not allowed`.
 */
export function parseSysctl(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ValueSyntaxError(`sysctl '${text}' is not allowed`);
  const key = text.slice(0, eq).replaceAll('/', '.');
  const value = text.slice(eq + 1);
  if (!isIpcSysctl(key) && !key.startsWith('net.')) throw new ValueSyntaxError(`sysctl '${text}' is not allowed`);
  return [key, value];
}

/**
 * Checks sysctls against the namespaces the container will have, with runc's wording:
 * `sysctl "net.ipv4.ip_forward" not allowed in host network namespace`,
 * `sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace`.
 */
export function validateSysctlNamespaces(
  sysctls: Readonly<Record<string, string>>,
  ns: { hostNetwork: boolean; hostIpc: boolean },
): void {
  for (const key of Object.keys(sysctls)) {
    if (key.startsWith('net.') && ns.hostNetwork) {
      throw invalidArgument(`sysctl "${key}" not allowed in host network namespace`);
    }
    if (isIpcSysctl(key) && ns.hostIpc) {
      throw invalidArgument(`sysctl "${key}" is not allowed in the hosts ipc namespace`);
    }
  }
}
