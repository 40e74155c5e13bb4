import { describe, expect, it } from 'vitest';
import { scanDockerfile } from './scanner.js';

/** Heredocs (name, fd, chomp, expand, content) of each instruction after the first. */
function heredocs(text: string) {
  return scanDockerfile(`FROM scratch\n${text}`).instructions.slice(1).map((i) => [i.keyword, i.heredocs.map((h) => [h.name, h.fd, h.chomp, h.expand, h.content])]);
}

describe('scanDockerfile: heredoc bodies', () => {
  it.each([
    ['RUN <<EMPTY\nEMPTY\n', [['RUN', [['EMPTY', 0, false, true, '']]]]],
    ['RUN 3<<EMPTY2\nEMPTY2\n', [['RUN', [['EMPTY2', 3, false, true, '']]]]],
    ['RUN "<<NOHEREDOC"\n', [['RUN', []]]],
    ['USER <<NOTHERE\nFOO bar\n', [['USER', []], ['FOO', []]]],
    ['RUN <<INDENT\n\tfoo\n\tbar\nINDENT\n', [['RUN', [['INDENT', 0, false, true, '\tfoo\n\tbar\n']]]]],
    ['RUN <<-UNINDENT\n\tbaz\n\tUNINDENT\n', [['RUN', [['UNINDENT', 0, true, true, '\tbaz\n']]]]],
    ["RUN <<-'NOEXPAND'\n\tdon't $NAME\nNOEXPAND\n", [['RUN', [['NOEXPAND', 0, true, false, "\tdon't $NAME\n"]]]]],
    ['RUN <<COMMENT\n# internal comment\necho x # trailing\nCOMMENT\n', [['RUN', [['COMMENT', 0, false, true, '# internal comment\necho x # trailing\n']]]]],
    ['RUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n', [['RUN', [['MOUNT', 0, false, true, 'echo hello\n']]]]],
    ['COPY <<X <<Y /dest\nY\nX\nX\nY\n', [['COPY', [['X', 0, false, true, 'Y\n'], ['Y', 0, false, true, 'X\n']]]]],
    ['COPY <<file.txt /dest\nhello\nfile.txt\n', [['COPY', [['file.txt', 0, false, true, 'hello\n']]]]],
    ["RUN <<eo'f'\necho foo\neof\n", [['RUN', [['eof', 0, false, false, 'echo foo\n']]]]],
    ["RUN <<eo\\'f\necho foo\neo'f\n", [['RUN', [["eo'f", 0, false, true, 'echo foo\n']]]]],
    ["RUN <<'e'o\\'f\necho foo\neo'f\n", [['RUN', [["eo'f", 0, false, false, 'echo foo\n']]]]],
    ["RUN <<'one two'\necho bar\none two\n", [['RUN', [['one two', 0, false, false, 'echo bar\n']]]]],
    ['RUN <<$EOF\n$EOF\n', [['RUN', [['$EOF', 0, false, true, '']]]]],
    ['RUN <<  EOF\nEOF\n', [['RUN', [['EOF', 0, false, true, '']]]]],
    ['RUN <<  EOF  > foo\nEOF\n', [['RUN', [['EOF', 0, false, true, '']]]]],
    // exec form has no heredocs; invalid JSON falls back to the shell form, which has
    ['RUN ["<<EOF"]\nRUN ["cat"] <<X\nX\n', [['RUN', []], ['RUN', [['X', 0, false, true, '']]]]],
    ['ADD <<A /a\nx\nA\n', [['ADD', [['A', 0, false, true, 'x\n']]]]],
    ['ONBUILD ADD <<A /a\nx\nA\n', [['ONBUILD', [['A', 0, false, true, 'x\n']]]]],
    ['ONBUILD RUN ["<<A"]\nRUN x\n', [['ONBUILD', []], ['RUN', []]]],
  ])('%j', (text, out) => {
    expect(heredocs(text)).toEqual(out);
  });

  it('keeps CRLF line endings in bodies and accepts a CRLF terminator', () => {
    expect(heredocs('RUN <<EOF\r\necho a\r\nEOF\r\nRUN b\r\n')).toEqual([
      ['RUN', [['EOF', 0, false, true, 'echo a\r\n']]],
      ['RUN', []],
    ]);
  });
});

describe('scanDockerfile: locations', () => {
  it('gives 1-based line ranges covering continuations and heredoc bodies', () => {
    const s = scanDockerfile('# syntax=docker/dockerfile:1\n\nFROM scratch\nRUN a \\\n  b\nCOPY <<EOF /x\n1\nEOF\nUSER u\n');
    expect(s.instructions.map((i) => [i.keyword, i.startLine, i.endLine])).toEqual([
      ['FROM', 3, 3],
      ['RUN', 4, 5],
      ['COPY', 6, 8],
      ['USER', 9, 9],
    ]);
    expect(s.directives).toEqual([{ name: 'syntax', value: 'docker/dockerfile:1', line: 1 }]);
  });
});
