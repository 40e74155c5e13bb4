/**
 * `--help` text in Docker's layout (cobra's usage template as docker/cli customises it, checked against docker 20.10's
 * output): Usage, description, Aliases, Examples, Options; the root and group help list management commands (groups)
 * apart from plain commands. Options are pflag's FlagUsagesWrapped: sorted by name in byte order, hidden and
 * deprecated flags left out, descriptions aligned one column after the widest flag and wrapped to the terminal width
 * (docker wraps at width-1 and assumes 80 columns when there is no terminal).
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

/** The terminal width docker assumes when there is none. */
export const DEFAULT_WIDTH = 80;

/** Where pflag breaks a line: the last blank within the first `at` characters, or an earlier newline. */
function breakLine(s: string, at: number, slop: number): [string, string] {
  if (at + slop > s.length) return [s, ''];
  const head = s.slice(0, at);
  const blank = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (blank <= 0) return [s, ''];
  const newline = head.lastIndexOf('\n');
  if (newline > 0 && newline < blank) return [s.slice(0, newline), s.slice(newline + 1)];
  return [s.slice(0, blank), s.slice(blank + 1)];
}

/**
 * pflag's wrapping of a flag description that starts at column `indent` on a line of `cols` columns (0: no
 * wrapping, only the description's own newlines, indented).
 */
export function wrapDescription(text: string, indent: number, cols: number): string {
  if (cols <= 0) return text.replaceAll('\n', '\n' + ' '.repeat(indent));
  let at = cols - indent;
  let out = '';
  if (at < 24) {
    // Too narrow beside the flags: the description goes on its own lines.
    indent = 16;
    at = cols - indent;
    out += '\n' + ' '.repeat(indent);
  }
  if (at < 24) return text.replaceAll('\n', out);
  // Avoid a short orphan word on the last line: a line may run 5 characters over.
  const slop = 5;
  at -= slop;
  const pad = '\n' + ' '.repeat(indent);
  let [line, rest] = breakLine(text, at, slop);
  out += line.replaceAll('\n', pad);
  while (rest !== '') {
    [line, rest] = breakLine(rest, at, slop);
    out += pad + line.replaceAll('\n', pad);
  }
  return out;
}

/** Go's string order (bytes), which pflag sorts flags by: `ip-range` before `ipam-driver`. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * pflag's FlagUsagesWrapped: `  -a, --all          Show all` with the description column aligned and wrapped to
 * `width - 1` columns (docker's choice); `width` 0 turns wrapping off.
 */
export function renderFlags(flags: FlagSpecs, extra: readonly [string, FlagSpec][] = [], width = DEFAULT_WIDTH): string {
  const rows: [string, string][] = [];
  const entries = [...Object.entries(flags), ...extra].filter(([, s]) => s.hidden !== true && s.deprecated === undefined);
  entries.sort(([a], [b]) => byteOrder(a, b));
  for (const [name, spec] of entries) {
    const short = spec.short !== undefined ? `  -${spec.short}, ` : '      ';
    const vn = flagValueName(spec);
    rows.push([`${short}--${name}${vn ? ' ' + vn : ''}`, spec.describe + flagDefaultText(spec)]);
  }
  const column = Math.max(0, ...rows.map(([l]) => l.length));
  const cols = width > 0 ? width - 1 : 0;
  return rows.map(([l, r]) => `${l.padEnd(column)}   ${wrapDescription(r, column + 3, cols)}`).join('\n');
}

/** cobra's command list: names padded to the longest sibling (at least 11), then the summary. */
function commandList(items: readonly AnySpec[], width: number): string {
  return items.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n');
}

function optionsSuffix(flags: FlagSpecs): string {
  return Object.values(flags).some((f) => f.hidden !== true && f.deprecated === undefined) ? ' [OPTIONS]' : '';
}

export interface HelpTarget {
  readonly root: RootSpec;
  /** Canonical path of the command or group ([] for the root). */
  readonly path: readonly string[];
  readonly spec: CommandSpec | GroupSpec | RootSpec;
  /** Other paths under which the same command is reachable (`nerdctl ps` for `nerdctl container ls`). */
  readonly aliasPaths?: readonly string[];
  /** Terminal columns to wrap option descriptions to ({@link DEFAULT_WIDTH} when undefined; 0: no wrapping). */
  readonly width?: number;
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
  // Docker (23+) lists the management command's path and its aliases first, then the top-level shorthands.
  const paths = [cmd, ...aliases].map((p, i) => ({ p, i, words: p.split(' ').length }));
  paths.sort((a, b) => b.words - a.words || a.i - b.i);
  if (aliases.length > 0) out.push('', 'Aliases:', `  ${paths.map((x) => x.p).join(', ')}`);
  if (t.spec.examples !== undefined && t.spec.examples.length > 0) {
    out.push('', 'Examples:');
    for (const ex of t.spec.examples) out.push(`  # ${ex.description}`, `  ${ex.command}`, '');
    out.pop();
  }
  const flags = renderFlags({ ...groupFlags, ...t.spec.flags }, [], t.width ?? DEFAULT_WIDTH);
  if (flags !== '') out.push('', 'Options:', flags);
  out.push('');
  return out.join('\n');
}

/** Help for a group or the root: management commands (groups) and commands listed apart, as docker does. */
export function renderGroupHelp(t: HelpTarget & { spec: GroupSpec | RootSpec }): string {
  const cmd = [t.root.name, ...t.path].join(' ');
  const isRoot = t.path.length === 0;
  const spec = t.spec;
  const out: string[] = [''];
  const groupFlags = 'kind' in spec ? (spec.flags ?? {}) : {};
  out.push(`Usage:  ${cmd}${isRoot ? ' [OPTIONS]' : optionsSuffix(groupFlags)} COMMAND`);
  const description = 'kind' in spec ? (spec.description ?? spec.summary) : 'A Docker-compatible container CLI with its engine built in';
  out.push('', description);
  if ('kind' in spec && spec.aliases !== undefined && spec.aliases.length > 0) {
    const parent = [t.root.name, ...t.path.slice(0, -1)].join(' ');
    out.push('', 'Aliases:', `  ${[cmd, ...spec.aliases.map((a) => `${parent} ${a}`)].join(', ')}`);
  }
  const width = t.width ?? DEFAULT_WIDTH;
  if (isRoot) {
    out.push('', 'Options:', renderFlags(t.root.flags, [['version', { type: 'boolean', short: 'v', describe: 'Print version information and quit' }]], width));
  } else if (optionsSuffix(groupFlags) !== '') {
    out.push('', 'Options:', renderFlags(groupFlags, [], width));
  }
  const visible = spec.commands.filter((c) => c.hidden !== true);
  const nameWidth = Math.max(11, ...visible.map((c) => c.name.length));
  const groups = visible.filter((c) => c.kind === 'group');
  const commands = visible.filter((c) => c.kind === 'command');
  if (groups.length > 0) out.push('', 'Management Commands:', commandList(groups, nameWidth));
  if (commands.length > 0) out.push('', 'Commands:', commandList(commands, nameWidth));
  out.push('', `Run '${cmd} COMMAND --help' for more information on a command.`, '');
  return out.join('\n');
}
