import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import type { Runnable } from '../command-spec.js';
import {
  COMPLETION_SHELLS,
  type CompletionEntry,
  type CompletionShell,
  completionScript,
} from '../completion-script.js';

/** A command as the list in cli/command-list.ts names it (passed in: that list imports this module). */
interface NamedCommand {
  name: string;
  load(): Promise<Runnable>;
}

/** Every command's name and options, read from the commands themselves (each module loads here). */
async function completionEntries(commands: readonly NamedCommand[]): Promise<CompletionEntry[]> {
  return await Promise.all(
    commands.map(async (c) => ({ name: c.name, options: await (await c.load()).optionNames() })),
  );
}

/** `tlock completion` for this list of commands. */
export const completionCommand = (commands: readonly NamedCommand[]): Runnable =>
  defineCommand({
    name: 'completion',
    usage: '[bash|zsh]',
    description: [
      "Prints a completion script generated from the command list and each command's options: it",
      'completes command words (sign → nodekey, authkey), the options of the command typed, a',
      'directory after --dir and file names elsewhere. zsh runs the bash script through its',
      'bashcompinit. With --json, the table the script is made from: [{"Name", "Options"}].',
    ].join('\n'),
    options: {},
    positionals: { min: 0, max: 1 },
    examples: [
      'tlock completion bash > ~/.local/share/bash-completion/completions/tlock',
      'tlock completion zsh > ~/.tlock-completion.zsh  # and source it from ~/.zshrc',
    ],
    async run({ args, out }) {
      const shell = args[0] ?? 'bash';
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
        throw usageError(`no completion for "${shell}": give ${COMPLETION_SHELLS.join(' or ')}`);
      }
      const entries = await completionEntries(commands);
      if (out.json) {
        out.document(
          entries.map((e) => ({
            Name: e.name,
            Options: e.options.map((o) => ({
              Long: `--${o.long}`,
              Short: o.short === undefined ? undefined : `-${o.short}`,
              TakesValue: o.takesValue,
            })),
          })),
        );
        return;
      }
      out.text(completionScript(shell as CompletionShell, entries));
    },
  });
