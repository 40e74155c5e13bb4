/**
 * Invokes CNI plugins as the spec says (libcni's job, in TypeScript): one exec per plugin with the CNI_* variables
 * set and the plugin's network configuration on stdin; for a conflist, ADD runs the plugins in order, each one
 * getting the previous result as `prevResult`; DEL and CHECK hand every plugin the cached ADD result, DEL in
 * reverse order. `runtimeConfig` carries the capability arguments (portMappings, mac, ips, aliases) to exactly the
 * plugins that declare the capability.
 *
 * Errors: a failing plugin prints a CNI error object; it becomes one EngineError line
 * `plugin bridge failed (add): <msg>`, classified here and only here:
 *   - requested address taken ("is not available in range set", "already allocated")    -> conflict
 *   - address pool exhausted ("no IP addresses available")                              -> unavailable
 *   - CNI code 11 (try again later)                                                     -> unavailable
 *   - plugin binary missing                                                             -> failed-precondition
 *   - anything else                                                                     -> failed-precondition
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, failedPrecondition, type ErrorCode } from '../../engine/errdefs.js';
import type { Logger } from '../../engine/log.js';
import { runCommand } from '../run-command.js';
import type {
  CniCapabilityArgs,
  CniConfList,
  CniErrorObject,
  CniInvocation,
  CniPluginConf,
  CniResult,
} from './types.js';

export const DEFAULT_CNI_PATH: readonly string[] = ['/usr/lib/cni', '/opt/cni/bin'];

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniRuntime {
  /** Directories searched for plugin binaries, in order (CNI_PATH). */
  readonly paths: readonly string[];
  readonly log?: Logger;
}

const pluginCache = new Map<string, string>();

/**
 * Finds a plugin binary in the CNI path.
 * @throws failed-precondition naming the directories searched
 */
export async function findPlugin(rt: CniRuntime, type: string): Promise<string> {
  const key = `${rt.paths.join(':')}\0${type}`;
  const hit = pluginCache.get(key);
  if (hit !== undefined) return hit;
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) throw failedPrecondition(`invalid CNI plugin type "${type}"`);
  for (const dir of rt.paths) {
    const p = join(dir, type);
    try {
      await access(p, constants.X_OK);
      pluginCache.set(key, p);
      return p;
    } catch {
      // next directory
    }
  }
  throw failedPrecondition(`failed to find CNI plugin "${type}" in path [${rt.paths.join(' ')}]`, {
    hint: 'install the containernetworking-plugins package or point --cni-path at the plugin binaries',
  });
}

/** PATH for plugins: they exec iptables, ip6tables and the IPAM plugin, which live in sbin directories. */
function pluginEnvPath(): string {
  const have = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!have.includes(d)) have.push(d);
  }
  return have.join(':');
}

function cniArgs(inv: CniInvocation): string {
  const pairs: string[] = ['IgnoreUnknown=1'];
  for (const [k, v] of inv.args ?? []) pairs.push(`${k}=${v}`);
  return pairs.join(';');
}

/** The stdin config for one plugin of a list (libcni's buildOneConfig + injectRuntimeConfig). */
export function pluginStdinConfig(
  list: Pick<CniConfList, 'cniVersion' | 'name'>,
  plugin: CniPluginConf,
  capabilityArgs: CniCapabilityArgs | undefined,
  prevResult: CniResult | undefined,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(plugin.capabilities ?? {})) {
    if (enabled && capabilityArgs?.[cap] !== undefined) runtimeConfig[cap] = capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  else delete conf.runtimeConfig;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  else delete conf.prevResult;
  return conf;
}

function parseErrorObject(stdout: string): CniErrorObject | undefined {
  try {
    const o = JSON.parse(stdout) as Partial<CniErrorObject>;
    if (typeof o.msg === 'string') return { code: typeof o.code === 'number' ? o.code : 0, msg: o.msg, details: o.details };
  } catch {
    // not JSON
  }
  return undefined;
}

/** Classifies a plugin failure (see the module comment). Exported for unit tests. */
export function classifyPluginFailure(err: CniErrorObject): ErrorCode {
  const m = err.msg.toLowerCase();
  if (/is not available in range set|already allocated|has been allocated|address already in use/.test(m)) {
    return 'conflict';
  }
  if (/no ip addresses available/.test(m) || err.code === 11) return 'unavailable';
  return 'failed-precondition';
}

/** The error thrown when a plugin fails; `cniError` keeps the plugin's own code, msg and details. */
export class CniPluginError extends EngineError {
  readonly cniError: CniErrorObject;
  readonly plugin: string;
  readonly command: CniCommand;

