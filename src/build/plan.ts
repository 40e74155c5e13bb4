/**
 * The build plan: a parsed Dockerfile plus the build's inputs (build args, target, platforms) -> the stages to
 * build, in order, with their dependencies. Pure: no I/O, no image lookups.
 *
 * What the plan resolves (final, the executor uses it as is):
 * - the global scope: predefined platform args and TARGETSTAGE, then the ARGs before the first FROM, evaluated in
 *   order with `--build-arg` values ({@link BuildPlan.globalArgs});
 * - each stage's base (`FROM` expanded with the global scope only): `scratch`, an earlier stage (names are
 *   case-insensitive; a name defined later is an image), or an image reference; and its `--platform`;
 * - every cross-stage reference: `COPY --from=<name|index|image>` and `RUN --mount=from=<name|image>`, as a
 *   {@link SourceRef}; ONBUILD triggers of a parent stage in the same file, inserted at the start of the child;
 * - the target (`--target`, default the last stage), the stages it needs, their order and parallel waves;
 * - errors that need the whole file: no stages, unknown target, invalid stage index, circular dependencies,
 *   copying/mounting from a stage defined later, invalid image references, and warnings (unused build args,
 *   duplicate or reserved stage names).
 *
 * What the executor resolves, step by step, with a {@link StageEnvironment} (stage-env.ts): everything that
 * depends on the stage's environment, which starts from the base image's ENV — ARG values inside stages, ENV,
 * and the expansion of COPY/ADD paths and flags, WORKDIR, USER, VOLUME, EXPOSE, LABEL, STOPSIGNAL and mount
 * options. Triggers found in a base image's config (`OnBuild`) are planned with {@link planImageTriggers} once
 * the executor has that config.
 */
import { DockerfileError, atLocation, syntaxError, withSuggestion } from './dockerfile/errors.js';
import type { Dockerfile, DockerfileWarning, FromInstruction, Instruction, SourceLocation } from './dockerfile/instructions.js';
import { parseTrigger } from './dockerfile/parse.js';
import { envFrom, lexerFor } from './dockerfile/shell-lexer.js';
import { BUILTIN_ARGS, isProxyArg, predefinedArgs, type BuildArgs } from './build-args.js';
import { internal } from '../engine/errdefs.js';
import { hostPlatform, parsePlatform, type Platform } from '../engine/platforms.js';
import { parseReference } from '../engine/reference.js';

export interface PlanBuildOptions {
  /** `--build-arg` values (see build-args.ts). */
  buildArgs?: BuildArgs;
  /** `--target`: the stage to build (case-insensitive); default the last stage. */
  target?: string;
  /** The platform the build runs on (BUILDPLATFORM...); default this host. */
  buildPlatform?: Platform;
  /** The platform the image is for (TARGETPLATFORM...); default the build platform. */
  targetPlatform?: Platform;
}

/** Where a COPY --from or a mount reads from. */
export type SourceRef =
  | { kind: 'context' }
  | { kind: 'stage'; stage: number }
  | { kind: 'image'; ref: string };

/** What a stage starts from. */
export type StageBase = { kind: 'scratch' } | { kind: 'image'; ref: string } | { kind: 'stage'; stage: number };

/** One instruction of a stage, with its cross-stage references resolved. */
export interface PlannedStep {
  /** The instruction (never FROM). Its words are raw: evaluate it with the stage's StageEnvironment. */
  instruction: Exclude<Instruction, FromInstruction>;
  /** `onbuild` for a trigger inherited from the parent stage or base image (these run first). */
  origin: 'dockerfile' | 'onbuild';
  /** COPY only: `--from`, or the build context. */
  copyFrom?: SourceRef;
  /**
   * RUN only: one entry per `--mount`, in order: the `from=` source, or undefined when the mount has no `from`
   * (a bind mount then reads the build context, a cache mount starts empty).
   */
  mountFrom?: (SourceRef | undefined)[];
}

/** One stage of the Dockerfile. */
export interface StagePlan {
  /** Position among the FROMs, from 0 (what `COPY --from=0` refers to). */
  index: number;
  /** The lower-cased `AS` name, if any. */
  name?: string;
  /** `name`, or `stage-<index>` for unnamed stages (used in messages and progress). */
  displayName: string;
  from: FromInstruction;
  /** The base name after expansion with the global scope (`FROM ${IMG}` -> `alpine:3`). */
  baseName: string;
  base: StageBase;
  /** The `--platform` of FROM, expanded and parsed; undefined when not given. */
  platform?: Platform;
  /** The stage's steps: inherited ONBUILD triggers of a parent stage first, then its own instructions. */
  steps: PlannedStep[];
  /** Stages this stage needs built first (base stage, COPY --from, mount from), ascending, without duplicates. */
  dependsOn: number[];
  /** Image references this stage reads (base image, COPY --from=<image>, mount from=<image>), unique. */
  images: string[];
  /** Whether the target needs this stage. Stages that are not needed are not built (and not fully checked). */
  needed: boolean;
}

