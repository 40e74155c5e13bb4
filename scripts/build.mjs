// Bundles the CLI into dist/ with esbuild.
//
// Start-up cost is what users feel on every command, so the entry stays small: the command tree it imports is a
// generated manifest (scripts/command-manifest.mjs) holding only the specs' data, and each command's module (with
// whatever it imports) loads when that command runs. Code splitting turns every such module into its own chunk.
// Native addons load from node_modules.
//
// The new bundle is written beside dist/ and swapped in with renames, so a CLI or test already running from dist/
// keeps working while a build happens.
import { build } from 'esbuild';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { generateCommandManifest } from './command-manifest.mjs';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
// better-sqlite3's JavaScript is bundled (its addon is loaded by path, see metadata/db.ts); the other native
// packages stay in node_modules.
const external = ['node-pty', 'node-unix-socket', 'bindings'];
const manifest = await generateCommandManifest({ external });

/** Serves the generated manifest where src/commands/_lib/main.ts imports the command tree. */
const manifestPlugin = {
  name: 'command-manifest',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) =>
      args.importer === join(root, 'src/commands/_lib/main.ts') ? { path: 'command-manifest', namespace: 'manifest' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'manifest' }, () => ({
      contents: manifest,
      loader: 'ts',
      resolveDir: join(root, 'src/commands/_lib'),
    }));
  },
};

/**
 * Node's built-in modules through require(). An ESM `import ... from 'node:fs'` builds an ES module facade whose
 * export sync touches every lazy getter of the module (fs.ReadStream loads the whole streams stack, about 3 ms; the
 * crypto facade likewise), on every command. require() hands back the CommonJS object without a facade.
 */
const builtinsPlugin = {
  name: 'node-builtins-via-require',
  setup(b) {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      if (!builtins.has(args.path)) return undefined;
      // The shim's own require() is the real one. A dynamic import() keeps Node's own loader: it needs the named
      // exports up front, which a CommonJS shim cannot give without touching the lazy getters.
      if (args.namespace === 'node-builtin' || args.kind === 'dynamic-import') return { path: args.path, external: true };
      return { path: args.path.replace(/^node:/, ''), namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

const outdir = join(root, `dist.new-${process.pid}`);
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { nerdctl: join(root, 'src/cli.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [manifestPlugin, builtinsPlugin],
  chunkNames: 'chunks/[name]-[hash]',
  // .mjs: Node then knows each chunk is an ES module without looking for a package.json scope on every import.
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  // Less text for V8 to pre-parse on every start (measured: about a fifth off the chunks a `run` loads);
  // identifiers keep their names, so stack traces under --debug stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { __NERDCTL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __nerdctlCreateRequire } from 'node:module';",
      // One require() for the whole bundle: every chunk carries this banner, and touching import.meta plus
      // createRequire in each of the ~80 chunks a `run` loads cost about 10 ms. Every chunk sits under dist/, so
      // the packages they require resolve the same from any of them.
      'const require = (globalThis.__nerdctlRequire ??= __nerdctlCreateRequire(import.meta.url));',
    ].join('\n'),
  },
});
// The entry keeps its documented name, dist/nerdctl.js; a package.json beside it ends Node's scope lookup there.
const entryCode = await readFile(join(outdir, 'nerdctl.mjs'), 'utf8');
await writeFile(join(outdir, 'nerdctl.js'), entryCode.replace(/sourceMappingURL=nerdctl\.mjs\.map/, 'sourceMappingURL=nerdctl.js.map'), { mode: 0o755 });
await rename(join(outdir, 'nerdctl.mjs.map'), join(outdir, 'nerdctl.js.map'));
await rm(join(outdir, 'nerdctl.mjs'));
await writeFile(join(outdir, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
await chmod(join(outdir, 'nerdctl.js'), 0o755);

const dist = join(root, 'dist');
const old = join(root, `dist.old-${process.pid}`);
await rename(dist, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(outdir, dist);
await rm(old, { recursive: true, force: true });
