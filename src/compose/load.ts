/**
 * Compose YAML files -> raw documents. The only module that imports `yaml`: the rest of the loader works on plain
 * data (`RawMap`) plus a locator that maps a document path back to its line and column.
 *
 * What this layer does, as compose-go's go-yaml decoding does:
 * - every `---` document of a file is its own raw document (they are merged later, in order);
 * - `!reset` drops the value from this document and records its path, so the value merged so far is cleared;
 *   `!override` keeps the value and records its path, so it replaces what was merged so far instead of merging;
 * - anchors, aliases and `<<` merge keys are resolved (explicit keys win over merged ones);
 * - a key defined twice in one mapping is an error ("mapping key "x" already defined at line N");
 * - keys must be strings; plain scalars `0644` are octal integers (go-yaml reads them so; YAML 1.2 would not);
 * - a syntax error names the file, line and column.
 */
import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Node as YamlNode,
  type ParsedNode,
} from 'yaml';
import { composeError, type ComposeLocation } from './errors.js';
import { formatPath, type RawMap, type TreePath } from './tree-path.js';

/** One YAML document of a compose file, as plain data. */
export interface RawDocument {
  /** Absolute path of the file, or `-` for stdin. */
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** The document's top-level mapping (an empty mapping for an empty document). */
  content: RawMap;
  /**
   * Paths tagged `!reset` or `!override`: the caller deletes them from the model merged so far before merging this
   * document in.
   */
  resetPaths: TreePath[];
  /** Line and column of the key (for mapping entries) or of the value at `path`, when the node exists. */
  locate(path: TreePath): ComposeLocation | undefined;
}

const SEP = '\u0000';

interface Ctx {
  file: string;
  lines: LineCounter;
  positions: Map<string, { line: number; column: number }>;
  resetPaths: TreePath[];
  doc: Document.Parsed;
  depth: number;
}

function pos(ctx: Ctx, node: { range?: readonly number[] | null } | null | undefined): { line: number; column: number } | undefined {
  const off = node?.range?.[0];
  if (off === undefined) return undefined;
  const p = ctx.lines.linePos(off);
  return { line: p.line, column: p.col };
}

function where(ctx: Ctx, path: TreePath, node?: { range?: readonly number[] | null } | null): ComposeLocation {
  return { file: ctx.file, path: formatPath(path), ...pos(ctx, node) };
}

function record(ctx: Ctx, path: TreePath, node: { range?: readonly number[] | null } | null | undefined): void {
  const key = path.join(SEP);
  if (ctx.positions.has(key)) return;
  const p = pos(ctx, node);
  if (p !== undefined) ctx.positions.set(key, p);
}

