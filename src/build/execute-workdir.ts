/**
 * WORKDIR's directory: created with its missing parents, 0755, owned by the current USER when one is set
 * (BuildKit's rule; an existing directory keeps its owner), confined to the root filesystem.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync } from 'node:fs';
import { resolveInRoot } from '../engine/archive/root-path.js';
import { invalidArgument, isErrno } from '../engine/errdefs.js';
import { resolveUser } from '../engine/oci/user.js';

/** Creates `dir` (absolute, inside `root`) and its missing parents. */
export function mkdirWorkdir(root: string, dir: string, user: string): void {
  let owner = { uid: 0, gid: 0 };
  if (user !== '') {
    const u = resolveUser(root, user);
    owner = { uid: u.uid, gid: u.gid };
  }
  const parts = dir.split('/').filter((p) => p !== '' && p !== '.');
  let cur = '';
  for (const part of parts) {
    cur = cur === '' ? part : `${cur}/${part}`;
    const r = resolveInRoot(root, cur, { followFinal: true });
    let st;
    try {
      st = lstatSync(r.path);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (st === undefined) {
      mkdirSync(r.path);
      chmodSync(r.path, 0o755);
      lchownSync(r.path, owner.uid, owner.gid);
    } else if (!st.isDirectory()) {
      throw invalidArgument(`cannot create WORKDIR ${dir}: /${cur} exists and is not a directory`);
    }
  }
}
