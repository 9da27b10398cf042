import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { updateAuthority } from '../authority-update.js';
import { parseKeyArgument } from '../key-arguments.js';
import { KEY_OPTION } from '../key-file.js';
import { SERVER_OPTIONS } from '../server-options.js';
import { tlpubText } from '../tslockjsonv1.js';

function parseEntries(texts: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const t of texts) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw usageError(`"${t}": metadata is given as KEY=VALUE`);
    const k = t.slice(0, eq);
    if (Object.hasOwn(meta, k)) throw usageError(`metadata key "${k}" is given twice`);
    meta[k] = t.slice(eq + 1);
  }
  return meta;
}

export default defineCommand({
  name: 'set-meta',
  usage: '<tlpub> KEY=VALUE…',
  description: [
    'Replaces the whole metadata map of a trusted key (at most 512 bytes of keys and values) in',
    'one update signed by this machine’s key. Entries not given are dropped. With --server URL it',
    'syncs first and publishes the update (as "tlock add" does).',
  ].join('\n'),
  options: { ...KEY_OPTION, ...SERVER_OPTIONS },
  positionals: { min: 2 },
  examples: ['tlock set-meta tlpub:2c5f… owner=alice@example.com "note=laptop key"'],
  async run({ options, args, out, stateDir }) {
    const key = parseKeyArgument(args[0]!);
    if (key.votes !== undefined) throw usageError('set-meta takes the key without ?votes (see set-votes)');
    const meta = parseEntries(args.slice(1));
    await updateAuthority(
      { stateDir, options, out },
      {
        doing: 'change metadata',
        build: (b) => b.setKeyMeta(key.public, meta),
        summary: [`Set the metadata of ${tlpubText(key.public)}.`],
      },
    );
  },
});
