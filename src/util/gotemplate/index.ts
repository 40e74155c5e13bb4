/**
 * Go's text/template for Docker-compatible `--format` strings, in TypeScript.
 *
 * Why not an npm package: the candidates on npm (checked 2026-11) do not fit. `@ctrl/golang-template` is a small
 * regex-based subset (no pipelines, printf, range variables, parenthesised pipelines or Go error messages);
 * `@mdfriday/text-template` is a close port but UNLICENSED, proprietary and shipped minified/obfuscated;
 * `@evertdespiegeleer/go-template` runs Go's real engine compiled to a 5 MB WebAssembly module behind an async API,
 * too heavy for `ps`'s start-up and unable to call methods on JavaScript data. So this is a small, dependency-free
 * implementation of the subset Docker users write, checked against Docker's own output.
 *
 * Supported: `{{.Field.Sub}}`, map keys, methods with arguments on the data (functions on objects), variables
 * (`$x := ...`, `$x = ...`, `$`), pipelines, parenthesised pipelines, `if`/`else if`/`else`, `with`/`else with`,
 * `range` (slices, maps in key order, integers; `$i, $v :=`; `break`, `continue`, `else`), `define`/`template`/
 * `block`, trim markers, comments, all literals; Go's builtins (`and or not len index slice print printf println
 * eq ne lt le gt ge html js urlquery call`) and Docker's (`json split join title lower upper pad truncate`).
 * See values.ts for how JavaScript values play Go values.
 *
 * Known differences from Go: numbers are not split into int and float types for comparisons and float verbs
 * (`eq 1 1.0` is true, `printf "%.1f" 2` prints `2.0`); a nil pointer inside the data reads as an empty map
 * instead of failing; complex numbers are not supported.
 */
import { EngineError } from '../../engine/errdefs.js';
import { execute, TemplateExecError } from './exec.js';
import { builtinFuncs, dockerFuncs, toGoFunc, type FuncMap, type GoFunc } from './funcs.js';
import { parse, TemplateParseError, type ArgNode, type ListNode, type Node, type ParsedTemplate, type PipeNode } from './parse.js';

export { goMap, goStruct } from './values.js';
export { goJson, type GoJsonOptions } from './json.js';
export { formatValue, sprint, sprintf, sprintln, quote, formatFloat } from './fmt.js';
export { headerFuncs, dockerJson, type FuncMap, type GoFunc, type ParamType } from './funcs.js';

/**
 * A template that failed to parse or execute. Class `invalid-argument`; the message is Go's own
 * (`template: :1: unclosed action`), so callers add Docker's prefix (`template parsing error: `) themselves.
 */
export class TemplateError extends EngineError {
  readonly phase: 'parse' | 'exec';
  constructor(phase: 'parse' | 'exec', message: string, cause?: unknown) {
    super('invalid-argument', message, cause === undefined ? {} : { cause });
    this.name = 'TemplateError';
    this.phase = phase;
  }
}

export interface TemplateOptions {
  /** Extra functions, or replacements of Docker's and Go's (checked at parse time like Go's Funcs). */
  readonly funcs?: FuncMap;
  /** The template's name in messages (`template: <name>:1: ...`); Docker's is empty. */
  readonly name?: string;
  /** Leave out Docker's functions (plain Go text/template). */
  readonly noDockerFuncs?: boolean;
}

export interface ExecuteOptions {
  /** Replacement implementations for this execution (same names as at parse time), e.g. {@link headerFuncs}. */
  readonly funcs?: FuncMap;
  /** Go's `missingkey`: `default` prints `<no value>` for a missing map key, `error` fails. */
  readonly missingKey?: 'default' | 'error';
  /** Treat every plain object as a map, as Docker does when it falls back to an object's raw JSON. */
  readonly rawMaps?: boolean;
}

/** A parsed template, reusable across executions. */
export class Template {
  readonly text: string;
  private readonly tree: ParsedTemplate;
  private readonly funcs: ReadonlyMap<string, GoFunc>;
  private readonly name: string;

