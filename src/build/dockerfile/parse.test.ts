import { describe, expect, it } from 'vitest';
import { hasCode } from '../../engine/errdefs.js';
import { DockerfileError } from './errors.js';
import type { Instruction, InstructionOf, Keyword } from './instructions.js';
import { parseDockerfile, parseTrigger } from './parse.js';

function parse(text: string) {
  return parseDockerfile(text);
}

/** The instructions of `text` after `FROM scratch` on line 1. */
function body(text: string): Instruction[] {
  return parse(`FROM scratch\n${text}`).instructions.slice(1);
}

function one<K extends Keyword>(kind: K, text: string): InstructionOf<K> {
  const [i] = body(text);
  expect(i?.kind).toBe(kind);
  return i as InstructionOf<K>;
}

function parseError(text: string): DockerfileError {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(DockerfileError);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
    return err as DockerfileError;
  }
  throw new Error('expected a parse error');
}

describe('parseDockerfile: lines, comments, continuations', () => {
  it('reads keywords case-insensitively and drops leading whitespace', () => {
    const df = parse('from scratch\n   run echo hi\n\tCoPy a b\n');
    expect(df.instructions.map((i) => i.kind)).toEqual(['FROM', 'RUN', 'COPY']);
    expect(df.instructions[1]?.original).toBe('run echo hi');
  });

  it('treats # as a comment only at the start of a line', () => {
    const [run] = body('# a comment\n  # indented comment\nRUN echo # not a comment\n');
    expect(run).toMatchObject({ kind: 'RUN', command: { form: 'shell', command: 'echo # not a comment' } });
    expect(run?.location).toEqual({ startLine: 4, endLine: 4 });
  });

  it('joins continuation lines, keeping inner whitespace and dropping comment lines inside', () => {
    const [run] = body('RUN apt-get update && \\\n# comment inside\n    apt-get install -y x \\\n  && echo done\n');
    expect(run).toMatchObject({ command: { form: 'shell', command: 'apt-get update &&     apt-get install -y x   && echo done' } });
    expect(run?.location).toEqual({ startLine: 2, endLine: 5 });
  });

  it('never continues a comment', () => {
    const ins = body('# comment \\\nRUN a\n');
    expect(ins).toHaveLength(1);
    expect(ins[0]).toMatchObject({ kind: 'RUN', command: { command: 'a' } });
  });

  it('tolerates empty continuation lines with a warning', () => {
    const df = parse('FROM scratch\nRUN a \\\n\n   \n  b\n');
    expect(df.instructions[1]).toMatchObject({ command: { command: 'a   b' } });
    expect(df.warnings.map((w) => w.message)).toEqual(['Empty continuation line found in: RUN a   b']);
  });

  it('ends an instruction continued at the end of the file', () => {
    const [run] = body('RUN echo a \\');
    expect(run).toMatchObject({ command: { command: 'echo a' } });
  });

  it('does not continue after an escaped escape character', () => {
    const ins = body('RUN echo a\\\\\nRUN b\n');
    expect(ins).toHaveLength(2);
    expect(ins[0]).toMatchObject({ command: { command: 'echo a\\\\' } });
  });

  it('accepts CRLF line endings and a BOM', () => {
    const df = parse('\uFEFFFROM scratch\r\nRUN a \\\r\n b\r\n');
    expect(df.instructions[1]).toMatchObject({ command: { command: 'a  b' } });
  });

  it('reports empty files and files without instructions', () => {
    expect(parseError('').message).toBe('Dockerfile: the Dockerfile cannot be empty');
    expect(parseError('# only\n\n# comments\n').message).toBe('Dockerfile: file with no instructions');
  });

  it('uses the configured file name in messages', () => {
    expect(() => parseDockerfile('FROM scratch\nBOGUS x', { file: 'app.Dockerfile' })).toThrow(
      'app.Dockerfile:2: unknown instruction: BOGUS',
    );
  });
});

