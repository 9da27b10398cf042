import { disablementKDF } from '../../src/crypto/kdf.js';
import { toHex } from '../../src/wire/bytes.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { readArgument } from '../secret-input.js';

const SECRET_PREFIX = 'disablement-secret:';

/** The secret's bytes: bare hex, as Tailscale takes it, or the `disablement-secret:HEX` that init prints. */
function parseSecret(text: string): Uint8Array {
  if (text.startsWith('disablement:')) {
    throw usageError(
      'that is a disablement value (what this command prints), not a secret; give the disablement-secret:HEX that "tlock init" printed',
    );
  }
  const hex = text.startsWith(SECRET_PREFIX) ? text.slice(SECRET_PREFIX.length) : text;
  if (hex === '' || !/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0) {
    throw usageError(
      'a disablement secret is hex (an even number of 0-9, a-f characters), bare or as disablement-secret:HEX',
    );
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export default defineCommand({
  name: 'disablement-kdf',
  usage: '<hex|disablement-secret:HEX|file:PATH|->',
  description: [
    'Runs the disablement KDF (Argon2i: 4 passes, 16 MiB, 4 lanes, a second or two) over a',
    'disablement secret and prints the value an authority stores for it, disablement:<hex>,',
    'which "tlock init" can be given instead of generating secrets. Give the secret as a file',
    '(file:PATH, mode 0600) or on stdin (-) to keep it out of shell history and ps.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['tlock disablement-kdf file:disablement-secret.txt', 'tlock disablement-kdf - < secret.txt'],
  async run({ args, out }) {
    const secret = parseSecret(await readArgument(args[0]!, 'disablement secret', { secret: true }));
    try {
      out.progress('Deriving the disablement value (Argon2i, 16 MiB)...');
      const value = `disablement:${toHex(await disablementKDF(secret))}`;
      if (out.json) out.document({ DisablementValue: value });
      else out.text(value);
    } finally {
      secret.fill(0);
    }
  },
});
