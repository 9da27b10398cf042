import type { Netmap } from '../src/netmap/types.js';
import { usageError } from './cli-error.js';
import { readInputFile, readArgument } from './secret-input.js';

/** A captured map response from a file or stdin (`-`), as JSON; anything else is status 2. */
export async function readNetmapArgument(source: string, what: string): Promise<Netmap> {
  const text = source === '-' ? await readArgument('-', what) : await readInputFile(source, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw usageError(`${what}: ${source === '-' ? 'stdin' : source} is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError(
      `${what}: expected a map response (a JSON object with "Peers"), got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return value as Netmap;
}
