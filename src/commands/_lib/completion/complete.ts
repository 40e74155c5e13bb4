/**
 * cobra's `__complete` protocol, as docker and nerdctl answer it, computed from the command specs.
 *
 * `nerdctl __complete <words...> <toComplete>` prints one candidate per line (`value` or `value\tdescription`,
 * descriptions dropped by `__completeNoDesc`), then `:<directive>` (see directive.ts). The shell scripts
 * (bash.ts, zsh.ts, fish.ts) pass the words before the cursor and the word being completed, which is '' after a
 * space. What is offered:
 *
 * - after a command group: its subcommands with their summaries;
 * - a word starting with `-` (while flags are still parsed): the flag names valid there, `--long` and `-s`, local
 *   ones first, then the group's and the global ones, without flags already given unless they repeat;
 * - after a flag that takes a value, or after `--flag=`: the flag's values (`FlagSpec.complete`, else its
 *   `choices`; numbers get nothing, other strings fall back to file names);
 * - otherwise the command's positional argument (`args.complete`, the last entry repeating), without names
 *   already given for multi-target commands.
 *
 * Candidates are filtered by prefix here, so every shell sees the same list. Failures never reach the shell:
 * lookups that throw yield no candidates and no file completion.
 */
import type { RootSpec } from '../argv.js';
import type { CompletionSource, FlagSpec } from '../spec.js';
import {
  capabilityCandidates,
  formatCandidates,
  logDriverCandidates,
  platformCandidates,
  restartPolicyCandidates,
  signalCandidates,
  type Candidate,
} from './candidates.js';
import type { CompletionData, CompletionDataProvider, CompletionQuery, NameList } from './data.js';
import { Directive } from './directive.js';
import { walkWords, type KnownFlag, type Walk } from './walk.js';

export interface CompletionResult {
  readonly candidates: readonly Candidate[];
  readonly directive: number;
}

export interface CompleteOptions {
  /** Where dynamic names come from; called at most once, and only when a dynamic source is needed. */
  readonly data: CompletionDataProvider;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const result = (candidates: readonly Candidate[], directive: number): CompletionResult => ({ candidates, directive });

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/** Flag-name candidates for `toComplete` (which starts with `-`). */
function flagNameCandidates(walk: Walk, toComplete: string): Candidate[] {
  const out: Candidate[] = [];
  const byScope = (scope: KnownFlag['scope']) =>
    walk.table.flags.filter((f) => f.scope === scope).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of [...byScope('command'), ...byScope('group'), ...byScope('global')]) {
    if (f.spec.hidden === true || f.spec.deprecated !== undefined) continue;
    const repeatable = f.spec.type === 'strings' || f.spec.type === 'count';
    if (walk.changed.has(f.name) && !repeatable) continue;
    const description = firstLine(f.spec.describe);
    if (`--${f.name}`.startsWith(toComplete)) out.push({ value: `--${f.name}`, description });
    // A shorthand taken by a closer scope (`-n` is --last for ps, not --namespace) is not this flag's.
    if (f.spec.short !== undefined && walk.table.short.get(f.spec.short) === f && `-${f.spec.short}`.startsWith(toComplete)) {
      out.push({ value: `-${f.spec.short}`, description });
    }
  }
  return out;
}

function normalize(list: NameList): Candidate[] {
  return list.map((c) => (typeof c === 'string' ? { value: c } : c));
}

/** What a completion source offers before prefix filtering. */
async function sourceCandidates(source: CompletionSource, data: () => Promise<CompletionData>): Promise<CompletionResult> {
  if (typeof source === 'object') {
    if ('values' in source) return result(source.values.map((value) => ({ value })), Directive.noFileComp);
    return result(formatCandidates(source.format), Directive.noFileComp);
  }
  const dynamic = async (lookup: (d: CompletionData) => Promise<NameList>): Promise<CompletionResult> => {
    try {
      return result(normalize(await lookup(await data())), Directive.noFileComp);
    } catch {
      return result([], Directive.noFileComp);
    }
  };
  switch (source) {
    case 'files':
      return result([], Directive.default);
    case 'dirs':
      return result([], Directive.filterDirs);
    case 'none':
      return result([], Directive.noFileComp);
    case 'restart-policies':
      return result(restartPolicyCandidates, Directive.noFileComp);
    case 'capabilities':
      return result(capabilityCandidates(), Directive.noFileComp);
    case 'signals':
      return result(signalCandidates(), Directive.noFileComp);
    case 'platforms':
      return result(platformCandidates, Directive.noFileComp);
    case 'log-drivers':
      return result(logDriverCandidates, Directive.noFileComp);
    case 'format':
      return result(formatCandidates(), Directive.noFileComp);
    case 'containers':
      return dynamic((d) => d.containers('all'));
    case 'containers:running':
      return dynamic((d) => d.containers('running'));
    case 'containers:stopped':
      return dynamic((d) => d.containers('stopped'));
    case 'containers:paused':
      return dynamic((d) => d.containers('paused'));
    case 'images':
    case 'images:local':
      return dynamic((d) => d.images());
    case 'networks':
      return dynamic((d) => d.networks());
    case 'volumes':
      return dynamic((d) => d.volumes());
    case 'namespaces':
      return dynamic((d) => d.namespaces());
    case 'snapshots':
      return dynamic((d) => d.snapshots());
    case 'compose-services':
      return dynamic((d) => d.composeServices());
  }
}

