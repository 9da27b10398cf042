import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/**
 * One JSON value per line in, one JSON value per line out, in order. `handle` returns the value
 * to write for a line; it must not throw (errors become error lines inside it). Output waits for
 * the stream to drain so a slow reader never makes us buffer without bound.
 */
export async function runLineProtocol(
  input: Readable,
  output: Writable,
  handle: (line: string) => Promise<unknown>,
): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const answer = await handle(line);
    if (!output.write(JSON.stringify(answer) + '\n')) {
      await new Promise<void>((resolve) => output.once('drain', resolve));
    }
  }
}
