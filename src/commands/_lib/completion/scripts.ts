/** The completion scripts by shell, for `nerdctl completion <shell>` and the generated files in completions/. */
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import type { ScriptOptions } from './shell.js';
import { zshScript } from './zsh.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function completionScript(shell: Shell, opts: ScriptOptions): string {
  switch (shell) {
    case 'bash':
      return bashScript(opts);
    case 'zsh':
      return zshScript(opts);
    case 'fish':
      return fishScript(opts);
  }
}

/** Where each shell's script is committed under completions/ (the names the shells look for). */
export const completionFileNames: Readonly<Record<Shell, string>> = {
  bash: 'nerdctl.bash',
  zsh: '_nerdctl',
  fish: 'nerdctl.fish',
};

export type { ScriptOptions } from './shell.js';
