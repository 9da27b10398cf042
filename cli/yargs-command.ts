import type { Argv, CommandModule } from 'yargs';
import { usageError } from './cli-error.js';
import type { Runnable } from './command-spec.js';
import { EXIT } from './exit-codes.js';

/**
 * Runs a command written as a yargs CommandModule (`tlock hook`) inside the same dispatcher as
 * the others: the same exit statuses, errors and help flag. yargs loads only for such commands.
 */
export function yargsCommand<T>(module: CommandModule<object, T>, examples: string[]): Runnable {
  const builder = module.builder;
  const withExamples: CommandModule<object, T> = {
    ...module,
    builder: (y) => {
      const built = (typeof builder === 'function' ? builder(y) : y.options(builder ?? {})) as Argv<T>;
      return examples.reduce((b, e) => b.example(e, ''), built);
    },
  };
  return {
    async main(args) {
      const { default: yargs } = await import('yargs');
      const name = typeof module.command === 'string' ? module.command.split(' ')[0]! : 'command';
      await yargs([name, ...args])
        .scriptName('tlock')
        .command(withExamples)
        .strict()
        .demandCommand(1)
        .fail((msg, err) => {
          if (err !== undefined && err !== null) throw err;
          throw usageError(`${msg}\nRun "tlock ${name} --help" for usage.`);
        })
        .help()
        .alias('h', 'help')
        .version(false)
        .parseAsync();
      return EXIT.OK;
    },
  };
}