/** A global ARG (declared before the first FROM) after evaluation. */
export interface GlobalArg {
  key: string;
  /** Undefined when declared without default and not given with --build-arg. */
  value?: string;
}

/** The result of {@link planBuild}. */
export interface BuildPlan {
  dockerfile: Dockerfile;
  /** Every stage in file order. */
  stages: StagePlan[];
  /** Index of the target stage. */
  target: number;
  /** The needed stages in an order that builds dependencies first (file order). */
  order: number[];
  /** The needed stages grouped in waves: each stage depends only on stages of earlier waves. */
  waves: number[][];
  /**
   * The global scope: predefined args (BUILDPLATFORM, TARGETPLATFORM, ... TARGETSTAGE) and global ARGs with a
   * value. FROM lines expand with it; `ARG X` without default inside a stage imports X from it.
   */
  globalArgs: ReadonlyMap<string, string>;
  /** The global ARG declarations in order, evaluated. */
  metaArgs: GlobalArg[];
  buildArgs: BuildArgs;
  /** `--build-arg` names no ARG of the built stages declares (sorted): Docker warns "were not consumed". */
  unusedBuildArgs: string[];
  /** Image references the needed stages read, unique, in first-use order (they can all be pulled up front). */
  images: string[];
  /** Parse warnings plus plan warnings. */
  warnings: DockerfileWarning[];
}

const RESERVED_STAGE_NAMES = new Set(['scratch', 'context']);

/**
 * Plans a build. Throws {@link DockerfileError} (invalid-argument, located when it concerns a line) for the
 * errors listed in the module comment.
 */
