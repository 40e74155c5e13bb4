/**
 * A forgiving reading of a partly typed command line, for completion: the same grammar as argv.ts (global flags
 * before and after the command, group flags, grouped shorthands, `--flag=value`, `--`, non-interspersed commands)
 * but it never throws. Unknown flags are taken as booleans, bad values are kept as typed, and argument counts are
 * not checked: the user is still typing.
 */
import type { RootSpec } from '../argv.js';
import type { AnySpec, CommandSpec, FlagSpec, FlagSpecs, GroupSpec } from '../spec.js';

export type FlagScope = 'command' | 'group' | 'global';

export interface KnownFlag {
  /** The flag's long name (the key in its FlagSpecs). */
  readonly name: string;
  readonly spec: FlagSpec;
  readonly scope: FlagScope;
}

/** The flags accepted at one point of the command line, by long name (aliases included) and shorthand. */
export interface FlagTable {
  readonly long: ReadonlyMap<string, KnownFlag>;
  readonly short: ReadonlyMap<string, KnownFlag>;
  /** Each flag once, in the order local, group, global. */
  readonly flags: readonly KnownFlag[];
}

export const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', describe: 'Print usage' };
export const VERSION_FLAG: FlagSpec = { type: 'boolean', short: 'v', describe: 'Print version information and quit' };

export interface Walk {
  /** Canonical names of the groups and command reached (`['container', 'run']` also when typed as `run`). */
  readonly path: readonly string[];
  /** The deepest group reached (the root when none). */
  readonly group: GroupSpec | RootSpec;
  /** The command reached, if any. */
  readonly command: CommandSpec | undefined;
  /** A word that names no command of `group` (completion then has nothing to offer). */
  readonly unknownCommand: string | undefined;
  /** The flags accepted at the end of the words. */
  readonly table: FlagTable;
  /** Global flag values typed, by long name. */
  readonly globals: Record<string, unknown>;
  /** Command and group flag values typed, by long name. */
  readonly flags: Record<string, unknown>;
  /** Long names of every flag typed. */
  readonly changed: Set<string>;
  readonly args: string[];
  /** `--help`/`-h` (or `--version` at the root) was typed. */
  readonly help: boolean;
  /** No more flags: after `--`, or after the first argument of a non-interspersed command. */
  readonly flagsEnded: boolean;
  /** The last word was a flag that still waits for its value. */
  readonly pending: KnownFlag | undefined;
}

function buildTable(layers: readonly [FlagSpecs, FlagScope][], extra: readonly [string, FlagSpec][]): FlagTable {
  const long = new Map<string, KnownFlag>();
  const short = new Map<string, KnownFlag>();
  const flags: KnownFlag[] = [];
  const add = (name: string, spec: FlagSpec, scope: FlagScope) => {
    if (long.has(name)) return;
    const entry = { name, spec, scope };
    flags.push(entry);
    long.set(name, entry);
    for (const a of spec.aliases ?? []) if (!long.has(a)) long.set(a, entry);
    if (spec.short !== undefined && !short.has(spec.short)) short.set(spec.short, entry);
  };
  for (const [specs, scope] of layers) for (const [name, spec] of Object.entries(specs)) add(name, spec, scope);
  for (const [name, spec] of extra) add(name, spec, 'command');
  return { long, short, flags };
}

function findChild(group: { commands: readonly AnySpec[] }, word: string): AnySpec | undefined {
  return group.commands.find((c) => c.name === word || (c.aliases ?? []).includes(word));
}

const takesValue = (spec: FlagSpec) => spec.type !== 'boolean' && spec.type !== 'count';

/** Reads `words` (the complete words before the one being completed) against the command tree. */
export function walkWords(root: RootSpec, words: readonly string[]): Walk {
  const globals: Record<string, unknown> = {};
  const flags: Record<string, unknown> = {};
  const changed = new Set<string>();
  const args: string[] = [];
  const path: string[] = [];
  const groupLayers: [FlagSpecs, FlagScope][] = [];
  let group: GroupSpec | RootSpec = root;
  let command: CommandSpec | undefined;
  let help = false;
  let pending: KnownFlag | undefined;
  let flagsEnded = false;

  const groupTable = () => {
    const extra: [string, FlagSpec][] = [['help', HELP_FLAG]];
    if (group === root) extra.push(['version', VERSION_FLAG]);
    return buildTable([...groupLayers, [root.flags, 'global']], extra);
  };
  let table = groupTable();

  const set = (e: KnownFlag, value: unknown) => {
    if (e.spec === HELP_FLAG || e.spec === VERSION_FLAG) {
      help = true;
      return;
    }
    const target = e.scope === 'global' ? globals : flags;
    if (e.spec.type === 'strings') target[e.name] = [...((target[e.name] as string[] | undefined) ?? []), String(value)];
    else if (e.spec.type === 'count') target[e.name] = ((target[e.name] as number | undefined) ?? 0) + 1;
    else target[e.name] = value;
    changed.add(e.name);
  };

  /** Reads the flag word at words[i]; returns how many words it used. */
  const readFlag = (i: number): number => {
    const tok = words[i]!;
    const next = words[i + 1];
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const e = table.long.get(eq >= 0 ? tok.slice(2, eq) : tok.slice(2));
      if (e === undefined) return 1;
      if (!takesValue(e.spec) || eq >= 0) {
        set(e, eq >= 0 ? tok.slice(eq + 1) : true);
        return 1;
      }
      if (next === undefined) {
        pending = e;
        return 1;
      }
      set(e, next);
      return 2;
    }
    for (let j = 1; j < tok.length; j++) {
      const e = table.short.get(tok[j]!);
      if (e === undefined) continue;
      if (!takesValue(e.spec)) {
        set(e, true);
        continue;
      }
      const rest = tok.slice(j + 1).replace(/^=/, '');
      if (rest !== '' || tok[j + 1] === '=') {
        set(e, rest);
        return 1;
      }
      if (next === undefined) {
        pending = e;
        return 1;
      }
      set(e, next);
      return 2;
    }
    return 1;
  };

  const isFlag = (tok: string) => tok.length > 1 && tok.startsWith('-') && tok !== '--';
  let i = 0;
  let unknownCommand: string | undefined;

  // Command words, with global and group flags between them.
  while (i < words.length && command === undefined) {
    const tok = words[i]!;
    if (tok === '--') {
      flagsEnded = true;
      i++;
      break;
    }
    if (isFlag(tok)) {
      i += readFlag(i);
      continue;
    }
    const child = findChild(group, tok);
    if (child === undefined) {
      unknownCommand = tok;
      break;
    }
    path.push(child.name);
    i++;
    if (child.kind === 'group') {
      group = child;
      if (child.flags !== undefined) groupLayers.unshift([child.flags, 'group']);
      table = groupTable();
    } else {
      command = child;
      table = buildTable([[child.flags, 'command'], ...groupLayers, [root.flags, 'global']], [['help', HELP_FLAG]]);
    }
  }

  // The command's flags and arguments.
  if (command !== undefined && unknownCommand === undefined) {
    const interspersed = command.interspersed !== false;
    while (i < words.length) {
      const tok = words[i]!;
      if (flagsEnded) {
        args.push(tok);
        i++;
      } else if (tok === '--') {
        flagsEnded = true;
        i++;
      } else if (isFlag(tok)) {
        i += readFlag(i);
      } else {
        args.push(tok);
        if (!interspersed) flagsEnded = true;
        i++;
      }
    }
  }

  return { path, group, command, unknownCommand, table, globals, flags, changed, args, help, flagsEnded, pending };
}
