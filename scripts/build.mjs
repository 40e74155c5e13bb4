// Bundles the CLI into dist/ with esbuild.
//
// Start-up cost is what users feel on every command. The whole CLI is one CommonJS bundle, dist/nerdctl.cjs, whose
// command tree is a generated manifest (scripts/command-manifest.mjs) holding only the specs' data: a command's
// code runs only when that command does. dist/nerdctl.js (scripts/launcher.cjs) runs the bundle through
// vm.Script with a V8 code cache (dist/cache/), so a command does not parse and compile its code again on every
// start: Node 20 has no code cache for ES modules, and the cached single bundle measured faster than ES module
// chunks (a `run --rm` about 70 ms, a cached build about 25 ms). Native addons load from node_modules.
//
// The new bundle is written beside dist/ and swapped in with renames, so a CLI or test already running from dist/
// keeps working while a build happens.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
 * Node's built-in modules through require(), for static and dynamic imports alike: an ES module facade would touch
 * every lazy getter of the module (fs.ReadStream loads the whole streams stack, about 3 ms), and a dynamic import()
 * inside vm.Script needs --experimental-vm-modules on Node 20.
 */
const builtinsPlugin = {
  name: 'node-builtins-via-require',
  setup(b) {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      if (!builtins.has(args.path)) return undefined;
      if (args.namespace === 'node-builtin') return { path: args.path, external: true };
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
  entryPoints: [join(root, 'src/cli.ts')],
  outfile: join(outdir, 'nerdctl.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [manifestPlugin, builtinsPlugin],
  sourcemap: 'linked',
  // Less text to read and hash on every start; identifiers keep their names, so stack traces under --debug stay
  // readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { __NERDCTL_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__nerdctlModuleUrl' },
  banner: { js: "var __nerdctlModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// The launcher keeps the entry's documented name, dist/nerdctl.js; the bundle's hash names its code cache, so a
// rebuilt bundle never meets a cache made for another one.
// Pure ASCII, so the launcher can read it as latin1: esbuild escapes non-ASCII text in strings but not in regular
// expression literals, where `\uXXXX` means the same.
const bundleText = (await readFile(join(outdir, 'nerdctl.cjs'), 'utf8')).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
await writeFile(join(outdir, 'nerdctl.cjs'), bundleText);
const bundleHash = createHash('sha256').update(bundleText).digest('hex').slice(0, 16);
const launcher = await readFile(join(root, 'scripts/launcher.cjs'), 'utf8');
await writeFile(join(outdir, 'nerdctl.js'), launcher.replace('__NERDCTL_BUNDLE_HASH__', bundleHash), { mode: 0o755 });
await writeFile(join(outdir, 'package.json'), JSON.stringify({ type: 'commonjs', private: true }) + '\n');
await mkdir(join(outdir, 'cache'), { recursive: true });
await chmod(join(outdir, 'nerdctl.js'), 0o755);

const dist = join(root, 'dist');
const old = join(root, `dist.old-${process.pid}`);
await rename(dist, old).catch((err) => {
  if (err.code !== 'ENOENT') throw err;
});
await rename(outdir, dist);
await rm(old, { recursive: true, force: true });
