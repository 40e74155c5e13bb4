import { describe, expect, it } from 'vitest';
import { DockerfileError } from './dockerfile/errors.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { parseBuildArgs } from './build-args.js';
import { planBuild, type BuildPlan, type PlanBuildOptions } from './plan.js';
import {
  DEFAULT_PATH,
  createStageEnvironment,
  isGitSource,
  type ResolvedInstruction,
  type StageEnvironment,
} from './stage-env.js';

const amd64 = { os: 'linux', architecture: 'amd64' };

/** Plans `text` and evaluates every needed stage, feeding FROM-stage environments forward. */
function run(text: string, options: PlanBuildOptions & { imageEnv?: string[] } = {}) {
  const plan = planBuild(parseDockerfile(text), { buildPlatform: amd64, ...options });
  const envs = new Map<number, StageEnvironment>();
  const resolved = new Map<number, ResolvedInstruction[]>();
  for (const i of plan.order) {
    const stage = plan.stages[i];
    if (stage === undefined) throw new Error('no stage');
    const parent = stage.base.kind === 'stage' ? envs.get(stage.base.stage) : undefined;
    const env = createStageEnvironment(plan, i, parent !== undefined ? { parent } : { imageEnv: options.imageEnv ?? [] });
    resolved.set(i, stage.steps.map((s) => env.evaluate(s)));
    envs.set(i, env);
  }
  const last = (i = plan.target) => resolved.get(i) ?? [];
  return { plan, envs, resolved, last, env: envs.get(plan.target) as StageEnvironment };
}

