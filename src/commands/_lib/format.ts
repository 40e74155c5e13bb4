/**
 * `--format` for every listing and inspect command, as docker/cli renders it (cli/command/formatter and
 * cli/command/inspect):
 *
 * - listings: no format or `table` gives the command's default table; `table <template>` a table whose header row
 *   is the template executed over the column names; `json` one JSON object per line (keys sorted, as Docker
 *   marshals its listing contexts); anything else the template once per item, each followed by a newline. Tables
 *   go through the tabwriter with Docker's layout. `\t` and `\n` written literally in the format become a tab and
 *   a newline.
 * - inspect: no format gives an indented JSON array (`[]` when empty); `json` a compact JSON array on one line;
 *   a template is executed per object, each followed by a newline.
 *
 * Failures are `invalid-argument` errors worded as Docker's: `template parsing error: template: :1:2: ...`.
 */
import { invalidArgument, type EngineError } from '../../engine/errdefs.js';
import { goJson, goMap, goStruct, headerFuncs, parseTemplate, TemplateError, type Template } from '../../util/gotemplate/index.js';
import { tabwrite } from '../../util/tabwriter.js';

/** What `ps` prints on stderr when both `--quiet` and a custom `--format` are given (the quiet output wins). */
export const IGNORING_CUSTOM_FORMAT_WARNING = 'WARNING: Ignoring custom format, because both --format and --quiet are set.';

/** Docker's wording for a template that does not parse or execute. */
export function templateParsingError(err: unknown, exitCode?: number): EngineError {
  const msg = err instanceof Error ? err.message : String(err);
  return invalidArgument(`template parsing error: ${msg}`, exitCode === undefined ? { cause: err } : { cause: err, exitCode });
}

/**
 * Parses a user's `--format` template (Docker's functions included), failing with Docker's wording. Use it to
 * validate a format before doing expensive work.
 */
export function parseFormat(text: string, opts: { exitCode?: number } = {}): Template {
  try {
    return parseTemplate(text);
  } catch (e) {
    if (e instanceof TemplateError) throw templateParsingError(e, opts.exitCode);
    throw e;
  }
}

/** Docker's preprocessing of a listing format (formatter.Format.templateString). */
export function listingTemplateText(format: string): string {
  if (format === 'table') return '';
  if (format === 'json') return '{{json .}}';
  let out = format.startsWith('table') ? format.slice('table'.length) : format;
  out = out.replace(/^ +| +$/g, '');
  return out.replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
}

export interface ListingOptions<T> {
  /** The user's `--format` (undefined or empty for the default). */
  readonly format?: string;
  readonly quiet?: boolean;
  /** The command's default, e.g. `'table {{.ID}}\t{{.Image}}\t{{.Names}}'`. */
  readonly defaultFormat: string;
  /**
   * Column headers by field, as the command's Docker header context has them (`ID` -> `CONTAINER ID`). A field
   * missing here prints `<no value>` in the header row, as in Docker.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** What `-q` prints per item (usually the ID, truncated unless `--no-trunc`). */
  readonly quietField: (item: T) => string;
  /**
   * When both `-q` and a custom `--format` are given, `-q` wins (docker ps, which also warns with
   * {@link IGNORING_CUSTOM_FORMAT_WARNING}). By default the format wins (docker images, network ls, volume ls).
   */
  readonly quietOverridesFormat?: boolean;
}

/** How a listing will be rendered, decided from the flags alone. */
export interface ListingPlan {
  /** Only the quiet field per item. */
  readonly quiet: boolean;
  /** The template text after Docker's preprocessing (`table` prefix removed, `\t` expanded); '' when quiet. */
  readonly template: string;
  readonly table: boolean;
}

/** Decides quiet/table/template from `--format` and `-q` the way Docker's New<Object>Format functions do. */
export function planListing(opts: Pick<ListingOptions<unknown>, 'format' | 'quiet' | 'defaultFormat' | 'quietOverridesFormat'>): ListingPlan {
  const format = opts.format ?? '';
  const isDefault = format === '' || format === 'table';
  if (opts.quiet === true && (isDefault || opts.quietOverridesFormat === true)) return { quiet: true, template: '', table: false };
  const chosen = isDefault ? opts.defaultFormat : format;
  return { quiet: false, template: listingTemplateText(chosen), table: chosen.startsWith('table') };
}

/**
 * Names of the fields a listing's format reads (for commands that compute costly columns only when shown, as ps
 * does with `.Size`). Throws Docker's "template parsing error" for a bad format.
 */
