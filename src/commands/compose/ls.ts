/** `compose ls`: the projects that have containers, from their `com.docker.compose.*` labels. */
import { Compose as ComposeLabels } from '../../engine/labels.js';
import { formatListing } from '../_lib/format.js';
import { defineCommand } from '../_lib/spec.js';

/** One row of `compose ls`. */
export interface ProjectRow {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

/** `running(2), exited(1)`: states counted, sorted by name (Compose v2's combinedStatus). Pure. */
export function combinedStatus(states: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((s) => `${s}(${counts.get(s)})`)
    .join(', ');
}

/** Projects from containers' labels, sorted by name. Pure. */
export function projectRows(containers: readonly { labels: Readonly<Record<string, string>>; state: { status: string } }[]): ProjectRow[] {
  const byName = new Map<string, { states: string[]; files: string }>();
  for (const c of containers) {
    const name = c.labels[ComposeLabels.project];
    if (name === undefined || name === '') continue;
    const e = byName.get(name) ?? { states: [], files: c.labels[ComposeLabels.configFiles] ?? '' };
    e.states.push(c.state.status);
    byName.set(name, e);
  }
  return [...byName.keys()].sort().map((name) => ({ Name: name, Status: combinedStatus(byName.get(name)!.states), ConfigFiles: byName.get(name)!.files }));
}

export const composeLsCommand = defineCommand({
  name: 'ls',
  summary: 'List running compose projects',
  examples: [
    { command: 'nerdctl compose ls', description: 'List the running Compose projects' },
    { command: 'nerdctl compose ls -a', description: 'List every Compose project, stopped ones included' },
  ],
  flags: {
    all: { type: 'boolean', short: 'a', describe: 'Show all stopped Compose projects' },
    filter: { type: 'strings', describe: 'Filter output based on conditions provided' },
    format: { type: 'string', describe: 'Format the output. Values: [table | json]', default: 'table' },
    quiet: { type: 'boolean', short: 'q', describe: 'Only display project names' },
  },
  args: { max: 0 },
  async handler({ flags }, ctx) {
    const engine = await ctx.engine();
    const containers = await (await engine.containers()).list(ctx.op(), { all: flags.all });
    let rows = projectRows(containers);
    for (const f of flags.filter) {
      const eq = f.indexOf('=');
      const key = eq < 0 ? f : f.slice(0, eq);
      const value = eq < 0 ? '' : f.slice(eq + 1);
      if (key !== 'name') throw (await import('../../engine/errdefs.js')).invalidArgument(`invalid filter '${key}'`);
      rows = rows.filter((r) => r.Name.includes(value));
    }
    if (flags.quiet) {
      for (const r of rows) ctx.out.line(r.Name);
      return;
    }
    if (flags.format === 'json') {
      ctx.out.line(JSON.stringify(rows));
      return;
    }
    ctx.out.write(
      formatListing(rows, {
        format: flags.format,
        defaultFormat: 'table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}',
        headers: { Name: 'NAME', Status: 'STATUS', ConfigFiles: 'CONFIG FILES' },
        quietField: (r) => r.Name,
      }),
    );
  },
});
