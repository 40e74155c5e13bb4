/**
 * `-u/--user` and `--group-add`, resolved against the image's /etc/passwd and /etc/group with the rules of
 * Docker (moby/sys/user GetExecUser and GetAdditionalGroups), and the resulting process user of the spec.
 */
import { invalidArgument } from '../errdefs.js';
import { readFileInRoot } from './rootfs-path.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** The process identity of a container, as the spec's `process.user` needs it. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Primary gid first, then the user's supplementary groups, then `--group-add` ones, without duplicates. */
  additionalGids: number[];
  /** From passwd when the user has an entry, else `/`. */
  home: string;
}

const MAX_ID = 2 ** 31 - 1;

// Go's strconv.Atoi: optional sign, decimal digits only.
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

function lines(text: string): string[][] {
  const out: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line.split(':'));
  }
  return out;
}

/** Parses /etc/passwd text (`name:pw:uid:gid:gecos:home:shell`); unparsable numbers read as 0, as in moby. */
export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((f) => ({
    name: f[0] ?? '',
    uid: atoi(f[2] ?? '') ?? 0,
    gid: atoi(f[3] ?? '') ?? 0,
    home: f[5] ?? '',
    shell: f[6] ?? '',
  }));
}

/** Parses /etc/group text (`name:pw:gid:member,member`). */
export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((f) => ({
    name: f[0] ?? '',
    gid: atoi(f[2] ?? '') ?? 0,
    members: (f[3] ?? '').split(',').filter((m) => m !== ''),
  }));
}

function rangeError() {
  return invalidArgument(`uids and gids must be in range 0-${MAX_ID}`);
}

/**
 * Resolves `spec` (`name`, `uid`, `name:group`, `uid:gid`, `name:gid`, `uid:group`, or empty for the image
 * default root) and `groupAdd` (names or numbers) against parsed passwd/group entries; `undefined` stands for a
 * missing file. Rules, as Docker's:
 * - a numeric user is always a uid; one without a passwd entry gets gid 0 and no supplementary groups;
 * - a user found in passwd gets its primary gid and, unless a group is given, the gids of every /etc/group entry
 *   listing it as a member;
 * - a named user or group that is not found is an error; numbers outside 0..2^31-1 are an error.
 *
 * Errors are invalid-argument with Docker's wording: `unable to find user x: no matching entries in passwd
 * file`, `unable to find group x: no matching entries in group file`, `Unable to find group x: no matching
 * entries in group file` (for `--group-add`).
 */
export function resolveUserSpec(
  spec: string,
  passwd: readonly PasswdEntry[] | undefined,
  group: readonly GroupEntry[] | undefined,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);

  let uid = 0;
  let gid = 0;
  let home = '/';
  let sgids: number[] = [];
  let matchedName = '';

  const users = (passwd ?? []).filter((u) =>
    userArg === '' ? u.uid === uid : uidArg !== undefined ? u.uid === uidArg : u.name === userArg,
  );
  const first = users[0];
  if (first) {
    matchedName = first.name;
    uid = first.uid;
    gid = first.gid;
    home = first.home || '/';
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      throw invalidArgument(`unable to find user ${userArg}: no matching entries in passwd file`);
    }
    if (uidArg < 0 || uidArg > MAX_ID) throw rangeError();
    uid = uidArg;
  }

  if (groupArg !== '' || matchedName !== '') {
    const groups = (group ?? []).filter((g) =>
      groupArg === '' ? g.members.includes(matchedName) : gidArg !== undefined ? g.gid === gidArg : g.name === groupArg,
    );
    if (groupArg !== '') {
      const g = groups[0];
      if (g) {
        gid = g.gid;
      } else {
        if (gidArg === undefined) {
          throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
        }
        if (gidArg < 0 || gidArg > MAX_ID) throw rangeError();
        gid = gidArg;
      }
    } else {
      sgids = groups.map((g) => g.gid);
    }
  }

  const extra: number[] = [];
  for (const ag of groupAdd) {
    const n = atoi(ag);
    const found = (group ?? []).filter((g) => g.name === ag || (n !== undefined && g.gid === n));
    if (found.length) {
      extra.push(...found.map((g) => g.gid));
      continue;
    }
    if (n === undefined) throw invalidArgument(`Unable to find group ${ag}: no matching entries in group file`);
    if (n < 0 || n > MAX_ID) throw rangeError();
    extra.push(n);
  }

  return { uid, gid, additionalGids: [...new Set([gid, ...sgids, ...extra])], home };
}

/**
 * {@link resolveUserSpec} against the files of a container's root filesystem, read without following symlinks
 * out of it. A missing /etc/passwd or /etc/group is treated as empty (numeric ids still work).
 */
export function resolveUser(rootfs: string, spec: string, groupAdd: readonly string[] = []): ResolvedUser {
  const passwd = readFileInRoot(rootfs, '/etc/passwd');
  const group = readFileInRoot(rootfs, '/etc/group');
  return resolveUserSpec(
    spec,
    passwd === undefined ? undefined : parsePasswd(passwd),
    group === undefined ? undefined : parseGroup(group),
    groupAdd,
  );
}
