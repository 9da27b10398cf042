import { SigKind } from '../../src/model/nks.js';
import { formatNodeKey } from '../../src/wire/keytext.js';
import { readArtefact } from '../artefact-input.js';
import { defineCommand } from '../command.js';
import { NO_AUTHORITY_NOTE, authorityHeading } from '../inspection.js';
import { openLocalAuthority } from '../local-authority.js';
import { levelJSON, levelLines, nksLevels, nksVerdict, verdictJSON } from '../nks-levels.js';
import { nksJSON, tlpubText } from '../tslockjsonv1.js';

export default defineCommand({
  name: 'inspect nks',
  usage: '<hex|base64|file:PATH|->',
  description: [
    'Takes a node-key signature apart (as a netmap peer\'s KeySignature carries it, or as "tlock',
    'sign nodekey" prints it): each level, outermost first, with the node key, key ID and',
    'wrapping key it names and whether its own signature verifies with the key that must have',
    'made it. With an authority in the state directory, also whether it authorises its node key',
    'now, and why not. Status 0 when it decodes (the verdict is in the output), 2 when it does not.',
  ].join('\n'),
  options: {},
  positionals: { min: 1, max: 1 },
  examples: [
    'tlock inspect nks "$(jq -r .Peers[0].KeySignature map.json)"',
    'tlock inspect nks file:signature.txt --json',
  ],
  async run({ args, out, stateDir }) {
    const artefact = await readArtefact(args[0]!, 'node-key signature');
    const { nks, levels } = nksLevels(artefact.bytes, 'the input');
    const local = await openLocalAuthority(stateDir);
    const verdict = local === undefined ? undefined : nksVerdict(local, nks, levels, artefact.bytes);
    const subject = nks.sigKind === SigKind.Credential ? undefined : levels[0]!.nodeKey;

    if (out.json) {
      out.document({
        Kind: 'nks',
        Size: artefact.bytes.length,
        Form: artefact.form,
        NodeKey: subject === undefined ? undefined : formatNodeKey(subject),
        Signature: nksJSON(nks),
        Levels: levels.map(levelJSON),
        Authority: verdict === undefined ? undefined : verdictJSON(verdict),
      });
      return;
    }
    out.text(
      `Node-key signature: ${levels[0]!.kind}, ${levels.length} level${levels.length === 1 ? '' : 's'}, ${artefact.bytes.length} bytes (given as ${artefact.form})`,
    );
    if (subject !== undefined) out.text(`Authorises: ${formatNodeKey(subject)}`);
    out.text('', ...levelLines(levels), '');
    if (verdict === undefined) {
      out.text(NO_AUTHORITY_NOTE);
      return;
    }
    out.text(authorityHeading(verdict.head));
    const by = verdict.authorizingKey === undefined ? 'no key' : tlpubText(verdict.authorizingKey);
    out.text(`  The chain ends in ${by}, which is ${verdict.keyTrusted ? 'trusted' : 'NOT trusted'}.`);
    if (verdict.authorized === true) out.text(`  Authorised: yes, ${formatNodeKey(subject!)} may join.`);
    else if (verdict.authorized === false) out.text(`  Authorised: NO (${verdict.code}): ${verdict.reason}`);
    else
      out.text(
        "  A credential authorises no node by itself: a node signs its own key with the credential's",
        '  one-time key (a pre-signed auth key; see "tlock inspect authkey").',
      );
  },
});
