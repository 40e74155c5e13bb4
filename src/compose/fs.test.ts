import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeFs } from './fs.js';
import { loadProject } from './project.js';

describe('loading from the real file system', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-load-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (rel: string, text: string): void => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };

  it('discovers files upwards, reads .env, env_file, extends and include from disk', () => {
    write('My App/docker-compose.yaml', 'services:\n  web:\n    extends: {file: common/base.yml, service: base}\n    image: "web:${TAG}"\ninclude:\n  - path: ./lib/compose.yaml\n    project_directory: ./lib\n');
    write('My App/.env', 'TAG=7\n');
    write('My App/common/base.yml', 'services:\n  base:\n    build: ../ctx\n    env_file: base.env\n');
    write('My App/common/base.env', 'FROM_BASE=1\n');
    write('My App/lib/compose.yaml', 'services:\n  lib:\n    image: lib\n    volumes: [./data:/data]\n');
    mkdirSync(join(dir, 'My App', 'deep', 'er'), { recursive: true });
    const r = loadProject({ cwd: join(dir, 'My App', 'deep', 'er'), env: {}, fs: createNodeFs() });
    const p = r.project!;
    expect(p.name).toBe('myapp');
    expect(p.workingDir).toBe(join(dir, 'My App'));
    expect(p.services.web!.image).toBe('web:7');
    expect(p.services.web!.build!.context).toBe(join(dir, 'My App', 'ctx'));
    expect(p.services.web!.environment).toEqual({ FROM_BASE: '1' });
    expect(p.services.lib!.volumes![0]!.source).toBe(join(dir, 'My App', 'lib', 'data'));
  });

  it('names a missing -f file', () => {
    expect(() => loadProject({ cwd: dir, env: {}, files: ['nope.yml'], fs: createNodeFs() })).toThrow(`open ${join(dir, 'nope.yml')}: no such file or directory`);
  });
});
