import { parseCommandLine } from './arguments.js';
import { COMMON_OPTIONS, type CommandSpec, type OptionSpecs, type Runnable } from './command-spec.js';
import { EXIT } from './exit-codes.js';
import { Output } from './output.js';
import { resolveStateDir } from './state-dir.js';

/** Turns a spec into a runnable command: parse, `--help`, then `run`. */
export function defineCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
): Runnable & { spec: CommandSpec<O> } {
  return {
    spec,
    async main(argv, streams, summary) {
      const parsed = parseCommandLine(spec, argv);
      if (parsed === 'help') {
        const { commandHelp } = await import('./help.js'); // only --help needs it
        streams.stdout.write(commandHelp(spec, summary) + '\n');
        return EXIT.OK;
      }
      const out = new Output(parsed.common.json, streams);
      const stateDir = resolveStateDir(parsed.common.dir, streams.env);
      const status = await spec.run({ options: parsed.options, args: parsed.args, argv, out, stateDir });
      return status ?? EXIT.OK;
    },
    optionNames() {
      return Promise.resolve(
        Object.entries({ ...spec.options, ...COMMON_OPTIONS }).map(([long, o]) => ({
          long,
          ...('short' in o && o.short !== undefined ? { short: o.short } : {}),
          takesValue: o.type !== 'boolean',
        })),
      );
    },
  };
}
