import { COMMON_OPTIONS, type CommandSpec, type OptionSpec, type OptionSpecs } from './command-spec.js';
import { EXIT_STATUS_HELP } from './exit-codes.js';

function optionLabel(name: string, o: OptionSpec): string {
  const short = 'short' in o && o.short !== undefined ? `-${o.short}, ` : '';
  const value = o.type === 'boolean' ? '' : ` ${o.placeholder}`;
  return `${short}--${name}${value}`;
}

function optionLine(label: string, o: OptionSpec, width: number): string {
  const dflt = o.type === 'integer' && o.default !== undefined ? ` (default: ${o.default})` : '';
  const again = o.type === 'string' && o.multiple === true ? ' (may be repeated)' : '';
  return `  ${label.padEnd(width)}  ${o.describe}${dflt}${again}`;
}

/** `tlock <command> --help`: usage, what it does, options, examples, exit status. */
export function commandHelp<O extends OptionSpecs>(spec: CommandSpec<O>, summary: string): string {
  const all: [string, OptionSpec][] = [...Object.entries(spec.options), ...Object.entries(COMMON_OPTIONS)];
  const labels = all.map(([name, o]) => optionLabel(name, o));
  const width = Math.max(...labels.map((l) => l.length));
  const parts = [
    `Usage: tlock ${spec.name} ${spec.usage}`.trimEnd(),
    '',
    summary,
    ...(spec.description === undefined ? [] : ['', spec.description]),
    '',
    'Options:',
    ...all.map(([, o], i) => optionLine(labels[i]!, o, width)),
    '',
    spec.examples.length === 1 ? 'Example:' : 'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    EXIT_STATUS_HELP,
  ];
  return parts.join('\n');
}
