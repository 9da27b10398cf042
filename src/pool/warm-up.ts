import { randomBytes } from '../crypto/random.js';
import { signingKeyFromPrivate } from '../crypto/ed25519.js';
import type { State } from '../model/state.js';
import { computeVerdict } from '../netmap/peer-verdict.js';
import { signNodeKey } from '../signing/direct.js';
import { encodeBase64 } from '../wire/base64.js';
import { formatNodeKey } from '../wire/keytext.js';

/** Signatures made for a warm-up: enough calls for V8 to compile the verification path. */
const WARM_UP_SIGNATURES = 128;
const WARM_UP_ROUNDS = 3;

/**
 * `count` (Key, KeySignature) texts of node keys made up here, direct-signed with a rotation key
 * by a key made up here, and a state that trusts only that key: material for warm-ups, which
 * nothing else trusts.
 */
export function madeUpSignatures(count: number): { state: State; claims: [string, string][] } {
  const admin = signingKeyFromPrivate(randomBytes(32));
  const state: State = {
    lastAUMHash: null,
    disablementValues: null,
    keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
  };
  const claims: [string, string][] = [];
  for (let i = 0; i < count; i++) {
    const nodeKey = randomBytes(32);
    const sig = signNodeKey(admin, nodeKey, { wrappingPubkey: randomBytes(32) });
    claims.push([formatNodeKey(nodeKey), encodeBase64(sig)]);
  }
  return { state, claims };
}

/**
 * Runs the verification path (base64, CBOR, BLAKE2s, libsodium) on made-up signatures
 * (`madeUpSignatures`): a fresh worker pays for loading libsodium and compiling the code
 * (measured at 150-210 ms on its first 10 000-peer batch) before a map response waits for it.
 * Returns how many verdicts were accepted, which is every one unless something is broken.
 */
export function warmUpVerdicts(): number {
  const { state, claims } = madeUpSignatures(WARM_UP_SIGNATURES);
  let accepted = 0;
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (const [key, sig] of claims) if (computeVerdict(state, key, sig).ok) accepted++;
  }
  return accepted;
}
