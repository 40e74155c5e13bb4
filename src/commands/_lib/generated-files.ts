/**
 * Everything generated from the command tree and committed to the repository: the shell completion scripts, the man
 * pages and the Markdown command reference, by path relative to the repository root. scripts/gen-docs.mjs writes
 * them; generated-files.test.ts fails when the committed files differ, so a changed flag cannot ship without its
 * pages.
 */
import type { RootSpec } from './argv.js';
import { completionFileNames, completionScript, SHELLS } from './completion/scripts.js';
import { manPages } from './man.js';
import { commandReference } from './markdown.js';

export interface GeneratedFilesOptions {
  readonly root: RootSpec;
  /** package.json's version (not the bundle's define: sources and bundle must generate the same text). */
  readonly version: string;
}

/** Directories whose every file is generated: a file there that is not generated any more is stale. */
export const GENERATED_DIRS = ['man', 'completions'] as const;

export function generatedFiles(opts: GeneratedFilesOptions): Map<string, string> {
  const files = new Map<string, string>();
  for (const shell of SHELLS) {
    files.set(`completions/${completionFileNames[shell]}`, completionScript(shell, { name: opts.root.name, descriptions: true }));
  }
  for (const [file, text] of manPages({ root: opts.root, version: opts.version })) files.set(`man/${file}`, text);
  files.set('docs/command-reference.md', commandReference({ root: opts.root, version: opts.version }));
  return files;
}
