import { describe, expect, it } from 'vitest';
import { ComposeError, type LoadWarning } from './errors.js';
import { interpolateTree, InvalidTemplateError, MissingRequiredError, substitute } from './interpolate.js';

const env: Record<string, string> = { FOO: 'first', BAR: '', ZOT: 'zot', A: 'a', N: '2', YES: 'yes' };
const lookup = (k: string): string | undefined => env[k];
const sub = (t: string, onMissing?: (n: string) => void): string => substitute(t, lookup, onMissing);

describe('substitute', () => {
  it.each([
    ['$FOO', 'first'],
    ['${FOO}', 'first'],
    ['x${FOO}y', 'xfirsty'],
    // case 3: unbraced names stop at the first non-name char
    ['$FOO-bar', 'first-bar'],
    ['$FOO.bar', 'first.bar'],
    // case 1: escapes and lone dollars
    ['$${foo}', '${foo}'],
    ['$$FOO', '$FOO'],
    ['$', '$'],
    ['$}', '$}'],
    ['^REGEX$', '^REGEX$'],
    ['a $ b', 'a $ b'],
    ['$-', '$-'],
    // case 4: - vs :-
    ['${BAR-def}', ''],
    ['${BAR:-def}', 'def'],
    ['${UNSET-def}', 'def'],
    ['${UNSET:-def}', 'def'],
    ['${FOO:-def}', 'first'],
    // case 5: + and :+
    ['${FOO:+alt}', 'alt'],
    ['${FOO+alt}', 'alt'],
    ['${BAR:+alt}', ''],
    ['${BAR+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:+alt}', ''],
    // case 6: nesting
    ['${UNSET:-${UNSET2:-${UNSET3:-qix}}}', 'qix'],
    ['${UNSET:-${BAR:-x}_test_${BAR:-y}}', 'x_test_y'],
    ['${UNSET:-${FOO}}', 'first'],
    ['${UNSET:-a} and ${UNSET:-b}', 'a and b'],
    // case 7: the first operator wins
    ['${UNSET-myerror?msg}', 'myerror?msg'],
    ['${UNSET:-/non:-alphanumeric}', '/non:-alphanumeric'],
    ['${FOO?err}', 'first'],
    ['${BAR?err}', ''],
    // defaults may contain $$
    ['${UNSET:-$$x}', '$x'],
  ])('%s -> %s', (tpl, want) => {
    expect(sub(tpl)).toBe(want);
  });

  it.each(['${', '${}', '${ foo}', '${foo }', '${foo!}', 'x ${FOO', '${FOO:-bar', '${-x}'])(
    'rejects the invalid template %s (case 2)',
    (tpl) => {
      expect(() => sub(tpl)).toThrow(InvalidTemplateError);
      try {
        sub(tpl);
      } catch (err) {
        expect((err as InvalidTemplateError).template).toBe(tpl);
      }
    },
  );

  it('reports missing required variables with the interpolated message (case 8)', () => {
    expect(() => sub('${UNSET:?}')).toThrow('required variable UNSET is missing a value');
    expect(() => sub('${UNSET:?}')).toThrow(MissingRequiredError);
    expect(() => sub('${BAR:?need ${FOO}}')).toThrow('required variable BAR is missing a value: need first');
    expect(() => sub('${UNSET?oops}')).toThrow('required variable UNSET is missing a value: oops');
    expect(sub('${FOO:?x}')).toBe('first');
  });

  it('evaluates branches lazily: unused defaults never warn (case 9)', () => {
    const missing: string[] = [];
    expect(sub('${UNSET:+${UNSET},}B', (n) => missing.push(n))).toBe('B');
    expect(sub('${FOO:-${OTHER}}', (n) => missing.push(n))).toBe('first');
    expect(missing).toEqual([]);
    expect(sub('${UNSET:-${OTHER}}x', (n) => missing.push(n))).toBe('x');
    expect(missing).toEqual(['OTHER']);
  });

  it('reports unset variables without a default and yields an empty string', () => {
    const missing: string[] = [];
    expect(sub('a${UNSET}b$UNSET2', (n) => missing.push(n))).toBe('ab');
    expect(missing).toEqual(['UNSET', 'UNSET2']);
  });
});

