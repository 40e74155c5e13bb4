// Generates the command manifest the built CLI's entry uses instead of src/commands/index.ts: the command tree as
// plain data with every handler replaced by a lazy loader of its own module (see src/commands/_lib/lazy.ts).
//
// How: bundle a throw-away program that imports the real tree and every command module, run it, and let it map each
// handler function back to the module and export that define it. Specs that share a flags object or a handler (a
// management command and its top-level shorthand) share them in the manifest too, so help's alias detection holds.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const commandsDir = join(root, 'src/commands');

function commandModules(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '_lib') out.push(...commandModules(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
      out.push(p);
    }
  }
  return out;
}

/** Returns the TypeScript source of the manifest module. */
export async function generateCommandManifest({ external }) {
  const files = commandModules(commandsDir).filter((f) => f !== join(commandsDir, 'index.ts'));
  const tmp = await mkdtemp(join(tmpdir(), 'nerdctl-manifest-'));
  try {
    const entry = join(tmp, 'entry.ts');
    const lines = [`import { commands } from ${JSON.stringify(join(commandsDir, 'index.ts'))};`];
    files.forEach((f, i) => lines.push(`import * as m${i} from ${JSON.stringify(f)};`));
    lines.push(`export const modules = [${files.map((f, i) => `[${JSON.stringify(f)}, m${i}]`).join(', ')}];`);
    lines.push('export { commands };');
    await writeFile(entry, lines.join('\n'));
    const out = join(tmp, 'entry.mjs');
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external,
      logLevel: 'error',
      define: { __NERDCTL_VERSION__: '"manifest"' },
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      nodePaths: [join(root, 'node_modules')],
    });
    const { commands, modules } = await import(pathToFileURL(out).href);
    return renderManifest(commands, modules);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function renderManifest(commands, modules) {
  // handler function -> [file, path to the spec inside the module's exports]. Most commands are exports of their
  // own; some are made in a loop and reachable only inside an exported group or list.
  const owners = new Map();
  const visit = (file, value, path, depth) => {
    if (value === null || typeof value !== 'object' || depth > 4) return;
    if (value.kind === 'command' && typeof value.handler === 'function') {
      const known = owners.get(value.handler);
      if (known === undefined || known[1].length > path.length) owners.set(value.handler, [file, path]);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(file, v, [...path, i], depth + 1));
    else if (value.kind === 'group') (value.commands ?? []).forEach((v, i) => visit(file, v, [...path, 'commands', i], depth + 1));
  };
  for (const [file, mod] of modules) for (const [name, value] of Object.entries(mod)) visit(file, value, [name], 0);

  // The tree travels as one JSON string (V8 parses JSON much faster than the same data as object literals); flags
  // objects and handlers that several specs share are stored once and referenced by index, so identity survives.
  const flagTable = [];
  const flagIds = new Map();
  const handlerTable = []; // [module index, path]
  const handlerIds = new Map();
  const moduleIds = new Map();
  const loaders = [];
  const check = (value, where) =>
    JSON.stringify(value, (key, v) => {
      if (typeof v === 'function') throw new Error(`command manifest: ${where}.${key} is a function; specs must be data`);
      return v;
    });
  const flagsRef = (flags, where) => {
    if (!flagIds.has(flags)) {
      check(flags, where);
      flagIds.set(flags, flagTable.length);
      flagTable.push(flags);
    }
    return flagIds.get(flags);
  };
  const handlerRef = (handler, where) => {
    if (!handlerIds.has(handler)) {
      const owner = owners.get(handler);
      if (owner === undefined) throw new Error(`command manifest: no module exports the command ${where}`);
      if (!moduleIds.has(owner[0])) {
        moduleIds.set(owner[0], loaders.length);
        const spec = './' + relative(join(commandsDir, '_lib'), owner[0]).replace(/\.ts$/, '.js');
        loaders.push(`() => import(${JSON.stringify(spec)})`);
      }
      handlerIds.set(handler, handlerTable.length);
      handlerTable.push([moduleIds.get(owner[0]), owner[1]]);
    }
    return handlerIds.get(handler);
  };
  const node = (spec, where) => {
    const { handler, flags, commands: children, ...rest } = spec;
    check(rest, where);
    const out = { ...rest };
    if (flags !== undefined) out.flags = flagsRef(flags, where);
    if (spec.kind === 'command') out.handler = handlerRef(handler, where);
    if (children !== undefined) out.commands = children.map((c) => node(c, `${where} ${c.name}`));
    return out;
  };
  const tree = commands.map((c) => node(c, c.name));
  const json = JSON.stringify({ flags: flagTable, handlers: handlerTable, tree });
  return [
    '// Generated by scripts/command-manifest.mjs at build time. Do not edit.',
    "import { reviveCommandTree } from './lazy.js';",
    `const loaders = [${loaders.join(', ')}];`,
    `export const commands = reviveCommandTree(JSON.parse(${JSON.stringify(json)}), loaders);`,
    '',
  ].join('\n');
}
