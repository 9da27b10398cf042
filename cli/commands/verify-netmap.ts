import { NetmapVerifier } from '../../src/netmap/verifier.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { requireLocalAuthority } from '../local-authority.js';
import { readNetmapArgument } from '../netmap-input.js';

const countOf = (list: unknown): number | undefined => (Array.isArray(list) ? list.length : undefined);

export default defineCommand({
  name: 'verify netmap',
  usage: '<file|->',
  description: [
    "Gives the hook's verdict on one captured map response: which peers the authority in the",
    'state directory refuses, and why. Status 0 when it was checked (dropped peers are listed,',
    "not an error); 1 when the map response's own node is locked out; 2 when it is not a map",
    'response.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  examples: ['tlock verify netmap captured-map.json', 'curl -s … | tlock verify netmap - --json'],
  async run({ args, out, stateDir }) {
    const netmap = await readNetmapArgument(args[0]!, 'map response');
    const { authority } = await requireLocalAuthority(stateDir);
    const verdict = new NetmapVerifier(authority).filter(netmap);
    const received = countOf(netmap.Peers);
    const kept = countOf(verdict.netmap.Peers);
    const status = verdict.selfLockedOut === undefined ? EXIT.OK : EXIT.REFUSED;
    if (out.json) {
      out.document({
        Head: authority.head,
        Peers: received,
        Accepted: kept,
        Dropped: verdict.dropped.map((d) => ({
          NodeKey: d.key,
          ID: d.id,
          Name: d.name,
          Reason: d.reason,
          Detail: d.detail,
        })),
        SelfLockedOut: verdict.selfLockedOut ?? null,
      });
      return status;
    }
    const summary =
      received === undefined
        ? `Checked the map response against head ${authority.head}: ${verdict.dropped.length} dropped.`
        : `Checked ${received} peer${received === 1 ? '' : 's'} against head ${authority.head}: ${kept ?? 0} accepted, ${verdict.dropped.length} dropped.`;
    out.text(summary);
    if (verdict.dropped.length > 0) {
      out.text(
        '',
        'Dropped:',
        ...verdict.dropped.map((d) => `\t${d.name ?? '(no name)'}\t${d.key}\t${d.reason}\t${d.detail}`),
      );
    }
    if (verdict.selfLockedOut !== undefined)
      out.text('', `This node is LOCKED OUT: ${verdict.selfLockedOut}`);
    return status;
  },
});
