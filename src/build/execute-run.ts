/**
 * RUN: its cache-key description, and its execution when the cache misses.
 *
 * Execution: a layer (execute-layer.ts) whose work is one runc container (run-step.ts) with the stage's
 * environment, user, working directory and shell argv, the build's network (or `RUN --network`), and the step's
 * mounts: `bind` (the context, a stage or an image; read-only, or writable with changes thrown away), `cache`
 * (cache-mounts.ts), `tmpfs`, `secret` (a private file, never in a layer) and heredoc scripts. Mount points runc
 * creates in the root filesystem (`/etc/hosts` in an image without it, a cache target) are removed again before
 * the diff, as BuildKit does, so they never reach the layer.
 */
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveInRoot } from '../engine/archive/root-path.js';
import type { Digest } from '../engine/digest.js';
import { generateId } from '../engine/identifiers.js';
import { EngineError, invalidArgument, isErrno } from '../engine/errdefs.js';
import { mountAll, unmount } from '../engine/mount/mount.js';
import type { ResolvedMount as OciMount } from '../engine/oci/mounts.js';
import { resolveUser } from '../engine/oci/user.js';
import { acquireCacheMount } from './cache-mounts.js';
import { matchSources, walkSource, type SourceTree } from './copy-sources.js';
import { buildLayer, type LayerOutcome } from './execute-layer.js';
import type { PreparedRun, RunContext } from './execute-prepare.js';
import type { StepEnv } from './execute-step-env.js';
import { cleanPath } from './path-match.js';
import { processFailed, runContainer } from './run-step.js';

