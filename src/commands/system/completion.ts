/**
 * `nerdctl completion bash|zsh|fish`: prints the shell completion script (docker's and cobra's `completion`
 * command). The scripts ask the hidden `__complete` command for candidates, so they never go stale; the same
 * text is committed under completions/ and installed by `make install`.
 */
import { completionScript, type Shell } from '../_lib/completion/scripts.js';
import { defineCommand, defineGroup, type CommandSpec, type Example } from '../_lib/spec.js';

const flags = {
  'no-descriptions': { type: 'boolean', describe: 'disable completion descriptions' },
} as const;

function shellCommand(shell: Shell, description: string, examples: readonly Example[]): CommandSpec<typeof flags> {
  return defineCommand({
    name: shell,
    summary: `Generate the autocompletion script for ${shell}`,
    description,
    flags,
    args: { max: 0 },
    examples,
    async handler(args, ctx) {
      ctx.out.write(completionScript(shell, { name: ctx.programName, descriptions: !args.flags['no-descriptions'] }));
    },
  });
}

export const completionCommand = defineGroup({
  name: 'completion',
  summary: 'Generate the autocompletion script for the specified shell',
  description:
    'Generate the autocompletion script for nerdctl for the specified shell.\n' +
    "See each sub-command's help for details on how to use the generated script.",
  commands: [
    shellCommand(
      'bash',
      'Generate the autocompletion script for the bash shell.\n\n' +
        "This script depends on the 'bash-completion' package. If it is not installed already, you can install it " +
        "via your OS's package manager.\n\n" +
        "'make install' puts it in /usr/share/bash-completion/completions/nerdctl, where bash-completion finds it. " +
        'You will need to start a new shell for this setup to take effect.',
      [
        { description: 'Load completions in the current shell session', command: 'source <(nerdctl completion bash)' },
        { description: 'Load completions for every new session', command: 'nerdctl completion bash > /etc/bash_completion.d/nerdctl' },
      ],
    ),
    shellCommand(
      'zsh',
      'Generate the autocompletion script for the zsh shell.\n\n' +
        'If shell completion is not already enabled in your environment you will need to enable it. You can execute ' +
        "the following once: echo 'autoload -U compinit; compinit' >> ~/.zshrc\n\n" +
        "'make install' puts it in /usr/share/zsh/vendor-completions/_nerdctl, which Debian's zsh has in its $fpath. " +
        'You will need to start a new shell for this setup to take effect.',
      [
        { description: 'Load completions in the current shell session', command: 'source <(nerdctl completion zsh)' },
        { description: 'Load completions for every new session', command: 'nerdctl completion zsh > "${fpath[1]}/_nerdctl"' },
      ],
    ),
    shellCommand(
      'fish',
      'Generate the autocompletion script for the fish shell.\n\n' +
        "'make install' puts it in /usr/share/fish/vendor_completions.d/nerdctl.fish, where fish finds it. " +
        'You will need to start a new shell for this setup to take effect.',
      [
        { description: 'Load completions in the current shell session', command: 'nerdctl completion fish | source' },
        { description: 'Load completions for every new session', command: 'nerdctl completion fish > ~/.config/fish/completions/nerdctl.fish' },
      ],
    ),
  ],
});
