/**
 * `--help` text in Docker's layout (cobra's usage template as docker/cli customises it): Usage, description,
 * Aliases, Options, Examples; the root help groups management commands (groups) apart from plain commands.
 */
import type { RootSpec } from './argv.js';
import type { AnySpec, CommandSpec, FlagSpec, FlagSpecs, GroupSpec } from './spec.js';

/** The value type shown after a flag name (`--env list`, `--memory bytes`). */
export function flagValueName(spec: FlagSpec): string {
  if (spec.valueName !== undefined) return spec.valueName;
  switch (spec.type) {
    case 'boolean':
    case 'count':
      return '';
    case 'number':
      return 'int';
    case 'strings':
      return 'list';
    default:
      return 'string';
  }
}

/** The ` (default ...)` suffix pflag prints, or ''. */
export function flagDefaultText(spec: FlagSpec): string {
  const d = spec.default;
  if (d === undefined || d === false || d === '' || (Array.isArray(d) && d.length === 0)) return '';
  if (spec.type === 'number' && d === 0) return '';
  if (Array.isArray(d)) return ` (default [${d.join(',')}])`;
  if (typeof d === 'string') return ` (default "${d}")`;
  return ` (default ${String(d)})`;
}

/** pflag's FlagUsages: `  -a, --all          Show all` with the description column aligned. */
export function renderFlags(flags: FlagSpecs, extra: readonly [string, FlagSpec][] = []): string {
  const rows: [string, string][] = [];
  const entries = [...Object.entries(flags), ...extra].filter(([, s]) => !s.hidden);
  entries.sort(([a], [b]) => a.localeCompare(b));
  for (const [name, spec] of entries) {
    const short = spec.short !== undefined ? `  -${spec.short}, ` : '      ';
    const vn = flagValueName(spec);
    rows.push([`${short}--${name}${vn ? ' ' + vn : ''}`, spec.describe + flagDefaultText(spec)]);
  }
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `${l.padEnd(width)}   ${r}`).join('\n');
}

function commandList(items: readonly AnySpec[]): string {
  const visible = items.filter((c) => !c.hidden);
  const width = Math.max(11, ...visible.map((c) => c.name.length));
  return visible.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n');
}

function optionsSuffix(flags: FlagSpecs): string {
  return Object.values(flags).some((f) => !f.hidden) ? ' [OPTIONS]' : '';
}

export interface HelpTarget {
  readonly root: RootSpec;
  /** Canonical path of the command or group ([] for the root). */
  readonly path: readonly string[];
  readonly spec: CommandSpec | GroupSpec | RootSpec;
  /** Other paths under which the same command is reachable (`nerdctl ps` for `nerdctl container ls`). */
  readonly aliasPaths?: readonly string[];
}

/** Help for a leaf command. */
export function renderCommandHelp(t: HelpTarget & { spec: CommandSpec }, groupFlags: FlagSpecs = {}): string {
  const cmd = [t.root.name, ...t.path].join(' ');
  const out: string[] = [''];
  out.push(`Usage:  ${cmd}${optionsSuffix({ ...t.spec.flags, ...groupFlags })}${t.spec.usage ? ' ' + t.spec.usage : ''}`);
  out.push('', t.spec.description ?? t.spec.summary);
  const aliases = [
    ...(t.aliasPaths ?? []),
    ...(t.spec.aliases ?? []).map((a) => [t.root.name, ...t.path.slice(0, -1), a].join(' ')),
  ];
  if (aliases.length > 0) out.push('', 'Aliases:', `  ${[cmd, ...aliases].join(', ')}`);
  const flags = renderFlags({ ...groupFlags, ...t.spec.flags });
  if (flags !== '') out.push('', 'Options:', flags);
  if (t.spec.examples !== undefined && t.spec.examples.length > 0) {
    out.push('', 'Examples:');
    for (const ex of t.spec.examples) out.push(`  # ${ex.description}`, `  ${ex.command}`, '');
    out.pop();
  }
  out.push('');
  return out.join('\n');
}

/** Help for a group or the root: management commands (groups) and commands listed apart, as docker does. */
export function renderGroupHelp(t: HelpTarget & { spec: GroupSpec | RootSpec }): string {
  const cmd = [t.root.name, ...t.path].join(' ');
  const isRoot = t.path.length === 0;
  const spec = t.spec;
  const out: string[] = [''];
  out.push(`Usage:  ${cmd}${isRoot ? ' [OPTIONS]' : ''} COMMAND`);
  const description = 'kind' in spec ? (spec.description ?? spec.summary) : 'A Docker-compatible container CLI with its engine built in';
  out.push('', description);
  if ('kind' in spec && spec.aliases !== undefined && spec.aliases.length > 0) {
    const parent = [t.root.name, ...t.path.slice(0, -1)].join(' ');
    out.push('', 'Aliases:', `  ${[cmd, ...spec.aliases.map((a) => `${parent} ${a}`)].join(', ')}`);
  }
  if (isRoot) out.push('', 'Options:', renderFlags(t.root.flags, [['version', { type: 'boolean', short: 'v', describe: 'Print version information and quit' }]]));
  else if ('kind' in spec && spec.flags !== undefined) out.push('', 'Options:', renderFlags(spec.flags));
  const groups = spec.commands.filter((c) => c.kind === 'group' && !c.hidden);
  const commands = spec.commands.filter((c) => c.kind === 'command' && !c.hidden);
  if (groups.length > 0) out.push('', 'Management Commands:', commandList(groups));
  if (commands.length > 0) out.push('', 'Commands:', commandList(commands));
  out.push('', `Run '${cmd} COMMAND --help' for more information on a command.`, '');
  return out.join('\n');
}
