import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of DESIGN.md, checked on the imports rather than trusted:
 * commands -> compose -> build -> network -> engine; util is importable by all and imports none of them except the
 * error vocabulary (engine/errdefs).
 */
const SRC = resolve(__dirname);
const layers = ['util', 'engine', 'network', 'build', 'compose', 'commands'] as const;
type Layer = (typeof layers)[number];

const allowed: Record<Layer, readonly Layer[]> = {
  util: ['util'],
  engine: ['engine', 'util'],
  network: ['network', 'engine', 'util'],
  build: ['build', 'network', 'engine', 'util'],
  compose: ['compose', 'build', 'network', 'engine', 'util'],
  commands: ['commands', 'compose', 'build', 'network', 'engine', 'util'],
};

/** npm packages only some layers may load (heavy or layer-specific). */
const packageOwners: Record<string, readonly Layer[]> = {
  'dockerfile-ast': ['build'],
  yaml: ['compose', 'build'],
  yargs: [],
  'cli-progress': ['commands'],
  chalk: ['commands'],
};

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) yield p;
  }
}

function layerOf(file: string): Layer | undefined {
  const top = relative(SRC, file).split('/')[0];
  return (layers as readonly string[]).includes(top ?? '') ? (top as Layer) : undefined;
}

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('architecture', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    if (from === undefined) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) {
        const target = resolve(file, '..', spec);
        const to = layerOf(target);
        // The error vocabulary is the one engine module every layer may use (util's parsers raise invalid-argument).
        if (relative(SRC, target) === 'engine/errdefs.js') continue;
        if (to !== undefined && !allowed[from].includes(to)) violations.push(`${relative(SRC, file)} imports ${spec} (${from} -> ${to})`);
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        const owners = packageOwners[pkg];
        if (owners !== undefined && !owners.includes(from)) violations.push(`${relative(SRC, file)} imports package ${pkg}`);
      }
    }
    if (from !== 'commands' && /\bconsole\.(log|error|warn|info)\(/.test(text)) violations.push(`${relative(SRC, file)} prints with console`);
  }

  it('keeps every import inside the allowed layers and prints only from commands', () => {
    expect(violations).toEqual([]);
  });
});
