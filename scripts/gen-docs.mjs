#!/usr/bin/env node
// Regenerates what is generated from the command specs: completions/ (bash, zsh, fish), man/ (nerdctl.1,
// nerdctl-<command>.1, nerdctl.toml.5) and docs/command-reference.md. Run it after changing a command; the test
// src/commands/_lib/generated-files.test.ts fails when the committed files are out of date.
//
//   node scripts/gen-docs.mjs          write the files (and remove stale ones under man/ and completions/)
//   node scripts/gen-docs.mjs --check  write nothing; list the files that differ and exit 1 if any
//
// The sources are TypeScript: esbuild bundles a tiny entry that imports the command tree (npm packages stay
// external and load from node_modules, which is why the bundle is written under node_modules/.cache).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

const outDir = join(repo, 'node_modules', '.cache', 'nerdctl-gen-docs');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, `entry-${process.pid}.mjs`);
await build({
  stdin: {
    contents: [
      "export { rootSpec } from './src/commands/_lib/main.ts';",
      "export { generatedFiles, GENERATED_DIRS } from './src/commands/_lib/generated-files.ts';",
    ].join('\n'),
    resolveDir: repo,
    loader: 'ts',
    sourcefile: 'gen-docs-entry.ts',
  },
  outfile: outFile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { __NERDCTL_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
let mod;
try {
  mod = await import(pathToFileURL(outFile).href);
} finally {
  rmSync(outFile, { force: true });
}

const files = mod.generatedFiles({ root: mod.rootSpec, version: pkg.version });
const read = (path) => {
  try {
    return readFileSync(join(repo, path), 'utf8');
  } catch {
    return undefined;
  }
};
const stale = [];
for (const dir of mod.GENERATED_DIRS) {
  let names = [];
  try {
    names = readdirSync(join(repo, dir));
  } catch {
    // not generated yet
  }
  for (const name of names) if (!files.has(`${dir}/${name}`)) stale.push(`${dir}/${name}`);
}
const changed = [...files].filter(([path, text]) => read(path) !== text).map(([path]) => path);

if (check) {
  for (const path of changed) console.error(`out of date: ${path}`);
  for (const path of stale) console.error(`stale: ${path}`);
  if (changed.length + stale.length > 0) {
    console.error("run 'node scripts/gen-docs.mjs' and commit the result");
    process.exit(1);
  }
  process.exit(0);
}
for (const path of changed) {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), files.get(path));
}
for (const path of stale) rmSync(join(repo, path));
// Command pages (not group pages, which list commands) should show an example: name those that do not.
const withoutExamples = [...files.keys()].filter((p) => {
  const text = files.get(p);
  return /^man\/.*\.1$/.test(p) && !text.includes('.SH COMMANDS') && !text.includes('.SH EXAMPLES') && !text.includes(' is a shorthand for ');
});
console.log(`gen-docs: ${files.size} files, ${changed.length} written, ${stale.length} stale removed`);
if (withoutExamples.length > 0) console.log(`commands without examples: ${withoutExamples.map((p) => p.slice(4, -2)).join(' ')}`);
