/**
 * Parser for Go's text/template: builds the tree the executor walks. Mirrors Go's grammar and its parse-time
 * checks (undefined variables, unknown functions, `{{break}}` outside `{{range}}`), with Go's error wording:
 * `template: :1: function "foo" not defined`.
 */
import { lex, tokenString, type Token, type TokenType } from './lex.js';

export interface Pos {
  readonly pos: number;
}

export type ArgNode =
  | ({ kind: 'field'; ident: string[] } & Pos)
  | ({ kind: 'variable'; ident: string[] } & Pos)
  | ({ kind: 'chain'; node: ArgNode; field: string[] } & Pos)
  | ({ kind: 'identifier'; name: string } & Pos)
  | ({ kind: 'dot' } & Pos)
  | ({ kind: 'nil' } & Pos)
  | ({ kind: 'bool'; value: boolean } & Pos)
  | ({ kind: 'number'; text: string; isInt: boolean; value: number | bigint; overflows?: boolean } & Pos)
  | ({ kind: 'string'; quoted: string; text: string } & Pos)
  | PipeNode;

export interface CommandNode extends Pos {
  readonly kind: 'command';
  readonly args: ArgNode[];
}

export interface PipeNode extends Pos {
  readonly kind: 'pipe';
  readonly decl: { name: string; pos: number }[];
  isAssign: boolean;
  readonly cmds: CommandNode[];
  /** True when written in parentheses (for printing in error contexts). */
  paren?: boolean;
}

/** `{{if}}`, `{{with}}` or `{{range}}` with its body and optional `{{else}}` body. */
export type BranchNode = { kind: 'if' | 'with' | 'range'; pipe: PipeNode; list: ListNode; elseList: ListNode | undefined } & Pos;

export type Node =
  | ({ kind: 'text'; text: string } & Pos)
  | ({ kind: 'action'; pipe: PipeNode } & Pos)
  | BranchNode
  | ({ kind: 'break' | 'continue' } & Pos)
  | ({ kind: 'template'; name: string; pipe: PipeNode | undefined } & Pos);

export interface ListNode extends Pos {
  readonly kind: 'list';
  readonly nodes: Node[];
}

/** A parse failure; the message is Go's (`template: :1: unexpected "}" in operand`). */
export class TemplateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateParseError';
  }
}

export interface ParsedTemplate {
  readonly root: ListNode;
  /** Templates declared with `{{define}}` or `{{block}}`. */
  readonly defined: ReadonlyMap<string, ListNode>;
  readonly text: string;
}

/** Go's string form of a node, used as the `<...>` context of execution errors. */
export function nodeString(n: ArgNode | CommandNode | PipeNode): string {
  switch (n.kind) {
    case 'field':
      return n.ident.map((i) => `.${i}`).join('');
    case 'variable':
      return n.ident.join('.');
    case 'chain': {
      const inner = n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return inner + n.field.map((f) => `.${f}`).join('');
    }
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length > 0 ? `${n.decl.map((d) => d.name).join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map((c) => nodeString(c)).join(' | ');
    }
  }
}

/** Go's strconv.Unquote for "..." and `...` literals. */
export function unquote(quoted: string): string {
  if (quoted.startsWith('`')) return quoted.slice(1, -1).replace(/\r/g, '');
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case "'":
        out += "'";
        break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new SyntaxError('invalid syntax');
        out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        const len = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) throw new SyntaxError('invalid syntax');
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new SyntaxError('invalid syntax');
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      default: {
        if (e !== undefined && e >= '0' && e <= '7') {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o)) throw new SyntaxError('invalid syntax');
          out += String.fromCharCode(parseInt(o, 8) & 0xff);
          i += 2;
          break;
        }
        throw new SyntaxError('invalid syntax');
      }
    }
  }
  return out;
}

function parseNumber(text: string): { isInt: boolean; value: number | bigint; overflows?: boolean } | undefined {
  if (text.endsWith('i')) return undefined;
  const clean = text.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const body = clean.replace(/^[+-]/, '');
  if (body === '') return undefined;
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)$/.exec(body)) !== null) return intResult(BigInt(`0x${m[1]}`), neg);
  if ((m = /^0[oO]([0-7]+)$/.exec(body)) !== null) return intResult(BigInt(`0o${m[1]}`), neg);
  if ((m = /^0[bB]([01]+)$/.exec(body)) !== null) return intResult(BigInt(`0b${m[1]}`), neg);
  if (/^0[0-7]+$/.test(body)) return intResult(BigInt(`0o${body.slice(1)}`), neg);
  if (/^\d+$/.test(body)) return intResult(BigInt(body), neg);
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(body)) {
    const f = Number(body) * (neg ? -1 : 1);
    // A float with an integral value is also an int constant (Go: 1e3 is usable as an int argument).
    return { isInt: Number.isInteger(f) && Math.abs(f) <= Number.MAX_SAFE_INTEGER, value: f };
  }
  return undefined;
}