/** Copies the visible part of a context directory (honouring .dockerignore) to `dest`. */
function copyVisible(tree: SourceTree, rel: string, dest: string): void {
  const m = matchSources(tree, rel)[0];
  if (m === undefined) throw invalidArgument(`"${cleanPath(`/${rel}`)}": not found`);
  if (!m.st.isDirectory()) {
    copyFileSync(m.abs, path.join(dest, path.basename(m.abs)));
    return;
  }
  for (const e of walkSource(tree, m)) {
    const to = path.join(dest, e.rel);
    if (e.st.isDirectory()) mkdirSync(to, { mode: Number(e.st.mode & 0o7777n) });
    else if (e.st.isSymbolicLink()) symlinkSync(readlinkSync(e.abs), to);
    else if (e.st.isFile()) copyFileSync(e.abs, to);
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The mount points runc will create: for each destination, the first path component that does not exist in the
 * root yet (relative). `parents` collects the existing directories above them (overlay copies those up).
 */
export function missingMountPoints(root: string, destinations: readonly string[]): { stubs: string[]; parents: string[] } {
  const stubs = new Set<string>();
  const parents = new Set<string>();
  for (const dest of destinations) {
    const r = resolveInRoot(root, dest, { followFinal: true });
    if (r.exists) continue;
    const comps = r.components;
    let i = 0;
    while (i < comps.length && exists(path.join(root, ...comps.slice(0, i + 1)))) i++;
    if (i >= comps.length) continue;
    stubs.add(comps.slice(0, i + 1).join('/'));
    for (let j = 1; j <= i; j++) parents.add(comps.slice(0, j).join('/'));
  }
  return { stubs: [...stubs], parents: [...parents] };
}

/** True when `p` is an empty file, or a directory holding only such things. */
function onlyEmpty(p: string): boolean {
  let st;
  try {
    st = lstatSync(p);
  } catch {
    return false;
  }
  if (st.isFile()) return st.size === 0;
  if (!st.isDirectory()) return false;
  return readdirSync(p).every((n) => onlyEmpty(path.join(p, n)));
}

/** Removes mount points runc left (still empty) in the root. */
export function removeMountStubs(root: string, stubs: readonly string[]): void {
  for (const s of stubs) {
    const p = path.join(root, s);
    if (onlyEmpty(p)) rmSync(p, { recursive: true, force: true });
  }
}

/** Runs a prepared RUN on top of `parent` and returns the new state. */
export async function executeRun(x: StepEnv, p: PreparedRun, rc: RunContext, parent: Digest | undefined): Promise<LayerOutcome> {
  const session = x.session;
  const ctx = await session.leased();
  // Sources and network first: they may mount views or join the network, which outlive this step.
  const states = await Promise.all(p.mounts.map(async (m) => (m.state !== undefined ? (await m.state.ensure(), m.state) : undefined)));
  const net = await session.network(p.network);
  return buildLayer({ ctx, sn: session.sn, content: session.deps.storage.content, workDir: session.workDir }, parent, async (root) => {
    const releases: (() => Promise<void> | void)[] = [];
    const env = [...rc.env, ...rc.proxyEnv];
    const mounts: OciMount[] = [];
    try {
      for (let i = 0; i < p.mounts.length; i++) {
        const pm = p.mounts[i]!;
        const m = pm.mount;
        const state = states[i];
        if (m.type === 'tmpfs') {
          mounts.push({ type: 'tmpfs', destination: pm.target, options: [...(m.size !== undefined ? [`size=${m.size}`] : []), ...(m.readOnly ? ['ro'] : [])] });
        } else if (m.type === 'secret') {
          const value = x.secrets.get(m.id)!;
          if (m.env !== undefined) env.push(`${m.env}=${value.toString('utf8')}`);
          if (pm.target === '') continue;
          const dir = session.tempDir('secret');
          const file = path.join(dir, 'value');
          writeFileSync(file, value, { mode: m.mode });
          chmodSync(file, m.mode);
          chownSync(file, m.uid, m.gid);
          chmodSync(dir, 0o755);
          releases.push(() => rmSync(dir, { recursive: true, force: true }));
          mounts.push({ type: 'bind', source: file, destination: pm.target, readOnly: true });
        } else if (m.type === 'cache') {
          const held = await acquireCacheMount({
            dataRoot: x.dataRoot,
            namespace: session.ctx.namespace,
            id: m.id,
            sharing: m.sharing,
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            scratchDir: session.workDir,
            signal: session.ctx.signal,
          });
          releases.push(() => held.release());
          if (state !== undefined && readdirSync(held.dir).length === 0) {
            // `from=`: an empty cache starts as a copy of the source path.
            const src = await session.view(state.chainId);
            const tree: SourceTree = { root: src };
            const sm = matchSources(tree, m.source)[0];
            if (sm !== undefined && sm.st.isDirectory()) {
              for (const e of walkSource(tree, sm)) {
                const to = path.join(held.dir, e.rel);
                if (e.st.isDirectory()) mkdirSync(to, { recursive: true });
                else if (e.st.isSymbolicLink()) symlinkSync(readlinkSync(e.abs), to);
                else if (e.st.isFile()) copyFileSync(e.abs, to);
              }
            }
          }
          mounts.push({ type: 'bind', source: held.dir, destination: pm.target, readOnly: m.readOnly });
        } else if (m.type === 'bind') {
          let srcRoot: string;
          let tree: SourceTree;
          if (state === undefined) {
            tree = x.context;
            srcRoot = x.context.root;
          } else {
            srcRoot = await session.view(state.chainId);
            tree = { root: srcRoot };
          }
          let source: string;
          if (state === undefined && x.context.matcher !== undefined && x.context.matcher.patterns.length > 0) {
            // The context as a build sees it: ignored files are not there.
            const copy = session.tempDir('bind');
            copyVisible(tree, m.source, copy);
            releases.push(() => rmSync(copy, { recursive: true, force: true }));
            const st = matchSources(tree, m.source)[0]!;
            source = st.st.isDirectory() ? copy : path.join(copy, path.basename(st.abs));
          } else {
            const r = resolveInRoot(srcRoot, m.source, { followFinal: true });
            if (!r.exists) throw invalidArgument(`"${cleanPath(`/${m.source}`)}": not found`);
            source = r.path;
          }
          if (!m.readOnly) {
            // Writes to a writable bind are thrown away: an overlay on top of the source, dropped afterwards.
            if (!lstatSync(source).isDirectory()) {
              const copy = session.tempDir('bindfile');
              const f = path.join(copy, path.basename(source));
              copyFileSync(source, f);
              source = f;
            } else {
              const o = session.tempDir('bindrw');
              for (const d of ['upper', 'work', 'merged']) mkdirSync(path.join(o, d));
              await mountAll([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${source}`, `upperdir=${o}/upper`, `workdir=${o}/work`] }], path.join(o, 'merged'));
              releases.push(async () => {
                await unmount(path.join(o, 'merged'));
                rmSync(o, { recursive: true, force: true });
              });
              source = path.join(o, 'merged');
            }
          }
          mounts.push({ type: 'bind', source, destination: pm.target, readOnly: m.readOnly });
        }
      }
      for (const f of p.inlineFiles) {
        const dir = session.tempDir('heredoc');
        const file = path.join(dir, path.basename(f.path));
        writeFileSync(file, f.content, { mode: f.mode });
        chmodSync(file, f.mode);
        mounts.push({ type: 'bind', source: file, destination: f.path, readOnly: true });
      }
      let user;
      try {
        user = resolveUser(root, rc.user);
      } catch (err) {
        throw invalidArgument(`unable to resolve USER ${rc.user}: ${(err as Error).message}`, { cause: err });
      }
      const destinations = ['/proc', '/dev', '/sys', '/etc/hosts', '/etc/resolv.conf', ...mounts.map((m) => m.destination).filter((d) => !d.startsWith('/dev/'))];
      const { stubs, parents } = missingMountPoints(root, destinations);
      const result = await runContainer({
        id: generateId(),
        namespace: session.ctx.namespace,
        rootfs: root,
        bundleDir: path.join(session.workDir, `bundle-${session.next()}`),
        args: p.args,
        env,
        cwd: rc.workdir,
        user,
        network: net.ns,
        mounts,
        hostsFile: net.hosts,
        resolvConfFile: net.resolvConf,
        runc: session.runc,
        onOutput: (stream, chunk) => session.progress.log(x.vertex, stream, chunk),
        signal: session.ctx.signal,
        log: session.log,
      });
      removeMountStubs(root, stubs);
      if (result.exitCode !== 0) throw new RunFailed(processFailed(p.args, result.exitCode), result.exitCode);
      return { pruneCandidates: parents };
    } finally {
      for (const r of releases.reverse()) {
        try {
          await r();
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) session.log.debug('run cleanup failed', { error: err });
        }
      }
    }
  });
}

/** A RUN whose command exited non-zero. */
export class RunFailed extends EngineError {
  readonly commandExitCode: number;
  constructor(message: string, exitCode: number) {
    super('failed-precondition', message);
    this.name = 'RunFailed';
    this.commandExitCode = exitCode;
  }
}
