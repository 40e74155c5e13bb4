/**
 * `namespace ls|create|rm|inspect|update` (nerdctl's): containerd namespaces. Every record lives in one; `default`
 * exists from the start, others appear on first use or by `create`.
 */
import { invalidArgument } from '../../engine/errdefs.js';
import type { Storage } from '../../engine/metadata/storage.js';
import { errorText } from '../_lib/exit.js';
import { formatListing, renderInspect } from '../_lib/format.js';
import type { CommandContext } from '../_lib/context.js';
import { defineCommand, defineGroup } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';

/** `k=v` label flags into a map (`k` alone is an empty value). Pure. */
export function parseLabelFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const k = eq < 0 ? v : v.slice(0, eq);
    if (k === '') throw invalidArgument(`invalid label "${v}": the key must not be empty`);
    out[k] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/** Rows per namespace of tables that keep records (counts by table, 0 when a component has no table yet). */
function countsByNamespace(storage: Storage, table: string): Map<string, number> {
  try {
    const rows = storage.db.prepare(`SELECT namespace, count(*) AS n FROM "${table}" GROUP BY namespace`).all() as { namespace: string; n: number }[];
    return new Map(rows.map((r) => [r.namespace, r.n]));
  } catch {
    return new Map();
  }
}

function storageOf(ctx: CommandContext): Promise<Storage> {
  return ctx.engine().then((e) => e.storage);
}

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export const namespaceLsCommand = defineCommand({
  name: 'ls',
  aliases: ['list'],
  summary: 'List containerd namespaces',
  examples: [
    { command: 'nerdctl namespace ls', description: 'List the namespaces' },
    { command: 'nerdctl namespace ls -q', description: 'Only their names' },
  ],
  flags: {
    quiet: { type: 'boolean', short: 'q', describe: 'Only display namespace names' },
    format: { type: 'string', short: 'f', describe: "Format the output using the given Go template, e.g, '{{json .}}'", complete: 'format' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const storage = await storageOf(ctx);
    const list = storage.namespaces.list();
    const containers = countsByNamespace(storage, 'containers');
    const images = countsByNamespace(storage, 'images');
    const volumes = countsByNamespace(storage, 'volumes');
    const rows = list.map((n) => ({
      Name: n.name,
      Containers: containers.get(n.name) ?? 0,
      Images: images.get(n.name) ?? 0,
      Volumes: volumes.get(n.name) ?? 0,
      Labels: labelText(n.labels),
    }));
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat: 'table {{.Name}}\t{{.Containers}}\t{{.Images}}\t{{.Volumes}}\t{{.Labels}}',
        headers: { Name: 'NAME', Containers: 'CONTAINERS', Images: 'IMAGES', Volumes: 'VOLUMES', Labels: 'LABELS' },
        quietField: (r) => r.Name,
      }),
    );
  },
});

export const namespaceCreateCommand = defineCommand({
  name: 'create',
  usage: 'NAMESPACE',
  summary: 'Create a new namespace',
  examples: [
    { command: 'nerdctl namespace create --label team=web staging', description: 'Create the namespace staging, with a label' },
  ],
  flags: { label: { type: 'strings', describe: 'Set labels for a namespace' } },
  args: { min: 1, max: 1 },
  async handler({ flags, args }, ctx) {
    const storage = await storageOf(ctx);
    storage.namespaces.create(args[0]!, parseLabelFlags(flags.label));
  },
});

export const namespaceRmCommand = defineCommand({
  name: 'remove',
  aliases: ['rm'],
  usage: 'NAMESPACE [NAMESPACE...]',
  summary: 'Remove one or more namespaces',
  examples: [
    { command: 'nerdctl namespace rm staging', description: 'Remove the namespace staging' },
  ],
  flags: { cgroup: { type: 'boolean', short: 'c', describe: 'Delete the namespace\'s cgroup (accepted; nothing to delete)', hidden: true } },
  args: { min: 1, complete: ['namespaces'] },
  async handler({ args }, ctx) {
    const storage = await storageOf(ctx);
    let failed = false;
    for (const name of args) {
      try {
        storage.namespaces.remove(name);
        ctx.out.line(name);
      } catch (err) {
        failed = true;
        ctx.err.line(`Error: ${errorText(err)}`);
      }
    }
    if (failed) throw new ExitStatus(1);
  },
});

export const namespaceInspectCommand = defineCommand({
  name: 'inspect',
  usage: 'NAMESPACE [NAMESPACE...]',
  summary: 'Display detailed information on one or more namespaces',
  examples: [
    { command: 'nerdctl namespace inspect staging', description: 'Show the name and labels of the namespace staging as JSON' },
  ],
  flags: { format: { type: 'string', short: 'f', describe: 'Format the output using the given Go template', complete: 'format' } },
  args: { min: 1, complete: ['namespaces'] },
  async handler({ flags, args }, ctx) {
    const storage = await storageOf(ctx);
    const objs: unknown[] = [];
    const errors: string[] = [];
    for (const name of args) {
      try {
        const n = storage.namespaces.get(name);
        objs.push({ Name: n.name, Labels: n.labels });
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    const r = renderInspect(objs, flags.format);
    if (objs.length > 0 || errors.length === 0) ctx.out.write(r.output);
    for (const e of errors) ctx.err.line(`Error: ${e}`);
    if (errors.length > 0 || r.errors.length > 0) throw new ExitStatus(1);
  },
});

export const namespaceUpdateCommand = defineCommand({
  name: 'update',
  usage: 'NAMESPACE',
  summary: 'Update labels for a namespace',
  examples: [
    { command: 'nerdctl namespace update --label team=api staging', description: 'Set the label team of the namespace staging' },
  ],
  flags: { label: { type: 'strings', describe: 'Set labels for a namespace (key=value; key= removes one)' } },
  args: { min: 1, max: 1, complete: ['namespaces'] },
  async handler({ flags, args }, ctx) {
    const storage = await storageOf(ctx);
    const labels = parseLabelFlags(flags.label);
    if (Object.keys(labels).length === 0) {
      storage.namespaces.get(args[0]!);
      return;
    }
    storage.namespaces.update(args[0]!, labels, Object.keys(labels).map((k) => `labels.${k}`));
  },
});

export const namespaceGroup = defineGroup({
  name: 'namespace',
  aliases: ['ns'],
  summary: 'Manage containerd namespaces',
  description: 'Unrelated to Linux namespaces and Kubernetes namespaces.',
  commands: [namespaceCreateCommand, namespaceInspectCommand, namespaceLsCommand, namespaceRmCommand, namespaceUpdateCommand],
});
