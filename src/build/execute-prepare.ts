/**
 * The light half of RUN, COPY and ADD: what the cache key needs, computed before the cache is asked. For RUN the
 * argv, environment, user, working directory, network and mounts (a context bind mount's source is hashed); for
 * COPY/ADD the files read from the context (matched and hashed, memoised), downloads (ADD of a URL is fetched on
 * every build and keyed by its content), and the keys of source stages and images. Nothing here mounts or spawns
 * anything; execution lives in execute-run.ts and execute-copy.ts, loaded only when the cache misses.
 */
import { createHash } from 'node:crypto';
import { chmodSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { failedPrecondition, invalidArgument, notImplemented, unavailable } from '../engine/errdefs.js';
import { hashSources } from './cache-context-hash.js';
import { matchSources, type SourceMatch, type SourceTree } from './copy-sources.js';
import { createIgnoreMatcher, type IgnoreMatcher } from './dockerignore.js';
import type { RunMount } from './dockerfile/mount-flags.js';
import type { SourceState, StepEnv } from './execute-step-env.js';
import { cleanPath, hasWildcards } from './path-match.js';
import type { SourceRef } from './plan.js';
import { resolveDestPath, runArgv, type InlineFile } from './run-command.js';
import type { ResolvedAdd, ResolvedCopy, ResolvedRun } from './stage-env.js';

/** What the stage contributes to a RUN. */
export interface RunContext {
  /** `[...shell]` for shell forms (config Shell or `/bin/sh -c`). */
  shell: string[];
  /** ENV and build args in scope (cache key material). */
  env: string[];
  /** Undeclared proxy build args: RUN gets them, keys and history do not. */
  proxyEnv: string[];
  /** USER (may be empty: root). */
  user: string;
  /** Absolute working directory. */
  workdir: string;
}

/** A mount with its target made absolute and its source located. */
export interface PlannedMount {
  mount: RunMount;
  target: string;
  source: SourceRef | undefined;
  /** bind: the source's state (stage or image) when it is not the context. */
  state?: SourceState;
}

/** A RUN ready to key and execute. */
export interface PreparedRun {
  args: string[];
  inlineFiles: InlineFile[];
  mounts: PlannedMount[];
  network: 'default' | 'none' | 'host';
  /** The cache key description. */
  spec: unknown;
}

/** Joins a mount target with the working directory (BuildKit: relative targets are relative to WORKDIR). */
function mountTarget(target: string, workdir: string): string {
  const t = target.startsWith('/') ? cleanPath(target) : cleanPath(`${workdir}/${target}`);
  if (t === '/') throw invalidArgument(`invalid mount target "${target === '' ? '/' : target}"`);
  return t;
}

/** Prepares a RUN: argv, mounts and the cache-key description (which reads bind sources from the context). */
export async function prepareRun(x: StepEnv, r: ResolvedRun, rc: RunContext): Promise<PreparedRun> {
  const { args, inlineFiles } = runArgv(r.command, r.heredocs, rc.shell);
  if (r.security === 'insecure') {
    throw failedPrecondition('RUN --security=insecure needs the security.insecure entitlement, which this builder does not grant');
  }
  const network = r.network === 'default' ? x.network : r.network;
  const mounts: PlannedMount[] = [];
  const mountSpecs: unknown[] = [];
  for (const m of r.mounts) {
    const mount = m.mount;
    if (mount.type === 'ssh') {
      if (mount.required) throw notImplemented('RUN --mount=type=ssh is not supported by this builder');
      continue;
    }
    if (mount.type === 'secret') {
      const target = mount.target !== undefined ? mountTarget(mount.target, rc.workdir) : mount.env !== undefined ? undefined : `/run/secrets/${mount.id}`;
      const have = x.secrets.has(mount.id);
      if (!have && mount.required) throw invalidArgument(`secret ${mount.id}: not provided (use --secret id=${mount.id},src=<file>)`);
      if (have) mounts.push({ mount, target: target ?? '', source: undefined });
      mountSpecs.push({ type: 'secret', id: mount.id, target, env: mount.env, mode: mount.mode, uid: mount.uid, gid: mount.gid, present: have });
      continue;
    }
    const target = mountTarget(mount.target, rc.workdir);
    if (mount.type === 'tmpfs') {
      mounts.push({ mount, target, source: undefined });
      mountSpecs.push({ type: 'tmpfs', target, size: mount.size, ro: mount.readOnly });
      continue;
    }
    if (mount.type === 'cache') {
      const state = m.source !== undefined ? await x.source(m.source) : undefined;
      mounts.push({ mount, target, source: m.source, ...(state !== undefined ? { state } : {}) });
      mountSpecs.push({ type: 'cache', target, id: mount.id, sharing: mount.sharing, ro: mount.readOnly, mode: mount.mode, uid: mount.uid, gid: mount.gid, from: state?.key, source: mount.source });
      continue;
    }
    // bind
    if (m.source === undefined || m.source.kind === 'context') {
      const hashed = hashSources(x.context, [mount.source], x.session.hasher);
      if ((hashed.matches[0] ?? []).length === 0) throw invalidArgument(`failed to compute cache key: "${cleanPath(`/${mount.source}`)}": not found`);
      mounts.push({ mount, target, source: undefined });
      mountSpecs.push({ type: 'bind', target, source: mount.source, context: hashed.digest, rw: !mount.readOnly });
    } else {
      const state = await x.source(m.source);
      mounts.push({ mount, target, source: m.source, state });
      mountSpecs.push({ type: 'bind', target, source: mount.source, from: state.key, rw: !mount.readOnly });
    }
  }
  const spec = {
    args,
    env: rc.env,
    user: rc.user,
    workdir: rc.workdir,
    network,
    mounts: mountSpecs,
    inline: inlineFiles.map((f) => ({ path: f.path, content: f.content })),
  };
  return { args, inlineFiles, mounts, network, spec };
}

export type CopySourceSpec =
  | { kind: 'context'; pattern: string; matches: SourceMatch[] }
  | { kind: 'state'; state: SourceState; patterns: string[] }
  | { kind: 'download'; tree: SourceTree; matches: SourceMatch[] };

/** A COPY/ADD ready to key and execute. */
export interface PreparedCopy {
  sources: CopySourceSpec[];
  dest: string;
  spec: unknown;
  exclude?: IgnoreMatcher;
}

/** A URL's file name: the last path component (`index.html` when there is none, as curl -O would fail). */
function urlFileName(url: string): string {
  const u = new URL(url);
  const base = path.posix.basename(decodeURIComponent(u.pathname));
  return base === '' || base === '/' ? 'index.html' : base;
}

/** Downloads `url` into a fresh directory; returns the file's tree and match, and the content digest. */
async function download(x: StepEnv, url: string): Promise<{ tree: SourceTree; digest: string; name: string }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: x.session.ctx.signal, redirect: 'follow' });
  } catch (err) {
    throw unavailable(`failed to load ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw unavailable(`failed to load ${url}: ${res.status} ${res.statusText}`);
  const data = Buffer.from(await res.arrayBuffer());
  const dir = x.session.tempDir('download');
  const name = urlFileName(url);
  const file = path.join(dir, name);
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600);
  const lm = res.headers.get('last-modified');
  const t = lm !== null ? new Date(lm) : undefined;
  if (t !== undefined && !Number.isNaN(t.getTime())) utimesSync(file, t, t);
  return { tree: { root: dir }, digest: createHash('sha256').update(data).digest('hex'), name };
}

/** Prepares a COPY/ADD: matches and hashes context sources, downloads URLs, locates stages and images. */
export async function prepareCopy(x: StepEnv, r: ResolvedCopy | ResolvedAdd, workdir: string): Promise<PreparedCopy> {
  const dest = resolveDestPath(workdir, r.dest);
  const argCount = r.sources.length + r.inlineSources.length;
  if (argCount > 1 && !r.dest.endsWith('/')) {
    throw invalidArgument(`When using ${r.kind} with more than one source file, the destination must be a directory and end with a /`);
  }
  let exclude: IgnoreMatcher | undefined;
  if (r.excludes.length > 0) exclude = createIgnoreMatcher(r.excludes);
  const sources: CopySourceSpec[] = [];
  const keyed: unknown[] = [];
  if (r.kind === 'COPY' && r.from.kind !== 'context') {
    const state = await x.source(r.from);
    sources.push({ kind: 'state', state, patterns: r.sources });
    keyed.push({ from: state.key, sources: r.sources });
  } else {
    const local: string[] = [];
    for (const s of r.sources) {
      if (typeof s === 'string') local.push(s);
      else if (s.kind === 'local') local.push(s.path);
      else if (s.kind === 'git') throw notImplemented(`ADD ${s.url}: git sources are not supported by this builder`);
      else {
        const d = await download(x, s.url);
        if (r.kind === 'ADD' && r.checksum !== undefined) {
          const want = r.checksum.startsWith('sha256:') ? r.checksum.slice('sha256:'.length) : undefined;
          if (want === undefined) throw invalidArgument(`unsupported checksum algorithm in ${r.checksum}: use sha256:<hex>`);
          if (want !== d.digest) throw invalidArgument(`digest mismatch for ${s.url}: sha256:${d.digest}, expected ${r.checksum}`);
        }
        const matches = matchSources(d.tree, d.name);
        sources.push({ kind: 'download', tree: d.tree, matches });
        keyed.push({ url: s.url, name: d.name, digest: d.digest });
      }
    }
    if (local.length > 0) {
      const hashed = hashSources(x.context, local, x.session.hasher, exclude);
      let total = 0;
      local.forEach((pattern, i) => {
        const matches = hashed.matches[i] ?? [];
        total += matches.length;
        if (matches.length === 0 && !hasWildcards(pattern)) {
          throw invalidArgument(`failed to compute cache key: "${cleanPath(`/${pattern}`)}": not found`);
        }
        sources.push({ kind: 'context', pattern, matches });
      });
      if (total === 0 && sources.every((s) => s.kind === 'context') && r.inlineSources.length === 0) {
        throw invalidArgument(`failed to compute cache key: "${cleanPath(`/${local[0]}`)}": not found`);
      }
      keyed.push({ context: hashed.digest });
    }
  }
  const spec = {
    dest,
    sources: keyed,
    inline: r.inlineSources,
    chown: r.chown,
    chmod: r.chmodText,
    excludes: r.excludes,
    parents: r.kind === 'COPY' ? r.parents : false,
    unpack: r.kind === 'ADD' ? (r.unpack ?? true) : false,
  };
  return { sources, dest, spec, ...(exclude !== undefined ? { exclude } : {}) };
}

