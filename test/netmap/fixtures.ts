import type { State } from '../../src/model/state.js';
import { b64, nodeKeyText } from '../nks-fixtures.js';

/** A mutable stand-in for Authority: the verifier only reads `head` and `state`. */
export interface FakeAuthority {
  head: string;
  state: State;
}

export function peer(
  id: number,
  key: Uint8Array,
  sig?: Uint8Array,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const p: Record<string, unknown> = {
    ID: id,
    StableID: `s${id}`,
    Name: `node${id}.example.ts.net.`,
    Key: nodeKeyText(key),
  };
  if (sig !== undefined) p['KeySignature'] = b64(sig);
  return { ...p, ...extra };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
