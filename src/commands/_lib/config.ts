/**
 * Global options: command-line flags over environment variables over nerdctl.toml over defaults, as nerdctl
 * resolves them. The TOML file is strict: an unknown key is an error naming the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { invalidArgument } from '../../engine/errdefs.js';
import type { GlobalOptions } from './context.js';
import type { FlagSpecs } from './spec.js';

export const DEFAULT_DATA_ROOT = '/var/lib/nerdctl';
export const DEFAULT_STATE_ROOT = '/run/nerdctl';
export const DEFAULT_CONFIG_FILE = '/etc/nerdctl/nerdctl.toml';
export const DEFAULT_CNI_PATH = '/usr/lib/cni:/opt/cni/bin';
export const DEFAULT_CNI_NETCONF_PATH = '/etc/cni/net.d';
export const DEFAULT_HOSTS_DIRS = ['/etc/containerd/certs.d', '/etc/docker/certs.d'] as const;

/** The global flags, in Docker/nerdctl spelling. */
export const globalFlags = {
  namespace: {
    type: 'string',
    short: 'n',
    describe: 'containerd namespace, such as "moby" for Docker, "k8s.io" for Kubernetes',
    default: 'default',
    complete: 'namespaces',
  },
  'data-root': { type: 'string', describe: 'Root directory of persistent nerdctl state', default: DEFAULT_DATA_ROOT, complete: 'dirs' },
  debug: { type: 'boolean', describe: 'debug mode' },
  'debug-full': { type: 'boolean', describe: 'debug mode (with full output)' },
  'insecure-registry': { type: 'strings', describe: 'skips verifying HTTPS certs, and allows falling back to plain HTTP' },
  'hosts-dir': {
    type: 'strings',
    describe: 'A directory that contains <HOST:PORT>/hosts.toml (containerd style) or <HOST:PORT>/{ca.cert, cert.pem, key.pem} (docker style)',
    default: [...DEFAULT_HOSTS_DIRS],
    complete: 'dirs',
  },
  snapshotter: {
    type: 'string',
    aliases: ['storage-driver'],
    describe: 'containerd snapshotter',
    default: 'overlayfs',
    choices: ['overlayfs', 'native'],
  },
  'cni-path': { type: 'string', describe: 'cni plugins binary directory', default: DEFAULT_CNI_PATH, complete: 'dirs' },
  'cni-netconfpath': { type: 'string', describe: 'cni config directory', default: DEFAULT_CNI_NETCONF_PATH, complete: 'dirs' },
  'cgroup-manager': {
    type: 'string',
    describe: 'Cgroup manager to use ("cgroupfs"|"systemd"|"none")',
    default: 'cgroupfs',
    choices: ['cgroupfs', 'systemd', 'none'],
  },
  experimental: { type: 'boolean', describe: 'Control experimental: https://github.com/containerd/nerdctl/blob/main/docs/experimental.md', default: true },
  'host-gateway-ip': { type: 'string', describe: 'IP address that the special "host-gateway" string in --add-host resolves to' },
  'no-color': { type: 'boolean', describe: 'Disable coloured output (also NO_COLOR)' },
  address: {
    type: 'string',
    short: 'a',
    aliases: ['host', 'H'],
    describe: 'Accepted for compatibility; nerdctl (TypeScript) has no daemon to connect to',
    hidden: true,
  },
} as const satisfies FlagSpecs;

/** nerdctl.toml keys and the global flag each sets. */
export const configKeys: Readonly<Record<string, { flag: keyof typeof globalFlags; type: 'string' | 'boolean' | 'strings'; describe: string }>> = {
  debug: { flag: 'debug', type: 'boolean', describe: 'Enable debug output' },
  debug_full: { flag: 'debug-full', type: 'boolean', describe: 'Enable debug output with full details' },
  address: { flag: 'address', type: 'string', describe: 'Accepted for compatibility with nerdctl; ignored' },
  namespace: { flag: 'namespace', type: 'string', describe: 'Default namespace' },
  snapshotter: { flag: 'snapshotter', type: 'string', describe: 'Snapshotter: overlayfs or native' },
  cni_path: { flag: 'cni-path', type: 'string', describe: 'Directories of CNI plugin binaries (colon-separated)' },
  cni_netconfpath: { flag: 'cni-netconfpath', type: 'string', describe: 'Directory of CNI network configurations' },
  data_root: { flag: 'data-root', type: 'string', describe: 'Directory for persistent state' },
  cgroup_manager: { flag: 'cgroup-manager', type: 'string', describe: 'cgroupfs, systemd or none' },
  insecure_registry: { flag: 'insecure-registry', type: 'strings', describe: 'Registries allowed over plain HTTP or with unverified TLS' },
  hosts_dir: { flag: 'hosts-dir', type: 'strings', describe: 'Directories holding <host>/hosts.toml or docker-style certs' },
  experimental: { flag: 'experimental', type: 'boolean', describe: 'Enable experimental features' },
  host_gateway_ip: { flag: 'host-gateway-ip', type: 'string', describe: 'IP address "host-gateway" resolves to in --add-host' },
};

