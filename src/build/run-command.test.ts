import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile/parse.js';
import type { InstructionOf } from './dockerfile/instructions.js';
import { configCommand, normalizeWorkdir, resolveDestPath, runArgv } from './run-command.js';

function run(text: string): InstructionOf<'RUN'> {
  const i = parseDockerfile(`FROM scratch\n${text}`).instructions[1];
  expect(i?.kind).toBe('RUN');
  return i as InstructionOf<'RUN'>;
}

describe('runArgv', () => {
  it('uses the exec form as is and wraps the shell form with the shell', () => {
    const e = run('RUN ["echo", "a  b"]');
    expect(runArgv(e.command, e.heredocs)).toEqual({ args: ['echo', 'a  b'], inlineFiles: [] });
    const s = run('RUN echo $HOME && ls');
    expect(runArgv(s.command, s.heredocs)).toEqual({ args: ['/bin/sh', '-c', 'echo $HOME && ls'], inlineFiles: [] });
    expect(runArgv(s.command, s.heredocs, ['/bin/bash', '-eo', 'pipefail', '-c']).args).toEqual([
      '/bin/bash',
      '-eo',
      'pipefail',
      '-c',
      'echo $HOME && ls',
    ]);
  });

  it('passes a lone heredoc body to the shell as the script, tabs stripped for <<- (edge case #30)', () => {
    const r = run('RUN <<-EOF\n\techo "${name}"\n\techo two\n\tEOF\n');
    expect(runArgv(r.command, r.heredocs)).toEqual({ args: ['/bin/sh', '-c', 'echo "${name}"\necho two\n'], inlineFiles: [] });
  });

  it('runs a #! heredoc as a file with its interpreter (edge case #30)', () => {
    const r = run('RUN <<EOF\n#!/usr/bin/env python3\nprint("hi")\nEOF\n');
    expect(runArgv(r.command, r.heredocs)).toEqual({
      args: ['/bin/sh', '-c', '/dev/pipes/EOF'],
      inlineFiles: [{ path: '/dev/pipes/EOF', content: '#!/usr/bin/env python3\nprint("hi")\n', mode: 0o755 }],
    });
  });

  it('hands anything more complex to the shell unchanged, bodies and terminators included', () => {
    const r = run('RUN cat <<A 3<<-B | tr a-z A-Z\nhello\nA\n\tthree\n\tB\n');
    expect(runArgv(r.command, r.heredocs).args).toEqual(['/bin/sh', '-c', 'cat <<A 3<<-B | tr a-z A-Z\nhello\nA\n\tthree\nB']);
  });
});

describe('configCommand', () => {
  it('stores the shell form wrapped with the current shell (edge case #25)', () => {
    expect(configCommand({ form: 'shell', command: 'my entrypoint' }, ['ls'])).toEqual(['ls', 'my entrypoint']);
    expect(configCommand({ form: 'shell', command: 'nginx -g x' })).toEqual(['/bin/sh', '-c', 'nginx -g x']);
    expect(configCommand({ form: 'exec', args: [] })).toEqual([]);
  });
});

describe('normalizeWorkdir', () => {
  it.each([
    ['/', '/test1', '/test1'],
    ['/test1', 'test2', '/test1/test2'],
    ['/test1/test2', '../x/./y/', '/test1/x/y'],
    ['/a', '', '/a'],
    ['', 'rel', '/rel'],
    ['/a', '/abs/../kept/', '/abs/../kept/'],
  ])('%s + %s -> %s', (cur, p, out) => {
    expect(normalizeWorkdir(cur, p)).toBe(out);
  });
});

describe('resolveDestPath', () => {
  it.each([
    ['/app', '.', '/app/'],
    ['/app', '', '/app/'],
    ['/test5/test6', '../', '/test5/'],
    ['/app', 'sub/file', '/app/sub/file'],
    ['/app', 'dir/', '/app/dir/'],
    ['/app', 'dir/.', '/app/dir/.'],
    ['/', './', '/'],
    ['/app', '/abs/x/', '/abs/x/'],
  ])('in %s, %j -> %s', (wd, dest, out) => {
    expect(resolveDestPath(wd, dest)).toBe(out);
  });
});