describe('parseDockerfile: parser directives', () => {
  it('switches the escape character to a backtick', () => {
    const df = parse('# escape=`\nFROM scratch\nRUN dir c:\\ `\n  && echo x\nCOPY c:\\a\\b d\n');
    expect(df.escape).toBe('`');
    expect(df.instructions[1]).toMatchObject({ command: { command: 'dir c:\\   && echo x' } });
    expect(df.instructions[2]).toMatchObject({ sources: ['c:\\a\\b'] });
  });

  it('accepts indentation, spaces around =, and any key case', () => {
    expect(parse('  #  ESCAPE = `\nFROM scratch\n').escape).toBe('`');
  });

  it.each([
    ['after an instruction', 'FROM scratch\n# escape=`\nRUN a\n'],
    ['after a blank line', '\n# escape=`\nFROM scratch\n'],
    ['after an ordinary comment', '# hello\n# escape=`\nFROM scratch\n'],
    ['after an unknown directive', '# unknown=1\n# escape=`\nFROM scratch\n'],
  ])('ignores a directive %s', (_why, text) => {
    expect(parse(text).escape).toBe('\\');
  });

  it('rejects a repeated directive and a bad escape value', () => {
    expect(parseError('# escape=`\n# escape=\\\nFROM scratch\n').message).toBe(
      'Dockerfile:2: only one escape parser directive can be used',
    );
    expect(parseError('# escape=x\nFROM scratch\n').message).toBe(
      "Dockerfile:1: invalid escape token 'x' does not match ` or \\",
    );
  });

  it('records syntax and check, warning about foreign frontends only', () => {
    const a = parse('# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended\nFROM scratch\n');
    expect(a.syntax).toBe('docker/dockerfile:1.7');
    expect(a.check).toBe('skip=JSONArgsRecommended');
    expect(a.warnings).toEqual([]);
    const b = parse('# syntax=example.com/other:1\nFROM scratch\n');
    expect(b.warnings[0]?.message).toMatch(/syntax directive "example.com\/other:1" is ignored/);
  });
});

describe('parseDockerfile: exec and shell forms', () => {
  it.each([
    ['RUN ["sh","-c","echo hello   world"]', ['sh', '-c', 'echo hello   world']],
    ['CMD [ "a\\u0041", "tab\\tq\\"" ]', ['aA', 'tab\tq"']],
    ['ENTRYPOINT []', []],
    ['RUN ["/bin/echo", "a b"]  ', ['/bin/echo', 'a b']],
  ])('%s is the exec form', (text, args) => {
    const [i] = body(text);
    expect(i).toMatchObject({ command: { form: 'exec', args } });
  });

  it.each([
    // invalid JSON after `[` silently becomes the shell form (edge case #26)
    ['RUN ["echo","hello"]this is invalid', '["echo","hello"]this is invalid'],
    ["RUN ['echo', 'single']", "['echo', 'single']"],
    ['CMD [unterminated', '[unterminated'],
    ['ENTRYPOINT my entrypoint', 'my entrypoint'],
  ])('%s is the shell form', (text, command) => {
    const [i] = body(text);
    expect(i).toMatchObject({ command: { form: 'shell', command } });
  });

  it('rejects a JSON array with non-strings', () => {
    expect(parseError('FROM scratch\nCMD ["a", 1]').message).toBe(
      'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only',
    );
  });
});

