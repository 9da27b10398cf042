import { open } from 'node:fs/promises';
import { errnoCode } from '../src/store/io-error.js';
import { CliError, usageError } from './cli-error.js';
import { EXIT } from './exit-codes.js';

/** The most tlock reads from one file or from stdin (a map response of 100 000 peers fits). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

let stdinTaken: string | undefined;

/**
 * A value given on the command line as itself, as `file:PATH` (the file's contents), or as `-`
 * (all of stdin), so keys and secrets stay out of shell history and `ps`. Surrounding white space
 * is trimmed, as Tailscale does. With `secret`, a file that group or others may read is refused,
 * as OpenSSH refuses such private keys.
 */
export async function readArgument(
  arg: string,
  what: string,
  opts: { secret?: boolean } = {},
): Promise<string> {
  if (arg === '-') return (await readStdin(what)).trim();
  if (arg.startsWith('file:')) return (await readInputFile(arg.slice('file:'.length), what, opts)).trim();
  return arg;
}

/** A file's contents as text, refused when too large, or (for secrets) readable by others. */
export async function readInputFile(
  path: string,
  what: string,
  opts: { secret?: boolean } = {},
): Promise<string> {
  return (await readInputFileBytes(path, what, opts)).toString('utf8');
}

/**
 * A value given as `file:PATH` or `-`, as bytes (an artefact may be binary CBOR); undefined for
 * anything else, which is the value itself.
 */
export async function readArgumentBytes(arg: string, what: string): Promise<Buffer | undefined> {
  if (arg === '-') return await readStdinBytes(what);
  if (arg.startsWith('file:')) return await readInputFileBytes(arg.slice('file:'.length), what);
  return undefined;
}

/** readInputFile, as bytes. */
export async function readInputFileBytes(
  path: string,
  what: string,
  opts: { secret?: boolean } = {},
): Promise<Buffer> {
  if (path === '') throw usageError(`${what}: "file:" needs a path (file:/path/to/file)`);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') throw usageError(`${what}: ${path} does not exist`);
    if (code === 'EACCES') throw usageError(`${what}: ${path} cannot be read (permission denied)`);
    if (code === 'EISDIR') throw usageError(`${what}: ${path} is a directory, not a file`);
    throw new CliError(EXIT.IO, 'STORAGE', `${what}: cannot open ${path}: ${code ?? String(e)}`, {
      cause: e,
    });
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw usageError(`${what}: ${path} is not a regular file`);
    if (opts.secret === true) refuseSharedSecretFile(path, s.mode, what);
    if (s.size > MAX_INPUT_BYTES)
      throw usageError(`${what}: ${path} is larger than ${MAX_INPUT_BYTES} bytes`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** OpenSSH's rule for private key files: nobody but the owner may read them. */
export function refuseSharedSecretFile(path: string, mode: number, what: string): void {
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw usageError(
      `${what}: ${path} is accessible by group or others (mode ${octal}); a private file must not be. ` +
        `Run: chmod 600 ${path}`,
    );
  }
}

async function readStdin(what: string): Promise<string> {
  return (await readStdinBytes(what)).toString('utf8');
}

async function readStdinBytes(what: string): Promise<Buffer> {
  if (stdinTaken !== undefined) {
    throw usageError(`${what}: stdin ("-") is already used for ${stdinTaken}; give one of them as file:PATH`);
  }
  stdinTaken = what;
  if (process.stdin.isTTY === true) process.stderr.write(`Reading ${what} from stdin (end with Ctrl-D)...\n`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_INPUT_BYTES) throw usageError(`${what}: stdin holds more than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
