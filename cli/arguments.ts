import { parseArgs } from 'node:util';
import { usageError } from './cli-error.js';
import { COMMON_OPTIONS, type CommandSpec, type OptionSpecs, type OptionValues } from './command-spec.js';

export interface ParsedCommandLine<O extends OptionSpecs> {
  options: OptionValues<O>;
  common: { dir: string | undefined; json: boolean };
  args: string[];
}

type ParseArgsOptions = Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }>;

/**
 * Reads a command's words (after its name) against its spec with node:util's parser (strict:
 * unknown options are errors). `--json=true|1` and `--json=false` are read as Tailscale reads
 * them; other `--json=N` are refused. `--help` anywhere before `--` wins over everything else.
 */
export function parseCommandLine<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParsedCommandLine<O> | 'help' {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) return 'help';

  const specs: OptionSpecs = { ...spec.options, ...COMMON_OPTIONS };
  const options: ParseArgsOptions = {};
  for (const [name, o] of Object.entries(specs)) {
    options[name] = {
      type: o.type === 'boolean' ? 'boolean' : 'string',
      ...('short' in o && o.short !== undefined ? { short: o.short } : {}),
      ...('multiple' in o && o.multiple === true ? { multiple: true } : {}),
    };
  }

  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: jsonFlagAsTailscaleReadsIt(argv),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw usageError(`${parseErrorText(e)}\nRun "tlock ${spec.name} --help" for usage.`);
  }

  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = parsed.values[name];
    if (o.type === 'boolean') values[name] = raw === true;
    else if (o.type === 'integer') values[name] = raw === undefined ? o.default : integerOption(name, raw, o);
    else values[name] = 'multiple' in o && o.multiple === true ? (raw ?? []) : raw;
  }

  const { min, max } = spec.positionals;
  const n = parsed.positionals.length;
  if (n < min || (max !== undefined && n > max)) {
    const wanted =
      max === undefined ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
    throw usageError(
      `tlock ${spec.name} takes ${wanted} argument${max === 1 && min === 1 ? '' : 's'}, got ${n}\n` +
        `Usage: tlock ${spec.name} ${spec.usage}\nRun "tlock ${spec.name} --help" for more.`,
    );
  }

  return {
    options: values as OptionValues<O>,
    common: { dir: parsed.values['dir'] as string | undefined, json: parsed.values['json'] === true },
    args: parsed.positionals,
  };
}

function jsonFlagAsTailscaleReadsIt(argv: readonly string[]): string[] {
  const out: string[] = [];
  let afterDashes = false;
  for (const a of argv) {
    if (!afterDashes && a.startsWith('--json=')) {
      const v = a.slice('--json='.length);
      if (v === 'true' || v === '1') out.push('--json');
      else if (v !== 'false')
        throw usageError(`--json: unrecognised version: ${v} (use --json, or --json=1)`);
      continue;
    }
    if (a === '--') afterDashes = true;
    out.push(a);
  }
  return out;
}

function integerOption(
  name: string,
  raw: unknown,
  o: { placeholder: string; min?: number; max?: number },
): number {
  const text = String(raw);
  const n = /^[0-9]{1,15}$/.test(text) ? Number(text) : NaN;
  const min = o.min ?? 0;
  if (!Number.isSafeInteger(n) || n < min || (o.max !== undefined && n > o.max)) {
    const range = o.max === undefined ? `${min} or more` : `from ${min} to ${o.max}`;
    throw usageError(`--${name} must be a whole number ${range}, got "${text}"`);
  }
  return n;
}

function parseErrorText(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    return `unknown option ${option}`;
  }
  return message;
}