function runError(text: string, options: PlanBuildOptions = {}): DockerfileError {
  try {
    run(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(DockerfileError);
    return err as DockerfileError;
  }
  throw new Error('expected an error');
}

const args = (...specs: string[]) => parseBuildArgs(specs);

function kindOf<K extends ResolvedInstruction['kind']>(r: ResolvedInstruction | undefined, kind: K): Extract<ResolvedInstruction, { kind: K }> {
  expect(r?.kind).toBe(kind);
  return r as Extract<ResolvedInstruction, { kind: K }>;
}

describe('StageEnvironment: ENV', () => {
  it('expands every pair with the environment from before the instruction (edge case #28)', () => {
    const { last, env } = run('FROM scratch\nENV abc=hi\nENV abc=bye def=$abc\nENV ghi=$abc\n');
    expect(kindOf(last()[1], 'ENV').pairs).toEqual([
      { key: 'abc', value: 'bye' },
      { key: 'def', value: 'hi' },
    ]);
    expect(kindOf(last()[2], 'ENV').pairs).toEqual([{ key: 'ghi', value: 'bye' }]);
    expect(env.imageEnv).toEqual([`PATH=${DEFAULT_PATH}`, 'abc=bye', 'def=hi', 'ghi=bye']);
  });

  it('handles the legacy syntax, quotes and escapes', () => {
    const { env } = run('FROM scratch\nENV A a value with  spaces\nENV B="q u" C=\'$A\' D=x\\ y E=${A:+set}\n');
    expect(env.imageEnv.slice(1)).toEqual(['A=a value with  spaces', 'B=q u', 'C=$A', 'D=x y', 'E=set']);
  });

  it('starts from the base image Env and keeps its order; adds PATH only when missing', () => {
    const { env } = run('FROM example/img\nENV PATH=/opt/bin:$PATH HOME=/root\n', { imageEnv: ['HOME=/home', 'PATH=/bin'] });
    expect(env.imageEnv).toEqual(['HOME=/root', 'PATH=/opt/bin:/bin']);
  });
});

describe('StageEnvironment: ARG scoping (section 1.5)', () => {
  it('needs a global ARG to be re-declared inside a stage, and imports its value then (edge case #9)', () => {
    const text = 'ARG V=global\nARG W=$V-foo\nFROM scratch\nWORKDIR /a$V\nARG V\nARG W\nWORKDIR /b$V-$W\n';
    const { last } = run(text);
    expect(kindOf(last()[0], 'WORKDIR').path).toBe('/a');
    expect(kindOf(last()[3], 'WORKDIR').path).toBe('/bglobal-global-foo');
    expect(run(text, { buildArgs: args('V=cli') }).last()[3]).toMatchObject({ path: '/bcli-cli-foo' });
  });

  it('expands every default with the environment from before the instruction, and lets build args win', () => {
    // Docker's classic builder (checked): `ARG a=1 b=$a` does not see the new a, like ENV.
    const text = 'FROM scratch\nARG a=1 b=$a c\nARG d=$a\nUSER $a:$b:$c:$d\n';
    expect(kindOf(run(text).last()[0], 'ARG').args).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '' }, { key: 'c' }]);
    expect(kindOf(run(text).last()[2], 'USER').user).toBe('1:::1');
    expect(kindOf(run(text, { buildArgs: args('a=9', 'c=3') }).last()[2], 'USER').user).toBe('9::3:9');
    // A bare --build-arg whose variable is not set in the caller's environment keeps the default.
    expect(kindOf(run(text, { buildArgs: args('a') }).last()[2], 'USER').user).toBe('1:::1');
  });

  it('fails on ${V:?msg} when the arg is unset', () => {
    expect(runError('FROM scratch\nARG FOO=${FOO:?"custom error"}\n').message).toBe(
      'Dockerfile:2: failed to process "${FOO:?\\"custom error\\"}": FOO: custom error',
    );
    expect(run('FROM scratch\nARG FOO=${FOO:?"custom error"}\n', { buildArgs: args('FOO=ok') }).last()[0]).toMatchObject({
      args: [{ key: 'FOO', value: 'ok' }],
    });
  });

  it('makes a stage ARG visible in stages FROM that stage, not in unrelated ones (edge case #10)', () => {
    const text = 'FROM scratch AS base\nARG X=from-base\nFROM base AS child\nUSER $X\nFROM scratch AS other\nUSER u$X\nFROM scratch\nCOPY --from=child / /\nCOPY --from=other / /\n';
    const { resolved } = run(text);
    expect(kindOf(resolved.get(1)?.[0], 'USER').user).toBe('from-base');
    expect(kindOf(resolved.get(2)?.[0], 'USER').user).toBe('u');
  });

  it('lets an ENV win over an ARG of the same name, whatever the order (Docker checked)', () => {
    const { last, env } = run('FROM scratch\nARG A=arg\nENV A=env\nUSER $A\nARG A\nUSER $A\n', { buildArgs: args('A=cli') });
    expect(kindOf(last()[2], 'USER').user).toBe('env');
    expect(kindOf(last()[4], 'USER').user).toBe('env');
    expect(env.lookup('A')).toBe('env');
    expect(env.runEnvironment().env).toEqual([`PATH=${DEFAULT_PATH}`, 'A=env']);
  });

  it('lets undeclared proxy build args expand (Docker checked)', () => {
    const { last } = run('FROM scratch\nLABEL p=[$http_proxy] q=[$OTHER]\n', { buildArgs: args('http_proxy=px', 'OTHER=o') });
    expect(kindOf(last()[0], 'LABEL').labels).toEqual([
      { key: 'p', value: '[px]' },
      { key: 'q', value: '[]' },
    ]);
  });

  it('exports valued ARGs to RUN, never ARGs without a value; keeps undeclared proxies apart', () => {
    const { env } = run('FROM scratch\nARG FOO\nARG BAR=\nARG https_proxy\nENV E=1\n', {
      buildArgs: args('http_proxy=http://p:3128', 'https_proxy=http://s:3128', 'NO_PROXY=localhost'),
    });
    const { env: runEnv, proxyEnv } = env.runEnvironment();
    expect(runEnv).toEqual([`PATH=${DEFAULT_PATH}`, 'E=1', 'BAR=', 'https_proxy=http://s:3128']);
    expect(proxyEnv).toEqual(['NO_PROXY=localhost', 'http_proxy=http://p:3128']);
    expect(env.imageEnv).toEqual([`PATH=${DEFAULT_PATH}`, 'E=1']);
  });

  it('lists declared args for RUN history, parents first, each once with its current value', () => {
    const text = 'FROM scratch AS base\nARG A=1\nFROM base\nARG B\nARG A=2\nENV B=env\n';
    expect(run(text).env.historyBuildArgs()).toEqual(['A=2', 'B=env']);
  });

  it('imports predefined platform args only when declared in the stage', () => {
    const { last } = run('FROM scratch\nUSER [$TARGETARCH]\nARG TARGETARCH TARGETPLATFORM\nUSER $TARGETARCH,$TARGETPLATFORM\n');
    expect(kindOf(last()[0], 'USER').user).toBe('[]');
    expect(kindOf(last()[2], 'USER').user).toBe('amd64,linux/amd64');
  });
});

