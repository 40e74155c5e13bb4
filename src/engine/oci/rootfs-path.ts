/**
 * Paths inside a container's root filesystem, resolved as the container would see them: symlinks (absolute or
 * relative) and `..` are interpreted with the rootfs as `/`, so a hostile image cannot make the engine read or
 * write outside it (`/etc/passwd -> /../../../etc/shadow` stays inside).
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { invalidArgument, isErrno } from '../errdefs.js';

const MAX_SYMLINKS = 255;

/**
 * The host path of `unsafePath` inside `root`, following symlinks confined to `root` (filepath-securejoin's
 * semantics). Components that do not exist are appended lexically. The result always lies inside `root`.
 * Raises invalid-argument on a symlink loop.
 */
export function resolveInRoot(root: string, unsafePath: string): string {
  let current = '';
  let remaining = unsafePath;
  let links = 0;
  while (remaining !== '') {
    const slash = remaining.indexOf('/');
    const part = slash < 0 ? remaining : remaining.slice(0, slash);
    remaining = slash < 0 ? '' : remaining.slice(slash + 1);
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = path.posix.dirname(`/${current}`).slice(1);
      continue;
    }
    const next = current === '' ? part : `${current}/${part}`;
    let isLink = false;
    try {
      isLink = lstatSync(path.join(root, next)).isSymbolicLink();
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++links > MAX_SYMLINKS) throw invalidArgument(`${unsafePath}: too many levels of symbolic links`);
    const target = readlinkSync(path.join(root, next));
    if (target.startsWith('/')) current = '';
    remaining = remaining === '' ? target : `${target}/${remaining}`;
  }
  return current === '' ? root : path.join(root, current);
}

/** The content of a file inside `root` (see {@link resolveInRoot}); `undefined` when it does not exist. */
export function readFileInRoot(root: string, unsafePath: string): string | undefined {
  try {
    return readFileSync(resolveInRoot(root, unsafePath), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}
