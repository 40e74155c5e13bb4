import { describe, expect, it } from 'vitest';
import { DockerfileError } from './dockerfile/errors.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { parseBuildArgs } from './build-args.js';
import { planBuild, planImageTriggers, type PlanBuildOptions } from './plan.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

function plan(text: string, options: PlanBuildOptions = {}) {
  return planBuild(parseDockerfile(text), { buildPlatform: amd64, ...options });
}

function planError(text: string, options: PlanBuildOptions = {}): DockerfileError {
  try {
    plan(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(DockerfileError);
    return err as DockerfileError;
  }
  throw new Error('expected a plan error');
}

const args = (...specs: string[]) => parseBuildArgs(specs);

describe('parseBuildArgs', () => {
  it('reads K=V, K= and bare K from the caller environment', () => {
    const m = parseBuildArgs(['A=1', 'B=', 'C', 'D', 'A=2'], { C: 'from-env' });
    expect([...m]).toEqual([
      ['A', '2'],
      ['B', ''],
      ['C', 'from-env'],
      ['D', undefined],
    ]);
    expect(() => parseBuildArgs(['=x'])).toThrow('invalid build-arg "=x": name must not be empty');
  });
});

describe('planBuild: stages and bases', () => {
  it('makes one stage per FROM with scratch, image and stage bases', () => {
    const p = plan('FROM scratch AS base\nFROM alpine:3.19\nFROM BASE AS child\nRUN true\n');
    expect(p.stages.map((s) => [s.index, s.name, s.displayName, s.base])).toEqual([
      [0, 'base', 'base', { kind: 'scratch' }],
      [1, undefined, 'stage-1', { kind: 'image', ref: 'alpine:3.19' }],
      [2, 'child', 'child', { kind: 'stage', stage: 0 }],
    ]);
    expect(p.stages[2]?.steps.map((s) => s.instruction.kind)).toEqual(['RUN']);
    expect(p.target).toBe(2);
    expect(p.order).toEqual([0, 2]);
    expect(p.stages[1]?.needed).toBe(false);
  });

  it('treats a name defined later as an image (a stage shadows an image only after it is defined)', () => {
    const p = plan('FROM later\nFROM scratch AS later\n');
    expect(p.stages[0]?.base).toEqual({ kind: 'image', ref: 'later' });
  });

  it('expands FROM with global ARGs only, including defaults that use earlier ones (edge case #9)', () => {
    const p = plan('ARG REG=example.com\nARG IMG="$REG/app"\nARG TAG\nFROM ${IMG}:${TAG:-latest}\nENV X=1\n');
    expect(p.stages[0]?.baseName).toBe('example.com/app:latest');
    expect(p.metaArgs).toEqual([
      { key: 'REG', value: 'example.com' },
      { key: 'IMG', value: 'example.com/app' },
      { key: 'TAG' },
    ]);
    expect(p.images).toEqual(['example.com/app:latest']);
  });

  it('expands global defaults with the scope from before their instruction (Docker checked)', () => {
    const p = plan('ARG a=1 b=$a\nARG c=$a\nFROM img-$a-$b-$c\n');
    expect(p.stages[0]?.baseName).toBe('img-1--1');
  });

  it('lets --build-arg override global defaults (K=V, K=, bare K)', () => {
    const text = 'ARG A=a\nARG B=b\nARG C=c\nFROM img-$A-$B-$C\n';
    expect(plan(text, { buildArgs: args('A=x', 'B=', 'C') }).stages[0]?.baseName).toBe('img-x--c');
  });

  it('predefines platform args and TARGETSTAGE in the global scope', () => {
    const p = plan('FROM --platform=$BUILDPLATFORM scratch AS build\nFROM scratch AS final\n', { targetPlatform: arm64 });
    expect(p.stages[0]?.platform).toEqual(amd64);
    expect(Object.fromEntries(p.globalArgs)).toMatchObject({
      BUILDPLATFORM: 'linux/amd64',
      BUILDOS: 'linux',
      BUILDARCH: 'amd64',
      BUILDVARIANT: '',
      TARGETPLATFORM: 'linux/arm64',
      TARGETOS: 'linux',
      TARGETARCH: 'arm64',
      TARGETVARIANT: '',
      TARGETSTAGE: 'final',
    });
    expect(plan('FROM scratch\n').globalArgs.get('TARGETSTAGE')).toBe('default');
    expect(plan('FROM img-$TARGETARCH\n', { buildArgs: args('TARGETARCH=riscv64') }).stages[0]?.baseName).toBe('img-riscv64');
  });

  it.each([
    ['FROM $NOPE\n', 'Dockerfile:1: base name ($NOPE) should not be blank'],
    ['ARG P=\nFROM --platform=$P scratch\n', 'Dockerfile:2: empty platform value from expression $P'],
    ['FROM --platform=plan9/x scratch\n', 'Dockerfile:1: invalid platform "plan9/x": unknown operating system "plan9"'],
    ['FROM MyImage\n', 'Dockerfile:1: invalid reference format: repository name must be lowercase: "MyImage"'],
    ['ARG V=${V:?"custom error"}\nFROM scratch\n', 'Dockerfile:1: failed to process "${V:?\\"custom error\\"}": V: custom error'],
    ['ARG only\n', 'Dockerfile: dockerfile contains no stages to build'],
  ])('%j fails: %s', (text, message) => {
    expect(planError(text).message).toBe(message);
  });
});

describe('planBuild: target and dependencies', () => {
  const multi = [
    'FROM scratch AS deps', // 0
    'FROM scratch AS tools', // 1
    'FROM deps AS build', // 2
    'COPY --from=tools /t /t',
    'RUN --mount=type=bind,from=2,target=/x --mount=type=cache,target=/c true',
    'FROM scratch AS unrelated', // 3
    'FROM scratch AS final', // 4
    'COPY --from=BUILD /out /out',
    'COPY --from=busybox:1.36 /bin/busybox /bin/',
    'RUN --mount=from=alpine,target=/a true',
  ].join('\n');

  it('builds only what the target needs, in waves of independent stages', () => {
    const p = plan(multi.replace('from=2', 'from=deps'));
    expect(p.stages.map((s) => s.dependsOn)).toEqual([[], [], [0, 1], [], [2]]);
    expect(p.order).toEqual([0, 1, 2, 4]);
    expect(p.waves).toEqual([[0, 1], [2], [4]]);
    expect(p.stages[3]?.needed).toBe(false);
    expect(p.images).toEqual(['busybox:1.36', 'alpine']);
    const final = p.stages[4];
    expect(final?.steps.map((s) => s.copyFrom ?? s.mountFrom)).toEqual([
      { kind: 'stage', stage: 2 },
      { kind: 'image', ref: 'busybox:1.36' },
      [{ kind: 'image', ref: 'alpine' }],
    ]);
    expect(p.stages[2]?.steps[1]?.mountFrom).toEqual([{ kind: 'stage', stage: 0 }, undefined]);
    expect(p.stages[2]?.steps[0]?.copyFrom).toEqual({ kind: 'stage', stage: 1 });
  });

  it('selects --target case-insensitively and builds only its dependencies', () => {
    const p = plan(multi.replace('from=2', 'from=deps'), { target: 'TOOLS' });
    expect(p.target).toBe(1);
    expect(p.order).toEqual([1]);
    expect(p.globalArgs.get('TARGETSTAGE')).toBe('TOOLS');
  });

  it('suggests a target name', () => {
    expect(planError('FROM scratch AS build\nFROM scratch AS test\n', { target: 'buld' }).message).toBe(
      'Dockerfile: target stage "buld" could not be found (did you mean build?)',
    );
    expect(planError('FROM scratch AS build\n', { target: 'zzz' }).message).toBe('Dockerfile: target stage "zzz" could not be found');
  });

  it('matches stage names case-insensitively in COPY --from (edge case #29)', () => {
    const p = plan('FROM scratch AS STAge0\nFROM scratch\nCOPY --from=staGE0 /a /b\n');
    expect(p.stages[0]?.name).toBe('stage0');
    expect(p.stages[1]?.steps[0]?.copyFrom).toEqual({ kind: 'stage', stage: 0 });
  });

  it('accepts stage indexes in COPY --from and rejects bad ones', () => {
    expect(plan('FROM scratch\nFROM scratch\nCOPY --from=0 /a /b\n').stages[1]?.dependsOn).toEqual([0]);
    expect(planError('FROM scratch\nCOPY --from=5 /a /b\n').message).toBe('Dockerfile:2: invalid stage index 5');
    expect(planError('FROM scratch\nCOPY --from=-1 /a /b\n').message).toBe('Dockerfile:2: invalid stage index -1');
  });

  it('rejects copying or mounting from a stage defined later, but only in stages it builds (edge case #29)', () => {
    const text = 'FROM scratch AS first\nCOPY --from=second /a /b\nFROM scratch AS second\nFROM scratch AS third\n';
    expect(plan(text).order).toEqual([2]);
    expect(planError(text, { target: 'first' }).message).toBe(
      'Dockerfile:2: cannot copy from stage "second", it needs to be defined before current stage "first"',
    );
  });

  it('reports mounts from later stages', () => {
    const text = 'FROM scratch AS a\nRUN --mount=from=b,target=/m true\nFROM scratch AS b\n';
    expect(planError(text, { target: 'a' }).message).toBe(
      'Dockerfile:2: cannot mount from stage "b" to "/m", stage needs to be defined before current command',
    );
  });

  it('detects circular dependencies, a stage copying from itself included', () => {
    expect(planError('FROM busybox AS stage0\nCOPY --from=stage0 f1 /sub/\n').message).toBe(
      'Dockerfile:2: circular dependency detected on stage: stage0',
    );
    const cycle = 'FROM busybox AS stage0\nCOPY --from=stage2 f1 /sub/\nFROM busybox AS stage1\nCOPY --from=stage0 f2 /sub/\nFROM busybox AS stage2\nCOPY --from=stage1 f2 /sub/\n';
    expect(planError(cycle).message).toMatch(/^Dockerfile:\d+: circular dependency detected on stage: stage0$/);
  });

  it('checks image references of COPY --from', () => {
    expect(planError('FROM scratch\nCOPY --from=Bad:Ref /a /b\n').message).toBe(
      'Dockerfile:2: invalid reference format: repository name must be lowercase: "Bad:Ref"',
    );
  });
});

describe('planBuild: warnings', () => {
  it('reports build args no built stage declares (proxy and predefined args excluded)', () => {
    const text = 'ARG GLOBAL\nFROM scratch AS other\nARG ONLY_OTHER\nFROM scratch\nARG USED\n';
    const p = plan(text, { buildArgs: args('USED=1', 'GLOBAL=1', 'ZZZ=1', 'ONLY_OTHER=1', 'http_proxy=x', 'TARGETARCH=arm64', 'BARE') });
    expect(p.unusedBuildArgs).toEqual(['BARE', 'ONLY_OTHER', 'ZZZ']);
  });

  it('warns about duplicate and reserved stage names', () => {
    const p = plan('FROM scratch AS a\nFROM scratch AS a\nFROM scratch AS context\n');
    expect(p.warnings.map((w) => w.message)).toEqual([
      'Duplicate stage name "a", stage names should be unique',
      'Stage name should not use the same name as reserved stage "context"',
    ]);
  });
});

describe('ONBUILD triggers', () => {
  it('runs a parent stage\'s triggers first in the child, with their dependencies (edge case #31)', () => {
    const text = [
      'FROM scratch AS assets',
      'FROM scratch AS base',
      'ONBUILD COPY --from=assets /a /a',
      'ONBUILD RUN echo child',
      'RUN echo parent',
      'FROM base AS child',
      'RUN echo own',
    ].join('\n');
    const p = plan(text);
    const child = p.stages[2];
    expect(child?.steps.map((s) => [s.origin, s.instruction.kind, s.instruction.location.startLine])).toEqual([
      ['onbuild', 'COPY', 6],
      ['onbuild', 'RUN', 6],
      ['dockerfile', 'RUN', 7],
    ]);
    expect(child?.steps[0]?.copyFrom).toEqual({ kind: 'stage', stage: 0 });
    expect(child?.dependsOn).toEqual([0, 1]);
    expect(p.order).toEqual([0, 1, 2]);
    // The parent's own steps keep the ONBUILD instructions (stored in its config) and do not run them.
    expect(p.stages[1]?.steps.map((s) => s.instruction.kind)).toEqual(['ONBUILD', 'ONBUILD', 'RUN']);
  });

  it('plans triggers read from a base image config', () => {
    const p = plan('FROM scratch AS assets\nFROM example/onbuild-base\nRUN own\n');
    const t = planImageTriggers(p, 1, ['COPY --from=assets /x /x', 'RUN echo "from image"', 'COPY --from=busybox /bin/sh /sh']);
    expect(t.steps.map((s) => [s.origin, s.instruction.kind, s.instruction.location.startLine])).toEqual([
      ['onbuild', 'COPY', 2],
      ['onbuild', 'RUN', 2],
      ['onbuild', 'COPY', 2],
    ]);
    expect(t.dependsOn).toEqual([0]);
    expect(t.images).toEqual(['busybox']);
    expect(() => planImageTriggers(p, 0, ['COPY --from=1 /x /x'])).toThrow(
      'Dockerfile:1: cannot copy from stage "1", it needs to be defined before current stage "assets"',
    );
    expect(() => planImageTriggers(p, 1, ['FROM x'])).toThrow("Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  });
});