function intResult(v: bigint, neg: boolean): { isInt: boolean; value: number | bigint; overflows?: boolean } {
  const s = neg ? -v : v;
  if (s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER)) return { isInt: true, value: Number(s) };
  if (s >= -(2n ** 63n) && s < 2n ** 63n) return { isInt: true, value: s };
  return { isInt: false, value: Number(s), overflows: true };
}

function charConstant(text: string): number | undefined {
  try {
    const s = unquote(`"${text.slice(1, -1).replace(/"/g, '\\"')}"`);
    const cps = Array.from(s);
    if (cps.length !== 1) return undefined;
    return cps[0]!.codePointAt(0);
  } catch {
    return undefined;
  }
}

type Terminator = { kind: 'end' | 'else'; line: number; elseIf?: boolean; elseWith?: boolean };

function isTerminator(n: Node | Terminator): n is Terminator {
  return n.kind === 'end' || n.kind === 'else';
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  readonly defined = new Map<string, ListNode>();
  private readonly tokens: Token[];
  private readonly hasFunction: (name: string) => boolean;
  private readonly name: string;

  constructor(tokens: Token[], hasFunction: (name: string) => boolean, name: string) {
    this.tokens = tokens;
    this.hasFunction = hasFunction;
    this.name = name;
  }

  private lastLine = 1;

  private next(): Token {
    const t = this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
    if (this.i < this.tokens.length) this.i++;
    this.lastLine = t.line;
    return t;
  }
  private backup(n = 1): void {
    this.i -= n;
  }
  private peek(): Token {
    return this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
  }
  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }
  errorf(msg: string, line = this.lastLine): never {
    throw new TemplateParseError(`template: ${this.name}:${line}: ${msg}`);
  }
  private unexpected(t: Token, context: string): never {
    if (t.type === 'error') this.errorf(t.val, t.line);
    this.errorf(`unexpected ${tokenString(t)} in ${context}`, t.line);
  }
  private expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  parse(): ListNode {
    const root: ListNode = { kind: 'list', nodes: [], pos: 0 };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (isTerminator(n)) return this.errorf(`unexpected ${n.kind === 'end' ? '{{end}}' : '{{else}}'}`, n.line);
      root.nodes.push(n);
    }
    return root;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, context);
    const name = this.unquoteToken(nameTok);
    this.expect('rightDelim', context);
    const savedVars = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected {{else}} in ${context}`, end.line);
    this.vars = savedVars;
    this.defined.set(name, list);
  }

  private unquoteToken(t: Token): string {
    try {
      return unquote(t.val);
    } catch {
      this.errorf('invalid syntax', t.line);
    }
  }

  /** Items up to an {{end}} or {{else}}, which is returned separately. */
  private itemList(): [ListNode, Terminator] {
    const list: ListNode = { kind: 'list', nodes: [], pos: this.peekNonSpace().pos };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (isTerminator(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | Terminator {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { kind: 'text', text: t.val, pos: t.pos };
    if (t.type === 'leftDelim') return this.action();
    this.unexpected(t, 'input');
  }

  private action(): Node | Terminator {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue': {
        if (this.rangeDepth === 0) this.errorf(`{{${t.type}}} outside {{range}}`, t.line);
        this.expect('rightDelim', `{{${t.type}}}`);
        return { kind: t.type, pos: t.pos };
      }
      case 'else': {
        const p = this.peekNonSpace();
        if (p.type === 'if') return { kind: 'else', line: p.line, elseIf: true };
        if (p.type === 'with') return { kind: 'else', line: p.line, elseWith: true };
        const r = this.expect('rightDelim', 'else');
        return { kind: 'else', line: r.line };
      }
      case 'end': {
        const r = this.expect('rightDelim', 'end');
        return { kind: 'end', line: r.line };
      }
      case 'if':
        return this.control('if', t);
      case 'range':
        return this.control('range', t);
      case 'with':
        return this.control('with', t);
      case 'template':
        return this.templateControl(t);
      case 'define':
        return this.errorf('unexpected <define> in command', t.line);
      default:
        break;
    }
    this.backup();
    const start = this.peek();
    return { kind: 'action', pipe: this.pipeline('command', 'rightDelim'), pos: start.pos };
  }

  private control(kind: 'if' | 'range' | 'with', t: Token): Node {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(kind, 'rightDelim');
      if (kind === 'range') this.rangeDepth++;
      let list: ListNode;
      let next: Terminator;
      try {
        [list, next] = this.itemList();
      } finally {
        if (kind === 'range') this.rangeDepth--;
      }
      let elseList: ListNode | undefined;
      if (next.kind === 'else') {
        if ((kind === 'if' && next.elseIf === true) || (kind === 'with' && next.elseWith === true)) {
          // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} with one shared {{end}}.
          const kw = this.nextNonSpace();
          elseList = { kind: 'list', nodes: [this.control(kind, kw)], pos: kw.pos };
        } else {
          if (next.elseIf === true || next.elseWith === true) {
            this.errorf(`unexpected <${next.elseIf === true ? 'if' : 'with'}> in input`, next.line);
          }
          let end: { kind: 'end' | 'else'; line: number };
          [elseList, end] = this.itemList();
          if (end.kind !== 'end') this.errorf('expected end; found {{else}}', end.line);
        }
      }
      return { kind, pipe, list, elseList, pos: t.pos };
    } finally {
      this.vars.length = mark;
    }
  }

  private blockControl(): Node {
    const context = 'block clause';
    const tok = this.nextNonSpace();
    if (tok.type !== 'string' && tok.type !== 'rawString') this.unexpected(tok, context);
    const name = this.unquoteToken(tok);
    const pipe = this.pipeline(context, 'rightDelim');
    const savedVars = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = savedVars;
    if (end.kind !== 'end') this.errorf(`unexpected {{else}} in ${context}`, end.line);
    this.defined.set(name, list);
    return { kind: 'template', name, pipe, pos: tok.pos };
  }

  private templateControl(_t: Token): Node {
    const context = 'template clause';
    const tok = this.nextNonSpace();
    if (tok.type !== 'string' && tok.type !== 'rawString') this.unexpected(tok, context);
    const name = this.unquoteToken(tok);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { kind: 'template', name, pipe, pos: tok.pos };
  }

  /** declarations? command ('|' command)*, up to the closing delimiter or parenthesis. */
  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', decl: [], isAssign: false, cmds: [], pos: first.pos };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const nxt = this.peekNonSpace();
      if (nxt.type === 'declare' || nxt.type === 'assign') {
        this.nextNonSpace();
        pipe.isAssign = nxt.type === 'assign';
        pipe.decl.push({ name: v.val, pos: v.pos });
        this.vars.push(v.val);
        break;
      }
      if (nxt.type === 'char' && nxt.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ name: v.val, pos: v.pos });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.type === 'variable') continue decls;
          this.errorf('range can only initialize variables', p.line);
        }
        this.errorf(`too many declarations in ${context}`, nxt.line);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      switch (t.type) {
        case 'rightDelim':
        case 'rightParen':
          if (t.type !== end) {
            if (t.type === 'rightParen') this.errorf('unexpected right paren', t.line);
            this.errorf(`unclosed left paren`, t.line);
          }
          this.checkPipeline(pipe, context, t.line);
          if (t.type === 'rightParen') this.backup();
          return pipe;
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string, line: number): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`, line);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]?.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`, line);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', args: [], pos: this.peekNonSpace().pos };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.next();
      switch (t.type) {
        case 'space':
          continue;
        case 'error':
          return this.errorf(t.val, t.line);
        case 'rightDelim':
        case 'rightParen':
          this.backup();
          break;
        case 'pipe':
          break;
        default:
          this.errorf(`unexpected ${tokenString(t)} in operand`, t.line);
      }
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type === 'field') {
      const fields: string[] = [];
      const pos = this.peek().pos;
      while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
      switch (node.kind) {
        // Go positions a chained field at its first chained part (`.Foo` in `.Name.Foo`).
        case 'field':
          return { kind: 'field', ident: [...node.ident, ...fields], pos };
        case 'variable':
          return { kind: 'variable', ident: [...node.ident, ...fields], pos };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          return this.errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
        default:
          return { kind: 'chain', node, field: fields, pos };
      }
    }
    return node;
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'error':
        return this.errorf(t.val, t.line);
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`, t.line);
        return { kind: 'identifier', name: t.val, pos: t.pos };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable': {
        const name = t.val;
        if (!this.vars.includes(name)) this.errorf(`undefined variable ${JSON.stringify(name)}`, t.line);
        return { kind: 'variable', ident: [name], pos: t.pos };
      }
      case 'field':
        return { kind: 'field', ident: [t.val.slice(1)], pos: t.pos };
      case 'bool':
        return { kind: 'bool', value: t.val === 'true', pos: t.pos };
      case 'charConstant': {
        const cp = charConstant(t.val);
        if (cp === undefined) this.errorf(`malformed character constant: ${t.val}`, t.line);
        return { kind: 'number', text: t.val, isInt: true, value: cp, pos: t.pos };
      }
      case 'number': {
        const n = parseNumber(t.val);
        if (n === undefined) this.errorf(`illegal number syntax: ${JSON.stringify(t.val)}`, t.line);
        return n.overflows === true
          ? { kind: 'number', text: t.val, isInt: false, value: n.value, overflows: true, pos: t.pos }
          : { kind: 'number', text: t.val, isInt: n.isInt, value: n.value, pos: t.pos };
      }
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        const close = this.next();
        if (close.type !== 'rightParen') this.errorf(`unclosed right paren: unexpected ${tokenString(close)}`, close.line);
        pipe.paren = true;
        return pipe;
      }
      case 'string':
      case 'rawString':
        return { kind: 'string', quoted: t.val, text: this.unquoteToken(t), pos: t.pos };
      default:
        this.backup();
        return undefined;
    }
  }
}

/** Parses template text. `hasFunction` says which identifiers are functions (builtins and extras). */
export function parse(text: string, hasFunction: (name: string) => boolean, name = ''): ParsedTemplate {
  const tokens = lex(text);
  const p = new Parser(tokens, hasFunction, name);
  const root = p.parse();
  return { root, defined: p.defined, text };
}
