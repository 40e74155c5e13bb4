/**
 * The ARG/ENV environment of one stage, which the executor drives step by step, and the resolved form of each
 * instruction.
 *
 * Model (Docker's: `DOCKER_BUILDKIT=0 docker build` checked, and Docker's documentation):
 * - the **image environment**, the config's `Env`: the base image's `Env` (plus Docker's default PATH when it
 *   sets none), changed by ENV instructions only (ARGs never persist);
 * - the **build args in scope**: ARGs declared in this stage, or in a parent stage for `FROM <stage>` (BuildKit's
 *   rule, which Docker's classic builder lacks), with their values;
 * - lookups (word expansion, RUN's environment) see the image environment first: **an ENV always wins over an
 *   ARG of the same name**, whatever their order; then the build args in scope; then proxy build args
 *   (`--build-arg http_proxy=...`), which are usable without an ARG.
 *
 * Lifecycle: create one environment per stage with {@link createStageEnvironment} when the stage's base is known
 * (the base image's config Env, or the parent stage's environment), then call {@link StageEnvironment.evaluate}
 * exactly once per planned step, in order, and execute the returned {@link ResolvedInstruction}. evaluate applies
 * ENV and ARG to the environment itself; everything else is data for the executor. All errors are
 * `DockerfileError`s (invalid-argument) at the instruction's line.
 *
 * Expansion rules (which words Docker expands): ADD/COPY sources, destination, --chown, --chmod (ADD
 * --checksum) and heredoc bodies with unquoted delimiters; ENV and LABEL keys and values; ARG defaults; EXPOSE
 * (split into words); VOLUME, USER, WORKDIR, STOPSIGNAL; RUN --mount values except `from`. Every word of one
 * instruction sees the environment from before that instruction (`ENV a=1 b=$a` and `ARG a=1 b=$a` use the old
 * a). Never expanded: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK text (the shell expands at run time),
 * MAINTAINER, ONBUILD (expanded when the trigger runs), `--from`, `--exclude`.
 */
import { internal } from '../engine/errdefs.js';
import type { BuildArgs } from './build-args.js';
import { isProxyArg } from './build-args.js';
import { atLocation, syntaxError, type ErrorLocation } from './dockerfile/errors.js';
import type { Heredoc } from './dockerfile/heredoc.js';
import type {
  AddInstruction,
  ArgInstruction,
  CmdInstruction,
  CommandLine,
  CopyInstruction,
  EntrypointInstruction,
  EnvInstruction,
  ExposeInstruction,
  HealthConfig,
  HealthcheckInstruction,
  LabelInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  RunInstruction,
  ShellInstruction,
  StopSignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from './dockerfile/instructions.js';
import { resolveMount, type RunMount } from './dockerfile/mount-flags.js';
import { ShellLexer, lexerFor, type EnvLookup } from './dockerfile/shell-lexer.js';
import { parseChmod, parseExposePorts, parseSignal, type ChmodSpec } from './dockerfile/values.js';
import type { BuildPlan, PlannedStep, SourceRef } from './plan.js';

/** Docker's PATH for Linux images that set none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Resolved<I> {
  instruction: I;
  /** `onbuild` when the step is an inherited trigger. */
  origin: PlannedStep['origin'];
}

/** A mount with its source. */
export interface ResolvedMount {
  mount: RunMount;
  /** Where `from=` points (undefined without `from`: a bind mount then reads the context, a cache starts empty). */
  source: SourceRef | undefined;
}

export interface ResolvedRun extends Resolved<RunInstruction> {
  kind: 'RUN';
  /** As in the instruction (never expanded by the builder). Turn into argv with `runArgv` (run-command.ts). */
  command: CommandLine;
  heredocs: Heredoc[];
  mounts: ResolvedMount[];
  network: RunInstruction['network'];
  security: RunInstruction['security'];
}

export interface ResolvedCmd extends Resolved<CmdInstruction> {
  kind: 'CMD';
  command: CommandLine;
}

export interface ResolvedEntrypoint extends Resolved<EntrypointInstruction> {
  kind: 'ENTRYPOINT';
  command: CommandLine;
}

/** A key and value after expansion. */
export interface Pair {
  key: string;
  value: string;
}