function scalarValue(node: YamlNode & { value?: unknown; source?: string; type?: string }): unknown {
  const v = node.value;
  // go-yaml resolves plain `0644` as an octal integer (strconv.ParseInt with base 0); YAML 1.2 core says decimal.
  if (node.type === 'PLAIN' && typeof node.source === 'string' && /^[-+]?0[0-7]+$/.test(node.source)) {
    const neg = node.source.startsWith('-');
    const n = parseInt(node.source.replace(/^[-+]/, ''), 8);
    return neg ? -n : n;
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function resolveAlias(ctx: Ctx, node: YamlNode): YamlNode | undefined {
  let cur: unknown = node;
  for (let i = 0; i < 100 && isAlias(cur); i++) cur = cur.resolve(ctx.doc);
  return cur as YamlNode | undefined;
}

/** Converts a node; returns `undefined` when the node is tagged `!reset` (it is then dropped by the caller). */
function convert(ctx: Ctx, node: unknown, path: string[]): { value: unknown } | undefined {
  if (++ctx.depth > 100_000) throw composeError('compose file exceeds maximum node visit limit (100000)', { file: ctx.file });
  let n = node as YamlNode | null | undefined;
  if (n === null || n === undefined) return { value: null };
  if (isAlias(n)) {
    const target = resolveAlias(ctx, n);
    if (target === undefined) throw composeError(`unknown anchor ${JSON.stringify(n.source)}`, where(ctx, path, n));
    n = target;
  }
  if (n.tag === '!reset') {
    ctx.resetPaths.push([...path]);
    return undefined;
  }
  if (n.tag === '!override') ctx.resetPaths.push([...path]);
  if (isScalar(n)) return { value: scalarValue(n) };
  if (isSeq(n)) {
    const out: unknown[] = [];
    n.items.forEach((item, i) => {
      const childPath = [...path, String(out.length)];
      record(ctx, childPath, item as ParsedNode);
      const c = convert(ctx, item, childPath);
      if (c !== undefined) out.push(c.value);
      void i;
    });
    return { value: out };
  }
  if (isMap(n)) return { value: convertMap(ctx, n, path) };
  throw composeError('unsupported YAML node', where(ctx, path, n as ParsedNode));
}

function keyString(ctx: Ctx, keyNode: unknown, path: string[]): string {
  const k = isAlias(keyNode) ? resolveAlias(ctx, keyNode) : (keyNode as YamlNode | null);
  if (k !== null && k !== undefined && isScalar(k)) {
    const v = k.value;
    if (typeof v === 'string') return v;
    // go-yaml gives non-string keys their own type; compose-go then refuses them
    const shown = v === null ? 'null' : String(v);
    throw composeError(
      path.length === 0 ? `non-string key at top level: ${shown}` : `non-string key in ${formatPath(path)}: ${shown}`,
      where(ctx, path, k as ParsedNode),
    );
  }
  throw composeError(
    path.length === 0 ? 'non-string key at top level' : `non-string key in ${formatPath(path)}`,
    where(ctx, path, keyNode as ParsedNode),
  );
}

function convertMap(ctx: Ctx, n: YamlNode & { items: Array<{ key: unknown; value: unknown }> }, path: string[]): RawMap {
  const out: RawMap = {};
  const explicit = new Map<string, number>();
  const merged: Array<{ value: unknown }> = [];
  for (const pair of n.items) {
    const keyNode = pair.key as ParsedNode | null;
    if (isScalar(keyNode) && keyNode.value === '<<' && (keyNode as { type?: string }).type === 'PLAIN') {
      merged.push({ value: pair.value });
      continue;
    }
    const key = keyString(ctx, keyNode, path);
    const line = pos(ctx, keyNode)?.line ?? 0;
    const seen = explicit.get(key);
    if (seen !== undefined) {
      throw composeError(`mapping key ${JSON.stringify(key)} already defined at line ${seen}`, where(ctx, [...path, key], keyNode));
    }
    explicit.set(key, line);
    const childPath = [...path, key];
    record(ctx, childPath, keyNode);
    const c = convert(ctx, pair.value, childPath);
    if (c === undefined) continue;
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: c.value, enumerable: true, writable: true, configurable: true });
    } else {
      out[key] = c.value;
    }
  }
  // `<<: *base` or `<<: [*a, *b]`: keys not set explicitly come from the merged mappings, earlier ones first.
  for (const m of merged) {
    const target = isAlias(m.value) ? resolveAlias(ctx, m.value as YamlNode) : (m.value as YamlNode);
    const sources = isSeq(target) ? target.items.map((i) => (isAlias(i) ? resolveAlias(ctx, i as YamlNode) : (i as YamlNode))) : [target];
    for (const src of sources) {
      if (!isMap(src)) throw composeError('map merge requires map or sequence of maps as the value', where(ctx, path, n as ParsedNode));
      const c = convert(ctx, src, path);
      if (c === undefined) continue;
      for (const [k, v] of Object.entries(c.value as RawMap)) {
        if (!(k in out) && !explicit.has(k)) out[k] = v;
      }
    }
  }
  return out;
}

/**
 * Parses a compose file into its documents.
 * @throws ComposeError `failed to parse <file>:<line>:<col>: <reason>` for YAML syntax errors, and for duplicate or
 * non-string keys and a top level that is not a mapping.
 */
export function parseComposeFile(text: string, file: string): RawDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length === 0) return [{ file, index: 0, content: {}, resetPaths: [], locate: () => undefined }];
  const out: RawDocument[] = [];
  list.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err !== undefined) {
      const p = lines.linePos(err.pos[0]);
      const reason = err.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').split('\n')[0]!;
      throw composeError(reason.charAt(0).toLowerCase() + reason.slice(1), { file, line: p.line, column: p.col }, 'failed to parse');
    }
    const ctx: Ctx = { file, lines, positions: new Map(), resetPaths: [], doc, depth: 0 };
    const contents = doc.contents as ParsedNode | null;
    if (contents === null || (isScalar(contents) && contents.value === null)) {
      if (list.length > 1) return; // an empty document between `---` separators
    } else if (!isMap(contents) && !(isAlias(contents) && isMap(resolveAlias(ctx, contents)))) {
      throw composeError('top-level object must be a mapping', { file, ...pos(ctx, contents) });
    }
    const converted = contents === null ? { value: {} } : convert(ctx, contents, []);
    const content = converted === undefined || converted.value === null ? {} : (converted.value as RawMap);
    const positions = ctx.positions;
    out.push({
      file,
      index,
      content,
      resetPaths: ctx.resetPaths,
      locate: (path) => {
        // the deepest recorded ancestor: a value may come from an alias or a merged default
        for (let n = path.length; n >= 0; n--) {
          const p = positions.get(path.slice(0, n).join(SEP));
          if (p !== undefined) return { ...p };
        }
        return undefined;
      },
    });
  });
  return out;
}

/**
 * YAML text for `config` output, shaped like go-yaml v3 with `SetIndent(2)`: block style, sequences indented under
 * their key, strings plain unless they would read as another type (then double-quoted), multi-line strings as
 * literal blocks, no line folding. `Map`s keep their key order.
 */
export function emitYaml(value: unknown): string {
  const doc = new Document(value, { keepUndefined: false });
  return doc.toString({
    indent: 2,
    indentSeq: true,
    lineWidth: 0,
    minContentWidth: 0,
    defaultStringType: 'PLAIN',
    defaultKeyType: 'PLAIN',
    singleQuote: false,
    nullStr: 'null',
    blockQuote: 'literal',
  });
}
