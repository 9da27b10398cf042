import { isTlockError } from '../../src/errors.js';
import { COMPACTION_MIN_AGE_MS, COMPACTION_MIN_CHAIN } from '../../src/limits.js';
import { aumKindName } from '../../src/model/aum.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { uninterrupted } from '../interrupt.js';
import { requireLocalAuthority } from '../local-authority.js';

const MIN_AGE_DAYS = COMPACTION_MIN_AGE_MS / (24 * 60 * 60 * 1000);

export default defineCommand({
  name: 'compact',
  usage: '',
  description: [
    `Compacts the store as tailscaled does after a sync: it keeps at least ${COMPACTION_MIN_CHAIN} AUMs back from`,
    `the head, back to a checkpoint older than ${MIN_AGE_DAYS} days (or the genesis), which becomes the oldest`,
    `ancestor; every AUM younger than ${MIN_AGE_DAYS} days; and the branches that hang off what is kept.`,
    'Everything older is purged: its file stays, marked purged, as tailscaled marks it. The head',
    'and the trusted keys do not change. Lists what was purged.',
  ].join('\n'),
  options: {},
  positionals: { min: 0, max: 0 },
  examples: ['tlock compact', 'tlock compact --json --dir /var/lib/tlock'],
  async run({ out, stateDir }) {
    const local = await requireLocalAuthority(stateDir);
    const before = new Map<string, string>();
    for (const hash of await local.store.allAUMs()) {
      const aum = await local.store.get(hash);
      before.set(hashToBase32(hash), aum === undefined ? 'unknown' : aumKindName(aum.messageKind));
    }
    const previousOldest = local.authority.oldestAncestor;
    let oldest: string;
    try {
      oldest = await uninterrupted(() => local.authority.compact(local.store));
    } catch (e) {
      if (!isTlockError(e) || e.code === 'STORAGE') throw e;
      throw new CliError(EXIT.IO, e.code, `cannot compact this store: ${e.message}; nothing was purged`, {
        cause: e,
      });
    }
    const kept = new Set((await local.store.allAUMs()).map(hashToBase32));
    const removed = [...before].filter(([h]) => !kept.has(h)).sort(([a], [b]) => (a < b ? -1 : 1));

    if (out.json) {
      out.document({
        Removed: removed.map(([Hash, Kind]) => ({ Hash, Kind })),
        Kept: kept.size,
        OldestAncestor: oldest,
        PreviousOldestAncestor: previousOldest,
        Head: local.authority.head,
      });
      return;
    }
    if (removed.length === 0) {
      out.text(`Nothing to purge: all ${kept.size} stored AUMs are still needed.`);
    } else {
      out.text(`Purged ${removed.length} AUMs:`, ...removed.map(([h, kind]) => `\t${h}\t${kind}`));
      out.text(`Kept ${kept.size}.`);
    }
    out.text(`Oldest ancestor: ${oldest}${oldest === previousOldest ? '' : ` (was ${previousOldest})`}`);
    out.text(`Head: ${local.authority.head}`);
  },
});