export interface ResolvedEnv extends Resolved<EnvInstruction> {
  kind: 'ENV';
  /** Already applied to the environment by evaluate (state and image Env). */
  pairs: Pair[];
}

export interface ResolvedArg extends Resolved<ArgInstruction> {
  kind: 'ARG';
  /** Each declaration with its value (undefined: declared without value; not exported to RUN). Already applied. */
  args: { key: string; value?: string }[];
}

export interface ResolvedLabel extends Resolved<LabelInstruction> {
  kind: 'LABEL';
  labels: Pair[];
}

export interface ResolvedExpose extends Resolved<ExposeInstruction> {
  kind: 'EXPOSE';
  /** ExposedPorts keys (`80/tcp`), in Docker's order (raw words sorted, then expanded and split). */
  ports: string[];
}

/** A heredoc source of COPY/ADD: a 0644 file `name` with `content` (expanded unless the delimiter was quoted). */
export interface ResolvedInlineSource {
  name: string;
  content: string;
}

interface ResolvedCopyLike {
  /** Expanded destination as written (relative to WORKDIR: see `resolveDestPath`); `''` means WORKDIR. */
  dest: string;
  inlineSources: ResolvedInlineSource[];
  /** Expanded `--chown` (user[:group], names or ids); undefined when absent or empty. */
  chown?: string;
  /** Parsed `--chmod`; undefined when absent or empty. */
  chmod?: ChmodSpec;
  /** The expanded `--chmod` text (for history). */
  chmodText?: string;
  link: boolean;
  /** `--exclude` patterns (dockerignore syntax), as written. */
  excludes: string[];
}

export interface ResolvedCopy extends Resolved<CopyInstruction>, ResolvedCopyLike {
  kind: 'COPY';
  /** Expanded source paths (wildcards and escapes such as `[[]` still to be matched: path-match.ts). */
  sources: string[];
  /** The build context, a stage (built earlier), or an image. */
  from: SourceRef;
  parents: boolean;
}

/** An ADD source: a context path, an HTTP(S) URL (downloaded, not extracted), or a git repository. */
export type AddSource = { kind: 'local'; path: string } | { kind: 'url'; url: string } | { kind: 'git'; url: string };

export interface ResolvedAdd extends Resolved<AddInstruction>, ResolvedCopyLike {
  kind: 'ADD';
  sources: AddSource[];
  keepGitDir?: boolean;
  /** Expanded `--checksum` (only with one URL or git source). */
  checksum?: string;
  /** `--unpack`; undefined = Docker's default (extract local archives, not downloads). */
  unpack?: boolean;
}

export interface ResolvedWorkdir extends Resolved<WorkdirInstruction> {
  kind: 'WORKDIR';
  /** Expanded path as written; combine with the previous WORKDIR using `normalizeWorkdir` (run-command.ts). */
  path: string;
}

export interface ResolvedUser extends Resolved<UserInstruction> {
  kind: 'USER';
  user: string;
}

export interface ResolvedVolume extends Resolved<VolumeInstruction> {
  kind: 'VOLUME';
  volumes: string[];
}

export interface ResolvedStopSignal extends Resolved<StopSignalInstruction> {
  kind: 'STOPSIGNAL';
  /** The expanded value as written (stored in config as is); validated. */
  signal: string;
}

export interface ResolvedHealthcheck extends Resolved<HealthcheckInstruction> {
  kind: 'HEALTHCHECK';
  health: HealthConfig;
}

export interface ResolvedOnbuild extends Resolved<OnbuildInstruction> {
  kind: 'ONBUILD';
  /** Appended to the config's OnBuild list. */
  expression: string;
}

export interface ResolvedShell extends Resolved<ShellInstruction> {
  kind: 'SHELL';
  shell: string[];
}

export interface ResolvedMaintainer extends Resolved<MaintainerInstruction> {
  kind: 'MAINTAINER';
  /** The image's `author`. */
  maintainer: string;
}

/** An instruction ready to execute. */
export type ResolvedInstruction =
  | ResolvedRun
  | ResolvedCmd
  | ResolvedEntrypoint
  | ResolvedEnv
  | ResolvedArg
  | ResolvedLabel
  | ResolvedExpose
  | ResolvedCopy
  | ResolvedAdd
  | ResolvedWorkdir
  | ResolvedUser
  | ResolvedVolume
  | ResolvedStopSignal
  | ResolvedHealthcheck
  | ResolvedOnbuild
  | ResolvedShell
  | ResolvedMaintainer;

