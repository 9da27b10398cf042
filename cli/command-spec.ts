import type { Output, OutputStreams } from './output.js';

/** One option of a command. Names are long option names without the dashes (`gen-disablements`). */
export type OptionSpec =
  | { type: 'boolean'; describe: string; short?: string }
  | { type: 'string'; describe: string; placeholder: string; short?: string; multiple?: boolean }
  | { type: 'integer'; describe: string; placeholder: string; default?: number; min?: number; max?: number };

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed value of each option: what a command's `run` reads. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { type: 'boolean' }
    ? boolean
    : O[K] extends { type: 'integer'; default: number }
      ? number
      : O[K] extends { type: 'integer' }
        ? number | undefined
        : O[K] extends { multiple: true }
          ? string[]
          : string | undefined;
};

/** Options every command has; commands do not declare them. */
export const COMMON_OPTIONS = {
  dir: {
    type: 'string',
    placeholder: 'PATH',
    describe: 'state directory (default: $TLOCK_DIR, else $XDG_STATE_HOME/tlock, else ~/.local/state/tlock)',
  },
  json: { type: 'boolean', describe: 'print one JSON document on stdout and nothing else' },
  help: { type: 'boolean', short: 'h', describe: 'show this help' },
} as const satisfies OptionSpecs;

export interface CommandContext<O extends OptionSpecs> {
  options: OptionValues<O>;
  /** Positional arguments, in order. */
  args: string[];
  /** The words after the command's name, as given (to show the command to run again). */
  argv: readonly string[];
  out: Output;
  /** The resolved state directory (not created: commands that write create it). */
  stateDir: string;
}

/** What `tlock` needs to know about a command: its help, its options, and what it does. */
export interface CommandSpec<O extends OptionSpecs> {
  /** The words that name it: `status`, `sign nodekey`. */
  name: string;
  /** What follows the name in the usage line: `[--limit N] <tlpub>…`. */
  usage: string;
  /** Paragraphs for `--help`, after the summary. */
  description?: string;
  options: O;
  /** How many positional arguments it takes. */
  positionals: { min: number; max?: number };
  /** At least one example command line, shown by `--help`. */
  examples: [string, ...string[]];
  /** Does the work; returns the exit status (0 when it returns nothing). Errors are thrown. */
  run(ctx: CommandContext<O>): Promise<number | void>;
}

/** An option as shell completion sees it. */
export interface OptionName {
  /** Without the dashes. */
  long: string;
  short?: string;
  takesValue: boolean;
}

/** A loaded command, ready to run with the words after its name. */
export interface Runnable {
  /** `summary` is the command's line in cli/command-list.ts, which `--help` repeats. */
  main(args: string[], streams: OutputStreams, summary: string): Promise<number>;
  /** Every option it takes, the common ones included (for `tlock completion`). */
  optionNames(): Promise<OptionName[]>;
}
