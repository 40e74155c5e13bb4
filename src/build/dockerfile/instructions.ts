import type { Heredoc } from './heredoc.js';
import type { RunMountSpec } from './mount-flags.js';

/**
 * The typed instruction model (IR) of a Dockerfile, as produced by `parseDockerfile` (parse.ts).
 *
 * Contract:
 * - One interface per instruction, discriminated by `kind` (the upper-case keyword). Every instruction carries
 *   its `location` (1-based physical lines, heredoc bodies included) and `original` (its logical line,
 *   continuations joined, trimmed), which Docker uses for history `created_by`, progress and errors.
 * - **Words are as written**: in every field documented "raw", quotes, escapes and `$variables` are NOT yet
 *   processed, because Docker expands them step by step with the stage's ARG/ENV environment (which may depend
 *   on the base image's ENV). The plan (plan.ts) and the stage environment (stage-env.ts) turn these into
 *   resolved values; the executor never processes raw words itself.
 * - Exceptions, already final at parse time: exec-form (JSON) arguments of RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK
 *   (decoded JSON strings, never expanded), flag values (unquoted by the flag scanner; expanded later only where
 *   Docker does: --chown, --chmod, --checksum, --mount), stage names, heredoc bodies.
 * - Instruction-level syntax errors (unknown instruction or flag, missing arguments, bad JSON in SHELL, variables
 *   in `--from`, bad `--mount` CSV...) are raised by the parser as `DockerfileError` (invalid-argument, `line`).
 */

/** Every instruction keyword. */
export const KEYWORDS = [
  'FROM',
  'RUN',
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'ARG',
  'LABEL',
  'EXPOSE',
  'COPY',
  'ADD',
  'WORKDIR',
  'USER',
  'VOLUME',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'ONBUILD',
  'SHELL',
  'MAINTAINER',
] as const;

export type Keyword = (typeof KEYWORDS)[number];

/** Lines an instruction covers, 1-based and inclusive (heredoc bodies and terminators included). */
export interface SourceLocation {
  startLine: number;
  endLine: number;
}

interface InstructionBase {
  location: SourceLocation;
  /** The instruction's logical line as written (keyword included, continuations joined), trimmed. */
  original: string;
}

/**
 * A command in exec form (a JSON array: argv used as-is, no expansion) or shell form (one string, handed
 * unchanged to the SHELL — `["/bin/sh","-c"]` by default — at execution).
 */
export type CommandLine = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

/** `FROM [--platform=p] base [AS name]`. */
export interface FromInstruction extends InstructionBase {
  kind: 'FROM';
  /** Raw base: an image reference, an earlier stage's name, or `scratch`; may use global ARGs. */
  base: string;
  /** Lower-cased stage name (`AS Build` gives `build`), or undefined. Matches `^[a-z][a-z0-9-_.]*$`. */
  stageName?: string;
  /** Raw `--platform` value (may use global ARGs such as `$BUILDPLATFORM`). */
  platform?: string;
}

/** `RUN [--mount=...] [--network=...] [--security=...] command`. */
export interface RunInstruction extends InstructionBase {
  kind: 'RUN';
  /**
   * The command. In shell form `command` is the text after the flags exactly as written (heredoc openers like
   * `<<EOF` included); the builder does not expand it (the shell does).
   */
  command: CommandLine;
  /** Heredocs opened on the line, with bodies (shell form only). */
  heredocs: Heredoc[];
  /** `--mount` values, parsed as far as possible before expansion (see mount-flags.ts). */
  mounts: RunMountSpec[];
  /** `--network`: `default` (the build's network), `none` (loopback only) or `host`. */
  network: 'default' | 'none' | 'host';
  /** `--security`: `sandbox` (default) or `insecure` (like --privileged; needs an entitlement). */
  security: 'sandbox' | 'insecure';
}

