/**
 * `run`/`create` flags → the containers service's CreateContainerRequest (pure apart from reading env and label
 * files through the given context; unit-tested in create-request.test.ts).
 *
 * Errors: a value a flag refuses is a UsageError worded as Docker's flag parser (`invalid argument "x" for
 * "-m, --memory" flag: ...`, exit 125, then the "See '... --help'" line); other bad combinations are
 * invalid-argument EngineErrors (exit 125 for run/create).
 */
import { readFileSync } from 'node:fs';
import { EngineError, invalidArgument, isErrno } from '../../engine/errdefs.js';
import { containerOptionsFromFlags, parseEnvFile, type ContainerFlags } from '../../engine/containers/options.js';
import { parseRestartPolicy } from '../../engine/containers/restart-policy.js';
import type { ContainerNetworkConfig, CreateContainerRequest, NetworkModeRequest } from '../../engine/containers/types.js';
import { parseAddHost } from '../../network/hosts.js';
import { parseNetworkModes } from '../../network/network-mode.js';
import { parseExpose, parsePublish, portKey } from '../../network/ports.js';
import { UsageError } from '../_lib/usage-error.js';
import type { FlagValues } from '../_lib/spec.js';
import type { createFlags, runFlags } from './run-flags.js';

export type CreateFlagValues = FlagValues<typeof createFlags> & Partial<Pick<FlagValues<typeof runFlags>, 'detach' | 'sig-proxy'>>;

export interface RequestContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly readFile?: (p: string) => string | Uint8Array;
  /** The command path for usage errors (`['run']`). */
  readonly commandPath: readonly string[];
}

/** What the command needs beyond the request. */
export interface RunPlan {
  readonly request: CreateContainerRequest;
  /** Streams to attach in the foreground (run without -d, start -a). */
  readonly attach: { readonly stdin: boolean; readonly stdout: boolean; readonly stderr: boolean };
  readonly detach: boolean;
  readonly sigProxy: boolean;
  readonly detachKeys?: string;
  readonly cidfile?: string;
  readonly quiet: boolean;
}

const PULL_POLICIES = ['always', 'missing', 'never'] as const;

/** Rethrows pflag-style value errors as usage errors (Docker prints them with the "See --help" line). */
function asUsage<T>(commandPath: readonly string[], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EngineError && err.message.startsWith('invalid argument "')) throw new UsageError(err.message, commandPath);
    throw err;
  }
}

