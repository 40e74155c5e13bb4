/** What the completion script generators share. */
export interface ScriptOptions {
  /** The program name the script completes (`nerdctl`). */
  readonly name: string;
  /** false: ask `__completeNoDesc` and show no descriptions. */
  readonly descriptions: boolean;
}

/** A shell function-name fragment for the program (`nerdctl` -> `nerdctl`, `my-cli` -> `my_cli`). */
export function shellIdent(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}