export function planBuild(dockerfile: Dockerfile, options: PlanBuildOptions = {}): BuildPlan {
  const file = dockerfile.file;
  const buildArgs: BuildArgs = options.buildArgs ?? new Map();
  const buildPlatform = options.buildPlatform ?? hostPlatform();
  const targetPlatform = options.targetPlatform ?? buildPlatform;
  const lexer = lexerFor(dockerfile.escape);
  const warnings: DockerfileWarning[] = [...dockerfile.warnings];

  // Split the file into global ARGs and stages.
  const metaArgInstructions: Extract<Instruction, { kind: 'ARG' }>[] = [];
  const rawStages: { from: FromInstruction; steps: Exclude<Instruction, FromInstruction>[] }[] = [];
  for (const instr of dockerfile.instructions) {
    if (instr.kind === 'FROM') rawStages.push({ from: instr, steps: [] });
    else if (rawStages.length === 0) {
      if (instr.kind !== 'ARG') {
        throw new DockerfileError(file, instr.location.startLine, instr.location.endLine, 'no build stage in current context');
      }
      metaArgInstructions.push(instr);
    } else {
      (rawStages[rawStages.length - 1] as (typeof rawStages)[number]).steps.push(instr);
    }
  }
  if (rawStages.length === 0) throw new DockerfileError(file, 0, 0, 'dockerfile contains no stages to build');

  // Stage names (later duplicates win for references after them, as in BuildKit) and the target.
  const seenNames = new Map<string, number>();
  rawStages.forEach((s, i) => {
    const name = s.from.stageName;
    if (name === undefined) return;
    if (seenNames.has(name)) {
      warnings.push({ line: s.from.location.startLine, message: `Duplicate stage name ${JSON.stringify(name)}, stage names should be unique` });
    }
    if (RESERVED_STAGE_NAMES.has(name)) {
      warnings.push({ line: s.from.location.startLine, message: `Stage name should not use the same name as reserved stage ${JSON.stringify(name)}` });
    }
    seenNames.set(name, i);
  });
  const displayName = (i: number) => rawStages[i]?.from.stageName ?? `stage-${i}`;
  let target = rawStages.length - 1;
  if (options.target !== undefined && options.target !== '') {
    const wanted = options.target.toLowerCase();
    const idx = rawStages.findIndex((s) => s.from.stageName === wanted);
    if (idx < 0) {
      const names = rawStages.flatMap((s) => (s.from.stageName !== undefined ? [s.from.stageName] : []));
      throw new DockerfileError(file, 0, 0, withSuggestion(`target stage ${JSON.stringify(options.target)} could not be found`, options.target, names));
    }
    // The last stage of that name, like a lookup after the whole file.
    target = rawStages.reduce((acc, s, i) => (s.from.stageName === wanted ? i : acc), idx);
  }

  // The global scope.
  // TARGETSTAGE is --target as typed (BuildKit does not lower-case it), else the last stage's name.
  const targetStage = options.target !== undefined && options.target !== '' ? options.target : (rawStages[target]?.from.stageName ?? '');
  const globalArgs = predefinedArgs(buildPlatform, targetPlatform, targetStage);
  for (const key of globalArgs.keys()) {
    const given = buildArgs.get(key);
    if (given !== undefined) globalArgs.set(key, given);
  }
  const metaArgs: GlobalArg[] = [];
  for (const instr of metaArgInstructions) {
    // Defaults see the global scope from before the instruction (`ARG a=1 b=$a` leaves b empty, as Docker does).
    const before = envFrom(new Map(globalArgs));
    for (const decl of instr.args) {
      const given = buildArgs.get(decl.key);
      let value: string | undefined;
      if (given !== undefined) value = given;
      else if (decl.defaultValue !== undefined) {
        const raw = decl.defaultValue;
        value = atLocation(loc(file, instr.location), () => lexer.processWord(raw, before).result);
      }
      if (value !== undefined) globalArgs.set(decl.key, value);
      metaArgs.push({ key: decl.key, ...(value !== undefined ? { value } : {}) });
    }
  }
  const globalEnv = envFrom(globalArgs);

  // Resolve each stage's base and platform, in order (a name refers to an earlier stage only).
  const nameToIndexBefore = (name: string, before: number): number | undefined => {
    let found: number | undefined;
    rawStages.forEach((s, i) => {
      if (i < before && s.from.stageName === name) found = i;
    });
    return found;
  };
  const stages: StagePlan[] = rawStages.map((raw, index) => {
    const l = loc(file, raw.from.location);
    const baseName = atLocation(l, () => lexer.processWord(raw.from.base, globalEnv).result);
    if (baseName === '') throw atError(l, `base name (${raw.from.base}) should not be blank`);
    let base: StageBase;
    const stageIdx = nameToIndexBefore(baseName.toLowerCase(), index);
    if (stageIdx !== undefined) base = { kind: 'stage', stage: stageIdx };
    else if (baseName === 'scratch') base = { kind: 'scratch' };
    else base = { kind: 'image', ref: baseName };
    let platform: Platform | undefined;
    if (raw.from.platform !== undefined) {
      const rawPlatform = raw.from.platform;
      const expanded = atLocation(l, () => lexer.processWord(rawPlatform, globalEnv).result);
      if (expanded === '') throw atError(l, `empty platform value from expression ${rawPlatform}`);
      platform = atLocation(l, () => parsePlatform(expanded));
    }
    return {
      index,
      ...(raw.from.stageName !== undefined ? { name: raw.from.stageName } : {}),
      displayName: displayName(index),
      from: raw.from,
      baseName,
      base,
      ...(platform !== undefined ? { platform } : {}),
      steps: [],
      dependsOn: [],
      images: [],
      needed: false,
    };
  });

  // Resolve references of every step (all stages, for the cycle check), inserting same-file ONBUILD triggers.
  const resolveRef = (value: string): SourceRef => {
    if (/^[+-]?\d+$/.test(value)) {
      const n = Number(value);
      if (n < 0 || n >= stages.length) syntaxError(`invalid stage index ${n}`);
      return { kind: 'stage', stage: n };
    }
    const idx = seenNames.get(value.toLowerCase());
    if (idx !== undefined) return { kind: 'stage', stage: idx };
    return { kind: 'image', ref: value };
  };
  const planStep = (instruction: Exclude<Instruction, FromInstruction>, origin: PlannedStep['origin'], at: SourceLocation): PlannedStep =>
    atLocation(loc(file, at), () => {
      const step: PlannedStep = { instruction, origin };
      if (instruction.kind === 'COPY') {
        step.copyFrom = instruction.from === undefined ? { kind: 'context' } : resolveRef(instruction.from);
      } else if (instruction.kind === 'RUN' && instruction.mounts.length > 0) {
        step.mountFrom = instruction.mounts.map((m) => (m.from === undefined || m.from === '' ? undefined : resolveRef(m.from)));
      }
      return step;
    });
  stages.forEach((stage, index) => {
    const raw = rawStages[index] as (typeof rawStages)[number];
    if (stage.base.kind === 'stage') {
      const parent = rawStages[stage.base.stage] as (typeof rawStages)[number];
      for (const s of parent.steps) {
        if (s.kind !== 'ONBUILD') continue;
        const trigger = parseTrigger(s.expression, stage.from.location, file) as Exclude<Instruction, FromInstruction>;
        stage.steps.push(planStep(trigger, 'onbuild', stage.from.location));
      }
    }
    for (const s of raw.steps) stage.steps.push(planStep(s, 'dockerfile', s.location));
    const deps = new Set<number>();
    const images: string[] = [];
    const addRef = (r: SourceRef | undefined) => {
      if (r?.kind === 'stage') deps.add(r.stage);
      else if (r?.kind === 'image' && !images.includes(r.ref)) images.push(r.ref);
    };
    if (stage.base.kind === 'stage') deps.add(stage.base.stage);
    if (stage.base.kind === 'image') images.push(stage.base.ref);
    for (const step of stage.steps) {
      addRef(step.copyFrom);
      step.mountFrom?.forEach(addRef);
    }
    stage.dependsOn = [...deps].sort((a, b) => a - b);
    stage.images = images;
  });

  checkCycles(stages, file);

  // The stages the target needs.
  const queue = [target];
  while (queue.length > 0) {
    const i = queue.pop() as number;
    const s = stages[i] as StagePlan;
    if (s.needed) continue;
    s.needed = true;
    queue.push(...s.dependsOn);
  }
  const order = stages.filter((s) => s.needed).map((s) => s.index);

  // Checks Docker makes only for stages it builds: references to later stages, image reference syntax.
  for (const i of order) {
    const stage = stages[i] as StagePlan;
    const l = loc(file, stage.from.location);
    if (stage.base.kind === 'image') {
      const ref = stage.base.ref;
      atLocation(l, () => parseReference(ref));
    }
    for (const step of stage.steps) {
      const sl = loc(file, step.origin === 'onbuild' ? stage.from.location : step.instruction.location);
      const instr = step.instruction;
      if (instr.kind === 'COPY' && step.copyFrom !== undefined) {
        const from = step.copyFrom;
        if (from.kind === 'stage' && from.stage >= i) {
          throw atError(sl, `cannot copy from stage ${JSON.stringify(instr.from)}, it needs to be defined before current stage ${JSON.stringify(stage.displayName)}`);
        }
        if (from.kind === 'image') atLocation(sl, () => parseReference(from.ref));
      }
      if (instr.kind === 'RUN' && step.mountFrom !== undefined) {
        step.mountFrom.forEach((from, m) => {
          const spec = instr.mounts[m];
          if (from?.kind === 'stage' && from.stage >= i) {
            const targetField = spec?.fields.find((f) => /^(target|dst|destination)=/i.test(f));
            const targetPath = targetField === undefined ? '' : targetField.slice(targetField.indexOf('=') + 1);
            throw atError(sl, `cannot mount from stage ${JSON.stringify(spec?.from)} to ${JSON.stringify(targetPath)}, stage needs to be defined before current command`);
          }
          if (from?.kind === 'image') atLocation(sl, () => parseReference(from.ref));
        });
      }
    }
  }

  // Waves for parallel builds.
  const level = new Map<number, number>();
  for (const i of order) {
    const deps = (stages[i] as StagePlan).dependsOn;
    level.set(i, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => level.get(d) ?? 0)));
  }
  const waves: number[][] = [];
  for (const i of order) {
    const l = level.get(i) ?? 0;
    (waves[l] ??= []).push(i);
  }

  // Build args no built stage declares.
  const declared = new Set<string>(metaArgs.map((a) => a.key));
  for (const i of order) {
    for (const step of (stages[i] as StagePlan).steps) {
      if (step.instruction.kind === 'ARG') for (const a of step.instruction.args) declared.add(a.key);
    }
  }
  const predefined = new Set([...globalArgs.keys()].filter((k) => !metaArgs.some((a) => a.key === k)));
  const unusedBuildArgs = [...buildArgs.keys()]
    .filter((k) => !declared.has(k) && !isProxyArg(k) && !predefined.has(k) && !BUILTIN_ARGS.includes(k))
    .sort();

  const images: string[] = [];
  for (const i of order) for (const ref of (stages[i] as StagePlan).images) if (!images.includes(ref)) images.push(ref);

  return {
    dockerfile,
    stages,
    target,
    order,
    waves,
    globalArgs,
    metaArgs,
    buildArgs,
    unusedBuildArgs,
    images,
    warnings,
  };
}

