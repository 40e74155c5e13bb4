import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBuildContext } from './context.js';

async function* chunks(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

describe('build context', () => {
  let dir: string;
  let scratch: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nerdctl-ctx-'));
    scratch = mkdtempSync(path.join(tmpdir(), 'nerdctl-ctx-scratch-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  });
  const write = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  };

  it('reads Dockerfile, else Containerfile, and the context .dockerignore', async () => {
    write('Containerfile', 'FROM c');
    write('.dockerignore', 'x\n');
    let c = await openBuildContext({ context: dir, cwd: '/', scratchDir: scratch });
    expect(c.dockerfile).toBe('FROM c');
    expect(c.dockerfileName).toBe('Containerfile');
    expect(c.ignore.excludes('x')).toBe(true);
    write('Dockerfile', 'FROM d');
    c = await openBuildContext({ context: dir, cwd: '/', scratchDir: scratch });
    expect(c.dockerfile).toBe('FROM d');
  });

  it('finds -f relative to the current directory, else to the context, with its own .dockerignore', async () => {
    write('sub/app.Dockerfile', 'FROM app');
    write('sub/app.Dockerfile.dockerignore', 'only-this\n');
    write('.dockerignore', 'root\n');
    const fromCwd = await openBuildContext({ context: '.', dockerfile: 'sub/app.Dockerfile', cwd: dir, scratchDir: scratch });
    expect(fromCwd.dockerfile).toBe('FROM app');
    expect(fromCwd.dockerfileName).toBe('app.Dockerfile');
    expect(fromCwd.ignore.excludes('only-this')).toBe(true);
    expect(fromCwd.ignore.excludes('root')).toBe(false);
    const fromCtx = await openBuildContext({ context: dir, dockerfile: 'sub/app.Dockerfile', cwd: '/', scratchDir: scratch });
    expect(fromCtx.dockerfilePath).toBe(path.join(dir, 'sub/app.Dockerfile'));
  });

  it('fails clearly for a missing context, a file as context, a missing Dockerfile and stdin twice', async () => {
    await expect(openBuildContext({ context: 'nope', cwd: dir, scratchDir: scratch })).rejects.toThrow('unable to prepare context: path "nope" not found');
    write('file', 'x');
    await expect(openBuildContext({ context: 'file', cwd: dir, scratchDir: scratch })).rejects.toThrow(/context must be a directory/);
    await expect(openBuildContext({ context: dir, cwd: dir, scratchDir: scratch })).rejects.toThrow(/cannot find a Dockerfile or Containerfile/);
    await expect(openBuildContext({ context: dir, dockerfile: 'x.Dockerfile', cwd: dir, scratchDir: scratch })).rejects.toThrow(/x\.Dockerfile: no such file/);
    await expect(openBuildContext({ context: '-', dockerfile: '-', cwd: dir, scratchDir: scratch })).rejects.toThrow("can't use stdin for both");
    await expect(openBuildContext({ context: 'https://example.com/x.git', cwd: dir, scratchDir: scratch })).rejects.toThrow(/remote build contexts are not supported/);
    write('.dockerignore', '!\n');
    write('Dockerfile', 'FROM x');
    await expect(openBuildContext({ context: dir, cwd: '/', scratchDir: scratch })).rejects.toThrow('failed to parse .dockerignore: illegal exclusion pattern: "!"');
  });

  it('reads a Dockerfile from stdin with -f -, and stdin as the context: a tar, or a Dockerfile with nothing else', async () => {
    write('ctxfile', 'c');
    const f = await openBuildContext({ context: dir, dockerfile: '-', stdin: chunks(Buffer.from('FROM stdin')), cwd: '/', scratchDir: scratch });
    expect(f.dockerfile).toBe('FROM stdin');
    expect(f.dir).toBe(dir);

    write('Dockerfile', 'FROM tar');
    const tar = execFileSync('tar', ['-czf', '-', '-C', dir, '.']);
    const t = await openBuildContext({ context: '-', stdin: chunks(tar), cwd: '/', scratchDir: scratch });
    expect(t.dockerfile).toBe('FROM tar');
    expect(readFileSync(path.join(t.dir, 'ctxfile'), 'utf8')).toBe('c');
    t.close();
    expect(() => readFileSync(path.join(t.dir, 'ctxfile'))).toThrow();

    const d = await openBuildContext({ context: '-', stdin: chunks(Buffer.from('FROM plain\n')), cwd: '/', scratchDir: scratch });
    expect(d.dockerfile).toBe('FROM plain\n');
    d.close();
  });
});
