import { describe, expect, it } from 'vitest';
import { ComposeError } from './errors.js';
import { parseComposeFile } from './load.js';

const F = '/p/compose.yaml';

describe('parseComposeFile', () => {
  it('returns one raw document per --- document (case 16)', () => {
    const docs = parseComposeFile('services:\n  a:\n    image: x\n---\nservices:\n  a:\n    image: y\n', F);
    expect(docs.map((d) => d.content)).toEqual([{ services: { a: { image: 'x' } } }, { services: { a: { image: 'y' } } }]);
    expect(docs[1]!.index).toBe(1);
  });

  it('resolves anchors and merge keys, explicit keys winning', () => {
    const [doc] = parseComposeFile(
      'x-base: &base\n  image: b\n  environment: {A: "1"}\nservices:\n  a:\n    <<: *base\n    image: mine\n  b: *base\n',
      F,
    );
    expect(doc!.content.services).toEqual({
      a: { image: 'mine', environment: { A: '1' } },
      b: { image: 'b', environment: { A: '1' } },
    });
  });

  it('records !reset (dropping the value) and !override (keeping it)', () => {
    const [doc] = parseComposeFile('services:\n  a:\n    ports: !reset []\n    command: !override [x]\n    labels:\n      - !reset a=b\n', F);
    expect(doc!.content).toEqual({ services: { a: { command: ['x'], labels: [] } } });
    expect(doc!.resetPaths).toEqual([
      ['services', 'a', 'ports'],
      ['services', 'a', 'command'],
      ['services', 'a', 'labels', '0'],
    ]);
  });

  it('keeps YAML 1.2 scalars but reads 0644 as octal like go-yaml', () => {
    const [doc] = parseComposeFile('a: 0644\nb: "0644"\nc: yes\nd: 0o17\ne: ~\nf: 1.5\n', F);
    expect(doc!.content).toEqual({ a: 420, b: '0644', c: 'yes', d: 15, e: null, f: 1.5 });
  });

  it('locates keys and list items by line and column', () => {
    const [doc] = parseComposeFile('services:\n  web:\n    image: x\n    ports:\n      - "80"\n', F);
    expect(doc!.locate(['services', 'web', 'image'])).toEqual({ line: 3, column: 5 });
    expect(doc!.locate(['services', 'web', 'ports', '0'])).toEqual({ line: 5, column: 9 });
    expect(doc!.locate(['services', 'web', 'nope'])).toEqual({ line: 2, column: 3 });
  });

  it('reports syntax errors with file, line and column', () => {
    let err: unknown;
    try {
      parseComposeFile('services:\n  web:\n    image: a: b\n', F);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ComposeError);
    expect((err as ComposeError).message).toMatch(/^failed to parse \/p\/compose\.yaml:3:\d+: /);
    expect((err as ComposeError).location.line).toBe(3);
  });

  it('refuses duplicate keys like compose-go', () => {
    expect(() => parseComposeFile('services:\n  a:\n    image: x\n    image: y\n', F)).toThrow(
      '/p/compose.yaml:4:5: mapping key "image" already defined at line 3',
    );
  });

  it('refuses a top level that is not a mapping and non-string keys', () => {
    expect(() => parseComposeFile('- a\n', F)).toThrow('top-level object must be a mapping');
    expect(() => parseComposeFile('services:\n  1: {}\n', F)).toThrow('non-string key in services: 1');
  });

  it('accepts an empty file as one empty document', () => {
    expect(parseComposeFile('', F).map((d) => d.content)).toEqual([{}]);
  });
});