/**
 * Plans the ONBUILD triggers of a base image (its config's `OnBuild` list) for `stageIndex`, once the executor
 * has read that config. Returns the steps to run before the stage's own steps (after any same-file triggers,
 * which only exist for stage bases), and the stages they reference; those must be built before the triggers
 * run (a later stage or the stage itself is an error, as for COPY --from). Errors are located at the FROM.
 */
export function planImageTriggers(
  plan: BuildPlan,
  stageIndex: number,
  triggers: readonly string[],
): { steps: PlannedStep[]; dependsOn: number[]; images: string[] } {
  const stage = plan.stages[stageIndex];
  if (stage === undefined) throw internal(`no stage ${stageIndex}`);
  const file = plan.dockerfile.file;
  const l = loc(file, stage.from.location);
  const deps = new Set<number>();
  const images: string[] = [];
  const steps = triggers.map((expression) => {
    const instruction = parseTrigger(expression, stage.from.location, file) as Exclude<Instruction, FromInstruction>;
    const step: PlannedStep = { instruction, origin: 'onbuild' };
    const ref = (value: string): SourceRef =>
      atLocation(l, () => {
        let r: SourceRef;
        if (/^[+-]?\d+$/.test(value)) {
          const n = Number(value);
          if (n < 0 || n >= plan.stages.length) throw atError(l, `invalid stage index ${n}`);
          r = { kind: 'stage', stage: n };
        } else {
          const found = plan.stages.filter((s) => s.name === value.toLowerCase()).pop();
          r = found !== undefined ? { kind: 'stage', stage: found.index } : { kind: 'image', ref: value };
        }
        if (r.kind === 'stage') {
          if (r.stage >= stageIndex) {
            throw atError(l, `cannot copy from stage ${JSON.stringify(value)}, it needs to be defined before current stage ${JSON.stringify(stage.displayName)}`);
          }
          deps.add(r.stage);
        } else {
          parseReference(r.ref);
          if (!images.includes(r.ref)) images.push(r.ref);
        }
        return r;
      });
    if (instruction.kind === 'COPY') step.copyFrom = instruction.from === undefined ? { kind: 'context' } : ref(instruction.from);
    if (instruction.kind === 'RUN' && instruction.mounts.length > 0) {
      step.mountFrom = instruction.mounts.map((m) => (m.from === undefined || m.from === '' ? undefined : ref(m.from)));
    }
    return step;
  });
  return { steps, dependsOn: [...deps].sort((a, b) => a - b), images };
}