export function listingFieldsUsed(opts: Pick<ListingOptions<unknown>, 'format' | 'quiet' | 'defaultFormat' | 'quietOverridesFormat'>): Set<string> {
  const plan = planListing(opts);
  if (plan.quiet) return new Set();
  return parseFormat(plan.template).fieldsUsed();
}

/**
 * The object a listing row's template sees: the item's own properties in sorted order (so `{{json .}}` lists keys
 * sorted, as Docker's context MarshalJSON does), marked as a struct (a missing field is an error). Methods on the
 * item (`Label(name)`) stay callable. Class instances are used as they are.
 */
function listingContext(item: unknown): unknown {
  if (item === null || typeof item !== 'object') return item;
  const proto = Object.getPrototypeOf(item) as unknown;
  if (proto !== Object.prototype && proto !== null) return item;
  const ctx: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(item).sort()) {
    const d = Object.getOwnPropertyDescriptor(item, k);
    const v = (item as Record<string, unknown>)[k];
    if (d?.enumerable === true) ctx[k] = v;
    else if (typeof v === 'function') Object.defineProperty(ctx, k, { value: v, enumerable: false });
  }
  return goStruct(ctx, 'formatter.Context');
}

/**
 * Docker's header context (formatter.SubHeaderContext): a map of field -> column name, with a `Label` method so
 * `{{.Label "com.example.vendor"}}` heads its column `vendor` (the last dotted part, `-` and `_` as spaces).
 */
function headerContext(headers: Readonly<Record<string, string>>): unknown {
  const ctx: Record<string, unknown> = { ...headers };
  Object.defineProperty(ctx, 'Label', {
    enumerable: false,
    value: (name: unknown) => {
      const parts = String(name).split('.');
      return (parts[parts.length - 1] ?? '').replace(/[-_]/g, ' ');
    },
  });
  return goMap(ctx);
}

/** Renders a listing (ps, images, network ls, volume ls, ...) as Docker would; the result ends with a newline. */
export function formatListing<T>(items: readonly T[], opts: ListingOptions<T>): string {
  const plan = planListing(opts);
  if (plan.quiet) return items.map((i) => `${opts.quietField(i)}\n`).join('');
  const tmpl = parseFormat(plan.template);
  const rows: string[] = [];
  for (const item of items) {
    const r = tmpl.executePartial(listingContext(item));
    if (r.error !== undefined) throw templateParsingError(r.error);
    rows.push(r.output, '\n');
  }
  if (!plan.table) return rows.join('');
  // The header row: the same template over the column names, with functions that leave names intact. Docker
  // ignores a failure here and keeps what was written before it.
  const header = tmpl.executePartial(headerContext(opts.headers), { funcs: headerFuncs }).output;
  return tabwrite(`${header}\n${rows.join('')}`);
}

export interface InspectResult {
  /** Text for stdout (always ends with a newline). */
  readonly output: string;
  /** One error per object the template failed on; Docker prints them and exits 1, after the output. */
  readonly errors: EngineError[];
}

/**
 * Renders inspect output as Docker does, one result per object. A template parse error is thrown (Docker exits
 * 64 for it; the error carries that exit code). When a template fails on an object, it is tried again on the
 * object's raw JSON view (every object a map, a missing key an error), as Docker falls back to the raw API
 * response; if that fails too, the error is reported and the other objects are still printed.
 */
export function renderInspect(items: readonly unknown[], format?: string): InspectResult {
  if (format === undefined || format === '') {
    if (items.length === 0) return { output: '[]\n', errors: [] };
    return { output: `${goJson(items, { indent: '    ' })}\n`, errors: [] };
  }
  if (format === 'json') {
    if (items.length === 0) return { output: '[]\n', errors: [] };
    return { output: `${goJson(items)}\n`, errors: [] };
  }
  const tmpl = parseFormat(format, { exitCode: 64 });
  let output = '';
  const errors: EngineError[] = [];
  for (const item of items) {
    let r = tmpl.executePartial(item);
    if (r.error !== undefined) r = tmpl.executePartial(item, { rawMaps: true, missingKey: 'error' });
    if (r.error !== undefined) {
      errors.push(templateParsingError(r.error));
      continue;
    }
    output += `${r.output}\n`;
  }
  return { output: output === '' ? '\n' : output, errors };
}

/**
 * {@link renderInspect} for callers that stop at the first failure: returns the output, or throws the first
 * template error.
 */
export function formatInspect(items: readonly unknown[], format?: string): string {
  const r = renderInspect(items, format);
  if (r.errors.length > 0) throw r.errors[0]!;
  return r.output;
}
