/**
 * Running one RUN step: a runc container in the foreground of this process (no monitor), on a root filesystem the
 * caller mounted, with Docker's defaults from engine/oci (capabilities, seccomp, masked paths, /dev, /proc...),
 * the hostname `buildkitsandbox`, and the step's mounts. Its stdout and stderr come back through pipes as they are
 * written.
 *
 * Lifecycle: the bundle (config.json) is written under `bundleDir`; `runc run` creates, starts and waits for the
 * container and deletes it when it exits. On cancellation the container is killed and deleted; whatever happens,
 * no runc container remains when {@link runContainer} settles.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emptyContainerOptions, type MergedConfig } from '../engine/containers/options.js';
import { canceled, isErrno, unavailable } from '../engine/errdefs.js';
import type { Logger } from '../engine/log.js';
import { readHostFacts, type HostFacts } from '../engine/oci/host.js';
import type { ResolvedMount } from '../engine/oci/mounts.js';
import { serializeSpec } from '../engine/oci/serialize.js';
import { buildSpec, type NetworkNamespace } from '../engine/oci/spec.js';
import type { ResolvedUser } from '../engine/oci/user.js';
import { runcError, runcErrorMessage, runcGlobalArgs } from '../engine/tasks/runc.js';

import { BUILD_HOSTNAME } from './execute-step-env.js';

export { BUILD_HOSTNAME };

/** How to reach runc. */
export interface RuncConfig {
  /** The runc binary (default `runc` from PATH). */
  path: string;
  /** runc's --root. */
  root: string;
  systemdCgroup?: boolean;
}

/** One container run. */
export interface RunContainerInput {
  /** 64-hex id (runc container id and cgroup name). */
  id: string;
  namespace: string;
  /** The mounted root filesystem. */
  rootfs: string;
  /** A directory for config.json and runc's log (created; removed afterwards). */
  bundleDir: string;
  args: string[];
  env: string[];
  cwd: string;
  user: ResolvedUser;
  network: NetworkNamespace;
  mounts: ResolvedMount[];
  /** Host files bind-mounted at /etc/hosts and /etc/resolv.conf. */
  hostsFile?: string;
  resolvConfFile?: string;
  /** RUN --security=insecure: all capabilities and devices (what --privileged grants). */
  privileged?: boolean;
  runc: RuncConfig;
  onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  signal: AbortSignal;
  log: Logger;
}

let hostFacts: HostFacts | undefined;
let hostFactsWithDevices: HostFacts | undefined;

/** The container's spec (pure apart from the cached host facts). */
export function runSpec(input: RunContainerInput): object {
  const options = emptyContainerOptions();
  options.privileged = input.privileged === true;
  const host = input.privileged === true ? (hostFactsWithDevices ??= readHostFacts({ devices: true })) : (hostFacts ??= readHostFacts());
  const config: MergedConfig = {
    env: input.env,
    entrypoint: [],
    cmd: input.args,
    args: input.args,
    workingDir: input.cwd,
    user: '',
    volumes: [],
  };
  const { spec } = buildSpec({
    id: input.id,
    namespace: input.namespace,
    options,
    config,
    rootfs: input.rootfs,
    hostname: BUILD_HOSTNAME,
    files: {
      ...(input.hostsFile !== undefined ? { hosts: input.hostsFile } : {}),
      ...(input.resolvConfFile !== undefined ? { resolvConf: input.resolvConfFile } : {}),
    },
    network: input.network,
    mounts: input.mounts,
    user: input.user,
    host,
    ...(input.runc.systemdCgroup === true ? { cgroupsPath: `system.slice:nerdctl-build:${input.id}` } : {}),
  });
  // HOSTNAME is part of Docker's container env, not of a build step's (BuildKit sets none).
  spec.process.env = spec.process.env.filter((e) => !e.startsWith('HOSTNAME=') || input.env.some((x) => x.startsWith('HOSTNAME=')));
  return spec;
}

/** What the container did. */
export interface RunContainerResult {
  exitCode: number;
}

/**
 * Runs the container to completion and returns its exit status (128+n when killed by signal n). Errors:
 * invalid-argument with exitCode 126/127 when the command cannot be started (runc's "executable file not found"),
 * canceled when `signal` fires, unavailable when runc is missing, failed-precondition for other runc failures.
 */
export async function runContainer(input: RunContainerInput): Promise<RunContainerResult> {
  mkdirSync(input.bundleDir, { recursive: true });
  const logFile = path.join(input.bundleDir, 'runc.log');
  writeFileSync(path.join(input.bundleDir, 'config.json'), serializeSpec(runSpec(input) as never));
  const global = runcGlobalArgs({ root: input.runc.root, logFile, systemdCgroup: input.runc.systemdCgroup === true });
  const argv = [...global, 'run', '--bundle', input.bundleDir, input.id];
  input.log.debug('runc', { args: argv.join(' ') });
  if (input.signal.aborted) throw canceled('build canceled');
  let killed = false;
  let clean = false;
  try {
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      // runc in the foreground copies the container's stdout and stderr through pipes of its own, one each: lines
      // written to both streams at the same moment may come out in either order (as with BuildKit and Docker).
      const child = spawn(input.runc.path, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
      child.stdout.on('data', (c: Buffer) => input.onOutput('stdout', c));
      child.stderr.on('data', (c: Buffer) => input.onOutput('stderr', c));
      const onAbort = () => {
        killed = true;
        // runc forwards signals to the container's init; a KILL to the container itself is what ends it surely.
        const k = spawn(input.runc.path, [...runcGlobalArgs({ root: input.runc.root }), 'kill', '--all', input.id, 'KILL'], { stdio: 'ignore' });
        k.on('error', () => {});
        child.kill('SIGTERM');
      };
      input.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => {
        input.signal.removeEventListener('abort', onAbort);
        reject(err);
      });
      child.on('close', (code, sig) => {
        input.signal.removeEventListener('abort', onAbort);
        resolve({ code, signal: sig });
      });
    });
    if (killed || input.signal.aborted) throw canceled('build canceled');
    const code = result.code ?? 128 + signalNumber(result.signal);
    if (code !== 0) {
      // runc's own failure (the process never started) is in its log; a failing command leaves no error there.
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8');
      } catch {
        // no log: the container ran
      }
      if (runcErrorMessage(log) !== '') throw runcError({ verb: 'run', id: input.id, output: log, exitCode: code });
    }
    clean = result.signal === null;
    return { exitCode: code };
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EACCES')) {
      throw unavailable(`runc binary "${input.runc.path}": cannot be executed`, { cause: err });
    }
    throw err;
  } finally {
    // `runc run` deletes its container when it returns; after a kill or a failure of runc itself make sure of it.
    if (!clean) await forceDelete(input.runc, input.id);
    rmSync(input.bundleDir, { recursive: true, force: true });
  }
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return sig === null ? 0 : (table[sig] ?? 0);
}

/** `runc delete --force id`, ignoring "does not exist". */
export function forceDelete(runc: RuncConfig, id: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(runc.path, [...runcGlobalArgs({ root: runc.root }), 'delete', '--force', id], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}

/** The error a failing RUN reports: BuildKit's words. */
export function processFailed(args: readonly string[], exitCode: number): string {
  return `process "${args.join(' ')}" did not complete successfully: exit code: ${exitCode}`;
}

