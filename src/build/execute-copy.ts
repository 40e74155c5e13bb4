/**
 * COPY and ADD: their cache-key description (the content digest of what they read from the context, the key of
 * a source stage, an image ID, a downloaded file's digest) and their execution when the cache misses: a layer
 * (execute-layer.ts) whose work is copy.ts on the mounted root filesystem.
 */
import type { Digest } from '../engine/digest.js';
import { invalidArgument } from '../engine/errdefs.js';
import { readFileInRoot } from '../engine/oci/rootfs-path.js';
import { parseGroup, parsePasswd } from '../engine/oci/user.js';
import { copyInto, type CopySource } from './copy.js';
import { matchSources, type SourceTree } from './copy-sources.js';
import { buildLayer, type LayerOutcome } from './execute-layer.js';
import type { PreparedCopy } from './execute-prepare.js';
import type { StepEnv } from './execute-step-env.js';
import { cleanPath, hasWildcards } from './path-match.js';
import type { ResolvedAdd, ResolvedCopy } from './stage-env.js';

/**
 * `--chown` against the destination's /etc/passwd and /etc/group (BuildKit's rules): numbers are used as they are,
 * names must exist; a user without a group gets the user's primary group (a numeric user: the same number).
 */
export function resolveChown(root: string, spec: string): { uid: number; gid: number } {
  const colon = spec.indexOf(':');
  const u = colon < 0 ? spec : spec.slice(0, colon);
  const g = colon < 0 ? undefined : spec.slice(colon + 1);
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : undefined);
  let uid = num(u);
  let gid: number | undefined;
  if (uid === undefined) {
    const text = readFileInRoot(root, '/etc/passwd');
    const entry = text === undefined ? undefined : parsePasswd(text).find((e) => e.name === u);
    if (entry === undefined) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${u}: no such user: ${u}`);
    uid = entry.uid;
    gid = entry.gid;
  } else {
    gid = uid;
  }
  if (g !== undefined && g !== '') {
    const n = num(g);
    if (n !== undefined) gid = n;
    else {
      const text = readFileInRoot(root, '/etc/group');
      const entry = text === undefined ? undefined : parseGroup(text).find((e) => e.name === g);
      if (entry === undefined) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${g}: no such group: ${g}`);
      gid = entry.gid;
    }
  }
  return { uid, gid };
}

/** Runs a prepared COPY/ADD on top of `parent` and returns the new state. */
export async function executeCopy(x: StepEnv, r: ResolvedCopy | ResolvedAdd, p: PreparedCopy, parent: Digest | undefined): Promise<LayerOutcome> {
  const session = x.session;
  const ctx = await session.leased();
  // Source stages and images are mounted first (views last until the build ends).
  const resolved: CopySource[] = [];
  for (const s of p.sources) {
    if (s.kind === 'context') resolved.push({ tree: x.context, matches: s.matches, fromContext: true, extractArchives: r.kind === 'ADD' && r.unpack !== false });
    else if (s.kind === 'download') resolved.push({ tree: s.tree, matches: s.matches, fromContext: true, extractArchives: r.kind === 'ADD' && r.unpack === true });
    else {
      await s.state.ensure();
      const root = await session.view(s.state.chainId);
      const tree: SourceTree = { root };
      for (const pattern of s.patterns) {
        const matches = matchSources(tree, pattern);
        if (matches.length === 0 && !hasWildcards(pattern)) throw invalidArgument(`"${cleanPath(`/${pattern}`)}": not found`);
        resolved.push({ tree, matches, fromContext: false });
      }
    }
  }
  return buildLayer({ ctx, sn: session.sn, content: session.deps.storage.content, workDir: session.workDir }, parent, async (root) => {
    const chown = r.chown !== undefined ? resolveChown(root, r.chown) : undefined;
    await copyInto(root, {
      sources: resolved,
      inline: r.inlineSources,
      dest: p.dest,
      ...(chown !== undefined ? { chown } : {}),
      ...(r.chmod !== undefined ? { chmod: r.chmod } : {}),
      ...(p.exclude !== undefined ? { exclude: p.exclude } : {}),
      parents: r.kind === 'COPY' && r.parents,
      log: session.log,
      signal: session.ctx.signal,
    });
  });
}

/** WORKDIR: creates the directory (and missing parents), owned by the current USER as in BuildKit. */
export async function executeWorkdir(x: StepEnv, dir: string, user: string, parent: Digest | undefined): Promise<LayerOutcome> {
  const session = x.session;
  const ctx = await session.leased();
  return buildLayer({ ctx, sn: session.sn, content: session.deps.storage.content, workDir: session.workDir }, parent, async (root) => {
    const { mkdirWorkdir } = await import('./execute-workdir.js');
    mkdirWorkdir(root, dir, user);
  });
}
