import type { Argv, CommandModule } from 'yargs';
import { usageError } from './cli-error.js';
import type { OptionName, Runnable } from './command-spec.js';
import { EXIT } from './exit-codes.js';

interface YargsOptionTable {
  key: Record<string, unknown>;
  boolean: string[];
  alias: Record<string, string[]>;
}

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
    async optionNames() {
      const { default: yargs } = await import('yargs');
      const y = (
        typeof builder === 'function' ? builder(yargs([])) : yargs([]).options(builder ?? {})
      ) as Argv<T>;
      // yargs keeps its option table here; its typings leave it out. --help is added when it parses.
      const o = (y as unknown as { getOptions(): YargsOptionTable }).getOptions();
      const aliases = new Set(Object.values(o.alias).flat());
      const names = Object.keys(o.key)
        .filter((k) => !['version', 'help'].includes(k) && !aliases.has(k))
        .map((long): OptionName => {
          const short = (o.alias[long] ?? []).find((a) => a.length === 1);
          return { long, ...(short === undefined ? {} : { short }), takesValue: !o.boolean.includes(long) };
        });
      return [...names, { long: 'help', short: 'h', takesValue: false }];
    },
  };
}