/** `CMD`: exec, shell, or (exec form after an ENTRYPOINT) default parameters. */
export interface CmdInstruction extends InstructionBase {
  kind: 'CMD';
  command: CommandLine;
}

/** `ENTRYPOINT`. */
export interface EntrypointInstruction extends InstructionBase {
  kind: 'ENTRYPOINT';
  command: CommandLine;
}

/** One `key=value` of ENV or LABEL, raw. */
export interface KeyValue {
  /** Raw key (may be quoted or use variables). */
  key: string;
  /** Raw value. In the legacy form (`ENV key value words`) it is the rest of the line. */
  value: string;
  /** True for the legacy `ENV key value` / `LABEL key value` syntax (lint: LegacyKeyValueFormat). */
  legacy: boolean;
}

/** `ENV k=v ...` or `ENV k v`. All values are expanded with the environment from before the instruction. */
export interface EnvInstruction extends InstructionBase {
  kind: 'ENV';
  pairs: KeyValue[];
}

/** One declaration of ARG. */
export interface ArgDeclaration {
  /** The name, as written (names are not expanded). */
  key: string;
  /** Raw default (`ARG a=$b`), or undefined for `ARG a`; `ARG a=` gives the empty string. */
  defaultValue?: string;
}

/** `ARG name[=default] ...`. Declarations are evaluated left to right (`ARG a=1 b=$a` gives b=1). */
export interface ArgInstruction extends InstructionBase {
  kind: 'ARG';
  args: ArgDeclaration[];
}

/** `LABEL k=v ...` or `LABEL k v`. */
export interface LabelInstruction extends InstructionBase {
  kind: 'LABEL';
  pairs: KeyValue[];
}

/** `EXPOSE port[/proto] ...`. */
export interface ExposeInstruction extends InstructionBase {
  kind: 'EXPOSE';
  /** Raw words (whitespace-separated as written); each may expand to several ports (`EXPOSE $PORTS`). */
  ports: string[];
}

/** A heredoc used as a COPY/ADD source (`COPY <<EOF /dest`): a 0644 file named after the delimiter. */
export interface InlineSource {
  /** The delimiter, used as the file name. */
  name: string;
  /** The body (tabs already stripped for `<<-`). Expanded at execution unless `expand` is false. */
  content: string;
  /** False when the delimiter was quoted: the body is literal. */
  expand: boolean;
}

interface CopyLikeBase extends InstructionBase {
  /** Raw source words (whitespace-split as written, or JSON strings), heredoc openers removed. */
  sources: string[];
  /** Heredoc sources, in the order their bodies appear. */
  inlineSources: InlineSource[];
  /** Raw destination. */
  dest: string;
  /** True when written in JSON form (`COPY ["a b", "/x/"]`); the words are still expanded, as Docker does. */
  json: boolean;
  /** Raw `--chown` value (`user[:group]`, names or ids; expanded at execution). */
  chown?: string;
  /** Raw `--chmod` value (octal or symbolic; expanded at execution). */
  chmod?: string;
  /** `--link`. */
  link: boolean;
  /** `--exclude` patterns (repeatable; Go filepath.Match syntax plus `**`; not expanded). */
  excludes: string[];
}

/** `COPY [--from=...] [--chown] [--chmod] [--link] [--parents] [--exclude] src... dest`. */
export interface CopyInstruction extends CopyLikeBase {
  kind: 'COPY';
  /** `--from`: a stage name, a stage index, or an image reference; never expanded (variables are an error). */
  from?: string;
  /** `--parents`: keep the source directory structure (`/./` marks where it starts). */
  parents: boolean;
}

/** `ADD [--chown] [--chmod] [--link] [--keep-git-dir] [--checksum] [--unpack] [--exclude] src... dest`. */
export interface AddInstruction extends CopyLikeBase {
  kind: 'ADD';
  /** `--keep-git-dir` (git sources), undefined when not given. */
  keepGitDir?: boolean;
  /** Raw `--checksum` (`sha256:...` for HTTP sources, a commit for git). */
  checksum?: string;
  /** `--unpack` override of archive extraction, undefined when not given (local: true, URL: false). */
  unpack?: boolean;
}