describe('parseDockerfile: heredocs', () => {
  it('reads a RUN heredoc body', () => {
    const run = one('RUN', 'RUN <<EOF\necho a\n  echo b\nEOF\nRUN next\n');
    expect(run.command).toEqual({ form: 'shell', command: '<<EOF' });
    expect(run.heredocs).toEqual([{ name: 'EOF', fd: 0, chomp: false, expand: true, content: 'echo a\n  echo b\n', body: 'echo a\n  echo b\n' }]);
    expect(run.location).toEqual({ startLine: 2, endLine: 5 });
  });

  it('strips leading tabs with <<- (body and terminator)', () => {
    const run = one('RUN', 'RUN <<-EOF\n\techo a\n\t\techo b\n\tEOF\n');
    expect(run.heredocs[0]).toMatchObject({ chomp: true, content: '\techo a\n\t\techo b\n', body: 'echo a\necho b\n' });
  });

  it.each([
    ["<<'EOF'", false],
    ['<<"EOF"', false],
    ['<<E"O"F', false],
    ['<<EOF', true],
    ['<< EOF', true],
  ])('%s expands the body: %s', (opener, expand) => {
    const run = one('RUN', `RUN cat ${opener}\nhi $x\nEOF\n`);
    expect(run.heredocs[0]).toMatchObject({ name: 'EOF', expand });
  });

  it('reads several heredocs on one line, with file descriptors, in order', () => {
    const ins = body('RUN <<EOF 3<<IN1 cat /proc/self/fd/3\nls\nEOF\nHELLO\nIN1\nRUN done\n');
    expect(ins.map((i) => i.kind)).toEqual(['RUN', 'RUN']);
    const run = ins[0] as InstructionOf<'RUN'>;
    expect(run.heredocs.map((h) => [h.name, h.fd, h.content])).toEqual([
      ['EOF', 0, 'ls\n'],
      ['IN1', 3, 'HELLO\n'],
    ]);
    expect(run.command).toEqual({ form: 'shell', command: '<<EOF 3<<IN1 cat /proc/self/fd/3' });
  });

  it('gives COPY and ADD heredoc sources', () => {
    const [copy, add] = body("COPY <<EOF <<'RAW' /dest/\nhello $name\nEOF\nraw $x\nRAW\nADD <<-X /f\n\tadded\n\tX\n");
    expect(copy).toMatchObject({
      kind: 'COPY',
      sources: [],
      dest: '/dest/',
      inlineSources: [
        { name: 'EOF', content: 'hello $name\n', expand: true },
        { name: 'RAW', content: 'raw $x\n', expand: false },
      ],
    });
    expect(add).toMatchObject({ kind: 'ADD', inlineSources: [{ name: 'X', content: 'added\n', expand: true }] });
  });

  it('keeps ordinary sources next to heredoc sources', () => {
    expect(one('COPY', 'COPY a <<EOF b /d/\nx\nEOF\n')).toMatchObject({ sources: ['a', 'b'], inlineSources: [{ name: 'EOF' }] });
  });

  it('does not look for heredocs in the exec form or in other instructions', () => {
    const ins = body('RUN ["cat", "<<EOF"]\nLABEL a="<<EOF"\nRUN x\n');
    expect(ins.map((i) => i.kind)).toEqual(['RUN', 'LABEL', 'RUN']);
  });

  it('reports an unterminated heredoc with its line', () => {
    const err = parseError('FROM scratch\nRUN true\nRUN <<EOF\necho a\n');
    expect(err.message).toBe('Dockerfile:3: unterminated heredoc');
    expect(err.line).toBe(3);
    expect(err.endLine).toBe(4);
  });

  it('rejects a heredoc as COPY destination', () => {
    expect(parseError('FROM scratch\nCOPY a <<EOF\nx\nEOF\n').message).toBe(
      'Dockerfile:2: COPY cannot accept a heredoc as a destination',
    );
  });

  it('stores heredocs under ONBUILD in the trigger expression', () => {
    const ob = one('ONBUILD', 'ONBUILD RUN <<EOF\necho hi\nEOF\n');
    expect(ob.expression).toBe('RUN <<EOF\necho hi\nEOF');
    expect(ob.trigger).toMatchObject({ kind: 'RUN', heredocs: [{ name: 'EOF', content: 'echo hi\n' }] });
  });
});

