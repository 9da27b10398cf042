import { TlockError } from '../errors.js';
import { Authority } from '../authority/authority.js';
import { CONTROL_INIT_PENDING_MS } from '../limits.js';
import { type AUM, decodeAUM, encodeAUM } from '../model/aum.js';
import { MemoryStore } from '../store/memory-store.js';
import { bytesEqual } from '../wire/bytes.js';
import { formatNodeKey } from '../wire/keytext.js';
import type { SignInfo } from './messages.js';
import type { PendingInitRecord, StoredSignature } from './tailnet-store.js';

/**
 * A genesis between init/begin and init/finish: verified (self-signed by keys its own state
 * trusts) and bound to the node key that sent it, recorded in the stores' `inits` so that any
 * server process can finish it. Tailnet Lock is not on until init/finish stores the genesis.
 */
export class PendingInit {
  private constructor(
    readonly record: PendingInitRecord,
    readonly genesis: AUM,
    /** The authority the genesis starts, in memory: finish checks the signatures against it. */
    readonly authority: Authority,
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
    const record = {
      nodeKey: nodeKey.slice(),
      genesis: encodeAUM(genesis),
      need,
      expires: now + CONTROL_INIT_PENDING_MS,
    };
    return new PendingInit(record, genesis, authority);
  }

  /** An init that init/begin recorded (in this server process or another), checked again. */
  static async resume(record: PendingInitRecord): Promise<PendingInit> {
    let genesis: AUM;
    try {
      genesis = decodeAUM(record.genesis);
    } catch (e) {
      throw new TlockError('STORAGE', `the recorded init in progress is damaged: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return new PendingInit(record, genesis, await PendingInit.verify(genesis));
  }

  /** Whether an init/finish from `nodeKey` finishes this init. */
  matches(nodeKey: Uint8Array, now: number): boolean {
    return now < this.record.expires && bytesEqual(nodeKey, this.record.nodeKey);
  }

  /** Every node asked for has a signature that the genesis state authorises, and no other node has. */
  checkFinish(signatures: Map<string, Uint8Array>): StoredSignature[] {
    const need = this.record.need;
    const byID = new Map(need.map((n) => [n.nodeID, n]));
    for (const id of signatures.keys()) {
      if (!byID.has(id)) {
        throw new TlockError(
          'INVALID_ARGUMENT',
          `Signatures names node ${id}, which init/begin did not ask to sign`,
        );
      }
    }
    return need.map((n) => {
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
