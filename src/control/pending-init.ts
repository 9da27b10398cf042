import { TlockError } from '../errors.js';
import { Authority } from '../authority/authority.js';
import { CONTROL_INIT_PENDING_MS } from '../limits.js';
import type { AUM } from '../model/aum.js';
import { MemoryStore } from '../store/memory-store.js';
import { bytesEqual } from '../wire/bytes.js';
import { formatNodeKey } from '../wire/keytext.js';
import type { SignInfo } from './messages.js';
import type { StoredSignature } from './tailnet-store.js';

/**
 * A genesis between init/begin and init/finish: verified (self-signed by keys its own state
 * trusts), held in memory only, and bound to the node key that sent it. Tailnet Lock is not on
 * until init/finish stores it.
 */
export class PendingInit {
  private constructor(
    readonly nodeKey: Uint8Array,
    readonly genesis: AUM,
    /** The authority the genesis starts, in memory: finish checks the signatures against it. */
    readonly authority: Authority,
    readonly need: SignInfo[],
    readonly expires: number,
  ) {}

  /** Checks a proposed genesis: a checkpoint with no parent, signed by keys its own state trusts. */
  static async verify(genesis: AUM): Promise<Authority> {
    if (genesis.prevAUMHash !== null) {
      throw new TlockError(
        'REJECTED_AUM',
        'GenesisAUM has a parent: Tailnet Lock starts from a genesis checkpoint',
      );
    }
    return Authority.bootstrap(new MemoryStore(), genesis);
  }

  static async begin(nodeKey: Uint8Array, genesis: AUM, need: SignInfo[], now: number): Promise<PendingInit> {
    const authority = await PendingInit.verify(genesis);
    return new PendingInit(nodeKey.slice(), genesis, authority, need, now + CONTROL_INIT_PENDING_MS);
  }

  /** Whether init/finish can still finish it. */
  live(now: number): boolean {
    return now < this.expires;
  }

  /** Whether this init keeps another node key from beginning one. */
  blocks(nodeKey: Uint8Array, now: number): boolean {
    return now < this.expires && !bytesEqual(nodeKey, this.nodeKey);
  }

  /** Whether an init/finish from `nodeKey` finishes this init. */
  matches(nodeKey: Uint8Array, now: number): boolean {
    return now < this.expires && bytesEqual(nodeKey, this.nodeKey);
  }

  /** Every node asked for has a signature that the genesis state authorises, and no other node has. */
  checkFinish(signatures: Map<string, Uint8Array>): StoredSignature[] {
    const byID = new Map(this.need.map((n) => [n.nodeID, n]));
    for (const id of signatures.keys()) {
      if (!byID.has(id)) {
        throw new TlockError(
          'INVALID_ARGUMENT',
          `Signatures names node ${id}, which init/begin did not ask to sign`,
        );
      }
    }
    return this.need.map((n) => {
      const signature = signatures.get(n.nodeID);
      if (signature === undefined) {
        throw new TlockError(
          'INVALID_ARGUMENT',
          `Signatures has no signature for node ${n.nodeID} (${formatNodeKey(n.nodePublic)}); sign every node init/begin listed`,
        );
      }
      const { keyID } = this.authority.nodeKeyAuthorized(n.nodePublic, signature);
      return { nodeKey: n.nodePublic.slice(), signature: signature.slice(), keyID };
    });
  }
}