describe('parseDockerfile: errors', () => {
  it.each([
    ['RUNN echo', 'Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)'],
    ['entrypiont ["a"]', 'Dockerfile:2: unknown instruction: entrypiont (did you mean entrypoint?)'],
    ['FOO bar', 'Dockerfile:2: unknown instruction: FOO (did you mean FROM?)'],
    ['XYZZY bar', 'Dockerfile:2: unknown instruction: XYZZY'],
    ['COPY --chwon=1 a b', 'Dockerfile:2: unknown flag: --chwon (did you mean --chown?)'],
    ['RUN --mont=type=cache,target=/x true', 'Dockerfile:2: unknown flag: --mont (did you mean --mount?)'],
    ['ADD --from=x a b', 'Dockerfile:2: unknown flag: --from'],
    ['ENV --x=1 a=b', 'Dockerfile:2: unknown flag: --x'],
    ['COPY --from a b', 'Dockerfile:2: missing a value on flag: --from'],
    ['COPY --chown=1 --chown=2 a b', 'Dockerfile:2: duplicate flag specified: --chown'],
    ['COPY --link=maybe a b', 'Dockerfile:2: expecting boolean value for flag --link, not: maybe'],
    ['COPY --link= a b', 'Dockerfile:2: missing a value on flag: --link'],
    ['COPY onlyone', 'Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['ENV', 'Dockerfile:2: ENV requires at least one argument'],
    ['ENV onlykey', 'Dockerfile:2: ENV must have two arguments'],
    ['ENV a=1 b', 'Dockerfile:2: Syntax error - can\'t find = in "b". Must be of the form: name=value'],
    ['ENV =x', 'Dockerfile:2: ENV names can not be blank'],
    ['LABEL', 'Dockerfile:2: LABEL requires at least one argument'],
    ['ARG', 'Dockerfile:2: ARG requires at least one argument'],
    ['ARG =x', 'Dockerfile:2: ARG names can not be blank'],
    ['EXPOSE', 'Dockerfile:2: EXPOSE requires at least one argument'],
    ['WORKDIR', 'Dockerfile:2: WORKDIR requires exactly one argument'],
    ['USER', 'Dockerfile:2: USER requires exactly one argument'],
    ['VOLUME', 'Dockerfile:2: VOLUME requires at least one argument'],
    ['VOLUME [""]', 'Dockerfile:2: VOLUME specified can not be an empty string'],
    ['STOPSIGNAL', 'Dockerfile:2: STOPSIGNAL requires exactly one argument'],
    ['MAINTAINER', 'Dockerfile:2: MAINTAINER requires exactly one argument'],
    ['SHELL /bin/bash -c', 'Dockerfile:2: SHELL requires the arguments to be in JSON form'],
    ['SHELL []', 'Dockerfile:2: SHELL requires at least one argument'],
    ['SHELL ["bash", 3]', 'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only'],
    ['HEALTHCHECK', 'Dockerfile:2: HEALTHCHECK requires at least one argument'],
    ['HEALTHCHECK CMD', 'Dockerfile:2: Missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK NONE x', 'Dockerfile:2: HEALTHCHECK NONE takes no arguments'],
    ['HEALTHCHECK RUN x', 'Dockerfile:2: Unknown type "RUN" in HEALTHCHECK (try CMD)'],
    ['HEALTHCHECK --interval=xs CMD true', 'Dockerfile:2: time: invalid duration "xs"'],
    ['HEALTHCHECK --interval=10 CMD true', 'Dockerfile:2: time: missing unit in duration "10"'],
    ['HEALTHCHECK --timeout=1us CMD true', 'Dockerfile:2: Interval "timeout" cannot be less than 1ms'],
    ['HEALTHCHECK --retries=-1 CMD true', 'Dockerfile:2: --retries cannot be negative (-1)'],
    ['HEALTHCHECK --retries=x CMD true', 'Dockerfile:2: strconv.ParseInt: parsing "x": invalid syntax'],
    ['HEALTHCHECK --intervall=1s CMD true', 'Dockerfile:2: unknown flag: --intervall (did you mean --interval?)'],
    ['ONBUILD', 'Dockerfile:2: ONBUILD requires at least one argument'],
    ['ONBUILD ONBUILD RUN x', "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ['ONBUILD FROM alpine', "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"],
    ['onbuild maintainer me', "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger"],
    ['ONBUILD RUNN x', 'Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)'],
    ['RUN --network=bridge true', 'Dockerfile:2: invalid network mode "bridge"'],
    ['RUN --security=weird true', 'Dockerfile:2: security "weird" is not valid'],
    ['COPY --from=$X a b', 'Dockerfile:2: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround'],
    ['COPY --from=${X} a b', 'Dockerfile:2: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround'],
    ['RUN --mount=from=$X,target=/a true', "Dockerfile:2: 'from' doesn't support variable expansion, define alias stage instead"],
    ['RUN --mount=type=bind,src=a\\"b,target=/x true', 'Dockerfile:2: failed to parse csv mounts: parse error on line 1, column 16: bare " in non-quoted-field'],
    ['FROM', 'Dockerfile:2: FROM requires either one or three arguments'],
    ['FROM a b', 'Dockerfile:2: FROM requires either one or three arguments'],
    ['FROM a AS 1stage', 'Dockerfile:2: invalid name for build stage: "1stage", name can\'t start with a number or contain symbols'],
    ['FROM a AS st@ge', 'Dockerfile:2: invalid name for build stage: "st@ge", name can\'t start with a number or contain symbols'],
  ])('%s -> %s', (line, message) => {
    const err = parseError(`FROM scratch\n${line}\n`);
    expect(err.message).toBe(message);
    expect(err.line).toBe(2);
  });

  it('reports the first line of a multi-line instruction', () => {
    const err = parseError('FROM scratch\nRUN true\nCOPY \\\n  --chwon=1 \\\n  a b\n');
    expect(err.message).toBe('Dockerfile:3: unknown flag: --chwon (did you mean --chown?)');
    expect([err.line, err.endLine]).toEqual([3, 5]);
    expect(err.detail).toBe('unknown flag: --chwon (did you mean --chown?)');
  });

  it('counts heredoc bodies in the line numbers of later instructions', () => {
    expect(parseError('FROM scratch\nRUN <<EOF\na\nb\nEOF\nBAD x\n').line).toBe(6);
  });

  it('allows only ARG before the first FROM', () => {
    expect(parse('ARG a=1\nARG b\nFROM scratch\n').instructions.map((i) => i.kind)).toEqual(['ARG', 'ARG', 'FROM']);
    expect(parseError('ARG a\nRUN true\nFROM scratch\n').message).toBe('Dockerfile:2: no build stage in current context');
  });
});

describe('parseDockerfile: instructions', () => {
  it('FROM with platform and stage name (lower-cased, warned when not lower case)', () => {
    const df = parse('FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nFROM build\nFROM scratch as x.y_z-1\n');
    expect(df.instructions[0]).toMatchObject({ kind: 'FROM', base: 'golang:1.22', stageName: 'build', platform: '$BUILDPLATFORM' });
    expect(df.instructions[1]).toEqual({ kind: 'FROM', base: 'build', original: 'FROM build', location: { startLine: 2, endLine: 2 } });
    expect(df.instructions[2]).toMatchObject({ stageName: 'x.y_z-1' });
    expect(df.warnings.map((w) => [w.line, w.message])).toEqual([[1, "Stage name 'Build' should be lowercase"]]);
  });

  it('RUN flags: mounts (CSV with quotes), network, security', () => {
    const run = one(
      'RUN',
      'RUN --mount=type=cache,target=/root/.cache,sharing=locked --mount="type=secret,\\"id=a,b\\"" --network=none --security=insecure make',
    );
    expect(run.mounts.map((m) => m.fields)).toEqual([['type=cache', 'target=/root/.cache', 'sharing=locked'], ['type=secret', 'id=a,b']]);
    expect(run).toMatchObject({ network: 'none', security: 'insecure', command: { form: 'shell', command: 'make' } });
    expect(one('RUN', 'RUN true')).toMatchObject({ mounts: [], network: 'default', security: 'sandbox' });
  });

  it('RUN --mount keeps from= for the dependency graph', () => {
    expect(one('RUN', 'RUN --mount=from=build,source=/out,target=/in true').mounts[0]?.from).toBe('build');
  });

  it('ENV: key=value pairs (raw) and the legacy form', () => {
    expect(one('ENV', 'ENV a=1 b="two words" c=$a\\ d').pairs).toEqual([
      { key: 'a', value: '1', legacy: false },
      { key: 'b', value: '"two words"', legacy: false },
      { key: 'c', value: '$a\\ d', legacy: false },
    ]);
    expect(one('ENV', 'ENV PATH /usr/bin:$PATH and more').pairs).toEqual([{ key: 'PATH', value: '/usr/bin:$PATH and more', legacy: true }]);
  });

  it('ARG: several declarations with and without defaults', () => {
    expect(one('ARG', 'ARG a b= c=3 d="x y"').args).toEqual([
      { key: 'a' },
      { key: 'b', defaultValue: '' },
      { key: 'c', defaultValue: '3' },
      { key: 'd', defaultValue: '"x y"' },
    ]);
  });

  it('LABEL: both syntaxes', () => {
    expect(one('LABEL', 'LABEL "com.example.v"="1.0" other=x').pairs).toEqual([
      { key: '"com.example.v"', value: '"1.0"', legacy: false },
      { key: 'other', value: 'x', legacy: false },
    ]);
    expect(one('LABEL', 'LABEL description some text').pairs).toEqual([{ key: 'description', value: 'some text', legacy: true }]);
  });

  it('EXPOSE keeps raw words', () => {
    expect(one('EXPOSE', 'EXPOSE 80 443/tcp $PORTS').ports).toEqual(['80', '443/tcp', '$PORTS']);
  });

  it('COPY: every flag', () => {
    const c = one('COPY', 'COPY --from=Build --chown=app:app --chmod=u=rwX,go=rX --link --parents --exclude=*.md --exclude=.git a b/ /dest/');
    expect(c).toMatchObject({
      from: 'Build',
      chown: 'app:app',
      chmod: 'u=rwX,go=rX',
      link: true,
      parents: true,
      excludes: ['*.md', '.git'],
      sources: ['a', 'b/'],
      dest: '/dest/',
      json: false,
    });
    expect(one('COPY', 'COPY a b')).toMatchObject({ link: false, parents: false, excludes: [], inlineSources: [] });
    expect(one('COPY', 'COPY a b')).not.toHaveProperty('from');
  });

  it('COPY: JSON form for paths with spaces, keeping words raw', () => {
    expect(one('COPY', 'COPY ["my file.txt", "$D", "/dest dir/"]')).toMatchObject({
      sources: ['my file.txt', '$D'],
      dest: '/dest dir/',
      json: true,
    });
  });

  it('COPY: wildcard escapes are kept verbatim at parse level (edge case #22)', () => {
    expect(one('COPY', 'COPY arr[[]0].txt f*.go /dest/').sources).toEqual(['arr[[]0].txt', 'f*.go']);
  });

  it('ADD: every flag', () => {
    const a = one('ADD', 'ADD --chown=1:2 --chmod=0755 --link=false --keep-git-dir=true --checksum=sha256:abc --unpack=true --exclude=x https://e.com/a.tgz /d/');
    expect(a).toMatchObject({
      chown: '1:2',
      chmod: '0755',
      link: false,
      keepGitDir: true,
      checksum: 'sha256:abc',
      unpack: true,
      excludes: ['x'],
      sources: ['https://e.com/a.tgz'],
    });
    const plain = one('ADD', 'ADD a b');
    expect(plain).not.toHaveProperty('unpack');
    expect(plain).not.toHaveProperty('keepGitDir');
  });

  it('WORKDIR, USER, STOPSIGNAL and MAINTAINER keep the whole argument text', () => {
    const [w, u, s, m] = body('WORKDIR /a b\nUSER "app user"\nSTOPSIGNAL SIGTERM\nMAINTAINER Jane Doe <jane@example.com>\n');
    expect(w).toMatchObject({ kind: 'WORKDIR', path: '/a b' });
    expect(u).toMatchObject({ kind: 'USER', user: '"app user"' });
    expect(s).toMatchObject({ kind: 'STOPSIGNAL', signal: 'SIGTERM' });
    expect(m).toMatchObject({ kind: 'MAINTAINER', maintainer: 'Jane Doe <jane@example.com>' });
  });

  it('VOLUME: JSON or words', () => {
    expect(one('VOLUME', 'VOLUME ["/a b", "/c"]')).toMatchObject({ volumes: ['/a b', '/c'], json: true });
    expect(one('VOLUME', 'VOLUME /a $B')).toMatchObject({ volumes: ['/a', '$B'], json: false });
  });

  it('HEALTHCHECK: options, CMD forms, NONE', () => {
    const h = one(
      'HEALTHCHECK',
      'HEALTHCHECK --interval=5m --timeout=3s --start-period=1.5s --start-interval=500ms --retries=4 CMD curl -f http://localhost/',
    );
    expect(h.health).toEqual({
      test: ['CMD-SHELL', 'curl -f http://localhost/'],
      interval: 300e9,
      timeout: 3e9,
      startPeriod: 1.5e9,
      startInterval: 500e6,
      retries: 4,
    });
    expect(one('HEALTHCHECK', 'HEALTHCHECK cmd ["/bin/check", "-v"]').health).toEqual({
      test: ['CMD', '/bin/check', '-v'],
      interval: 0,
      timeout: 0,
      startPeriod: 0,
      startInterval: 0,
      retries: 0,
    });
    expect(one('HEALTHCHECK', 'HEALTHCHECK none').health.test).toEqual(['NONE']);
  });

  it('ONBUILD: expression and parsed trigger', () => {
    const ob = one('ONBUILD', 'ONBUILD COPY --chown=1 . /app/src');
    expect(ob.expression).toBe('COPY --chown=1 . /app/src');
    expect(ob.trigger).toMatchObject({ kind: 'COPY', chown: '1', sources: ['.'], dest: '/app/src' });
  });

  it('SHELL takes JSON', () => {
    expect(one('SHELL', 'SHELL ["/bin/bash", "-eo", "pipefail", "-c"]').shell).toEqual(['/bin/bash', '-eo', 'pipefail', '-c']);
  });

  it('carries the original text for history', () => {
    const [i] = body('COPY   --chown=1   a \\\n   /b  \n');
    expect(i?.original).toBe('COPY   --chown=1   a    /b');
  });
});

describe('parseTrigger', () => {
  it('parses an image trigger at the given location', () => {
    const t = parseTrigger('RUN echo built', { startLine: 3, endLine: 3 });
    expect(t).toMatchObject({ kind: 'RUN', command: { command: 'echo built' }, location: { startLine: 3, endLine: 3 } });
  });

  it('parses triggers with heredocs', () => {
    expect(parseTrigger('RUN <<EOF\necho hi\nEOF', { startLine: 1, endLine: 1 })).toMatchObject({
      heredocs: [{ name: 'EOF', content: 'echo hi\n' }],
    });
  });

  it('rejects forbidden and broken triggers at the location', () => {
    expect(() => parseTrigger('FROM x', { startLine: 7, endLine: 7 })).toThrow("Dockerfile:7: FROM isn't allowed as an ONBUILD trigger");
    expect(() => parseTrigger('ONBUILD RUN x', { startLine: 7, endLine: 7 })).toThrow('Dockerfile:7: Chaining ONBUILD');
    expect(() => parseTrigger('RUNX a', { startLine: 7, endLine: 7 })).toThrow('Dockerfile:7: unknown instruction: RUNX');
  });
});
