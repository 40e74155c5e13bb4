/**
 * The bash script, sourced in bash with COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT set as readline sets them, must
 * reply with what `__complete` answers (minus the part of the word before a word break, which bash keeps), with and
 * without bash-completion loaded, and apply the directives.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compWords, makeFixture, REPO, runShell, type Fixture } from './harness.js';

let fx: Fixture;
/** The working directory of the shells: two directories and two files, for file and directory completion. */
let work: string;
beforeAll(async () => {
  fx = await makeFixture();
  work = join(fx.dir, 'work');
  mkdirSync(join(work, 'alpha'), { recursive: true });
  mkdirSync(join(work, 'beta'));
  writeFileSync(join(work, 'gamma.txt'), '');
  writeFileSync(join(work, 'delta.log'), '');
});
afterAll(() => fx?.cleanup());

const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';

interface Reply {
  reply: string[];
  compopt: string[];
}

/** Completes `line` (cursor at the end) with the script and returns COMPREPLY and the compopt calls. */
function bashComplete(script: string, line: string, opts: { bashCompletion: boolean; env?: Record<string, string>; compType?: number; columns?: number }): Reply {
  const { words, cword } = compWords(line);
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const program = [
    opts.bashCompletion ? `source ${BASH_COMPLETION}` : '',
    `source ${quote(script)}`,
    // compopt works only inside a real completion: record the calls instead.
    'compopt() { COMPOPT+=("$*"); }',
    `COMP_LINE=${quote(line)}; COMP_POINT=${Buffer.byteLength(line)}`,
    `COMP_WORDS=(${words.map(quote).join(' ')}); COMP_CWORD=${cword}; COMP_TYPE=${opts.compType ?? 9}; COLUMNS=${opts.columns ?? 80}`,
    'COMPREPLY=(); COMPOPT=()',
    '__nerdctl_complete',
    'for r in "${COMPREPLY[@]}"; do printf "REPLY:%s\\n" "$r"; done',
    'for o in "${COMPOPT[@]}"; do printf "COMPOPT:%s\\n" "$o"; done',
  ].join('\n');
  const out = runShell('bash', ['--norc', '--noprofile'], program, { ...fx.env, ...opts.env }, work);
  const lines = out.split('\n');
  return {
    reply: lines.filter((l) => l.startsWith('REPLY:')).map((l) => l.slice(6)),
    compopt: lines.filter((l) => l.startsWith('COMPOPT:')).map((l) => l.slice(8)),
  };
}

/** What bash should reply: `__complete`'s values without what precedes the last `=` or `:` of the value typed. */
function expectedReply(line: string): { values: string[]; directive: number } {
  const logical = line.split(/[ \t]+/);
  const [values, directive] = fx.answer(logical.slice(1));
  const cur = logical.at(-1)!;
  const valuePart = /^-[^=]*=/.test(cur) ? cur.slice(cur.indexOf('=') + 1) : cur;
  const keep = valuePart.slice(0, Math.max(valuePart.lastIndexOf('='), valuePart.lastIndexOf(':')) + 1);
  return { values: values.map((v) => (v.startsWith(keep) ? v.slice(keep.length) : v)), directive };
}

const cases: [string, string[]][] = [
  ['nerdctl r', ['rm', 'rmi', 'run']],
  ['nerdctl container ', ['exec', 'kill', 'ls', 'rm', 'run', 'start']],
  ['nerdctl run --network ', ['bridge', 'host', 'mynet']],
  ['nerdctl run --net=m', ['mynet']],
  ['nerdctl run --network=', ['bridge', 'host', 'mynet']],
  ['nerdctl rmi busybox:', ['latest', '1.36']],
  ['nerdctl image rm busybox:l', ['latest']],
  ['nerdctl exec ', ['web', 'db']],
  ['nerdctl exec -it ', ['web', 'db']],
  ['nerdctl start ', ['old']],
  ['nerdctl rm web ', ['db', 'old', 'frozen']],
  ['nerdctl run --rest', ['--restart']],
  ['nerdctl run --restart ', ['no', 'always', 'on-failure', 'unless-stopped']],
  ['nerdctl -n ', ['default', 'k8s.io']],
  ['nerdctl --namespace=k', ['k8s.io']],
  ['nerdctl -n k8s.io volume rm ', ['data', 'cache']],
  ['nerdctl compose -f x.yml up ', ['web', 'db', 'worker']],
  ['nerdctl kill --signal SIGK', ['SIGKILL']],
  ['nerdctl run --cap-add sys_a', ['sys_admin']],
  ['nerdctl run --platform linux/arm6', ['linux/arm64']],
  ['nerdctl network create -d m', ['macvlan']],
];

