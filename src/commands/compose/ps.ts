/** `compose ps`: the project's containers in Compose v2's columns (NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS). */
import type { ContainerSummary } from '../../engine/containers/types.js';
import { invalidArgument } from '../../engine/errdefs.js';
import { Compose as ComposeLabels } from '../../engine/labels.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';
import { commandText, portEntries, portsText, statusText } from '../container/ps-rows.js';
import { timeAgo } from '../../util/time.js';
import { globalFlags, projectNameAndModel, selectContainers, withBackend } from './shared.js';

/** One `compose ps` row (the template context; `json` prints these keys). */
export interface ComposePsRow {
  ID: string;
  Name: string;
  Names: string;
  Image: string;
  Command: string;
  Project: string;
  Service: string;
  CreatedAt: string;
  RunningFor: string;
  State: string;
  Status: string;
  Health: string;
  ExitCode: number;
  Ports: string;
  Labels: string;
  Networks: string;
  Publishers: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
}

/** A summary as a row. Pure. */
export function composePsRow(c: ContainerSummary, noTrunc: boolean, now = Date.now()): ComposePsRow {
  const running = c.state.status === 'running' || c.state.status === 'paused';
  const bindings = running ? (c.state.network?.ports ?? []) : [];
  return {
    ID: noTrunc ? c.id : c.id.slice(0, 12),
    Name: c.name,
    Names: c.name,
    Image: c.image,
    Command: commandText(c.command, noTrunc),
    Project: c.labels[ComposeLabels.project] ?? '',
    Service: c.labels[ComposeLabels.service] ?? '',
    CreatedAt: c.createdAt,
    RunningFor: timeAgo(Date.parse(c.createdAt), now),
    State: c.state.status,
    Status: statusText(c.state, now),
    Health: c.state.health?.status !== undefined && c.state.health.status !== 'none' ? c.state.health.status : '',
    ExitCode: c.state.exitCode,
    Ports: running ? portsText(portEntries(c.exposedPorts, bindings)) : '',
    Labels: Object.keys(c.labels)
      .sort()
      .map((k) => `${k}=${c.labels[k]}`)
      .join(','),
    Networks: c.networks.join(','),
    Publishers: bindings.map((p) => ({ URL: p.hostIp === '' ? '0.0.0.0' : p.hostIp, TargetPort: p.containerPort, PublishedPort: p.hostPort, Protocol: p.protocol })),
  };
}

const STATUSES = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'];

export const composePsCommand = defineCommand({
  name: 'ps',
  usage: '[SERVICE...]',
  summary: 'List containers',
  examples: [
    { command: 'nerdctl compose ps', description: 'List the running containers of the project' },
    { command: 'nerdctl compose ps -a --status exited', description: 'Only the containers that have exited' },
    { command: 'nerdctl compose ps --services', description: 'Only the names of the services that have running containers' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all stopped containers (including those created by the run command)' },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display IDs' },
    services: { type: 'boolean', describe: 'Display services' },
    status: { type: 'strings', describe: 'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]' },
    filter: { type: 'string', describe: 'Filter services by a property (supported filters: status).' },
    format: { type: 'string', describe: 'Format output using a custom template: table, json, or a Go template', default: 'table' },
    'no-trunc': { type: 'boolean', describe: "Don't truncate output" },
    orphans: { type: 'boolean', describe: 'Include orphaned services (not declared by project)', default: true },
  },
  args: { complete: ['compose-services'] },
  async handler({ flags, args }, ctx) {
    const g = globalFlags(flags);
    const statuses = [...flags.status];
    if (flags.filter !== undefined) {
      const [k, v] = flags.filter.split('=');
      if (k !== 'status' || v === undefined) throw invalidArgument(`unsupported filter: ${flags.filter}`);
      statuses.push(v);
    }
    for (const s of statuses) if (!STATUSES.includes(s)) throw invalidArgument(`invalid status ${JSON.stringify(s)}: valid values are ${STATUSES.join(', ')}`);
    const { name, project } = await projectNameAndModel(ctx, g);
    if (project !== undefined) for (const a of args) if (!(a in project.services) && !(a in project.disabledServices)) throw invalidArgument(`no such service: ${a}`);
    const rows = await withBackend(ctx, async (b, op) => {
      let list = await selectContainers(b, op, name, args, { all: flags.all || statuses.length > 0, oneoff: flags.all });
      if (statuses.length > 0) list = list.filter((c) => statuses.includes(c.state.status));
      if (!flags.orphans && project !== undefined) list = list.filter((c) => (c.labels[ComposeLabels.service] ?? '') in project.services);
      return list;
    });
    if (flags.services) {
      const seen = new Set<string>();
      for (const c of rows) {
        const s = c.labels[ComposeLabels.service] ?? '';
        if (!seen.has(s)) ctx.out.line(s);
        seen.add(s);
      }
      return;
    }
    if (flags.quiet) {
      for (const c of rows) ctx.out.line(c.id);
      return;
    }
    const now = Date.now();
    const items = rows.map((c) => composePsRow(c, flags['no-trunc'], now));
    if (flags.format === 'json') {
      for (const r of items) ctx.out.line(JSON.stringify(r));
      return;
    }
    ctx.out.write(
      formatListing(items, {
        format: flags.format,
        defaultFormat: 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}',
        headers: {
          ID: 'CONTAINER ID',
          Name: 'NAME',
          Names: 'NAMES',
          Image: 'IMAGE',
          Command: 'COMMAND',
          Project: 'PROJECT',
          Service: 'SERVICE',
          CreatedAt: 'CREATED AT',
          RunningFor: 'CREATED',
          State: 'STATE',
          Status: 'STATUS',
          Health: 'HEALTH',
          ExitCode: 'EXIT CODE',
          Ports: 'PORTS',
          Labels: 'LABELS',
          Networks: 'NETWORKS',
          Publishers: 'PUBLISHERS',
        },
        quietField: (r) => r.ID,
      }),
    );
  },
});