/** `--label-file` content: `key=value` lines (a bare key means an empty value), `#` comments. */
export function parseLabelFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) out[line] = '';
    else out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function labelsFrom(flags: CreateFlagValues, ctx: RequestContext): Record<string, string> {
  const readFile = ctx.readFile ?? ((p: string) => readFileSync(p));
  const labels: Record<string, string> = {};
  for (const file of flags['label-file']) {
    let data: string | Uint8Array;
    try {
      data = readFile(file);
    } catch (err) {
      throw invalidArgument(`open ${file}: ${isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message}`);
    }
    Object.assign(labels, parseLabelFile(typeof data === 'string' ? data : Buffer.from(data).toString('utf8')));
  }
  for (const l of flags.label) {
    const eq = l.indexOf('=');
    if (eq === 0) throw invalidArgument(`invalid label format: "${l}"`);
    if (eq < 0) labels[l] = '';
    else labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return labels;
}

function networkFrom(flags: CreateFlagValues): ContainerNetworkConfig {
  const spec = parseNetworkModes(flags.network);
  let mode: NetworkModeRequest;
  const perNetwork = {
    ...(flags.ip ? { ip: flags.ip } : {}),
    ...(flags.ip6 ? { ip6: flags.ip6 } : {}),
    ...(flags['mac-address'] ? { mac: flags['mac-address'] } : {}),
    ...(flags['network-alias'].length > 0 ? { aliases: [...flags['network-alias']] } : {}),
  };
  switch (spec.mode) {
    case 'cni':
      mode = {
        kind: 'bridge',
        // --ip, --mac-address and aliases go to the first network, as with Docker's single --network.
        networks: spec.networks.map((n, i) => (i === 0 ? { network: n, ...perNetwork } : { network: n })),
        ...(flags.network.length === 0 ? { defaulted: true } : {}),
      };
      break;
    case 'container':
      mode = { kind: 'container', container: spec.container };
      break;
    case 'ns':
      mode = { kind: 'ns', path: spec.path };
      break;
    default:
      mode = { kind: spec.mode };
  }
  if (mode.kind !== 'bridge' && (flags.ip || flags.ip6 || flags['network-alias'].length > 0)) {
    throw invalidArgument('user specified IP address and network aliases are supported only with user defined networks');
  }
  const ports = flags.publish.flatMap((p) => parsePublish(p));
  const expose = new Set<string>();
  for (const e of flags.expose) for (const p of parseExpose(e)) expose.add(portKey(p));
  return {
    mode,
    ports,
    publishAll: flags['publish-all'],
    expose: [...expose],
    dns: [...flags.dns],
    dnsSearch: [...flags['dns-search']],
    dnsOptions: [...flags['dns-option']],
    extraHosts: flags['add-host'].map((h) => parseAddHost(h)),
  };
}

/** Converts the flags and positionals (`IMAGE [COMMAND] [ARG...]`) of run/create. */
export function toRunPlan(flags: CreateFlagValues, args: readonly string[], ctx: RequestContext): RunPlan {
  const image = args[0];
  if (image === undefined) throw new UsageError(`"${ctx.commandPath.join(' ')}" requires at least 1 argument.`, ctx.commandPath, { status: 1 });
  const detach = flags.detach === true;
  const pull = flags.pull ?? 'missing';
  if (!(PULL_POLICIES as readonly string[]).includes(pull)) {
    throw invalidArgument(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }
  if (flags.cidfile) {
    let exists = false;
    try {
      (ctx.readFile ?? readFileSync)(flags.cidfile);
      exists = true;
    } catch {
      exists = false;
    }
    if (exists) throw invalidArgument(`Container ID file found, make sure the other container isn't running or delete ${flags.cidfile}`);
  }

  // Attached streams: -a as given; else run in the foreground attaches stdout, stderr (and stdin with -i).
  const attach = { stdin: false, stdout: false, stderr: false };
  if (flags.attach.length > 0) {
    if (detach) throw invalidArgument('Conflicting options: -a and -d');
    for (const a of flags.attach) {
      const k = a.toLowerCase();
      if (k !== 'stdin' && k !== 'stdout' && k !== 'stderr') throw invalidArgument('valid streams are STDIN, STDOUT and STDERR');
      attach[k] = true;
    }
  } else if (!detach) {
    attach.stdout = true;
    attach.stderr = true;
    attach.stdin = flags.interactive;
  }
  if (flags['log-driver'] && !['json-file', 'k8s-file', 'none'].includes(flags['log-driver'])) {
    throw invalidArgument(`logging driver "${flags['log-driver']}" is not supported (use json-file or k8s-file)`);
  }

  const containerFlags = flags as unknown as ContainerFlags;
  const options = asUsage(ctx.commandPath, () =>
    containerOptionsFromFlags(containerFlags, args.slice(1), { env: ctx.env, cwd: ctx.cwd, ...(ctx.readFile ? { readFile: ctx.readFile } : {}) }),
  );
  const restartPolicy = parseRestartPolicy(flags.restart ?? 'no');
  if (flags.rm && restartPolicy.name !== 'no') throw invalidArgument('Conflicting options: --restart and --rm');
  const network = networkFrom(flags);
  const request: CreateContainerRequest = {
    image,
    pull: pull as (typeof PULL_POLICIES)[number],
    ...(flags.platform ? { platform: flags.platform } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    options,
    labels: labelsFrom(flags, ctx),
    network,
    restartPolicy,
    autoRemove: flags.rm,
    attach,
    // Docker sets StdinOnce for an attached -i without -d.
    stdinOnce: flags.interactive && attach.stdin && !detach,
    ...(flags.runtime ? { runtime: flags.runtime } : {}),
    ...(flags.cidfile ? { cidfile: flags.cidfile } : {}),
  };
  return {
    request,
    attach,
    detach,
    sigProxy: flags['sig-proxy'] ?? true,
    ...(flags['detach-keys'] !== undefined ? { detachKeys: flags['detach-keys'] } : {}),
    ...(flags.cidfile ? { cidfile: flags.cidfile } : {}),
    quiet: flags.quiet,
  };
}