/** `WORKDIR path`. */
export interface WorkdirInstruction extends InstructionBase {
  kind: 'WORKDIR';
  /** Raw path (the whole argument text). Relative paths are relative to the previous WORKDIR. */
  path: string;
}

/** `USER user[:group]`. */
export interface UserInstruction extends InstructionBase {
  kind: 'USER';
  /** Raw user (the whole argument text). */
  user: string;
}

/** `VOLUME ["/a", "/b"]` or `VOLUME /a /b`. */
export interface VolumeInstruction extends InstructionBase {
  kind: 'VOLUME';
  /** Raw paths (whitespace-split as written, or JSON strings); each is expanded to one path. */
  volumes: string[];
  json: boolean;
}

/** `STOPSIGNAL signal`. */
export interface StopSignalInstruction extends InstructionBase {
  kind: 'STOPSIGNAL';
  /** Raw signal: a name (`SIGTERM`, `TERM`) or number, checked after expansion. */
  signal: string;
}

/** Docker's `Healthcheck` config; durations in nanoseconds, 0 = the engine default. */
export interface HealthConfig {
  /** `['NONE']`, `['CMD', argv...]` (exec form) or `['CMD-SHELL', command]` (shell form). */
  test: string[];
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

/** `HEALTHCHECK [--interval --timeout --start-period --start-interval --retries] CMD ...` or `HEALTHCHECK NONE`. */
export interface HealthcheckInstruction extends InstructionBase {
  kind: 'HEALTHCHECK';
  /** Final (not expanded). For NONE all durations are 0 and `test` is `['NONE']`. */
  health: HealthConfig;
}

/** `ONBUILD <instruction>`. */
export interface OnbuildInstruction extends InstructionBase {
  kind: 'ONBUILD';
  /**
   * The trigger text stored in the image config's `OnBuild` (the line without `ONBUILD`, followed by each
   * heredoc body and terminator), re-parsed when a child image builds FROM this one.
   */
  expression: string;
  /** The trigger parsed now (for early errors and same-file children). Never FROM, MAINTAINER or ONBUILD. */
  trigger: Instruction;
}

/** `SHELL ["exe", "arg"...]` (JSON form only). */
export interface ShellInstruction extends InstructionBase {
  kind: 'SHELL';
  shell: string[];
}

/** `MAINTAINER name` (deprecated; sets the image `author`). */
export interface MaintainerInstruction extends InstructionBase {
  kind: 'MAINTAINER';
  /** The whole argument text, as written (MAINTAINER is not expanded). */
  maintainer: string;
}

/** Any instruction. */
export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | EnvInstruction
  | ArgInstruction
  | LabelInstruction
  | ExposeInstruction
  | CopyInstruction
  | AddInstruction
  | WorkdirInstruction
  | UserInstruction
  | VolumeInstruction
  | StopSignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | ShellInstruction
  | MaintainerInstruction;

/** The instruction of kind `K`. */
export type InstructionOf<K extends Keyword> = Extract<Instruction, { kind: K }>;

/** A warning found while parsing (Docker prints these; they never fail the build). */
export interface DockerfileWarning {
  /** 1-based line, 0 for the file as a whole. */
  line: number;
  message: string;
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  /** The name used in messages (`Dockerfile`, or what `-f` named). */
  file: string;
  /** The escape character (`\`, or `` ` `` with the `# escape=` directive). */
  escape: '\\' | '`';
  /** Raw `# syntax=` value, if any (accepted and ignored: this builder implements the Dockerfile frontend). */
  syntax?: string;
  /** Raw `# check=` value, if any. */
  check?: string;
  /** All instructions in file order, including ARGs before the first FROM. */
  instructions: Instruction[];
  warnings: DockerfileWarning[];
}