/** An ordered `K=V` list where setting an existing key replaces it in place (Docker's env list semantics). */
class EnvList implements EnvLookup {
  private readonly keys: string[] = [];
  private readonly values = new Map<string, string>();

  static from(list: readonly string[]): EnvList {
    const e = new EnvList();
    for (const kv of list) {
      const i = kv.indexOf('=');
      if (i < 0) e.set(kv, '');
      else e.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return e;
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  set(key: string, value: string): void {
    if (!this.values.has(key)) this.keys.push(key);
    this.values.set(key, value);
  }

  list(): string[] {
    return this.keys.map((k) => `${k}=${this.values.get(k) ?? ''}`);
  }

  clone(): EnvList {
    return EnvList.from(this.list());
  }
}

/** How a stage's environment starts. */
export type StageEnvironmentBase =
  /** FROM an image (its config `Env`, possibly empty) or scratch (`[]`). */
  | { imageEnv: readonly string[]; os?: string }
  /** FROM an earlier stage: that stage's environment after its last step. */
  | { parent: StageEnvironment };

interface SharedContext {
  file: string;
  lexer: ShellLexer;
  buildArgs: BuildArgs;
  globalArgs: ReadonlyMap<string, string>;
}

const inlineLexer = new ShellLexer({ escape: '\\', skipProcessQuotes: true });

/** See the module comment. */
export class StageEnvironment {
  private readonly ctx: SharedContext;
  private readonly image: EnvList;
  private readonly args: EnvList;
  private readonly declared: { key: string; value?: string }[];
  /** The lookup words expand with (see the module comment for the order). */
  private readonly lookupEnv: EnvLookup;

  /** Use {@link createStageEnvironment}. */
  constructor(ctx: SharedContext, image: EnvList, args: EnvList, declared: { key: string; value?: string }[]) {
    this.ctx = ctx;
    this.image = image;
    this.args = args;
    this.declared = declared;
    this.lookupEnv = { get: (name) => this.lookup(name) };
  }

  /** The image config's `Env` so far (base Env, default PATH, ENV instructions). */
  get imageEnv(): string[] {
    return this.image.list();
  }

  /** The value a word would see for `name` now (ENV, then build args in scope, then proxy build args). */
  lookup(name: string): string | undefined {
    const v = this.image.get(name) ?? this.args.get(name);
    if (v !== undefined || !isProxyArg(name)) return v;
    return this.ctx.buildArgs.get(name);
  }

  /** Docker's single-word expansion with the current environment. Throws location-free syntax errors. */
  expand(word: string): string {
    return this.ctx.lexer.processWord(word, this.lookupEnv).result;
  }

  /** Docker's word-splitting expansion (EXPOSE) with the current environment. */
  expandWords(word: string): string[] {
    return this.ctx.lexer.processWords(word, this.lookupEnv);
  }

  /**
   * RUN's environment. `env` is the image environment followed by the build args in scope that have a value and
   * no ENV of the same name (part of the cache key and of what Docker records). `proxyEnv` holds the proxy build
   * args no ARG declares: RUN gets them too, but they must stay out of the cache key and history.
   */
  runEnvironment(): { env: string[]; proxyEnv: string[] } {
    const env = this.image.list();
    for (const kv of this.args.list()) {
      const key = kv.slice(0, kv.indexOf('='));
      if (!this.image.has(key)) env.push(kv);
    }
    const proxyEnv: string[] = [];
    for (const k of [...this.ctx.buildArgs.keys()].filter(isProxyArg).sort()) {
      const v = this.ctx.buildArgs.get(k);
      if (v !== undefined && !this.image.has(k) && !this.args.has(k)) proxyEnv.push(`${k}=${v}`);
    }
    return { env, proxyEnv };
  }

  /**
   * The build args Docker shows before a RUN command in history and uses in its cache key: every ARG declared
   * in this stage or a parent stage, `K=<current value>`, in declaration order, each name once.
   */
  historyBuildArgs(): string[] {
    const order: string[] = [];
    for (const a of this.declared) if (!order.includes(a.key)) order.push(a.key);
    return order.map((k) => `${k}=${this.lookup(k) ?? ''}`);
  }

  /** An independent copy (for stages built FROM this one). */
  fork(): StageEnvironment {
    return new StageEnvironment(this.ctx, this.image.clone(), this.args.clone(), this.declared.map((d) => ({ ...d })));
  }

  /**
   * Resolves one planned step with the current environment and applies ENV/ARG to it. Call once per step, in
   * order. Throws DockerfileError at the instruction's line (for inherited triggers: at the FROM line).
   */
  evaluate(step: PlannedStep, at?: ErrorLocation): ResolvedInstruction {
    const i = step.instruction;
    const l: ErrorLocation = at ?? { file: this.ctx.file, startLine: i.location.startLine, endLine: i.location.endLine };
    return atLocation(l, () => this.resolve(step));
  }

  private resolve(step: PlannedStep): ResolvedInstruction {
    const base = { origin: step.origin };
    const i = step.instruction;
    const x = (w: string) => this.expand(w);
    switch (i.kind) {
      case 'RUN': {
        let sshIndex = 0;
        const mounts = i.mounts.map((spec, n) => {
          const mount = resolveMount(spec, x, sshIndex);
          if (mount.type === 'ssh') sshIndex++;
          return { mount, source: step.mountFrom?.[n] };
        });
        return { ...base, kind: 'RUN', instruction: i, command: i.command, heredocs: i.heredocs, mounts, network: i.network, security: i.security };
      }
      case 'CMD':
        return { ...base, kind: 'CMD', instruction: i, command: i.command };
      case 'ENTRYPOINT':
        return { ...base, kind: 'ENTRYPOINT', instruction: i, command: i.command };
      case 'ENV': {
        // Every pair sees the environment from before the instruction (`ENV a=1 b=$a` uses the old a).
        const pairs = i.pairs.map((p) => ({ key: x(p.key), value: x(p.value) }));
        for (const p of pairs) this.image.set(p.key, p.value);
        return { ...base, kind: 'ENV', instruction: i, pairs };
      }
      case 'ARG': {
        // Value: --build-arg, else the default (expanded with the environment from before the instruction),
        // else the global ARG of that name (`ARG X` re-declared inside a stage imports it).
        const args = i.args.map((decl) => {
          const given = this.ctx.buildArgs.get(decl.key);
          let value: string | undefined;
          if (given !== undefined) value = given;
          else if (decl.defaultValue !== undefined) value = x(decl.defaultValue);
          else value = this.ctx.globalArgs.get(decl.key);
          return { key: decl.key, ...(value !== undefined ? { value } : {}) };
        });
        for (const a of args) {
          if (a.value !== undefined) this.args.set(a.key, a.value);
          this.declared.push(a);
        }
        return { ...base, kind: 'ARG', instruction: i, args };
      }
      case 'LABEL':
        return { ...base, kind: 'LABEL', instruction: i, labels: i.pairs.map((p) => ({ key: x(p.key), value: x(p.value) })) };
      case 'EXPOSE': {
        const words = [...i.ports].sort().flatMap((p) => this.expandWords(p));
        return { ...base, kind: 'EXPOSE', instruction: i, ports: parseExposePorts(words) };
      }
      case 'COPY': {
        const common = this.copyCommon(i);
        const sources = i.sources.map(x);
        for (const s of sources) {
          if (/^https?:\/\//.test(s)) {
            if (isGitSource(s)) syntaxError("source can't be a git ref for COPY");
            syntaxError("source can't be a URL for COPY");
          }
          if (isGitSource(s)) syntaxError("source can't be a git ref for COPY");
        }
        return { ...base, kind: 'COPY', instruction: i, ...common, sources, from: step.copyFrom ?? { kind: 'context' }, parents: i.parents };
      }
      case 'ADD': {
        const common = this.copyCommon(i);
        const sources: AddSource[] = i.sources.map((raw) => {
          const s = x(raw);
          if (isGitSource(s)) return { kind: 'git', url: s };
          if (/^https?:\/\//.test(s)) return { kind: 'url', url: s };
          return { kind: 'local', path: s };
        });
        let checksum: string | undefined;
        if (i.checksum !== undefined) {
          const c = x(i.checksum);
          if (c !== '') {
            if (sources.length !== 1) syntaxError("checksum can't be specified for multiple sources");
            if (sources[0]?.kind === 'local') syntaxError('checksum requires HTTP(S) or Git sources');
            checksum = c;
          }
        }
        return {
          ...base,
          kind: 'ADD',
          instruction: i,
          ...common,
          sources,
          ...(i.keepGitDir !== undefined ? { keepGitDir: i.keepGitDir } : {}),
          ...(checksum !== undefined ? { checksum } : {}),
          ...(i.unpack !== undefined ? { unpack: i.unpack } : {}),
        };
      }
      case 'WORKDIR':
        return { ...base, kind: 'WORKDIR', instruction: i, path: x(i.path) };
      case 'USER':
        return { ...base, kind: 'USER', instruction: i, user: x(i.user) };
      case 'VOLUME': {
        const volumes = i.volumes.map((v) => {
          const e = x(v);
          if (e === '') syntaxError('VOLUME specified can not be an empty string');
          return e;
        });
        return { ...base, kind: 'VOLUME', instruction: i, volumes };
      }
      case 'STOPSIGNAL': {
        const signal = x(i.signal);
        parseSignal(signal);
        return { ...base, kind: 'STOPSIGNAL', instruction: i, signal };
      }
      case 'HEALTHCHECK':
        return { ...base, kind: 'HEALTHCHECK', instruction: i, health: i.health };
      case 'ONBUILD':
        return { ...base, kind: 'ONBUILD', instruction: i, expression: i.expression };
      case 'SHELL':
        return { ...base, kind: 'SHELL', instruction: i, shell: i.shell };
      case 'MAINTAINER':
        return { ...base, kind: 'MAINTAINER', instruction: i, maintainer: i.maintainer };
    }
  }

  private copyCommon(i: CopyInstruction | AddInstruction): ResolvedCopyLike {
    const x = (w: string) => this.expand(w);
    const chown = i.chown === undefined ? '' : x(i.chown);
    const chmodText = i.chmod === undefined ? '' : x(i.chmod);
    const inlineSources = i.inlineSources.map((s) => ({
      name: s.name,
      content: s.expand ? inlineLexer.processWord(s.content, this.lookupEnv).result : s.content,
    }));
    return {
      dest: x(i.dest),
      inlineSources,
      ...(chown !== '' ? { chown } : {}),
      ...(chmodText !== '' ? { chmod: parseChmod(chmodText), chmodText } : {}),
      link: i.link,
      excludes: i.excludes,
    };
  }
}

/** Whether an ADD/COPY source names a git repository (`git@host:repo`, `git://`, `ssh://`, or an URL ending in .git). */
export function isGitSource(s: string): boolean {
  if (/^git@[^:/]+:/.test(s) || /^git:\/\//.test(s) || /^ssh:\/\//.test(s)) return true;
  return /^https?:\/\/[^#]+\.git(#.*)?$/.test(s);
}

/**
 * Creates the environment of `stageIndex` of `plan`. `base` must be `{ parent }` (the parent stage's
 * environment after its last step) when the stage is `FROM <stage>`, and `{ imageEnv }` otherwise (`[]` for
 * scratch). For an image or scratch base on Linux, Docker's default PATH is added when the Env has none.
 */
export function createStageEnvironment(plan: BuildPlan, stageIndex: number, base: StageEnvironmentBase): StageEnvironment {
  const stage = plan.stages[stageIndex];
  if (stage === undefined) throw internal(`no stage ${stageIndex}`);
  if ('parent' in base) {
    if (stage.base.kind !== 'stage') throw internal(`stage ${stage.displayName} is not based on a stage`);
    return base.parent.fork();
  }
  if (stage.base.kind === 'stage') throw internal(`stage ${stage.displayName} is based on a stage: pass its environment`);
  const ctx: SharedContext = {
    file: plan.dockerfile.file,
    lexer: lexerFor(plan.dockerfile.escape),
    buildArgs: plan.buildArgs,
    globalArgs: plan.globalArgs,
  };
  const image = EnvList.from(base.imageEnv);
  if ((base.os ?? 'linux') !== 'windows' && !image.has('PATH')) image.set('PATH', DEFAULT_PATH);
  return new StageEnvironment(ctx, image, new EnvList(), []);
}
