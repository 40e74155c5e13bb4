/**
 * Mounts as values, and the few operations the engine performs with them.
 *
 * A {@link Mount} is plain data, the shape containerd uses: snapshotters return lists of them, the image
 * pipeline applies layers into them, containers hand them to runc. Nothing is mounted until someone calls
 * {@link mountAll}.
 *
 * Node cannot call mount(2), so mounting spawns util-linux `mount` and `umount` (always present on the hosts we
 * support, and they handle details such as read-only bind mounts needing a remount). Errors are turned into one
 * line naming the mount and the target, classified as an {@link EngineError}.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineError, invalidArgument, isErrno, type ErrorCode } from '../errdefs.js';

/**
 * One mount: what to mount (`type`, `source`, `options`) and, optionally, where relative to the target directory
 * given to {@link mountAll} (`target`, e.g. `/proc` for a mount inside a rootfs).
 *
 * Types in use: `overlay` (options carry `lowerdir=`, `upperdir=`, `workdir=` with absolute paths) and `bind`
 * (options carry `bind` or `rbind`, plus `ro`/`rw`). Paths in options must not contain commas or colons.
 */
export interface Mount {
  type: string;
  source: string;
  /** Sub-path of the mount target, for lists that build a tree; absent means the target itself. */
  target?: string;
  options: string[];
}

/** The kernel copies mount data into one page; longer option strings fail with EINVAL. */
export const MOUNT_DATA_LIMIT = 4096 - 1;

const LOWERDIR = 'lowerdir=';

/** True when the mount list mounts read-only (its first mount carries `ro`), as a view snapshot's does. */
export function isReadonly(mounts: readonly Mount[]): boolean {
  return mounts[0]?.options.includes('ro') ?? false;
}

/** The command line that performs `m` at `target`, and the working directory it needs (see {@link compactOverlay}). */
export interface MountCommand {
  argv: string[];
  cwd?: string;
}

/**
 * Builds the `mount` argv for one mount. Pure. An overlay whose options exceed {@link MOUNT_DATA_LIMIT} gets its
 * lower directories rewritten relative to their common parent, which becomes the working directory of `mount`:
 * the kernel resolves relative overlay paths against the caller's cwd, so a 130-layer image needs about 8 bytes
 * per layer instead of the full path. Throws invalid-argument when even that does not fit.
 */
export function mountCommand(m: Mount, target: string, limit = MOUNT_DATA_LIMIT): MountCommand {
  if (m.type === 'bind') {
    const opts = m.options.includes('bind') || m.options.includes('rbind') ? m.options : ['bind', ...m.options];
    return { argv: ['-o', opts.join(','), '--', m.source, target] };
  }
  let options = m.options;
  let cwd: string | undefined;
  if (m.type === 'overlay' && options.join(',').length > limit) {
    const compacted = compactOverlay(options);
    options = compacted.options;
    cwd = compacted.cwd;
  }
  const data = options.join(',');
  if (data.length > limit) {
    throw invalidArgument(
      `mount ${m.type} on "${target}": options are ${data.length} bytes, more than the kernel's limit of ${limit}`,
    );
  }
  const argv = ['-t', m.type];
  if (data !== '') argv.push('-o', data);
  argv.push('--', m.source, target);
  return cwd === undefined ? { argv } : { argv, cwd };
}

/**
 * Rewrites an overlay's `lowerdir=` paths relative to their longest common parent directory. `upperdir` and
 * `workdir` stay absolute (an absolute path ignores the cwd). Pure.
 */
export function compactOverlay(options: readonly string[]): { options: string[]; cwd: string } {
  const lower = options.find((o) => o.startsWith(LOWERDIR));
  if (lower === undefined) return { options: [...options], cwd: '/' };
  const dirs = lower.slice(LOWERDIR.length).split(':');
  let common = path.dirname(dirs[0] ?? '/');
  for (const d of dirs) {
    while (common !== '/' && !(d === common || d.startsWith(common.endsWith('/') ? common : common + '/'))) {
      common = path.dirname(common);
    }
  }
  const rel = dirs.map((d) => path.relative(common, d) || '.');
  return {
    options: options.map((o) => (o === lower ? LOWERDIR + rel.join(':') : o)),
    cwd: common,
  };
}

/**
 * What a mount list amounts to on disk, for code that can work on the directories directly instead of mounting
 * (applying a layer straight into an overlay upper dir is much faster than mounting first):
 * - `dir`: one bind mount; the tree is exactly `dir`;
 * - `overlay`: one overlay mount; `upper`/`work` are absent for a read-only view; `lowers` nearest first.
 * Undefined for anything else (several mounts, other types). Pure.
 */
export type MountLayout =
  | { type: 'dir'; dir: string; readonly: boolean }
  | { type: 'overlay'; upper?: string; work?: string; lowers: string[]; readonly: boolean };

/** See {@link MountLayout}. */
export function mountLayout(mounts: readonly Mount[]): MountLayout | undefined {
  const m = mounts[0];
  if (mounts.length !== 1 || m === undefined || (m.target !== undefined && m.target !== '/')) return undefined;
  const readonly = m.options.includes('ro');
  if (m.type === 'bind') return { type: 'dir', dir: m.source, readonly };
  if (m.type !== 'overlay') return undefined;
  const opt = (name: string) => m.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
  const upper = opt('upperdir');
  const work = opt('workdir');
  const lowers = opt('lowerdir')?.split(':') ?? [];
  return {
    type: 'overlay',
    ...(upper === undefined ? {} : { upper }),
    ...(work === undefined ? {} : { work }),
    lowers,
    readonly: readonly || upper === undefined,
  };
}

