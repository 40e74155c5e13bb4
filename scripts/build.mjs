// Bundles the CLI into dist/ with esbuild. Code splitting keeps the entry chunk small: commands load
// their heavy services with `await import()`, so `nerdctl ps` never evaluates the registry client,
// the Dockerfile interpreter or compose. Native addons stay external and load from node_modules.
import { build } from 'esbuild';
import { chmod, readFile, rm } from 'node:fs/promises';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

const external = ['better-sqlite3', 'node-pty', 'node-unix-socket'];

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: { nerdctl: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { __NERDCTL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __nerdctlCreateRequire } from 'node:module';",
      'const require = __nerdctlCreateRequire(import.meta.url);',
    ].join('\n'),
  },
});
await chmod('dist/nerdctl.js', 0o755);
