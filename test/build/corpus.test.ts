/**
 * The Dockerfile corpus: every directory under corpus/ is a build context with an `expected.json` saying what the
 * image must be (config facts through the image service's inspect, files through a read-only mount of the image,
 * layer count, history, build output). Each case is built with `nerdctl build` in one shared environment (busybox
 * loaded once), cases in parallel. Expectations follow Docker's behaviour (`DOCKER_BUILDKIT=0 docker build` where
 * the classic builder has the feature, BuildKit's documented semantics where it does not).
 *
 * expected.json:
 *   description   what the case shows
 *   generate      files made at test time: { "t.tar": { "tar": ""|"z"|"j"|"J", "files": {...} }, "x": { "text" }, "y.gz": { "gzip" } }
 *   setup         builds run first: [{ "context": "subdir", "args": [...] }]
 *   builds        [{ args, config (subset of Config; null = absent), author, layers, history (the last entries,
 *                 in order), files ({ path: FileFact | null }), output / notOutput (regexes over stderr) }]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunContainers, checkFile, makeBuildEnv, type BuildEnv, type FileFact } from './helpers.js';

interface BuildSpec {
  args?: string[];
  config?: Record<string, unknown>;
  author?: string;
  layers?: number;
  history?: { created_by: string; empty_layer?: boolean }[];
  files?: Record<string, FileFact | null>;
  output?: string[];
  notOutput?: string[];
}

interface CaseSpec {
  description: string;
  generate?: Record<string, { tar?: string; files?: Record<string, string>; text?: string; gzip?: string }>;
  setup?: { context: string; args: string[] }[];
  builds: BuildSpec[];
}

const corpusDir = path.join(__dirname, 'corpus');
const cases = readdirSync(corpusDir).sort();

/** Copies a case to a scratch directory and makes its generated files. */
function prepareCase(name: string, spec: CaseSpec): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), `nerdctl-corpus-${name}-`)), 'ctx');
  cpSync(path.join(corpusDir, name), dir, { recursive: true, verbatimSymlinks: true });
  rmSync(path.join(dir, 'expected.json'));
  for (const [file, g] of Object.entries(spec.generate ?? {})) {
    const p = path.join(dir, file);
    if (g.text !== undefined) writeFileSync(p, g.text);
    else if (g.gzip !== undefined) writeFileSync(p, gzipSync(g.gzip));
    else if (g.files !== undefined) {
      const src = mkdtempSync(path.join(tmpdir(), 'nerdctl-corpus-tar-'));
      for (const [f, content] of Object.entries(g.files)) {
        execFileSync('mkdir', ['-p', path.dirname(path.join(src, f))]);
        writeFileSync(path.join(src, f), content);
      }
      execFileSync('tar', [`-c${g.tar ?? ''}f`, p, '--owner=0', '--group=0', '-C', src, ...Object.keys(g.files).map((f) => f.split('/')[0]!).filter((v, i, a) => a.indexOf(v) === i)]);
      rmSync(src, { recursive: true, force: true });
    }
  }
  return dir;
}

/** JSON with object keys sorted (Go maps have no order). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : 1))) : x,
  );
}

function compareConfig(want: Record<string, unknown>, got: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(want)) {
    const g = got[k] ?? null;
    if (canonical(g) !== canonical(v)) out.push(`Config.${k}: ${JSON.stringify(g)}, want ${JSON.stringify(v)}`);
  }
  return out;
}

describe.skipIf(!canRunContainers)('build corpus', { timeout: 300_000 }, () => {
  let env: BuildEnv;

  beforeAll(async () => {
    env = await makeBuildEnv();
  }, 180_000);

  afterAll(async () => {
    const leftovers = env.buildLeftovers();
    const leaks = await env.dispose();
    // Asserted here too: a build that left anything behind makes the corpus fail.
    expect([...leftovers, ...leaks]).toEqual([]);
  }, 180_000);

  it.concurrent.each(cases)('%s', async (name) => {
    const spec = JSON.parse(readFileSync(path.join(corpusDir, name, 'expected.json'), 'utf8')) as CaseSpec;
    const dir = prepareCase(name, spec);
    try {
      for (const s of spec.setup ?? []) {
        const r = await env.build([...s.args, path.join(dir, s.context)], { cwd: dir });
        expect(r.code, `setup of ${name}: ${r.stderr}`).toBe(0);
      }
      let i = 0;
      for (const b of spec.builds) {
        const tag = `corpus-${name}:${i++}`;
        const r = await env.build(['-t', tag, ...(b.args ?? []), '.'], { cwd: dir });
        expect(r.code, `build ${tag} (${spec.description}):\n${r.stderr}`).toBe(0);
        const problems: string[] = [];
        for (const re of b.output ?? []) if (!new RegExp(re, 'm').test(r.stderr)) problems.push(`output lacks /${re}/`);
        for (const re of b.notOutput ?? []) if (new RegExp(re, 'm').test(r.stderr)) problems.push(`output has /${re}/`);
        const inspect = await env.inspect(tag);
        if (b.config !== undefined) problems.push(...compareConfig(b.config, inspect.Config));
        if (b.author !== undefined && inspect.Author !== b.author) problems.push(`Author ${inspect.Author}, want ${b.author}`);
        if (b.layers !== undefined && inspect.RootFS.Layers.length !== b.layers) problems.push(`${inspect.RootFS.Layers.length} layers, want ${b.layers}`);
        if (b.files !== undefined) {
          const files = b.files;
          await env.withRootfs(tag, (root) => {
            for (const [f, want] of Object.entries(files)) problems.push(...checkFile(root, f, want));
          });
        }
        if (b.history !== undefined) {
          const got = (await env.configHistory(tag)).slice(-b.history.length);
          b.history.forEach((h, j) => {
            const g = got[j];
            if (g?.created_by !== h.created_by) problems.push(`history[-${b.history!.length - j}].created_by ${JSON.stringify(g?.created_by)}, want ${JSON.stringify(h.created_by)}`);
            if (h.empty_layer !== undefined && (g?.empty_layer ?? false) !== h.empty_layer) problems.push(`history "${h.created_by}": empty_layer ${String(g?.empty_layer)}`);
          });
        }
        expect(problems, `${name} (${spec.description})\n${r.stderr}`).toEqual([]);
      }
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