describe.each([
  ['with bash-completion', true],
  ['without bash-completion', false],
])('bash script %s', (_name, bashCompletion) => {
  it.each(cases)('%j replies what __complete answers', (line, expected) => {
    const { reply } = bashComplete(fx.script('bash', false), line, { bashCompletion });
    expect(reply).toEqual(expected);
    expect(reply).toEqual(expectedReply(line).values);
  });

  it('turns file completion off for NoFileComp and leaves it on otherwise', () => {
    expect(bashComplete(fx.script('bash', false), 'nerdctl ps ', { bashCompletion })).toEqual({ reply: [], compopt: ['+o default'] });
    expect(expectedReply('nerdctl ps ').directive).toBe(4);
    // run's second argument is the command: file names, bash's default.
    const files = bashComplete(fx.script('bash', false), 'nerdctl run busybox ', { bashCompletion });
    expect(files).toEqual({ reply: [], compopt: [] });
  });

  it('completes directories only for FilterDirs', () => {
    const r = bashComplete(fx.script('bash', false), 'nerdctl --data-root ', { bashCompletion });
    expect(r.reply.map((d) => d.replace(/\/$/, '')).sort()).toEqual(['alpha', 'beta']);
  });

  it('shows descriptions aligned for several candidates, none for a single one or when inserting', () => {
    const script = fx.script('bash', true);
    expect(bashComplete(script, 'nerdctl r', { bashCompletion }).reply).toEqual([
      'rm   (Remove one or more containers)',
      'rmi  (Remove one or more images)',
      'run  (Run a command in a new container)',
    ]);
    expect(bashComplete(script, 'nerdctl run --rest', { bashCompletion }).reply).toEqual(['--restart']);
    expect(bashComplete(script, 'nerdctl r', { bashCompletion, compType: 37 }).reply).toEqual(['rm', 'rmi', 'run']);
    // Cut to the terminal width.
    const narrow = bashComplete(script, 'nerdctl run --restart ', { bashCompletion, columns: 40 }).reply;
    expect(narrow[0]).toBe('no              (Do not restart the co…)');
    expect(narrow.every((r) => [...r].length <= 40)).toBe(true);
  });

  it('never runs what is typed on the line', () => {
    const marker = join(fx.dir, 'pwned');
    bashComplete(fx.script('bash', false), `nerdctl run $(touch ${marker}) `, { bashCompletion });
    bashComplete(fx.script('bash', false), `nerdctl run \`touch ${marker}\` `, { bashCompletion });
    expect(existsSync(marker)).toBe(false);
  });
});

describe('bash script directives (canned answers)', () => {
  /** A `nerdctl` that prints a fixed answer, whatever it is asked. */
  function cannedEnv(answer: string): Record<string, string> {
    const bin = join(fx.dir, `canned-${Buffer.from(answer).toString('hex').slice(0, 16)}`);
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'answer'), answer);
    writeFileSync(join(bin, 'nerdctl'), `#!/bin/sh\ncat '${join(bin, 'answer')}'\n`);
    chmodSync(join(bin, 'nerdctl'), 0o755);
    return { PATH: `${bin}:${fx.path}` };
  }

  it('asks for no space after the word for NoSpace and keeps the order for KeepOrder', () => {
    const script = fx.script('bash', false);
    expect(bashComplete(script, 'nerdctl x', { bashCompletion: true, env: cannedEnv('xyz\n:2\n') })).toEqual({ reply: ['xyz'], compopt: ['-o nospace'] });
    expect(bashComplete(script, 'nerdctl ', { bashCompletion: true, env: cannedEnv('b\na\n:36\n') })).toEqual({ reply: ['b', 'a'], compopt: ['+o default', '-o nosort'] });
  });

  it('ignores the candidates of an Error answer and survives no answer at all', () => {
    const script = fx.script('bash', false);
    expect(bashComplete(script, 'nerdctl ', { bashCompletion: true, env: cannedEnv('a\nb\n:1\n') }).reply).toEqual([]);
    expect(bashComplete(script, 'nerdctl ', { bashCompletion: false, env: cannedEnv('') }).reply).toEqual([]);
  });

  it('filters files by extension for FilterFileExt', () => {
    const script = fx.script('bash', false);
    for (const bashCompletion of [true, false]) {
      const r = bashComplete(script, 'nerdctl x ', { bashCompletion, env: cannedEnv('txt\n:8\n') });
      expect(r.reply.map((f) => f.replace(/\/$/, '')).sort()).toEqual(['alpha', 'beta', 'gamma.txt']);
    }
  });
});

describe('bash script against the built binary', () => {
  const bin = join(REPO, 'dist', 'nerdctl.js');
  let script: string;
  let env: Record<string, string>;
  beforeAll(() => {
    const shimDir = join(fx.dir, 'real-bin');
    mkdirSync(shimDir, { recursive: true });
    writeFileSync(join(shimDir, 'nerdctl'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
    chmodSync(join(shimDir, 'nerdctl'), 0o755);
    env = { PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const r = spawnSync(process.execPath, [bin, 'completion', 'bash'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    script = join(fx.dir, 'real.bash');
    writeFileSync(script, r.stdout);
  });

  it('prints the committed script', () => {
    expect(readFileSync(script, 'utf8')).toBe(readFileSync(join(REPO, 'completions', 'nerdctl.bash'), 'utf8'));
  });

  it('completes the real tree’s commands, subcommands, flags and namespaces', () => {
    expect(bashComplete(script, 'nerdctl compl', { bashCompletion: true, env }).reply).toEqual(['completion']);
    // Two candidates: bash shows them with their descriptions.
    expect(bashComplete(script, 'nerdctl comp', { bashCompletion: true, env }).reply.map((l) => l.split(' ')[0])).toEqual(['completion', 'compose']);
    expect(bashComplete(script, 'nerdctl completion ', { bashCompletion: true, env, compType: 37 }).reply).toEqual(['bash', 'zsh', 'fish']);
    // The command's flags first, then the global ones.
    expect(bashComplete(script, 'nerdctl completion zsh --no', { bashCompletion: true, env, compType: 37 }).reply).toEqual(['--no-descriptions', '--no-color']);
    expect(bashComplete(script, 'nerdctl --snapshotter n', { bashCompletion: true, env }).reply).toEqual(['native']);
    expect(bashComplete(script, 'nerdctl -n k', { bashCompletion: true, env }).reply).toEqual(['k8s.io']);
  });
});