function loc(file: string, location: SourceLocation) {
  return { file, startLine: location.startLine, endLine: location.endLine };
}

function atError(l: { file: string; startLine: number; endLine: number }, message: string): DockerfileError {
  return new DockerfileError(l.file, l.startLine, l.endLine, message);
}

/** Fails on a dependency cycle (a stage copying from itself included), naming the first stage in file order. */
function checkCycles(stages: StagePlan[], file: string): void {
  const state = new Map<number, 'visiting' | 'done'>();
  const stepFor = (from: StagePlan, to: number): SourceLocation => {
    if (from.base.kind === 'stage' && from.base.stage === to) return from.from.location;
    for (const step of from.steps) {
      const refs = [step.copyFrom, ...(step.mountFrom ?? [])];
      if (refs.some((r) => r?.kind === 'stage' && r.stage === to)) {
        return step.origin === 'onbuild' ? from.from.location : step.instruction.location;
      }
    }
    return from.from.location;
  };
  const visit = (i: number): SourceLocation | undefined => {
    if (state.get(i) === 'done') return undefined;
    state.set(i, 'visiting');
    const s = stages[i] as StagePlan;
    for (const d of s.dependsOn) {
      if (state.get(d) === 'visiting') return stepFor(s, d);
      const found = visit(d);
      if (found !== undefined) return found;
    }
    state.set(i, 'done');
    return undefined;
  };
  for (const s of stages) {
    const at = visit(s.index);
    if (at !== undefined) {
      throw new DockerfileError(file, at.startLine, at.endLine, `circular dependency detected on stage: ${s.displayName}`);
    }
  }
}
