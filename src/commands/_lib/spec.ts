/**
 * The command tree's single source of truth. Every command module exports a {@link CommandSpec} built with
 * {@link defineCommand}; groups (`image`, `network`, `compose`...) are {@link GroupSpec}s. The argv parser,
 * `--help`, the man pages, the Markdown reference and shell completion are all generated from these specs, so
 * they cannot drift apart.
 *
 * Flags follow Docker's (cobra/pflag) conventions: one long name in Docker's spelling, an optional one-letter
 * shorthand, extra long aliases (`--net` for `--network`), `--flag=value` or `--flag value`, grouped shorthands
 * (`-itd`), attached shorthand values (`-p8080:80`), repeatable list flags.
 */
import type { CommandContext } from './context.js';

/** Where the shell completion finds candidates for a flag value or a positional argument. */
export type CompletionSource =
  | 'containers'
  | 'containers:running'
  | 'containers:stopped'
  | 'containers:paused'
  | 'images'
  | 'images:local'
  | 'networks'
  | 'volumes'
  | 'namespaces'
  | 'compose-services'
  | 'restart-policies'
  | 'capabilities'
  | 'signals'
  | 'platforms'
  | 'log-drivers'
  | 'format'
  | 'files'
  | 'dirs'
  | 'snapshots'
  | 'none'
  | { values: readonly string[] }
  /** `--format` of a listing: `json`, `table` and each field as `{{.Field}}`. */
  | { format: readonly string[] };

export interface FlagSpec {
  /** `strings`: repeatable, each occurrence adds one value. `count`: `-v -v` counts. */
  readonly type: 'boolean' | 'string' | 'number' | 'strings' | 'count';
  readonly describe: string;
  readonly short?: string;
  /** Other long names accepted for the flag (Docker's `--net` for `--network`). */
  readonly aliases?: readonly string[];
  readonly default?: string | number | boolean | readonly string[];
  /** Name of the value in help output (`string`, `list`, `duration`, `bytes`, `int`...). */
  readonly valueName?: string;
  readonly choices?: readonly string[];
  readonly hidden?: boolean;
  /** Printed as a warning when used. */
  readonly deprecated?: string;
  readonly complete?: CompletionSource;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type FlagValue<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'number' | 'count'
    ? S extends { default: number }
      ? number
      : number | undefined
    : S['type'] extends 'strings'
      ? string[]
      : S extends { default: string }
        ? string
        : string | undefined;

/** Parsed flag values, keyed by the flag's long name. */
export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

export interface ParsedArgs<F extends FlagSpecs> {
  readonly flags: FlagValues<F>;
  /** Positional arguments, after flags are removed (or everything after the first one for non-interspersed commands). */
  readonly args: string[];
  /** Long names of the flags the user set explicitly (to tell a default from an explicit value). */
  readonly changed: ReadonlySet<string>;
}

export interface ArgsSpec {
  readonly min?: number;
  readonly max?: number;
  /** Completion per position; the last entry repeats for further positions. */
  readonly complete?: readonly CompletionSource[];
}

export interface Example {
  readonly command: string;
  readonly description: string;
}

export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  readonly kind: 'command';
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Argument synopsis after `[OPTIONS]`, e.g. `IMAGE [COMMAND] [ARG...]`. */
  readonly usage?: string;
  readonly summary: string;
  /** Longer text for `--help` and man pages; defaults to the summary. */
  readonly description?: string;
  readonly flags: F;
  readonly args?: ArgsSpec;
  /** false: flags end at the first positional argument (Docker's `run`, `exec`, `create`). Default true. */
  readonly interspersed?: boolean;
  readonly examples?: readonly Example[];
  readonly hidden?: boolean;
  /** Exit status notes for the man page, beyond the standard ones. */
  readonly exitStatus?: string;
  /**
   * Runs the command. Returns the process exit code (0 when undefined). Throw EngineError/UsageError for failures:
   * the caller maps them to Docker's wording and exit codes.
   */
  readonly handler: (args: ParsedArgs<F>, ctx: CommandContext) => Promise<number | void>;
}

export interface GroupSpec {
  readonly kind: 'group';
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  readonly description?: string;
  readonly commands: readonly AnySpec[];
  readonly hidden?: boolean;
  /** Flags shared by every command of the group (compose's `-f`, `-p`...), parsed anywhere after the group name. */
  readonly flags?: FlagSpecs;
}

export type AnySpec = CommandSpec<any> | GroupSpec; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineCommand<const F extends FlagSpecs>(spec: Omit<CommandSpec<F>, 'kind'>): CommandSpec<F> {
  return { kind: 'command', ...spec };
}

export function defineGroup(spec: Omit<GroupSpec, 'kind'>): GroupSpec {
  return { kind: 'group', ...spec };
}

/** A command spec re-exposed under another name/place (top-level `ps` for `container ls`). */
export function aliasOf<F extends FlagSpecs>(
  spec: CommandSpec<F>,
  name: string,
  extra: Partial<Pick<CommandSpec<F>, 'aliases' | 'hidden' | 'summary'>> = {},
): CommandSpec<F> {
  return { ...spec, name, aliases: extra.aliases ?? [], ...extra };
}