function filtered(r: CompletionResult, prefix: string, exclude: readonly string[] = []): CompletionResult {
  const seen = new Set<string>(exclude);
  const candidates = r.candidates.filter((c) => {
    if (!c.value.startsWith(prefix) || seen.has(c.value)) return false;
    seen.add(c.value);
    return true;
  });
  return result(candidates, r.directive);
}

async function flagValueCandidates(spec: FlagSpec, prefix: string, data: () => Promise<CompletionData>): Promise<CompletionResult> {
  if (spec.type === 'boolean') return filtered(result([{ value: 'true' }, { value: 'false' }], Directive.noFileComp), prefix);
  const source: CompletionSource | undefined = spec.complete ?? (spec.choices !== undefined ? { values: spec.choices } : undefined);
  if (source === undefined) return result([], spec.type === 'number' || spec.type === 'count' ? Directive.noFileComp : Directive.default);
  return filtered(await sourceCandidates(source, data), prefix);
}

/**
 * Answers one `__complete` request. `words` are the arguments after `__complete`: the words before the cursor and,
 * last, the word being completed.
 */
export async function complete(root: RootSpec, words: readonly string[], opts: CompleteOptions): Promise<CompletionResult> {
  const all = words.length === 0 ? [''] : words;
  const toComplete = all[all.length - 1]!;
  const walk = walkWords(root, all.slice(0, -1));
  if (walk.unknownCommand !== undefined) return result([], Directive.default);
  if (walk.help) return result([], Directive.noFileComp);

  let cached: Promise<CompletionData> | undefined;
  const data = () => {
    const query: CompletionQuery = {
      globals: walk.globals,
      changed: walk.changed,
      flags: walk.flags,
      path: walk.path,
      args: walk.args,
      env: opts.env,
      cwd: opts.cwd,
    };
    cached ??= Promise.resolve().then(() => opts.data(query));
    return cached;
  };

  if (walk.pending !== undefined) return flagValueCandidates(walk.pending.spec, toComplete, data);
  if (!walk.flagsEnded && toComplete.startsWith('-')) {
    const eq = toComplete.indexOf('=');
    if (eq < 0) return result(flagNameCandidates(walk, toComplete), Directive.noFileComp);
    const name = toComplete.slice(0, eq);
    const flag = name.startsWith('--') ? walk.table.long.get(name.slice(2)) : walk.table.short.get(name.slice(-1));
    if (flag === undefined) return result([], Directive.default);
    return flagValueCandidates(flag.spec, toComplete.slice(eq + 1), data);
  }

  const command = walk.command;
  if (command === undefined) {
    const subcommands = walk.group.commands
      .filter((c) => c.hidden !== true && c.name.startsWith(toComplete))
      .map((c) => ({ value: c.name, description: firstLine(c.summary) }));
    return result(subcommands, Directive.noFileComp);
  }

  const index = walk.args.length;
  const max = command.args?.max;
  if (max !== undefined && index >= max) return result([], Directive.noFileComp);
  const sources = command.args?.complete;
  if (sources === undefined || sources.length === 0) return result([], Directive.default);
  const source = sources[Math.min(index, sources.length - 1)]!;
  // Multi-target commands (`rm a b <Tab>`): a name already given is not offered again.
  const exclude = typeof source === 'string' && !['files', 'dirs', 'none'].includes(source) ? walk.args : [];
  return filtered(await sourceCandidates(source, data), toComplete, exclude);
}

/** The protocol's text: one candidate per line, then `:<directive>`. */
export function renderCompletion(r: CompletionResult, opts: { descriptions: boolean }): string {
  const lines: string[] = [];
  for (const c of r.candidates) {
    const value = firstLine(c.value);
    if (value === '') continue;
    const description = opts.descriptions && c.description !== undefined ? firstLine(c.description) : '';
    lines.push(description === '' ? value : `${value}\t${description}`);
  }
  lines.push(`:${r.directive}`);
  return lines.join('\n') + '\n';
}
