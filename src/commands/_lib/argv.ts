/**
 * A pflag-compatible argv parser driven by the command specs (see spec.ts).
 *
 * Why not yargs: Docker users type `run -itd -p8080:80 -eA=1 busybox ls -la`, where flags stop at the image for
 * `run`/`exec`/`create`, grouped shorthands carry attached values, and `-n` means `--last` for `ps` but the
 * namespace before the command. yargs cannot express non-interspersed commands per command, mis-parses attached
 * shorthand values, and costs ~30 ms of startup, which alone would miss the `ps` budget. This parser is small, pure
 * and table-driven from the same specs that generate help, man pages and completions.
 */
import type { AnySpec, CommandSpec, FlagSpec, FlagSpecs, GroupSpec } from './spec.js';
import { UsageError } from './usage-error.js';

export interface RootSpec {
  readonly name: string;
  readonly flags: FlagSpecs;
  readonly commands: readonly AnySpec[];
}

export interface Invocation {
  /** The canonical command path (`['container', 'run']` also when typed as `run`). */
  readonly path: readonly string[];
  /** The words the user typed to reach the command (`['run']`), for messages. */
  readonly typedPath: readonly string[];
  /** undefined when only a group (or nothing) was named: show that group's help. */
  readonly command: CommandSpec | undefined;
  readonly group: GroupSpec | RootSpec;
  readonly flags: Record<string, unknown>;
  readonly globals: Record<string, unknown>;
  readonly args: string[];
  readonly changed: ReadonlySet<string>;
  readonly help: boolean;
  readonly version: boolean;
  /** Deprecated flags that were used, for warnings. */
  readonly deprecated: readonly { flag: string; message: string }[];
}

interface FlagEntry {
  readonly name: string;
  readonly spec: FlagSpec;
  readonly scope: 'command' | 'global';
}

interface FlagTable {
  readonly long: Map<string, FlagEntry>;
  readonly short: Map<string, FlagEntry>;
}

const HELP: FlagSpec = { type: 'boolean', short: 'h', describe: 'Print usage' };

function addFlags(table: FlagTable, flags: FlagSpecs, scope: FlagEntry['scope'], withShort: boolean): void {
  for (const [name, spec] of Object.entries(flags)) {
    const entry = { name, spec, scope };
    if (!table.long.has(name)) table.long.set(name, entry);
    for (const a of spec.aliases ?? []) if (!table.long.has(a)) table.long.set(a, entry);
    if (withShort && spec.short !== undefined && !table.short.has(spec.short)) table.short.set(spec.short, entry);
  }
}

