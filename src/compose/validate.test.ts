import { describe, expect, it } from 'vitest';
import { ComposeError } from './errors.js';
import { parseComposeFile } from './load.js';
import { schemaViolation, validateDocument } from './validate.js';

function check(yaml: string): ComposeError | undefined {
  const [doc] = parseComposeFile(yaml, '/p/compose.yaml');
  try {
    validateDocument(doc!.content, doc!.file, doc!.locate);
  } catch (e) {
    return e as ComposeError;
  }
  return undefined;
}

describe('validateDocument', () => {
  it('accepts a valid document', () => {
    expect(check('name: x\nservices:\n  web:\n    image: nginx\n    ports: ["80:80", 443]\nx-foo: 1\n')).toBeUndefined();
  });

  it('names the file, line, column and path of an unknown key', () => {
    const err = check('services:\n  web:\n    image: nginx\n    foo: 1\n');
    expect(err?.message).toBe("validating /p/compose.yaml:4:5: services.web additional properties 'foo' not allowed");
    expect(err?.location).toEqual({ file: '/p/compose.yaml', path: 'services.web.foo', line: 4, column: 5 });
    expect(err?.code).toBe('invalid-argument');
  });

  it('reports an unknown top-level key', () => {
    expect(check('services: {}\nhelicopters: 1\n')?.message).toBe(
      "validating /p/compose.yaml:2:1: additional properties 'helicopters' not allowed",
    );
  });

  it.each([
    ['services:\n  foo:\n    image: 1\n', 'services.foo.image must be a string'],
    ['services: []\n', 'services must be a mapping'],
    ['services:\n  foo: 1\n', 'services.foo must be a mapping'],
    ['services:\n  foo:\n    environment:\n      FOO: [1]\n', 'services.foo.environment.FOO must be a boolean, null, number or string'],
    ['services:\n  foo:\n    environment: x\n', 'services.foo.environment must be a mapping'],
    ['services:\n  foo:\n    ports: [true]\n', 'services.foo.ports.0 must be a number'],
    ['name: 123\nservices: {}\n', 'name must be a string'],
    [
      'services:\n  w:\n    depends_on:\n      a:\n        condition: bogus\n',
      "services.w.depends_on.a.condition value must be one of 'service_started', 'service_healthy', 'service_completed_successfully'",
    ],
    ['services:\n  "bad name":\n    image: x\n', "services additional properties 'bad name' not allowed"],
    ['services:\n  w:\n    volumes:\n      - target: /x\n', "services.w.volumes.0 missing property 'type'"],
    ['services:\n  w:\n    extends: {file: x}\n', "services.w.extends missing property 'service'"],
  ])('%s -> %s', (yaml, want) => {
    expect(schemaViolation(parseComposeFile(yaml, 'f')[0]!.content)?.message).toBe(want);
  });

  it('locates a mistyped list item', () => {
    const err = check('services:\n  web:\n    image: x\n    ports:\n      - 80\n      - true\n');
    expect(err?.message).toBe('validating /p/compose.yaml:6:9: services.web.ports.1 must be a number');
  });
});
