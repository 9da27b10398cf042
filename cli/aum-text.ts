import { AUMKind, type AUM, aumKindName } from '../src/model/aum.js';
import type { Key } from '../src/model/key.js';
import { toHex } from '../src/wire/bytes.js';
import { jsonText } from './json-document.js';
import { aumJSON, keyKindText, tlpubText } from './tslockjsonv1.js';

/** Go's fmt of a map[string]string: `map[a:1 b:2]`, keys sorted. */
const goMap = (m: Record<string, string>): string =>
  `map[${Object.keys(m)
    .sort()
    .map((k) => `${k}:${m[k]}`)
    .join(' ')}]`;

function keyLines(k: Key): string[] {
  const lines = [
    `Type: ${keyKindText(k.kind)}`,
    `KeyID: ${tlpubText(k.public ?? new Uint8Array(0))}`,
    `Votes: ${k.votes}`,
  ];
  if (k.meta !== undefined && Object.keys(k.meta).length > 0) lines.push(`Metadata: ${goMap(k.meta)}`);
  return lines;
}

/**
 * The body of one `tlock log` stanza, as `tailscale lock log` writes it (its update-key prints a
 * pointer where the votes belong; we print the votes), plus who signed it.
 */
export function aumBodyLines(aum: AUM): string[] {
  const lines: string[] = [];
  switch (aum.messageKind) {
    case AUMKind.AddKey:
      if (aum.key !== undefined) lines.push(...keyLines(aum.key));
      break;
    case AUMKind.RemoveKey:
      lines.push(`KeyID: ${tlpubText(aum.keyID ?? new Uint8Array(0))}`);
      break;
    case AUMKind.UpdateKey:
      lines.push(`KeyID: ${tlpubText(aum.keyID ?? new Uint8Array(0))}`);
      if (aum.votes !== undefined) lines.push(`Votes: ${aum.votes}`);
      if (aum.meta !== undefined) lines.push(`Metadata: ${goMap(aum.meta)}`);
      break;
    case AUMKind.Checkpoint:
      lines.push(
        'Disablement values:',
        ...(aum.state?.disablementValues ?? []).map((v) => ` - ${v === null ? '' : toHex(v)}`),
      );
      lines.push('Keys:', ...(aum.state?.keys ?? []).flatMap((k) => keyLines(k).map((l) => `  ${l}`)));
      break;
    default:
      lines.push(
        ...jsonText(aumJSON(aum))
          .split('\n')
          .map((l) => `\t${l}`),
      );
  }
  for (const s of aum.signatures ?? []) lines.push(`Signed by: ${tlpubText(s.keyID ?? new Uint8Array(0))}`);
  return lines;
}

export const aumHeader = (hash: string, aum: AUM): string =>
  `update ${hash} (${aumKindName(aum.messageKind)})`;