interface RunResult {
  code: number;
  stderr: string;
}

function run(file: string, argv: string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      { cwd, env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, encoding: 'utf8' },
      (err, _stdout, stderr) => {
        if (err === null) return resolve({ code: 0, stderr });
        if (typeof err.code === 'number') return resolve({ code: err.code, stderr });
        reject(err);
      },
    );
  });
}

/** The useful line of util-linux's stderr: the first one, without the `mount: ` prefix or a trailing period. */
function firstLine(stderr: string, prog: string): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '') ?? 'failed';
  return line
    .trim()
    .replace(new RegExp(`^${prog}: `), '')
    .replace(/\.$/, '');
}

function classify(text: string): ErrorCode {
  if (/permission denied|must be superuser|operation not permitted/i.test(text)) return 'permission-denied';
  if (/does not exist|no such file/i.test(text)) return 'not-found';
  if (/busy/i.test(text)) return 'unavailable';
  return 'internal';
}

/**
 * Mounts `mounts` in order on `target` (each at `target + m.target` when it names a sub-path). If one fails,
 * those already mounted are unmounted again before the error is thrown, so a failed call leaves nothing mounted.
 *
 * Errors: permission-denied (not root), not-found (target or source missing), invalid-argument (options too long),
 * internal (anything else `mount` reports, e.g. a bad overlay option).
 */
export async function mountAll(mounts: readonly Mount[], target: string): Promise<void> {
  const done: string[] = [];
  try {
    for (const m of mounts) {
      const where = m.target === undefined || m.target === '/' ? target : path.join(target, m.target);
      const cmd = mountCommand(m, where);
      let res: RunResult;
      try {
        res = await run('mount', cmd.argv, cmd.cwd);
      } catch (err) {
        throw new EngineError(
          isErrno(err, 'ENOENT') ? 'not-found' : 'internal',
          `mount ${m.type} on "${where}": ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      if (res.code !== 0) {
        let why = firstLine(res.stderr, 'mount').replace(`${where}: `, '');
        // The kernel's ENOENT for overlay names no path; util-linux then blames the "device".
        if (m.type === 'overlay' && /special device overlay does not exist/.test(why)) {
          why = 'a lower, upper or work directory does not exist';
        }
        throw new EngineError(classify(why), `mount ${m.type} on "${where}": ${why}`);
      }
      done.push(where);
    }
  } catch (err) {
    for (const where of done.reverse()) await unmount(where).catch(() => {});
    throw err;
  }
}

/** Options for {@link unmount}. */
export interface UnmountOptions {
  /** Unmount everything below `target` too (`umount -R`). */
  recursive?: boolean;
  /** Detach now, clean up when no longer busy (`umount -l`); used as a last resort by cleanups. */
  lazy?: boolean;
}

/**
 * Unmounts `target`. Idempotent: a target that is not mounted (or does not exist) is success. A busy target is
 * retried for about a second, then fails with unavailable.
 */
export async function unmount(target: string, options: UnmountOptions = {}): Promise<void> {
  const argv: string[] = [];
  if (options.recursive) argv.push('-R');
  if (options.lazy) argv.push('-l');
  argv.push('--', target);
  for (let attempt = 0; ; attempt++) {
    const res = await run('umount', argv);
    if (res.code === 0) return;
    const why = firstLine(res.stderr, 'umount').replace(`${target}: `, '');
    if (/not mounted|no mount point specified|no such file or directory/i.test(why)) return;
    if (/busy/i.test(why) && attempt < 20) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    throw new EngineError(classify(why), `unmount "${target}": ${why}`);
  }
}

/** Unmounts `target` until nothing is mounted there (mounts can be stacked). Idempotent. */
export async function unmountAll(target: string): Promise<void> {
  for (let i = 0; i < 64 && (await isMountPoint(target)); i++) await unmount(target, { recursive: true });
}

/** Decodes the octal escapes (`\040` for a space) the kernel writes in /proc/self/mountinfo. */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every mount point of this mount namespace, from /proc/self/mountinfo, in mount order. */
export async function listMountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4 && f[4] !== undefined) out.push(unescapeMountinfo(f[4]));
  }
  return out;
}

/** True when `dir` is a mount point. */
export async function isMountPoint(dir: string): Promise<boolean> {
  const abs = path.resolve(dir);
  return (await listMountPoints()).includes(abs);
}

/** Mount points at or below `dir` (deepest last, as mounted). */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const abs = path.resolve(dir);
  const prefix = abs.endsWith('/') ? abs : abs + '/';
  return (await listMountPoints()).filter((p) => p === abs || p.startsWith(prefix));
}

/**
 * Mounts `mounts` on a fresh temporary directory, runs `fn` with its path, then unmounts and removes it, even when
 * `fn` throws. The way to look inside a snapshot (apply a layer, read a file) without keeping a mount around.
 */
export async function withTempMount<T>(
  mounts: readonly Mount[],
  fn: (root: string) => Promise<T>,
  options: { tmpRoot?: string } = {},
): Promise<T> {
  const dir = await mkdtemp(path.join(options.tmpRoot ?? tmpdir(), 'nerdctl-mount-'));
  try {
    await mountAll(mounts, dir);
    try {
      return await fn(dir);
    } finally {
      await unmountAll(dir);
    }
  } finally {
    await rmdir(dir).catch(() => {});
  }
}
