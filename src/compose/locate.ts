/**
 * Where a key of the loaded project was written: re-reads the project's compose files (only when an error is being
 * reported, so the cost does not matter) and finds the last document that defines the path, or failing that the
 * longest prefix of it. Lets the applier's errors name the file and line as the loader's do.
 */
import { readFileSync } from 'node:fs';
import type { ComposeLocation } from './errors.js';
import { parseComposeFile, type RawDocument } from './load.js';
import type { Project } from './model.js';

function documents(files: readonly string[]): RawDocument[] {
  const out: RawDocument[] = [];
  for (const f of files) {
    if (f === '-') continue;
    try {
      out.push(...parseComposeFile(readFileSync(f, 'utf8'), f));
    } catch {
      // a file that no longer parses cannot locate anything
    }
  }
  return out;
}

/** How many leading segments of `path` exist in `content`. */
function depthIn(content: unknown, path: readonly string[]): number {
  let cur: unknown = content;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== 'object') return i;
    const next: unknown = (cur as Record<string, unknown>)[path[i]!];
    if (next === undefined) return i;
    cur = next;
  }
  return path.length;
}

/** A locator over the project's files: `(['services', 'web', 'gpus'])` -> `{file, line, column}`. */
export function projectLocator(project: Pick<Project, 'configFiles'>): (path: readonly (string | number)[]) => ComposeLocation | undefined {
  let docs: RawDocument[] | undefined;
  return (path) => {
    docs ??= documents(project.configFiles);
    const p = path.map(String);
    let best: RawDocument | undefined;
    let bestDepth = 1;
    for (const d of docs) {
      const depth = depthIn(d.content, p);
      if (depth >= bestDepth) {
        best = d;
        bestDepth = depth;
      }
    }
    if (best === undefined) return undefined;
    const loc = best.locate(p.slice(0, bestDepth));
    return loc === undefined ? { file: best.file } : { ...loc, file: best.file };
  };
}
