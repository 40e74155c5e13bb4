#!/usr/bin/env node
// nerdctl's entry (copied to dist/nerdctl.js by scripts/build.mjs): runs the CommonJS bundle beside it through
// vm.Script with a V8 code cache, so the code a command runs is compiled once, not on every start.
//
// The caches live in dist/cache/, one per command, named by the bundle's hash and V8's version (a cache made for
// another bundle or another V8 is never offered). A cache is written when missing or rejected, at the exit of the
// command's first run; writes go through a temporary file and a rename; a directory that cannot be written (a
// read-only install) only costs the cache. Layer worker threads start here too: the bundle's entry sees that
// it runs in a worker and starts the worker's job loop instead of the CLI.
//
// The launcher is CommonJS (dist/package.json says so): Node then starts it without its ES module loader and hands
// out built-in modules without ES module facades, and the bundle is read as latin1 (the build escapes every
// non-ASCII character), a plain copy where UTF-8 decoding of 2 MB cost about 8 ms.
'use strict';
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');
const { isMainThread } = require('node:worker_threads');

const here = __dirname;
const bundle = path.join(here, 'nerdctl.cjs');
const cacheDir = path.join(here, 'cache');

/** The command, as the cache knows it: its first words (`run`, `compose up`), global flags and their values skipped. */
function commandWords(argv) {
  const valued = new Set(['--cgroup-manager', '--cni-netconfpath', '--cni-path', '--data-root', '--host-gateway-ip', '--hosts-dir', '--insecure-registry', '-n', '--namespace', '--snapshotter']);
  const found = [];
  for (let i = 0; i < argv.length && found.length < 2; i++) {
    if (valued.has(argv[i])) i++;
    else if (!argv[i].startsWith('-')) found.push(argv[i]);
  }
  // Only a management command has a second word (`compose up`; `run busybox` is `run`).
  const groups = new Set(['builder', 'compose', 'container', 'content', 'image', 'internal', 'namespace', 'network', 'snapshot', 'system', 'volume']);
  return groups.has(found[0]) ? found : found.slice(0, 1);
}

// One cache per command: each holds only what its command compiled, so a small command (`ps`) does not read the
// code of a large one (`run`). In a layer worker thread, the worker's own.
const name = isMainThread ? commandWords(process.argv.slice(2)).join('-').replace(/[^A-Za-z0-9_-]/g, '_') : 'layer-worker';
const cacheFile = path.join(cacheDir, `nerdctl-__NERDCTL_BUNDLE_HASH__-${process.versions.v8}-${name || 'none'}.v8`);
let cached;
try {
  cached = readFileSync(cacheFile);
} catch {
  // first run of this command with this bundle
}

const source = readFileSync(bundle, 'latin1');
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cached !== undefined ? { cachedData: cached } : {}),
});
const writeCache = () => {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.${Math.random().toString(16).slice(2)}`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    // no cache this time
  }
};
if (cached === undefined || script.cachedDataRejected) {
  // A command's cache once it has run; a worker's once it has loaded (workers are terminated, not exited).
  if (isMainThread) process.once('exit', writeCache);
  else setTimeout(writeCache, 0);
}

globalThis.__nerdctlLauncher = pathToFileURL(__filename).href;
const bundleModule = { exports: {}, filename: bundle, id: bundle, loaded: false };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, here);
