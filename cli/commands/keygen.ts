import { generateSigningKey } from '../../src/crypto/ed25519.js';
import { defineCommand } from '../command.js';
import { createKeyFile } from '../key-file.js';
import { tlpubText } from '../tslockjsonv1.js';

export default defineCommand({
  name: 'keygen',
  usage: '[--json]',
  description: [
    'Writes a new private key, nlpriv:…, to <dir>/key with mode 0600 (the state directory is',
    'created with mode 0700 if missing) and prints the public key, tlpub:…, on stdout. An',
    'existing key is never overwritten (status 2, the key untouched). The private key is never',
    'printed. Give the public key to "tlock init", or to an admin, who trusts it with "tlock add".',
  ].join('\n'),
  options: {},
  positionals: { min: 0, max: 0 },
  examples: ['tlock keygen', 'tlock keygen --dir ~/.config/tlock-admin --json'],
  async run({ out, stateDir }) {
    const key = generateSigningKey();
    const path = await createKeyFile(stateDir, key);
    const pub = tlpubText(key.publicKey);
    if (out.json) {
      out.document({ PublicKey: pub, KeyFile: path });
      return;
    }
    out.text(pub);
    out.note(`The private key is in ${path} (mode 0600); it is never printed.`);
  },
});