describe('StageEnvironment: expansion per instruction', () => {
  it('expands COPY sources, destination and --chown, never --from (edge cases #8, #12)', () => {
    const text = 'FROM scratch\nENV FOO=bar owner=app\nARG group=staff\nCOPY --chown=${owner}:${group} --chmod=0640 $FOO /dst/$FOO\n';
    const copy = kindOf(run(text).last()[2], 'COPY');
    expect(copy).toMatchObject({ sources: ['bar'], dest: '/dst/bar', chown: 'app:staff', chmod: { kind: 'octal', mode: 0o640 }, chmodText: '0640' });
    expect(copy.from).toEqual({ kind: 'context' });
  });

  it('resolves an empty destination to the empty string (the working directory, edge case #5)', () => {
    expect(kindOf(run('FROM scratch\nENV empty=""\nCOPY f $empty\n').last()[1], 'COPY').dest).toBe('');
  });

  it('keeps wildcards and their escapes in sources (edge case #22)', () => {
    expect(kindOf(run('FROM scratch\nCOPY arr[[]0].txt *.go /d/\n').last()[0], 'COPY').sources).toEqual(['arr[[]0].txt', '*.go']);
  });

  it('expands heredoc sources unless the delimiter is quoted (edge case #30)', () => {
    const text = "FROM scratch\nARG name=world\nCOPY <<EOF /c1\nHello ${name}! '$name' \\$name\nEOF\nCOPY <<'EOF' /c2\nHello ${name}!\nEOF\n";
    const { last } = run(text);
    expect(kindOf(last()[1], 'COPY').inlineSources).toEqual([{ name: 'EOF', content: "Hello world! 'world' $name\n" }]);
    expect(kindOf(last()[2], 'COPY').inlineSources).toEqual([{ name: 'EOF', content: 'Hello ${name}!\n' }]);
  });

  it('classifies ADD sources and checks --checksum', () => {
    const add = kindOf(run('FROM scratch\nADD --checksum=sha256:abc https://example.com/a.tgz /d/\n').last()[0], 'ADD');
    expect(add.sources).toEqual([{ kind: 'url', url: 'https://example.com/a.tgz' }]);
    expect(add.checksum).toBe('sha256:abc');
    expect(kindOf(run('FROM scratch\nADD git@github.com:o/r.git local.tar /d/\n').last()[0], 'ADD').sources).toEqual([
      { kind: 'git', url: 'git@github.com:o/r.git' },
      { kind: 'local', path: 'local.tar' },
    ]);
    expect(runError('FROM scratch\nADD --checksum=sha256:abc a.tar /d/\n').message).toBe('Dockerfile:2: checksum requires HTTP(S) or Git sources');
    expect(runError('FROM scratch\nADD --checksum=sha256:abc http://a/x http://a/y /d/\n').message).toBe(
      "Dockerfile:2: checksum can't be specified for multiple sources",
    );
    expect(runError('FROM scratch\nCOPY https://example.com/x /d/\n').message).toBe("Dockerfile:2: source can't be a URL for COPY");
  });

  it('rejects a bad --chmod after expansion', () => {
    expect(runError('FROM scratch\nARG M=999\nCOPY --chmod=$M a b\n').message).toBe(
      "Dockerfile:3: invalid chmod parameter: '999'. it should be octal string and between 0 and 07777",
    );
  });

  it('splits EXPOSE words after expansion (edge case #28) and parses ports', () => {
    const e = kindOf(run('FROM scratch\nENV PORTS="3000 4000/udp"\nEXPOSE 80 $PORTS\n').last()[1], 'EXPOSE');
    expect(e.ports).toEqual(['3000/tcp', '4000/udp', '80/tcp']);
  });

  it('expands VOLUME, USER, WORKDIR, STOPSIGNAL and LABEL but not RUN/CMD/ENTRYPOINT text', () => {
    const text = [
      'FROM scratch',
      'ENV D=/data U=app S=SIGINT K=com.example',
      'VOLUME $D /logs',
      'USER $U:$U',
      'WORKDIR $D/w',
      'STOPSIGNAL $S',
      'LABEL $K.v="${U} label"',
      'RUN echo $U',
      'CMD echo $U',
      'ENTRYPOINT ["echo", "$U"]',
    ].join('\n');
    const r = run(text).last();
    expect(kindOf(r[1], 'VOLUME').volumes).toEqual(['/data', '/logs']);
    expect(kindOf(r[2], 'USER').user).toBe('app:app');
    expect(kindOf(r[3], 'WORKDIR').path).toBe('/data/w');
    expect(kindOf(r[4], 'STOPSIGNAL').signal).toBe('SIGINT');
    expect(kindOf(r[5], 'LABEL').labels).toEqual([{ key: 'com.example.v', value: 'app label' }]);
    expect(kindOf(r[6], 'RUN').command).toEqual({ form: 'shell', command: 'echo $U' });
    expect(kindOf(r[7], 'CMD').command).toEqual({ form: 'shell', command: 'echo $U' });
    expect(kindOf(r[8], 'ENTRYPOINT').command).toEqual({ form: 'exec', args: ['echo', '$U'] });
  });

  it('keeps a VOLUME variable holding spaces as one path (only EXPOSE splits)', () => {
    expect(kindOf(run('FROM scratch\nENV V="/a /b"\nVOLUME $V\n').last()[1], 'VOLUME').volumes).toEqual(['/a /b']);
  });

  it('rejects a bad STOPSIGNAL and an empty VOLUME after expansion', () => {
    expect(runError('FROM scratch\nSTOPSIGNAL SIGNOPE\n').message).toBe('Dockerfile:2: Invalid signal: SIGNOPE');
    expect(runError('FROM scratch\nVOLUME $EMPTY\n').message).toBe('Dockerfile:2: VOLUME specified can not be an empty string');
  });

  it('expands --mount values except from=', () => {
    const text = 'FROM scratch AS src\nFROM scratch\nARG T=cache P=/root/.cache\nRUN --mount=type=$T,target=$P,id=c-$T --mount=type=bind,from=src,target=/s make\n';
    const r = kindOf(run(text).last()[1], 'RUN');
    expect(r.mounts).toEqual([
      {
        mount: { type: 'cache', target: '/root/.cache', id: 'c-cache', sharing: 'shared', source: '/', readOnly: false, mode: 0o755, uid: 0, gid: 0 },
        source: undefined,
      },
      { mount: { type: 'bind', target: '/s', source: '/', from: 'src', readOnly: true }, source: { kind: 'stage', stage: 0 } },
    ]);
    expect(runError('FROM scratch\nRUN --mount=type=$T,target=/x true\n').message).toBe('Dockerfile:2: unsupported mount type ""');
  });

  it('follows the escape directive', () => {
    const { last } = run('# escape=`\nFROM scratch\nENV A=x\nWORKDIR c:\\`$A\\$A\n');
    expect(kindOf(last()[1], 'WORKDIR').path).toBe('c:\\$A\\x');
  });

  it('locates errors of inherited triggers at the child FROM', () => {
    const err = runError('FROM scratch AS base\nONBUILD USER ${U:?need U}\nFROM base\n');
    expect(err.message).toBe('Dockerfile:3: failed to process "${U:?need U}": U: need U');
  });
});