/** Environment variables that set global options (below flags, above the config file). */
export const envKeys: Readonly<Record<string, keyof typeof globalFlags>> = {
  CONTAINERD_NAMESPACE: 'namespace',
  CONTAINERD_SNAPSHOTTER: 'snapshotter',
  CONTAINERD_ADDRESS: 'address',
  CNI_PATH: 'cni-path',
  NETCONFPATH: 'cni-netconfpath',
  NERDCTL_DATA_ROOT: 'data-root',
  NERDCTL_EXPERIMENTAL: 'experimental',
  NERDCTL_HOST_GATEWAY_IP: 'host-gateway-ip',
};

type Raw = Record<string, unknown>;

async function readConfigFile(path: string): Promise<Raw> {
  const { parse } = await import('smol-toml');
  let doc: Raw;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Raw;
  } catch (err) {
    throw invalidArgument(`failed to load config file ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const out: Raw = {};
  for (const [key, value] of Object.entries(doc)) {
    const k = configKeys[key];
    if (k === undefined) throw invalidArgument(`failed to load config file ${path}: unknown key "${key}"`);
    const ok =
      (k.type === 'string' && typeof value === 'string') ||
      (k.type === 'boolean' && typeof value === 'boolean') ||
      (k.type === 'strings' && Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw invalidArgument(`failed to load config file ${path}: key "${key}" must be a ${k.type === 'strings' ? 'list of strings' : k.type}`);
    out[k.flag] = value;
  }
  return out;
}

function envValue(flag: keyof typeof globalFlags, raw: string): unknown {
  const spec = globalFlags[flag];
  if (spec.type === 'boolean') return /^(1|t|true)$/i.test(raw);
  if (spec.type === 'strings') return raw.split(',').filter((s) => s !== '');
  return raw;
}

/**
 * The state root for a data root: `/run/nerdctl` for the default one, a short per-root dir otherwise (unix socket
 * paths are limited to 108 bytes). The suffix is a 64-bit FNV-1a hash of the path: stable, and unlike node:crypto
 * free to load, which matters because every command computes it.
 */
export function stateRootFor(dataRoot: string): string {
  if (dataRoot === DEFAULT_DATA_ROOT) return DEFAULT_STATE_ROOT;
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(dataRoot)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return `${DEFAULT_STATE_ROOT}-${h.toString(16).padStart(16, '0').slice(0, 10)}`;
}

/** Merges parsed global flags with environment, config file and defaults. */
export async function resolveGlobals(
  flags: Raw,
  changed: ReadonlySet<string>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<GlobalOptions> {
  const configPath = env.NERDCTL_TOML ?? DEFAULT_CONFIG_FILE;
  const configExists = existsSync(configPath);
  const fromFile = configExists ? await readConfigFile(configPath) : {};
  const pick = (flag: keyof typeof globalFlags): unknown => {
    if (changed.has(flag) && flags[flag] !== undefined) return flags[flag];
    for (const [envName, f] of Object.entries(envKeys)) {
      const v = env[envName];
      if (f === flag && v !== undefined && v !== '') return envValue(flag, v);
    }
    if (flag in fromFile) return fromFile[flag];
    const d = (globalFlags[flag] as { default?: unknown }).default;
    if (Array.isArray(d)) return [...d];
    return d;
  };
  const snapshotter = String(pick('snapshotter'));
  if (snapshotter !== 'overlayfs' && snapshotter !== 'native') {
    throw invalidArgument(`unsupported snapshotter "${snapshotter}": use overlayfs or native`);
  }
  const cgroupManager = String(pick('cgroup-manager'));
  if (cgroupManager !== 'cgroupfs' && cgroupManager !== 'systemd' && cgroupManager !== 'none') {
    throw invalidArgument(`unsupported cgroup manager "${cgroupManager}": use cgroupfs, systemd or none`);
  }
  const dataRoot = String(pick('data-root'));
  const debugFull = pick('debug-full') === true;
  return {
    namespace: String(pick('namespace')),
    dataRoot,
    stateRoot: env.NERDCTL_STATE_ROOT ?? stateRootFor(dataRoot),
    debug: pick('debug') === true || debugFull,
    debugFull,
    insecureRegistries: (pick('insecure-registry') as string[] | undefined) ?? [],
    hostsDirs: (pick('hosts-dir') as string[] | undefined) ?? [...DEFAULT_HOSTS_DIRS],
    snapshotter,
    cniPath: String(pick('cni-path')),
    cniNetconfPath: String(pick('cni-netconfpath')),
    cgroupManager,
    experimental: pick('experimental') !== false,
    hostGatewayIp: pick('host-gateway-ip') as string | undefined,
    noColor: pick('no-color') === true || (env.NO_COLOR !== undefined && env.NO_COLOR !== ''),
    configFile: configExists ? configPath : undefined,
  };
}
