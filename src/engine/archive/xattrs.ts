/**
 * Extended attributes through Debian's `attr` tools, because Node has no xattr API.
 *
 * Both directions are batched so a whole layer costs one process: `getfattr -R -d` dumps every attribute of a
 * tree, `setfattr --restore` applies a dump. The dump format (`# file: <path>` then `name=0x<hex>` lines) is
 * the tools' own; paths and names in it escape a backslash and control bytes as `\ooo` octal.
 */
import { spawn } from 'node:child_process';
import { internal, notImplemented } from '../errdefs.js';

export type Xattrs = Map<string, Buffer>;

/** Escapes a path or attribute name the way getfattr prints it and setfattr reads it back. */
export function quoteDumpName(s: string): string {
  const b = Buffer.from(s);
  let out = '';
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x5c || c < 0x20 || c === 0x7f) {
      out += b.toString('utf8', start, i) + '\\' + c.toString(8).padStart(3, '0');
      start = i + 1;
    }
  }
  return out + b.toString('utf8', start);
}

/** Reverses {@link quoteDumpName}. */
export function unquoteDumpName(s: string): string {
  if (!s.includes('\\')) return s;
  const src = Buffer.from(s);
  const out = Buffer.alloc(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x5c && i + 3 < src.length && /^[0-7]{3}$/.test(src.toString('latin1', i + 1, i + 4))) {
      out[n++] = parseInt(src.toString('latin1', i + 1, i + 4), 8);
      i += 3;
    } else {
      out[n++] = c;
    }
  }
  return out.toString('utf8', 0, n);
}

/** Formats `(path, attrs)` pairs as a dump for `setfattr --restore`. Values are written as hex. */
export function formatXattrDump(entries: Iterable<[string, Xattrs]>): string {
  let out = '';
  for (const [path, attrs] of entries) {
    out += `# file: ${quoteDumpName(path)}\n`;
    for (const [name, value] of attrs) out += `${quoteDumpName(name)}=0x${value.toString('hex')}\n`;
    out += '\n';
  }
  return out;
}

/** Parses `getfattr -d -e hex --absolute-names` output into path -> attributes. */
export function parseXattrDump(text: string): Map<string, Xattrs> {
  const out = new Map<string, Xattrs>();
  let cur: Xattrs | undefined;
  for (const line of text.split('\n')) {
    if (line === '') {
      cur = undefined;
      continue;
    }
    if (line.startsWith('# file: ')) {
      cur = new Map();
      out.set(unquoteDumpName(line.slice(8)), cur);
      continue;
    }
    if (!cur) continue;
    const eq = line.indexOf('=');
    const name = unquoteDumpName(eq < 0 ? line : line.slice(0, eq));
    const raw = eq < 0 ? '' : line.slice(eq + 1);
    let value: Buffer;
    if (raw.startsWith('0x')) value = Buffer.from(raw.slice(2), 'hex');
    else if (raw.startsWith('0s')) value = Buffer.from(raw.slice(2), 'base64');
    else if (raw.startsWith('"') && raw.endsWith('"')) value = Buffer.from(raw.slice(1, -1));
    else value = Buffer.from(raw);
    cur.set(name, value);
  }
  return out;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(notImplemented(`extended attributes need \`${cmd}\` (Debian package "attr")`, { cause: e }));
      } else reject(internal(`${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => {}); // an early exit surfaces through `close` and stderr
    child.stdin.end(input ?? '');
  });
}

/**
 * Every extended attribute under the absolute `paths` (recursively, symlinks not followed, the paths
 * themselves included), keyed by absolute path. Files without attributes are absent from the map.
 */
export async function readTreeXattrs(...paths: string[]): Promise<Map<string, Xattrs>> {
  if (paths.length === 0) return new Map();
  const r = await run('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', ...paths]);
  // A file that vanished during the walk (a running container) is simply not there.
  const errors = r.stderr.split('\n').filter((l) => l !== '' && !l.endsWith('No such file or directory'));
  if (r.code !== 0 && errors.length > 0) throw internal(`read extended attributes of ${paths[0]}: ${errors[0]}`);
  return parseXattrDump(r.stdout);
}

/**
 * Sets attributes on many paths with one `setfattr` process. Paths are used as given and the final component
 * is not followed (`-h`); the caller guarantees they lie inside its root.
 */
export async function writeXattrs(
  entries: Array<[string, Xattrs]>,
  opts: { ignoreUnsupported?: boolean } = {},
): Promise<{ unsupported: string[] }> {
  if (entries.length === 0) return { unsupported: [] };
  const r = await run('setfattr', ['-h', '--restore=-'], formatXattrDump(entries));
  if (r.code === 0) return { unsupported: [] };
  const lines = r.stderr.trim().split('\n').filter((l) => l !== '');
  // containerd skips attributes the filesystem cannot store (ENOTSUP) with a warning; the caller decides.
  const unsupported = lines.filter((l) => l.endsWith('Operation not supported'));
  if (opts.ignoreUnsupported && lines.length > 0 && unsupported.length === lines.length) return { unsupported };
  throw internal(`set extended attributes: ${lines[0] ?? `setfattr exit status ${r.code}`}`);
}
