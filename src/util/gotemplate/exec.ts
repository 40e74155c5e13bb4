/**
 * Executor for parsed templates: walks the tree over JavaScript data following text/template's exec.go rules
 * (field and method lookup, pipelines, variables, Go truth, range over slices, maps and integers), with Go's
 * error wording: `template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type struct`.
 */
import { formatValue } from './fmt.js';
import type { GoFunc, ParamType } from './funcs.js';
import { nodeString, type ArgNode, type BranchNode, type CommandNode, type ListNode, type Node, type ParsedTemplate, type PipeNode } from './parse.js';
import { byteLength, isTrue, kindOf, lookupProperty, sortedMapEntries, typeName } from './values.js';

/** An execution failure; the message is Go's. */
export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

export interface ExecOptions {
  readonly funcs: ReadonlyMap<string, GoFunc>;
  /** The builtin `and`/`or` are lazy; a replacement of the same name is not. */
  readonly lazyLogic: boolean;
  /** Go's `missingkey` option: `default` prints `<no value>`, `error` fails on a missing map key. */
  readonly missingKey: 'default' | 'error';
  /** Every plain object is a map (Docker's fallback to the raw JSON of an object). */
  readonly rawMaps: boolean;
  readonly name: string;
}

const MISSING = Symbol('missing');
type Value = unknown;

class Break {}
class Continue {}
const BREAK = new Break();
const CONTINUE = new Continue();

const MAX_DEPTH = 1000;

type ErrNode = ArgNode | CommandNode | PipeNode | Node | ListNode;

class State {
  readonly out: string[] = [];
  private vars: { name: string; value: Value }[] = [];
  private node: ErrNode | undefined;
  private depth = 0;
  private readonly tmpl: ParsedTemplate;
  private readonly opts: ExecOptions;

  constructor(tmpl: ParsedTemplate, opts: ExecOptions, data: Value) {
    this.tmpl = tmpl;
    this.opts = opts;
    this.vars.push({ name: '$', value: data });
  }

  // ---- errors -------------------------------------------------------------------------------------------

  private at(node: ErrNode): void {
    this.node = node;
  }

  errorf(msg: string): never {
    const name = this.opts.name;
    if (this.node === undefined) throw new TemplateExecError(`template: ${name}: ${msg}`);
    const text = this.tmpl.text;
    const pos = this.node.pos;
    const before = text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = byteLength(before.slice(nl + 1));
    throw new TemplateExecError(`template: ${name}:${line}:${col}: executing ${JSON.stringify(name)} at <${contextString(this.node)}>: ${msg}`);
  }

