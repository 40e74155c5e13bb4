/**
 * Paths into a raw compose document (`['services', 'web', 'ports', '0']`) and patterns over them
 * (`services.*.ports`), as compose-go's tree.Path: `*` matches any one key or list index.
 */

/** A path in a raw document: map keys and list indexes (as strings). */
export type TreePath = readonly string[];

/** A compiled pattern: its segments, `*` matching any one segment. */
export type PathPattern = readonly string[];

/** `services.*.ports` -> ['services', '*', 'ports']. */
export function pattern(text: string): PathPattern {
  return text.split('.');
}

/** True when `path` has as many segments as `pat` and each matches. */
export function matches(path: TreePath, pat: PathPattern): boolean {
  if (path.length !== pat.length) return false;
  for (let i = 0; i < pat.length; i++) {
    if (pat[i] !== '*' && pat[i] !== path[i]) return false;
  }
  return true;
}

/** The first entry of `table` whose pattern matches `path`. */
export function lookupPattern<T>(table: ReadonlyArray<readonly [PathPattern, T]>, path: TreePath): T | undefined {
  for (const [pat, v] of table) if (matches(path, pat)) return v;
  return undefined;
}

/** `services.web.ports.0`: how paths appear in messages. */
export function formatPath(path: TreePath): string {
  return path.join('.');
}

/** A raw YAML mapping, as the loader handles it before conversion into the typed model. */
export type RawMap = Record<string, unknown>;

export function isMap(v: unknown): v is RawMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
