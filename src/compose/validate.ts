/**
 * Validation of compose documents against the Compose Specification's JSON schema (schema/compose-spec.json,
 * vendored; see schema/README.md), with ajv. Errors are worded as compose-go words them (it validates with
 * santhosh-tekuri/jsonschema and reports the most specific error):
 *
 *   services.web additional properties 'foo' not allowed
 *   services.web.ports.0 must be a number
 *   services.web.environment.FOO must be a boolean, null, number or string
 *   services.w.depends_on.a.condition value must be one of 'service_started', ...
 *
 * and prefixed with `validating <file>:<line>:<column>:` so the user sees where the offending key is.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { composeError, type ComposeLocation } from './errors.js';
import type { RawMap, TreePath } from './tree-path.js';
// The schema compiled ahead of time (schema/generate-validator.mjs): compiling it with ajv at run time cost about
// a second of CPU on every compose command. A static import, so the bundler inlines it.
import compiledValidator from './schema/compose-spec-validate.js';

function validator(): ValidateFunction {
  return compiledValidator;
}

/** One schema violation: the document path (`services.web.ports.0`) and compose-go's wording of the problem. */
export interface SchemaViolation {
  path: TreePath;
  /** The full message: `<dotted path> <problem>`. */
  message: string;
}

function decodePointer(p: string): string[] {
  if (p === '') return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function humanType(types: string[]): string {
  const names = types.map((t) => (t === 'object' ? 'mapping' : t));
  if (names.length === 1) return names[0]!;
  names.sort();
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

const quote = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function describe(err: ErrorObject, siblings: ErrorObject[]): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'type': {
      const t = p.type;
      return `must be a ${humanType(Array.isArray(t) ? (t as string[]) : String(t).split(','))}`;
    }
    case 'additionalProperties': {
      const names = siblings
        .filter((e) => e.keyword === 'additionalProperties' && e.instancePath === err.instancePath)
        .map((e) => quote((e.params as { additionalProperty: string }).additionalProperty));
      return `additional properties ${[...new Set(names)].join(', ')} not allowed`;
    }
    case 'required': {
      const names = siblings
        .filter((e) => e.keyword === 'required' && e.instancePath === err.instancePath)
        .map((e) => quote((e.params as { missingProperty: string }).missingProperty));
      const uniq = [...new Set(names)];
      return `missing ${uniq.length === 1 ? 'property' : 'properties'} ${uniq.join(', ')}`;
    }
    case 'enum':
      return `value must be one of ${(p.allowedValues as unknown[]).map(quote).join(', ')}`;
    case 'const':
      return `value must be ${quote(p.allowedValue)}`;
    case 'pattern':
      return `${quote(String(siblingValue(err)))} does not match pattern ${quote(p.pattern)}`;
    case 'minimum':
      return `must be greater than or equal to ${String(p.limit)}`;
    case 'maximum':
      return `must be less than or equal to ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(p.limit)}`;
    case 'minItems':
      return `minItems: want ${String(p.limit)}`;
    case 'maxItems':
      return `maxItems: want ${String(p.limit)}`;
    case 'minLength':
      return `minLength: want ${String(p.limit)}`;
    case 'uniqueItems':
      return `items at ${String(p.j)} and ${String(p.i)} are equal`;
    case 'format':
      return `is not valid ${String(p.format)}`;
    case 'minProperties':
      return `minProperties: want ${String(p.limit)}`;
    case 'oneOf':
      return 'oneOf failed, none matched';
    case 'anyOf':
      return 'anyOf failed, none matched';
    case 'not':
      return 'not failed';
    default:
      return err.message ?? 'is invalid';
  }
}

function siblingValue(err: ErrorObject): unknown {
  return (err as ErrorObject & { data?: unknown }).data;
}

/**
 * compose-go's getMostSpecificError: deepest instance path; additionalProperties counts one deeper; first wins.
 * One refinement: at equal depth a non-`type` error beats a `type` error, so a mapping missing a required key in a
 * "string or mapping" field says `missing property 'x'` rather than `must be a string`.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const combinators = new Set(['oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else']);
  const candidates = errors.filter((e) => !combinators.has(e.keyword));
  const pool = candidates.length > 0 ? candidates : errors;
  let best = pool[0]!;
  let bestScore = -1;
  for (const e of pool) {
    const depth =
      (decodePointer(e.instancePath).length + (e.keyword === 'additionalProperties' ? 1 : 0)) * 2 +
      (e.keyword === 'type' ? 0 : 1);
    if (depth > bestScore) {
      best = e;
      bestScore = depth;
    }
  }
  return best;
}

/** The most specific schema violation of a raw document, or `undefined` when it is valid. */
export function schemaViolation(content: RawMap): SchemaViolation | undefined {
  const validate = validator();
  // ajv sees JSON: undefined values are dropped as compose-go's JSON round trip drops them
  const data = JSON.parse(JSON.stringify(content)) as unknown;
  if (validate(data)) return undefined;
  const errors = validate.errors ?? [];
  if (errors.length === 0) return undefined;
  const err = mostSpecific(errors);
  const path = decodePointer(err.instancePath);
  const text = describe(err, errors);
  let where: string[] = path;
  if (err.keyword === 'additionalProperties') {
    where = [...path, (err.params as { additionalProperty: string }).additionalProperty];
  }
  return { path: where, message: path.length === 0 ? text : `${path.join('.')} ${text}` };
}

/**
 * Validates one raw document.
 * @throws ComposeError `validating <file>:<line>:<col>: <path> <problem>`; `location.path` is the offending node
 * (for an unknown key, the key itself).
 */
export function validateDocument(
  content: RawMap,
  file: string,
  locate?: (path: TreePath) => ComposeLocation | undefined,
): void {
  const v = schemaViolation(content);
  if (v === undefined) return;
  const loc: ComposeLocation = { file, path: v.path.join('.'), ...locate?.(v.path) };
  throw composeError(v.message, loc, 'validating');
}
