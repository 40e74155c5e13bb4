import type { Spec } from './types.js';

// JSON has no bigint; a marker string that cannot occur in a valid spec (NUL is refused by runc in every string
// field) stands in for each bigint and is turned back into a bare number after stringify.
const marker = '\u0000bigint:';
const markerRe = /"\\u0000bigint:(\d+)"/g;

/**
 * The spec as config.json text. Unlike `JSON.stringify`, writes bigint fields (rlimits at RLIM_INFINITY,
 * 18446744073709551615) as exact JSON numbers, which Go's decoder needs for uint64 fields.
 */
export function serializeSpec(spec: Spec, indent?: number): string {
  const text = JSON.stringify(
    spec,
    (_key, value: unknown) => (typeof value === 'bigint' ? `${marker}${value.toString()}` : value),
    indent,
  );
  return text.replace(markerRe, '$1');
}
