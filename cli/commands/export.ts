import { basename, dirname, resolve } from 'node:path';
import { chainReads } from '../../src/authority/chain-reads.js';
import { walkBack } from '../../src/authority/chain.js';
import { MAX_CHAIN_WALK } from '../../src/limits.js';
import { hashFromBase32 } from '../../src/wire/base32.js';
import { toHex } from '../../src/wire/bytes.js';
import { writeFileAtomic } from '../../src/store/atomic-file.js';
import { defineCommand } from '../command.js';
import { uninterrupted } from '../interrupt.js';
import { jsonText } from '../json-document.js';
import { logDocument } from '../log-document.js';
import { requireLocalAuthority } from '../local-authority.js';

export default defineCommand({
  name: 'export',
  usage: '[--out FILE]',
  description: [
    'Prints the active chain, from its oldest stored ancestor (the genesis, or the checkpoint',
    'compaction kept) to the head, newest first, as the log document "tlock log --json" prints',
    '(SchemaVersion "1", Messages of {Hash, AUM, Raw}). "tlock import" reads it back, here or on',
    'another machine. With --out the document is written to FILE atomically (a temp file synced',
    'and renamed: FILE is whole or as it was), mode 0600, and --json prints a summary instead.',
  ].join('\n'),
  options: {
    out: { type: 'string', placeholder: 'FILE', describe: 'write the document to FILE instead of stdout' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'tlock export --out chain.json',
    'tlock export --dir /var/lib/tlock | ssh admin2 tlock import -',
  ],
  async run({ options, out, stateDir }) {
    const local = await requireLocalAuthority(stateDir);
    const oldest = toHex(hashFromBase32(local.authority.oldestAncestor));
    const chain = await walkBack(chainReads(local.store), local.authority.headHash, MAX_CHAIN_WALK, oldest);
    const doc = logDocument(chain.map((s) => s.aum));
    if (options.out === undefined) {
      // The document is the answer, with or without --json.
      if (out.json) out.document(doc);
      else out.text(jsonText(doc));
      return;
    }
    const path = resolve(options.out);
    const bytes = Buffer.from(jsonText(doc) + '\n');
    await uninterrupted(() => writeFileAtomic(dirname(path), basename(path), bytes));
    if (out.json) {
      out.document({ File: path, Head: local.authority.head, AUMs: chain.length });
    } else {
      out.text(`Wrote ${chain.length} AUMs (head ${local.authority.head}) to ${path}`);
    }
  },
});