  constructor(plugin: string, command: CniCommand, cniError: CniErrorObject, stderr: string) {
    const detail = cniError.details && !cniError.msg.includes(cniError.details) ? `: ${cniError.details}` : '';
    super(
      classifyPluginFailure(cniError),
      `plugin ${plugin} failed (${command.toLowerCase()}): ${oneLine(cniError.msg + detail)}`,
      stderr.trim() === '' ? {} : { cause: new Error(stderr.trim()) },
    );
    this.name = 'CniPluginError';
    this.cniError = cniError;
    this.plugin = plugin;
    this.command = command;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}

/**
 * Runs one plugin once. Returns its parsed stdout (the result for ADD/VERSION, usually empty for DEL/CHECK).
 * @throws CniPluginError when the plugin exits non-zero; failed-precondition when it cannot be found
 */
export async function execPlugin(
  rt: CniRuntime,
  command: CniCommand,
  plugin: CniPluginConf,
  stdinConf: Record<string, unknown>,
  inv: CniInvocation,
  signal?: AbortSignal,
): Promise<CniResult | undefined> {
  const bin = await findPlugin(rt, plugin.type);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: pluginEnvPath(),
    CNI_COMMAND: command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netnsPath,
    CNI_IFNAME: inv.ifname,
    CNI_ARGS: cniArgs(inv),
    CNI_PATH: rt.paths.join(':'),
  };
  const started = Date.now();
  const res = await runCommand(bin, [], { input: JSON.stringify(stdinConf), env, signal });
  rt.log?.debug('cni plugin', {
    plugin: plugin.type,
    command,
    container: inv.containerId.slice(0, 12),
    ifname: inv.ifname,
    ms: Date.now() - started,
    code: res.code,
  });
  if (res.code !== 0) {
    const obj = parseErrorObject(res.stdout) ?? {
      code: res.code,
      msg: res.stderr.trim() || res.stdout.trim() || `exited with status ${res.code}`,
    };
    throw new CniPluginError(plugin.type, command, obj, res.stderr);
  }
  const out = res.stdout.trim();
  if (out === '') return undefined;
  try {
    return JSON.parse(out) as CniResult;
  } catch (err) {
    throw failedPrecondition(`plugin ${plugin.type} (${command.toLowerCase()}): unparsable output: ${oneLine(out).slice(0, 200)}`, {
      cause: err,
    });
  }
}

export interface AddNetworkListOptions {
  signal?: AbortSignal;
  /**
   * On failure, run DEL for the whole list before throwing, so a half-done ADD leaves no veth, iptables rule or
   * IPAM allocation behind. Default true.
   */
  rollback?: boolean;
}

/**
 * ADD: runs the list's plugins in order, chaining results. Returns the final result.
 * @throws CniPluginError (after rolling back, see {@link AddNetworkListOptions.rollback})
 */
export async function addNetworkList(
  rt: CniRuntime,
  list: CniConfList,
  inv: CniInvocation,
  opts: AddNetworkListOptions = {},
): Promise<CniResult> {
  let prev: CniResult | undefined;
  try {
    for (const plugin of list.plugins) {
      const conf = pluginStdinConfig(list, plugin, inv.capabilityArgs, prev);
      const res = await execPlugin(rt, 'ADD', plugin, conf, inv, opts.signal);
      if (res === undefined) throw failedPrecondition(`plugin ${plugin.type} (add): returned no result`);
      prev = res;
    }
  } catch (err) {
    if (opts.rollback !== false) {
      await delNetworkList(rt, list, inv, prev).catch((delErr: unknown) => {
        rt.log?.warn('cni: cleanup after failed add also failed', { network: list.name, error: delErr });
      });
    }
    throw err;
  }
  return prev ?? { cniVersion: list.cniVersion };
}

/**
 * DEL: runs the list's plugins in reverse order with the cached ADD result. Idempotent (plugins must tolerate a
 * DEL for something already gone); every plugin is run even when an earlier one fails, and the first error is
 * thrown at the end.
 */
export async function delNetworkList(
  rt: CniRuntime,
  list: CniConfList,
  inv: CniInvocation,
  cachedResult?: CniResult,
): Promise<void> {
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    const conf = pluginStdinConfig(list, plugin, inv.capabilityArgs, cachedResult);
    try {
      await execPlugin(rt, 'DEL', plugin, conf, inv);
    } catch (err) {
      first ??= err;
      rt.log?.warn('cni: del failed', { network: list.name, plugin: plugin.type, error: err });
    }
  }
  if (first !== undefined) throw first;
}

/** CHECK: asks every plugin whether the attachment is still as ADD left it. */
export async function checkNetworkList(
  rt: CniRuntime,
  list: CniConfList,
  inv: CniInvocation,
  cachedResult: CniResult,
): Promise<void> {
  if (list.disableCheck) return;
  for (const plugin of list.plugins) {
    const conf = pluginStdinConfig(list, plugin, inv.capabilityArgs, cachedResult);
    await execPlugin(rt, 'CHECK', plugin, conf, inv);
  }
}

/** VERSION: the spec versions a plugin supports. */
export async function pluginVersions(rt: CniRuntime, type: string): Promise<{ cniVersion: string; supportedVersions: string[] }> {
  const res = (await execPlugin(rt, 'VERSION', { type }, { cniVersion: '1.0.0' }, { containerId: '', netnsPath: '', ifname: '' })) as
    | { cniVersion: string; supportedVersions: string[] }
    | undefined;
  if (res === undefined) throw failedPrecondition(`plugin ${type} (version): returned no result`);
  return res;
}

/** The container-side interface of a result with its addresses (the ones `ifname` got). */
export function sandboxAddresses(result: CniResult, ifname: string): {
  mac?: string;
  ipv4?: { address: string; prefixLength: number; gateway?: string };
  ipv6?: { address: string; prefixLength: number; gateway?: string };
} {
  const ifaces = result.interfaces ?? [];
  let idx = ifaces.findIndex((i) => i.name === ifname && i.sandbox !== undefined && i.sandbox !== '');
  if (idx === -1) idx = ifaces.findIndex((i) => i.name === ifname);
  const out: ReturnType<typeof sandboxAddresses> = {};
  if (idx !== -1 && ifaces[idx]!.mac) out.mac = ifaces[idx]!.mac;
  for (const ip of result.ips ?? []) {
    if (idx !== -1 && ip.interface !== undefined && ip.interface !== idx) continue;
    const [addr, plen] = ip.address.split('/');
    if (addr === undefined) continue;
    const entry = { address: addr, prefixLength: Number(plen ?? (addr.includes(':') ? 128 : 32)), gateway: ip.gateway };
    if (addr.includes(':')) out.ipv6 ??= entry;
    else out.ipv4 ??= entry;
  }
  return out;
}
