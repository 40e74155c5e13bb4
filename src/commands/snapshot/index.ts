/**
 * `snapshot ls|tree|rm|usage`: the snapshotter (`--snapshotter`) as ctr shows it (`ctr snapshots ...`), under
 * nerdctl's command names.
 */
import type { Info } from '../../engine/snapshots/types.js';
import { errorText } from '../_lib/exit.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand, defineGroup } from '../_lib/spec.js';
import { ExitStatus } from '../_lib/usage-error.js';

/** containerd's progress.Bytes: binary units with one decimal (`4.0 KiB`). Pure. */
export function ctrBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** ctr's tree: roots first (in walk order), children indented two spaces per level under `\_`. Pure. */
export function snapshotTree(infos: readonly Pick<Info, 'name' | 'parent'>[]): string {
  const order: string[] = [];
  const children = new Map<string, string[]>();
  const parents = new Map<string, string | undefined>();
  const add = (name: string, parent: string | undefined) => {
    if (!parents.has(name)) order.push(name);
    parents.set(name, parent);
  };
  for (const i of infos) {
    add(i.name, i.parent);
    if (i.parent !== undefined) {
      if (!parents.has(i.parent)) add(i.parent, undefined);
      children.set(i.parent, [...(children.get(i.parent) ?? []), i.name]);
    }
  }
  let out = '';
  const print = (name: string, level: number) => {
    out += `${'  '.repeat(level)}${level > 0 ? '\\_' : ''} ${name}\n`;
    for (const c of children.get(name) ?? []) print(c, level + 1);
  };
  for (const n of order) if (parents.get(n) === undefined) print(n, 0);
  return out;
}


export const snapshotLsCommand = defineCommand({
  name: 'ls',
  aliases: ['list'],
  summary: 'List snapshots',
  examples: [
    { command: 'nerdctl snapshot ls', description: 'List the snapshots with their parents and kinds' },
    { command: 'nerdctl snapshot ls -q', description: 'Only their keys' },
  ],
  flags: {
    quiet: { type: 'boolean', short: 'q', describe: 'Only print keys' },
    format: { type: 'string', describe: 'Format the output using the given Go template', complete: 'format' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const sn = (await ctx.engine()).storage.snapshotter;
    const rows: { Key: string; Parent: string; Kind: string }[] = [];
    for await (const i of sn.walk(ctx.op())) rows.push({ Key: i.name, Parent: i.parent ?? '', Kind: i.kind === 'committed' ? 'Committed' : i.kind === 'active' ? 'Active' : 'View' });
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        quiet: flags.quiet,
        defaultFormat: 'table {{.Key}}\t{{.Parent}}\t{{.Kind}}',
        headers: { Key: 'KEY', Parent: 'PARENT', Kind: 'KIND' },
        quietField: (r) => r.Key,
      }),
    );
  },
});

export const snapshotTreeCommand = defineCommand({
  name: 'tree',
  summary: 'Display a tree view of snapshot branches',
  examples: [
    { command: 'nerdctl snapshot tree', description: 'Show which snapshots are built on which' },
  ],
  flags: {},
  args: { max: 0 },
  async handler(_args, ctx) {
    const sn = (await ctx.engine()).storage.snapshotter;
    const infos: Info[] = [];
    for await (const i of sn.walk(ctx.op())) infos.push(i);
    ctx.out.write(snapshotTree(infos));
  },
});

export const snapshotRmCommand = defineCommand({
  name: 'rm',
  aliases: ['remove', 'delete', 'del'],
  usage: 'KEY [KEY...]',
  summary: 'Remove snapshots',
  examples: [
    { command: 'nerdctl snapshot rm 00f665826ea90c855e6c81dcd97e7a64700f776f5fe98dc00a63224e2fddcac7', description: 'Remove a snapshot by its key' },
  ],
  flags: {},
  args: { min: 1, complete: ['snapshots'] },
  async handler({ args }, ctx) {
    const sn = (await ctx.engine()).storage.snapshotter;
    let failed = false;
    for (const key of args) {
      try {
        await sn.remove(ctx.op(), key);
        ctx.out.line(key);
      } catch (err) {
        failed = true;
        ctx.err.line(`Error: failed to remove "${key}": ${errorText(err)}`);
      }
    }
    if (failed) throw new ExitStatus(1);
  },
});

export const snapshotUsageCommand = defineCommand({
  name: 'usage',
  usage: '[KEY...]',
  summary: 'Show the disk usage of snapshots',
  examples: [
    { command: 'nerdctl snapshot usage', description: 'The disk space and inodes each snapshot uses' },
    { command: "nerdctl snapshot usage -b $(nerdctl inspect -f '{{.Id}}' web)", description: 'The bytes the container web has written (its snapshot is keyed by its ID)' },
  ],
  flags: { bytes: { type: 'boolean', short: 'b', describe: 'Display size in bytes' } },
  args: { complete: ['snapshots'] },
  async handler({ flags, args }, ctx) {
    const sn = (await ctx.engine()).storage.snapshotter;
    const keys: string[] = [...args];
    if (keys.length === 0) for await (const i of sn.walk(ctx.op())) keys.push(i.name);
    const rows: { Key: string; Size: string; Inodes: string }[] = [];
    for (const k of keys) {
      const u = await sn.usage(ctx.op(), k);
      rows.push({ Key: k, Size: flags.bytes ? String(u.size) : ctrBytes(u.size), Inodes: String(u.inodes) });
    }
    ctx.out.write(
      formatListing(rows, {
        defaultFormat: 'table {{.Key}}\t{{.Size}}\t{{.Inodes}}',
        headers: { Key: 'KEY', Size: 'SIZE', Inodes: 'INODES' },
        quietField: (r) => r.Key,
      }),
    );
  },
});

export const snapshotGroup = defineGroup({
  name: 'snapshot',
  aliases: ['snapshots'],
  summary: 'Manage snapshots (containerd level)',
  commands: [snapshotLsCommand, snapshotRmCommand, snapshotTreeCommand, snapshotUsageCommand],
});