function findChild(group: { commands: readonly AnySpec[] }, word: string): AnySpec | undefined {
  return group.commands.find((c) => c.name === word || (c.aliases ?? []).includes(word));
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within distance 2 (or sharing a prefix), as cobra suggests. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    const ok = d <= 2 || (word.length >= 2 && c.startsWith(word));
    if (ok && d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function flagLabel(e: FlagEntry): string {
  return e.spec.short !== undefined ? `-${e.spec.short}, --${e.name}` : `--${e.name}`;
}

function parseBool(raw: string, e: FlagEntry, path: readonly string[]): boolean {
  if (/^(1|t|true|TRUE|True)$/.test(raw)) return true;
  if (/^(0|f|false|FALSE|False)$/.test(raw)) return false;
  throw new UsageError(
    `invalid argument "${raw}" for "${flagLabel(e)}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
    path,
  );
}

function parseNumber(raw: string, e: FlagEntry, path: readonly string[]): number {
  const t = raw.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) {
    throw new UsageError(
      `invalid argument "${raw}" for "${flagLabel(e)}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
      path,
    );
  }
  return Number(t);
}

/**
 * Parses `argv` (without node and script) against the command tree. Throws UsageError for unknown commands and
 * flags, missing flag values, bad numbers and booleans, and wrong argument counts.
 */
export function parseArgv(root: RootSpec, argv: readonly string[]): Invocation {
  const globals: Record<string, unknown> = {};
  const flags: Record<string, unknown> = {};
  const changed = new Set<string>();
  const deprecated: { flag: string; message: string }[] = [];
  const args: string[] = [];
  const path: string[] = [];
  const typedPath: string[] = [];
  let help = false;
  let version = false;
  let group: GroupSpec | RootSpec = root;
  let command: CommandSpec | undefined;
  const groupFlags: FlagSpecs[] = [];

  const globalTable: FlagTable = { long: new Map(), short: new Map() };
  addFlags(globalTable, root.flags, 'global', true);

  const set = (e: FlagEntry, value: unknown) => {
    const target = e.scope === 'global' ? globals : flags;
    const key = e.scope === 'global' ? e.name : e.name;
    if (e.spec.type === 'strings') {
      const list = (target[key] as string[] | undefined) ?? [];
      list.push(String(value));
      target[key] = list;
    } else if (e.spec.type === 'count') {
      target[key] = ((target[key] as number | undefined) ?? 0) + 1;
    } else {
      target[key] = value;
    }
    changed.add(e.name);
    if (e.spec.deprecated !== undefined) deprecated.push({ flag: e.name, message: e.spec.deprecated });
  };

  /** Consumes one flag token at argv[i]; returns the index of the next token. */
  const takeFlag = (table: FlagTable, i: number): number => {
    const tok = argv[i]!;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      if (name === 'help') {
        help = true;
        return i + 1;
      }
      const e = table.long.get(name);
      if (e === undefined) {
        const hint = suggest(name, [...table.long.keys()].filter((k) => !table.long.get(k)!.spec.hidden));
        throw new UsageError(`unknown flag: --${name}${hint !== undefined ? ` (did you mean --${hint}?)` : ''}`, path);
      }
      if (e.spec.type === 'boolean' || e.spec.type === 'count') {
        set(e, eq >= 0 ? (e.spec.type === 'count' ? 1 : parseBool(tok.slice(eq + 1), e, path)) : true);
        return i + 1;
      }
      if (eq >= 0) {
        set(e, convert(e, tok.slice(eq + 1)));
        return i + 1;
      }
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`, path);
      set(e, convert(e, argv[i + 1]!));
      return i + 2;
    }
    // One or more shorthands: -itd, -p8080:80, -e=A=1
    for (let j = 1; j < tok.length; j++) {
      const c = tok[j]!;
      if (c === 'h' && !table.short.has('h')) {
        help = true;
        continue;
      }
      const e = table.short.get(c);
      if (e === undefined) throw new UsageError(`unknown shorthand flag: '${c}' in ${tok}`, path);
      if (e.spec.type === 'boolean' || e.spec.type === 'count') {
        if (tok[j + 1] === '=') {
          set(e, e.spec.type === 'count' ? 1 : parseBool(tok.slice(j + 2), e, path));
          return i + 1;
        }
        set(e, true);
        continue;
      }
      let rest = tok.slice(j + 1);
      if (rest.startsWith('=')) rest = rest.slice(1);
      if (rest !== '' || tok[j + 1] === '=') {
        set(e, convert(e, rest));
        return i + 1;
      }
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${c}' in -${c}`, path);
      set(e, convert(e, argv[i + 1]!));
      return i + 2;
    }
    return i + 1;
  };

  const convert = (e: FlagEntry, raw: string): unknown => {
    if (e.spec.type === 'number') return parseNumber(raw, e, path);
    if (e.spec.choices !== undefined && !e.spec.choices.includes(raw)) {
      throw new UsageError(
        `invalid argument "${raw}" for "${flagLabel(e)}" flag: must be one of ${e.spec.choices.map((c) => `"${c}"`).join(', ')}`,
        path,
      );
    }
    return raw;
  };

  const isFlag = (tok: string) => tok.length > 1 && tok.startsWith('-') && tok !== '--';

  // Phase 1: global flags and command words.
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === '--') {
      i++;
      break;
    }
    if (isFlag(tok)) {
      if (group === root && (tok === '-v' || tok === '--version')) {
        version = true;
        i++;
        continue;
      }
      const table: FlagTable = { long: new Map(globalTable.long), short: new Map(globalTable.short) };
      for (const gf of groupFlags) addFlags(table, gf, 'command', true);
      i = takeFlag(table, i);
      continue;
    }
    const child = findChild(group, tok);
    if (child === undefined) {
      if (group.commands.length === 0) break;
      const names = group.commands.filter((c) => !c.hidden).flatMap((c) => [c.name, ...(c.aliases ?? [])]);
      const hint = suggest(tok, names);
      const where = [root.name, ...typedPath].join(' ');
      throw new UsageError(
        `unknown command "${tok}" for "${where}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`,
        typedPath,
      );
    }
    path.push(child.name);
    typedPath.push(tok);
    i++;
    if (child.kind === 'group') {
      group = child;
      if (child.flags !== undefined) groupFlags.push(child.flags);
      continue;
    }
    command = child;
    break;
  }

  if (command === undefined) {
    // Only a group (or nothing) was named; trailing tokens after `--` are ignored like cobra does.
    return { path, typedPath, command, group, flags, globals, args, changed, help, version, deprecated };
  }

  // Phase 2: the command's own flags (plus group flags and long global flags) and positionals.
  const table: FlagTable = { long: new Map(), short: new Map() };
  addFlags(table, command.flags, 'command', true);
  for (const gf of groupFlags) addFlags(table, gf, 'command', true);
  addFlags(table, root.flags, 'global', true);
  const interspersed = command.interspersed !== false;
  while (i < argv.length) {
    const tok = argv[i]!;
    if (tok === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (isFlag(tok)) {
      i = takeFlag(table, i);
      continue;
    }
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(tok);
    i++;
  }

  // Defaults for flags not given.
  for (const [name, spec] of Object.entries(command.flags)) {
    if (name in flags) continue;
    if (spec.type === 'strings') flags[name] = spec.default !== undefined ? [...(spec.default as string[])] : [];
    else if (spec.type === 'boolean') flags[name] = spec.default ?? false;
    else if (spec.type === 'count') flags[name] = spec.default ?? 0;
    else if (spec.default !== undefined) flags[name] = spec.default;
  }
  for (const gf of groupFlags) {
    for (const [name, spec] of Object.entries(gf)) {
      if (name in flags) continue;
      if (spec.type === 'strings') flags[name] = [];
      else if (spec.type === 'boolean') flags[name] = spec.default ?? false;
      else if (spec.default !== undefined) flags[name] = spec.default;
    }
  }

  if (!help) checkArgCount(command, typedPath, args, root.name);
  return { path, typedPath, command, group, flags, globals, args, changed, help, version, deprecated };
}

function plural(n: number): string {
  return n === 1 ? '1 argument' : `${n} arguments`;
}

function checkArgCount(command: CommandSpec, typedPath: readonly string[], args: string[], rootName: string): void {
  const min = command.args?.min ?? 0;
  const max = command.args?.max;
  const name = `${rootName} ${typedPath.join(' ')}`;
  // Docker prints the synopsis after these and exits 1 (not 125).
  const hasFlags = Object.values(command.flags).some((f) => !f.hidden);
  const synopsis = `${name}${hasFlags ? ' [OPTIONS]' : ''}${command.usage ? ' ' + command.usage : ''}`;
  const fail = (msg: string) =>
    new UsageError(msg, typedPath, { status: 1, trailer: ['', `Usage:  ${synopsis}`, '', command.summary] });
  if (max === 0 && args.length > 0) throw fail(`"${name}" accepts no arguments.`);
  if (min === max && args.length !== min) throw fail(`"${name}" requires exactly ${plural(min)}.`);
  if (args.length < min) throw fail(`"${name}" requires at least ${plural(min)}.`);
  if (max !== undefined && args.length > max) throw fail(`"${name}" requires at most ${plural(max)}.`);
}

export { HELP as helpFlagSpec };