  constructor(text: string, tree: ParsedTemplate, funcs: ReadonlyMap<string, GoFunc>, name: string) {
    this.text = text;
    this.tree = tree;
    this.funcs = funcs;
    this.name = name;
  }

  /** Executes over `data`; throws {@link TemplateError} (phase `exec`) on failure. */
  execute(data: unknown, opts: ExecuteOptions = {}): string {
    const r = this.executePartial(data, opts);
    if (r.error !== undefined) throw r.error;
    return r.output;
  }

  /** Executes over `data`; on failure returns what was written before the error, as Go leaves it in its writer. */
  executePartial(data: unknown, opts: ExecuteOptions = {}): { output: string; error?: TemplateError } {
    let funcs = this.funcs;
    if (opts.funcs !== undefined) {
      const m = new Map(this.funcs);
      for (const [k, f] of Object.entries(opts.funcs)) m.set(k, toGoFunc(f));
      funcs = m;
    }
    const r = execute(this.tree, data, {
      funcs,
      lazyLogic: funcs.get('and') === builtinFuncs.and && funcs.get('or') === builtinFuncs.or,
      missingKey: opts.missingKey ?? 'default',
      rawMaps: opts.rawMaps ?? false,
      name: this.name,
    });
    if (r.error === undefined) return { output: r.output };
    return { output: r.output, error: new TemplateError('exec', r.error.message) };
  }

  /**
   * Names of the fields the template reads from its data (`{{.Size}}`, `{{$.Size}}`, `{{with .State}}` → `State`),
   * for commands that compute costly fields only when asked (Docker's ps and `.Size`). Over-approximates.
   */
  fieldsUsed(): Set<string> {
    const out = new Set<string>();
    const visitArg = (a: ArgNode): void => {
      switch (a.kind) {
        case 'field':
          if (a.ident[0] !== undefined) out.add(a.ident[0]);
          break;
        case 'variable':
          if (a.ident[0] === '$' && a.ident[1] !== undefined) out.add(a.ident[1]);
          break;
        case 'chain':
          visitArg(a.node);
          break;
        case 'pipe':
          visitPipe(a);
          break;
        default:
          break;
      }
    };
    const visitPipe = (p: PipeNode): void => {
      for (const c of p.cmds) for (const a of c.args) visitArg(a);
    };
    const visit = (n: Node | ListNode): void => {
      switch (n.kind) {
        case 'list':
          n.nodes.forEach(visit);
          break;
        case 'action':
          visitPipe(n.pipe);
          break;
        case 'if':
        case 'with':
        case 'range':
          visitPipe(n.pipe);
          visit(n.list);
          if (n.elseList !== undefined) visit(n.elseList);
          break;
        case 'template':
          if (n.pipe !== undefined) visitPipe(n.pipe);
          break;
        default:
          break;
      }
    };
    visit(this.tree.root);
    for (const d of this.tree.defined.values()) visit(d);
    return out;
  }
}

/** Parses `text` with Go's builtins and Docker's functions; throws {@link TemplateError} (phase `parse`). */
export function parseTemplate(text: string, opts: TemplateOptions = {}): Template {
  const funcs = new Map<string, GoFunc>(Object.entries(builtinFuncs));
  if (opts.noDockerFuncs !== true) for (const [k, f] of Object.entries(dockerFuncs)) funcs.set(k, f);
  if (opts.funcs !== undefined) for (const [k, f] of Object.entries(opts.funcs)) funcs.set(k, toGoFunc(f));
  const name = opts.name ?? '';
  try {
    return new Template(text, parse(text, (n) => funcs.has(n), name), funcs, name);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new TemplateError('parse', e.message);
    throw e;
  }
}

/** Parses and executes in one step. */
export function renderTemplate(text: string, data: unknown, opts: TemplateOptions & ExecuteOptions = {}): string {
  return parseTemplate(text, opts).execute(data, { missingKey: opts.missingKey, rawMaps: opts.rawMaps });
}

export { TemplateExecError, TemplateParseError };
