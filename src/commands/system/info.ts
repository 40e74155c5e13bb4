/**
 * `info` / `system info`: the engine's configuration and counts, in Docker's layout and field names (`--format`
 * sees Docker's `types.Info` names: Driver, DockerRootDir, Images, NCPU, MemTotal, RegistryConfig...).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, machine, release, totalmem } from 'node:os';
import { bytesSize } from '../../util/units.js';
import { formatInspect } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { VERSION } from '../_lib/version.js';
import type { Storage } from '../../engine/metadata/storage.js';

/** The snapshotters this build has (metadata/storage.ts SNAPSHOTTERS; not imported, to keep startup light). */
const SNAPSHOTTERS = ['overlayfs', 'native'] as const;
import { probeComponents, type Component } from './components.js';

/** The `info` object (Docker's field names; nerdctl's additions `Namespace`, `Namespaces`). */
export interface InfoObject {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  Plugins: { Storage: string[]; Network: string[] };
  CgroupDriver: string;
  CgroupVersion: string;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  DockerRootDir: string;
  Name: string;
  ServerVersion: string;
  Debug: boolean;
  Namespace: string;
  Namespaces: string[];
  RegistryConfig: { InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, unknown>; HostsDirs: string[] };
  Components: Component[];
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** Rows of a table per namespace, 0 when the component has no table yet. */
function countRows(storage: Storage, table: string, namespace: string, where = ''): number {
  try {
    const row = storage.db.prepare(`SELECT count(*) AS n FROM "${table}" WHERE namespace = ? ${where}`).get(namespace) as { n: number };
    return row.n;
  } catch {
    return 0;
  }
}

/** Containers of the namespace by recorded state (one query; 0 when the containers table does not exist yet). */
async function containerCounts(storage: Storage, namespace: string): Promise<{ total: number; running: number; paused: number }> {
  const counts = { total: 0, running: 0, paused: 0 };
  try {
    const { createContainerStore } = await import('../../engine/containers/store.js');
    for (const c of createContainerStore(storage.db).list(namespace)) {
      counts.total++;
      if (c.state.status === 'running' || c.state.status === 'restarting') counts.running++;
      else if (c.state.status === 'paused') counts.paused++;
    }
  } catch {
    counts.total = countRows(storage, 'containers', namespace);
  }
  return counts;
}

/** Docker's text layout. Pure. */
export function renderInfo(i: InfoObject, debug: boolean): string {
  const l: string[] = [
    'Client:',
    ` Namespace:\t${i.Namespace}`,
    ` Debug Mode: ${debug}`,
    '',
    'Server:',
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion}`,
    ` Storage Driver: ${i.Driver}`,
    ...i.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    ' Plugins:',
    `  Storage: ${i.Plugins.Storage.join(' ')}`,
    `  Network: ${i.Plugins.Network.join(' ')}`,
    ` Namespaces: ${i.Namespaces.join(' ')}`,
    ...i.Components.map((c) => ` ${c.Name} version: ${c.Version}`),
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${bytesSize(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` Docker Root Dir: ${i.DockerRootDir}`,
    ` Debug Mode: ${i.Debug}`,
    ' Insecure Registries:',
    ...i.RegistryConfig.InsecureRegistryCIDRs.map((r) => `  ${r}`),
    ' Registry Hosts Directories:',
    ...i.RegistryConfig.HostsDirs.map((d) => `  ${d}${existsSync(d) ? '' : ' (missing)'}`),
  ];
  return `${l.join('\n')}\n`;
}

export const infoCommand = defineCommand({
  name: 'info',
  summary: 'Display system-wide information',
  examples: [
    { command: 'nerdctl info', description: 'Show system-wide information' },
    { command: "nerdctl info -f '{{.CgroupVersion}}'", description: 'Print only the cgroup version' },
  ],
  flags: {
    format: { type: 'string', short: 'f', describe: "Format the output using the given Go template, e.g, '{{json .}}'", complete: 'format' },
    mode: { type: 'string', describe: 'Information mode, "dockercompat" for Docker-compatible output', default: 'dockercompat', hidden: true },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const g = ctx.globals;
    const storage = (await ctx.engine()).storage;
    const ns = g.namespace;
    const images = countRows(storage, 'images', ns);
    const containers = await containerCounts(storage, ns);
    const cniPlugins = ['bridge', 'macvlan', 'ipvlan', 'host', 'none'];
    const info: InfoObject = {
      ID: '',
      Containers: containers.total,
      ContainersRunning: containers.running,
      ContainersPaused: containers.paused,
      ContainersStopped: containers.total - containers.running - containers.paused,
      Images: images,
      Driver: g.snapshotter,
      DriverStatus: [],
      Plugins: { Storage: [...SNAPSHOTTERS], Network: cniPlugins },
      CgroupDriver: g.cgroupManager,
      CgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
      KernelVersion: release(),
      OperatingSystem: osName(),
      OSType: 'linux',
      Architecture: machine(),
      NCPU: cpus().length,
      MemTotal: totalmem(),
      DockerRootDir: g.dataRoot,
      Name: hostname(),
      ServerVersion: VERSION,
      Debug: g.debug,
      Namespace: ns,
      Namespaces: storage.namespaces.list().map((n) => n.name),
      RegistryConfig: {
        InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128', ...g.insecureRegistries],
        IndexConfigs: {},
        HostsDirs: [...g.hostsDirs],
      },
      Components: await probeComponents(g.cniPath),
    };
    if (flags.format !== undefined && flags.format !== '') ctx.out.write(formatInspect([info], flags.format));
    else ctx.out.write(renderInfo(info, g.debug));
  },
});