  // ---- variables ----------------------------------------------------------------------------------------

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: Value): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: Value): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.errorf(`undefined variable: ${name}`);
  }

  // ---- walking ------------------------------------------------------------------------------------------

  walk(dot: Value, node: Node | ListNode): void {
    this.at(node);
    switch (node.kind) {
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.mark();
        try {
          const val = this.evalPipeline(dot, node.pipe);
          if (isTrue(val)) this.walk(node.kind === 'with' ? val : dot, node.list);
          else if (node.elseList !== undefined) this.walk(dot, node.elseList);
        } finally {
          this.pop(mark);
        }
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'template': {
        const t = this.tmpl.defined.get(node.name);
        if (t === undefined) return this.errorf(`template ${JSON.stringify(node.name)} not defined`);
        if (this.depth >= MAX_DEPTH) return this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
        const newDot = node.pipe === undefined ? undefined : this.evalPipeline(dot, node.pipe);
        const saved = this.vars;
        this.vars = [{ name: '$', value: newDot }];
        this.depth++;
        try {
          this.walk(newDot, t);
        } finally {
          this.depth--;
          this.vars = saved;
        }
        return;
      }
    }
  }

  private walkRange(dot: Value, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const declCount = r.pipe.decl.length;
      const oneIteration = (index: Value, elem: Value): boolean => {
        if (declCount > 0) this.setTopVar(1, elem);
        if (declCount > 1) this.setTopVar(2, index);
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      const kind = kindOf(val, this.opts.rawMaps);
      let ran = false;
      switch (kind) {
        case 'slice':
          for (const [i, e] of (val as Value[]).entries()) {
            ran = true;
            if (!oneIteration(i, e)) break;
          }
          break;
        case 'map':
          for (const [k, v] of sortedMapEntries(val)) {
            ran = true;
            if (!oneIteration(k, v)) break;
          }
          break;
        case 'int': {
          if (declCount > 1) return this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
          const n = Number(val);
          for (let i = 0; i < n; i++) {
            ran = true;
            if (!oneIteration(i, i)) break;
          }
          break;
        }
        case 'invalid':
        case 'nil':
          break;
        default:
          return this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && r.elseList !== undefined) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private printValue(node: Node, v: Value): void {
    this.at(node);
    if (v === undefined) {
      this.out.push('<no value>');
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${contextString(node)} of type func`);
    this.out.push(formatValue(v));
  }

  // ---- evaluation ---------------------------------------------------------------------------------------

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Value = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d.name, value);
      else this.push(d.name, value);
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[], final: Value): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Value): Value {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        this.at(first);
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
      default:
        break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  /** A number literal where no type is known: Go rejects integers beyond int64. */
  private idealConstant(n: Extract<ArgNode, { kind: 'number' }>): Value {
    this.at(n);
    if (n.overflows === true) this.errorf(`${n.text} overflows int`);
    return n.value;
  }

  private evalChainNode(dot: Value, chain: Extract<ArgNode, { kind: 'chain' }>, args: readonly ArgNode[], final: Value): Value {
    this.at(chain);
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Value, v: Extract<ArgNode, { kind: 'variable' }>, args: readonly ArgNode[], final: Value): Value {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args.length === 0 ? [v] : args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: Value, receiver: Value, node: ArgNode, ident: readonly string[], args: readonly ArgNode[], final: Value): Value {
    const n = ident.length;
    let r = receiver;
    for (let i = 0; i < n - 1; i++) r = this.evalField(dot, ident[i]!, node, [], MISSING, r);
    return this.evalField(dot, ident[n - 1]!, node, args, final, r);
  }

  private evalFunction(dot: Value, node: Extract<ArgNode, { kind: 'identifier' }>, cmd: CommandNode | ArgNode, args: readonly ArgNode[], final: Value): Value {
    this.at(node);
    const f = this.opts.funcs.get(node.name);
    if (f === undefined) return this.errorf(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, f, undefined, cmd, node.name, args, final);
  }

  private evalField(dot: Value, name: string, node: ArgNode, args: readonly ArgNode[], final: Value, receiver: Value): Value {
    if (receiver === undefined) {
      if (this.opts.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(name)}`);
      return undefined;
    }
    if (receiver === null) {
      // A nil map reads as empty; Go fails only for a nil pointer to a struct, which plain data cannot tell apart.
      if (this.opts.rawMaps) this.errorf(`nil pointer evaluating interface {}.${name}`);
      return undefined;
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      const isMapObj = receiver instanceof Map;
      const prop = isMapObj ? { found: receiver.has(name), value: receiver.get(name) as Value } : lookupProperty(receiver, name);
      if (prop.found && typeof prop.value === 'function') {
        return this.evalCall(dot, undefined, { fn: prop.value as (...a: unknown[]) => unknown, self: receiver }, node, name, args, final);
      }
      const kind = kindOf(receiver, this.opts.rawMaps);
      if (kind === 'struct' && prop.found) {
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return prop.value;
      }
      if (kind === 'map') {
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        if (prop.found) return prop.value;
        if (this.opts.missingKey === 'error') this.errorf(`map has no entry for key ${JSON.stringify(name)}`);
        return undefined;
      }
    }
    return this.errorf(`can't evaluate field ${name} in type ${typeName(receiver, this.opts.rawMaps)}`);
  }

  /** Calls a template function (`f`) or a method of the data (`method`), with Go's argument checks. */
  private evalCall(
    dot: Value,
    f: GoFunc | undefined,
    method: { fn: (...a: unknown[]) => unknown; self: unknown } | undefined,
    node: ErrNode,
    name: string,
    argNodes: readonly ArgNode[],
    final: Value,
  ): Value {
    const args = argNodes.slice(1);
    const params: readonly ParamType[] = f?.params ?? [];
    const variadic: ParamType | undefined = f === undefined ? 'any' : f.variadic;
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    if (variadic !== undefined) {
      if (numIn < params.length) this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${args.length}`);
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    const typeAt = (i: number): ParamType => (i < params.length ? params[i]! : (variadic ?? 'any'));

    if (f !== undefined && this.opts.lazyLogic && (name === 'and' || name === 'or')) {
      // Go 1.18+: and/or stop evaluating at the first argument that decides the result.
      let v: Value;
      for (const a of args) {
        v = this.evalArg(dot, 'any', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: Value[] = args.map((a, i) => this.evalArg(dot, typeAt(i), a));
    if (final !== MISSING) argv.push(this.validateType(final, typeAt(numIn - 1)));
    try {
      if (method !== undefined) return method.fn.apply(method.self, argv);
      return f!.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.at(node);
      return this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private validateType(value: Value, type: ParamType): Value {
    if (type === 'any') return value;
    if (value === undefined) return this.errorf(`invalid value; expected ${goType(type)}`);
    switch (type) {
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'int':
        if (kindOf(value) === 'int') return Number(value);
        break;
      case 'bool':
        if (typeof value === 'boolean') return value;
        break;
    }
    return this.errorf(`wrong type for value; expected ${goType(type)}; got ${typeName(value, this.opts.rawMaps)}`);
  }

  private evalArg(dot: Value, type: ParamType, n: ArgNode): Value {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === 'any') return null;
        return this.errorf(`cannot assign nil to ${goType(type)}`);
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n, n.ident, [n], MISSING), type);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], MISSING), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), type);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, [n], MISSING), type);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), type);
      default:
        break;
    }
    switch (type) {
      case 'any':
        if (n.kind === 'bool') return n.value;
        if (n.kind === 'number') return this.idealConstant(n);
        return n.text;
      case 'bool':
        if (n.kind === 'bool') return n.value;
        return this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'string':
        if (n.kind === 'string') return n.text;
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.kind === 'number' && n.isInt) return Number(n.value);
        return this.errorf(`expected integer; found ${nodeString(n)}`);
    }
  }
}

function goType(t: ParamType): string {
  return t === 'any' ? 'interface {}' : t;
}

/** The `<...>` part of an execution error: the node as Go prints it. */
function contextString(n: ErrNode): string {
  switch (n.kind) {
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'with':
    case 'range':
      return `{{${n.kind} ${nodeString(n.pipe)}}}`;
    case 'text':
      return n.text;
    case 'break':
    case 'continue':
      return `{{${n.kind}}}`;
    case 'template':
      return `{{template ${JSON.stringify(n.name)}}}`;
    case 'list':
      return '';
    default:
      return nodeString(n);
  }
}

/**
 * Executes a parsed template over `data`. On failure, `error` is set and `output` holds what had been written
 * before it, as Go's Execute leaves partial output in its writer.
 */
export function execute(tmpl: ParsedTemplate, data: unknown, opts: ExecOptions): { output: string; error?: TemplateExecError } {
  const s = new State(tmpl, opts, data);
  try {
    s.walk(data, tmpl.root);
    return { output: s.out.join('') };
  } catch (e) {
    if (e instanceof TemplateExecError) return { output: s.out.join(''), error: e };
    if (e === BREAK || e === CONTINUE) return { output: s.out.join('') };
    if (e instanceof RangeError) {
      return { output: s.out.join(''), error: new TemplateExecError(`template: ${opts.name}: ${e.message}`) };
    }
    throw e;
  }
}
