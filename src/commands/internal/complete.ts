/**
 * The hidden `__complete` and `__completeNoDesc` commands the shell scripts call on every Tab press (cobra's
 * protocol; see _lib/completion/complete.ts). They take the raw words, so main.ts hands them argv before the
 * argv parser sees it: `nerdctl __complete run --net` must not fail as an unknown or incomplete flag.
 *
 * Whatever happens, the answer is a candidate list and a directive on stdout and exit status 0: an error printed
 * into the user's shell would be worse than no completion. A debug line goes to stderr, which the scripts discard.
 */
import type { RootSpec } from '../_lib/argv.js';
import { complete, renderCompletion, type CompletionResult } from '../_lib/completion/complete.js';
import { createCompletionData, type CompletionDataProvider } from '../_lib/completion/data.js';
import { completionDataFromFile } from '../_lib/completion/fixture-data.js';
import { Directive, directiveNames } from '../_lib/completion/directive.js';

export const COMPLETE_COMMAND = '__complete';
export const COMPLETE_NO_DESC_COMMAND = '__completeNoDesc';

/** True when argv asks for completions (`__complete ...` or `__completeNoDesc ...`). */
export function isCompletionRequest(argv: readonly string[]): boolean {
  return argv[0] === COMPLETE_COMMAND || argv[0] === COMPLETE_NO_DESC_COMMAND;
}

export interface CompleteIO {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The data provider: the stores, or a fixture file named by NERDCTL_COMPLETION_FIXTURE (tests, debugging). */
export function completionDataFor(env: Readonly<Record<string, string | undefined>>): CompletionDataProvider {
  const fixture = env.NERDCTL_COMPLETION_FIXTURE;
  if (fixture !== undefined && fixture !== '') return () => completionDataFromFile(fixture);
  return createCompletionData;
}

/** Runs a completion request (argv starts with the request command). Always returns 0. */
export async function runComplete(root: RootSpec, io: CompleteIO, data: CompletionDataProvider = completionDataFor(io.env)): Promise<number> {
  const descriptions = io.argv[0] !== COMPLETE_NO_DESC_COMMAND;
  let r: CompletionResult;
  try {
    r = await complete(root, io.argv.slice(1), { data, env: io.env, cwd: io.cwd });
  } catch (e) {
    io.stderr.write(`[Error] ${e instanceof Error ? e.message : String(e)}\n`);
    r = { candidates: [], directive: Directive.noFileComp };
  }
  io.stdout.write(renderCompletion(r, { descriptions }));
  io.stderr.write(`Completion ended with directive: ${directiveNames(r.directive)}\n`);
  return 0;
}