describe('interpolateTree', () => {
  it('re-types values by path after interpolation (case 10) and accepts YAML 1.1 booleans with a warning (case 17)', () => {
    const warnings: LoadWarning[] = [];
    const doc = {
      services: {
        web: {
          scale: '${N}',
          init: 'yes',
          tty: '${YES}',
          image: 'img:${N}',
          ports: [{ target: '${N}0' }],
          environment: { X: '${N}' },
          cpus: '0.5',
          ulimits: { nofile: '${N}', nproc: { soft: '1', hard: '2' } },
        },
      },
      networks: { n: { external: 'true' } },
    };
    const out = interpolateTree(doc, { lookup, warnings }) as any;
    expect(out.services.web.scale).toBe(2);
    expect(out.services.web.init).toBe(true);
    expect(out.services.web.tty).toBe(true);
    expect(out.services.web.image).toBe('img:2');
    expect(out.services.web.ports[0].target).toBe(20);
    expect(out.services.web.environment.X).toBe('2');
    expect(out.services.web.cpus).toBe(0.5);
    expect(out.services.web.ulimits).toEqual({ nofile: 2, nproc: { soft: 1, hard: 2 } });
    expect(out.networks.n.external).toBe(true);
    expect(warnings.map((w) => w.message)).toEqual([
      '"yes" for boolean is not supported by YAML 1.2, please use `true`',
      '"yes" for boolean is not supported by YAML 1.2, please use `true`',
    ]);
  });

  it('never interpolates keys', () => {
    const out = interpolateTree({ services: { web: { labels: { $FOO: '$FOO' } } } }, { lookup }) as any;
    expect(out.services.web.labels).toEqual({ $FOO: 'first' });
  });

  it('warns once per missing variable, with its location', () => {
    const warnings: LoadWarning[] = [];
    interpolateTree(
      { services: { a: { image: '$MISSING' }, b: { image: '${MISSING}' } } },
      { lookup, warnings, file: '/p/compose.yaml', locate: () => ({ line: 3, column: 12 }) },
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toBe('The "MISSING" variable is not set. Defaulting to a blank string.');
    expect(warnings[0]!.location).toMatchObject({ file: '/p/compose.yaml', path: 'services.a.image', line: 3 });
  });

  it('names the file, the path and the position of an invalid template', () => {
    let err: unknown;
    try {
      interpolateTree(
        { services: { web: { ports: ['${'] } } },
        { lookup, file: '/p/compose.yaml', locate: (p) => (p.join('.') === 'services.web.ports.0' ? { line: 4, column: 9 } : undefined) },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ComposeError);
    expect((err as ComposeError).message).toBe(
      '/p/compose.yaml:4:9: invalid interpolation format for services.web.ports.0: "${": you may need to escape any $ with another $',
    );
    expect((err as ComposeError).location).toMatchObject({ file: '/p/compose.yaml', path: 'services.web.ports.0', line: 4, column: 9 });
  });

  it('fails on values that cannot be re-typed', () => {
    expect(() => interpolateTree({ services: { web: { scale: 'x${N}' } } }, { lookup })).toThrow(
      'error while interpolating services.web.scale: failed to cast to expected type: strconv.Atoi: parsing "x2": invalid syntax',
    );
    expect(() => interpolateTree({ services: { web: { init: 'maybe' } } }, { lookup })).toThrow('invalid boolean: maybe');
  });

  it('reports required variables with their path', () => {
    expect(() => interpolateTree({ services: { web: { image: '${UNSET:?set it}' } } }, { lookup })).toThrow(
      'error while interpolating services.web.image: required variable UNSET is missing a value: set it',
    );
  });
});