describe('createStageEnvironment', () => {
  const plan: BuildPlan = planBuild(parseDockerfile('FROM scratch AS a\nFROM a\n'), { buildPlatform: amd64 });

  it('insists on the parent environment for stage bases and on an image Env otherwise', () => {
    expect(() => createStageEnvironment(plan, 1, { imageEnv: [] })).toThrow('is based on a stage');
    const a = createStageEnvironment(plan, 0, { imageEnv: ['X=1'] });
    expect(() => createStageEnvironment(plan, 0, { parent: a })).toThrow('is not based on a stage');
    const b = createStageEnvironment(plan, 1, { parent: a });
    expect(b.imageEnv).toEqual(a.imageEnv);
    expect(b).not.toBe(a);
  });

  it('does not add PATH for Windows images', () => {
    expect(createStageEnvironment(plan, 0, { imageEnv: [], os: 'windows' }).imageEnv).toEqual([]);
  });
});

describe('isGitSource', () => {
  it.each([
    ['git@github.com:moby/buildkit.git', true],
    ['git://example.com/r', true],
    ['ssh://git@example.com/r', true],
    ['https://github.com/moby/buildkit.git#v0.10.1:docs', true],
    ['https://example.com/file.tar.gz', false],
    ['src/file.git', false],
  ])('%s -> %s', (s, out) => {
    expect(isGitSource(s)).toBe(out);
  });
});
