import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile/parse.js';
import { createdBy, goDuration, goQuote } from './history.js';
import { planBuild } from './plan.js';
import { configCommand, runArgv } from './run-command.js';
import { createStageEnvironment } from './stage-env.js';

describe('createdBy', () => {
  it('formats each instruction as BuildKit records it', () => {
    const text = [
      'FROM scratch',
      'ARG V=1 W',
      'ENV A=x B="y z"',
      'LABEL k=v',
      'EXPOSE 80 53/udp',
      'WORKDIR app',
      'USER 1000',
      'VOLUME /data',
      'STOPSIGNAL SIGINT',
      'SHELL ["/bin/bash", "-c"]',
      'CMD echo "hi"',
      'HEALTHCHECK --interval=1m30s --retries=3 CMD curl -f x',
      'COPY --chown=1:1 --chmod=u+x a b /dst/',
      'COPY <<EOF /f',
      'x',
      'EOF',
      'RUN echo $V',
      'MAINTAINER me',
      'ONBUILD RUN x',
    ].join('\n');
    const plan = planBuild(parseDockerfile(text), { buildPlatform: { os: 'linux', architecture: 'amd64' } });
    const env = createStageEnvironment(plan, 0, { imageEnv: [] });
    const out = (plan.stages[0]?.steps ?? []).map((s) => {
      const r = env.evaluate(s);
      if (r.kind === 'RUN') return createdBy(r, { args: runArgv(r.command, r.heredocs).args, buildArgs: env.historyBuildArgs() });
      if (r.kind === 'CMD') return createdBy(r, { args: configCommand(r.command) });
      if (r.kind === 'WORKDIR') return createdBy(r, { workdir: '/app' });
      return createdBy(r);
    });
    expect(out).toEqual([
      'ARG V=1 W',
      'ENV A=x B=y z',
      'LABEL k=v',
      'EXPOSE [53/udp 80/tcp]',
      'WORKDIR /app',
      'USER 1000',
      'VOLUME [/data]',
      'STOPSIGNAL SIGINT',
      'SHELL [/bin/bash -c]',
      'CMD ["/bin/sh" "-c" "echo \\"hi\\""]',
      'HEALTHCHECK {Test:[CMD-SHELL curl -f x] Interval:1m30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}',
      'COPY --chown=1:1 --chmod=u+x a b /dst/ # buildkit',
      'COPY <<EOF /f # buildkit',
      'RUN |2 V=1 W= /bin/sh -c echo $V # buildkit',
      'MAINTAINER me',
      undefined,
    ]);
  });
});

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ns'],
    [1500, '1.5µs'],
    [500e6, '500ms'],
    [1.5e9, '1.5s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [-2e9, '-2s'],
  ])('%d -> %s', (ns, s) => {
    expect(goDuration(ns)).toBe(s);
  });
});

describe('goQuote', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['tab\tnl\n', '"tab\\tnl\\n"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['héllo ☺', '"héllo ☺"'],
    ['\u2028', '"\\u2028"'],
  ])('%j -> %s', (s, q) => {
    expect(goQuote(s)).toBe(q);
  });
});
