import { isTlockError } from '../../src/errors.js';
import { decodeNodeKeySignature, sigKindName } from '../../src/model/nks.js';
import { decodeBase64 } from '../../src/wire/base64.js';
import { formatNodeKey, parseNodeKey } from '../../src/wire/keytext.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { requireLocalAuthority } from '../local-authority.js';
import { readArgument } from '../secret-input.js';
import { tlpubText } from '../tslockjsonv1.js';

function decodeSignatureText(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  try {
    // Standard base64 as map responses carry it; the URL alphabet (log --json) is read too.
    return decodeBase64(compact.replaceAll('-', '+').replaceAll('_', '/'), 'signature');
  } catch (e) {
    if (!isTlockError(e)) throw e;
    throw usageError(`the signature is not base64: ${e.message}`);
  }
}

export default defineCommand({
  name: 'verify nodekey',
  usage: '<nodekey> <signature|file:PATH|->',
  description: [
    "Checks that a node-key signature (base64, as in a map response's KeySignature) authorises",
    'the node key under the authority in the state directory. Status 0: authorised (by which',
    'key); 1: refused, with the reason on stderr; 2: the node key or signature is malformed.',
  ].join('\n'),
  options: {},
  positionals: { min: 2, max: 2 },
  examples: [
    'tlock verify nodekey nodekey:5b1e… "$(cat sig.b64)"',
    'tlock verify nodekey nodekey:5b1e… file:sig.b64 --json',
  ],
  async run({ args, out, stateDir }) {
    let nodeKey: Uint8Array;
    try {
      nodeKey = parseNodeKey(await readArgument(args[0]!, 'node key'));
    } catch (e) {
      if (!isTlockError(e) || e.code !== 'DECODE') throw e;
      throw usageError(`"${args[0]}" is not a node key: expected nodekey:<64 hex> (${e.message})`);
    }
    const bytes = decodeSignatureText(await readArgument(args[1]!, 'signature'));
    let kind: string;
    try {
      kind = sigKindName(decodeNodeKeySignature(bytes).sigKind);
    } catch (e) {
      if (!isTlockError(e)) throw e;
      throw usageError(`the signature does not decode as a node-key signature: ${e.message}`);
    }
    const { authority } = await requireLocalAuthority(stateDir);
    const nodeKeyText = formatNodeKey(nodeKey);
    try {
      const auth = authority.nodeKeyAuthorized(nodeKey, bytes);
      if (out.json) {
        out.document({
          NodeKey: nodeKeyText,
          Authorized: true,
          SigKind: kind,
          KeyID: tlpubText(auth.keyID),
          Head: authority.head,
        });
      } else {
        out.text(`${nodeKeyText} is authorised: ${kind} signature by trusted key ${tlpubText(auth.keyID)}.`);
      }
      return EXIT.OK;
    } catch (e) {
      if (!isTlockError(e) || e.code === 'INVALID_ARGUMENT' || e.code === 'INTERNAL') throw e;
      if (out.json) {
        out.document({
          NodeKey: nodeKeyText,
          Authorized: false,
          SigKind: kind,
          Reason: e.code,
          Detail: e.message,
          Head: authority.head,
        });
      }
      out.note(`tlock: ${nodeKeyText} is NOT authorised (${e.code}): ${e.message}`);
      return EXIT.REFUSED;
    }
  },
});
