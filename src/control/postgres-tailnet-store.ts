import { TlockError } from '../errors.js';
import type { PostgresDatabase } from '../store/postgres-database.js';
import { PostgresStore } from '../store/postgres-store.js';
import type { PostgresTransaction } from '../store/postgres-transaction.js';
import type { TailnetSettings } from '../store/tailnet-settings.js';
import { fromHex, toHex } from '../wire/bytes.js';
import type { SignInfo } from './messages.js';
import type {
  PendingInitRecord,
  PendingInits,
  StoredSignature,
  TailnetStore,
  TailnetStores,
  TailnetWrite,
} from './tailnet-store.js';

/*
 * The server's tailnets in PostgreSQL (`tlock serve --store postgres://…`): many tailnets in one
 * database, any number of server processes on it. A tailnet's AUMs, last-active-ancestor and
 * settings are a PostgresStore (src/store/postgres-store.ts); its newest signature per node key
 * is a row of tlock_signatures, its init in progress a row of tlock_pending_inits.
 */

const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

interface SignatureRow {
  node_key: Buffer;
  signature: Buffer;
  key_id: Buffer;
}

const signatureOf = (r: SignatureRow): StoredSignature => ({
  nodeKey: new Uint8Array(r.node_key),
  signature: new Uint8Array(r.signature),
  keyID: new Uint8Array(r.key_id),
});

/** One tailnet: AUMs and settings read from memory as of the last catch-up, signatures from the database. */
class PostgresTailnetStore implements TailnetStore {
  constructor(readonly aums: PostgresStore) {}

  get revision(): number {
    return this.aums.revision;
  }

  refresh(): Promise<number> {
    return this.aums.refresh();
  }

  settings(): Promise<TailnetSettings> {
    return Promise.resolve(this.aums.settings());
  }

  async signature(nodeKey: Uint8Array): Promise<StoredSignature | undefined> {
    const rows = await this.aums.database.query<SignatureRow>(
      `read a signature of tailnet ${this.aums.tailnet}`,
      'SELECT node_key, signature, key_id FROM tlock_signatures WHERE tailnet = $1 AND node_key = $2',
      [this.aums.tailnet, buffer(nodeKey)],
    );
    return rows.length === 0 ? undefined : signatureOf(rows[0]!);
  }

  async signaturesByKey(keyID: Uint8Array): Promise<StoredSignature[]> {
    const rows = await this.aums.database.query<SignatureRow>(
      `read the signatures of tailnet ${this.aums.tailnet}`,
      'SELECT node_key, signature, key_id FROM tlock_signatures WHERE tailnet = $1 AND key_id = $2',
      [this.aums.tailnet, buffer(keyID)],
    );
    return rows.map(signatureOf);
  }

  exclusive<T>(fn: (write: TailnetWrite) => Promise<T>): Promise<{ value: T; revision: number }> {
    return this.aums.transaction((tx) => fn(new PostgresTailnetWrite(tx)));
  }
}

/** A write to one tailnet: one PostgreSQL transaction under the tailnet's advisory lock. */
class PostgresTailnetWrite implements TailnetWrite {
  constructor(private readonly tx: PostgresTransaction) {}

  get revision(): number {
    return this.tx.baseRevision;
  }

  get aums(): PostgresTransaction['aums'] {
    return this.tx.aums;
  }

  settings(): Promise<TailnetSettings> {
    return Promise.resolve(this.tx.settings());
  }

  saveSettings(settings: TailnetSettings): Promise<void> {
    return this.tx.saveSettings(settings);
  }

  async putSignature(sig: StoredSignature): Promise<void> {
    await this.tx.writing();
    await this.tx.client.query(
      `INSERT INTO tlock_signatures (tailnet, node_key, signature, key_id, signed_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (tailnet, node_key) DO UPDATE
       SET signature = EXCLUDED.signature, key_id = EXCLUDED.key_id, signed_at = EXCLUDED.signed_at`,
      [this.tx.tailnet, buffer(sig.nodeKey), buffer(sig.signature), buffer(sig.keyID)],
    );
  }

  async reset(): Promise<void> {
    await this.tx.reset();
    await this.tx.client.query('DELETE FROM tlock_signatures WHERE tailnet = $1', [this.tx.tailnet]);
  }
}

interface InitRow {
  node_key: Buffer;
  genesis: Buffer;
  need: unknown;
  expires_at: Date;
}

function needJSON(need: SignInfo[]): string {
  return JSON.stringify(
    need.map((n) => ({
      nodeID: n.nodeID,
      nodePublic: toHex(n.nodePublic),
      rotationPubkey: toHex(n.rotationPubkey),
    })),
  );
}

function readNeed(tailnet: string, json: unknown): SignInfo[] {
  try {
    if (!Array.isArray(json)) throw new Error('not an array');
    return json.map((n: Record<string, unknown>) => {
      if (typeof n['nodeID'] !== 'string') throw new Error('a nodeID is not text');
      return {
        nodeID: n['nodeID'],
        nodePublic: fromHex(String(n['nodePublic']), 'nodePublic'),
        rotationPubkey: fromHex(String(n['rotationPubkey']), 'rotationPubkey'),
      };
    });
  } catch (e) {
    throw new TlockError(
      'STORAGE',
      `tailnet ${JSON.stringify(tailnet)}: the init in progress is damaged (${(e as Error).message}); delete its row of tlock_pending_inits`,
      { cause: e },
    );
  }
}

/** Inits in progress as rows of tlock_pending_inits, so that any replica can finish what another began. */
class PostgresPendingInits implements PendingInits {
  constructor(private readonly db: PostgresDatabase) {}

  async get(tailnet: string): Promise<PendingInitRecord | undefined> {
    const rows = await this.db.query<InitRow>(
      `read the init in progress of tailnet ${tailnet}`,
      'SELECT node_key, genesis, need, expires_at FROM tlock_pending_inits WHERE tailnet = $1',
      [tailnet],
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      nodeKey: new Uint8Array(r.node_key),
      genesis: new Uint8Array(r.genesis),
      need: readNeed(tailnet, r.need),
      expires: r.expires_at.getTime(),
    };
  }

  async begin(tailnet: string, init: PendingInitRecord, now: number): Promise<boolean> {
    // One statement: the check and the write cannot be split by another replica's begin.
    const rows = await this.db.query(
      `record an init of tailnet ${tailnet}`,
      `INSERT INTO tlock_pending_inits AS p (tailnet, node_key, genesis, need, expires_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tailnet) DO UPDATE
       SET node_key = EXCLUDED.node_key, genesis = EXCLUDED.genesis, need = EXCLUDED.need,
           expires_at = EXCLUDED.expires_at
       WHERE p.expires_at <= $6 OR p.node_key = EXCLUDED.node_key
       RETURNING 1`,
      [
        tailnet,
        buffer(init.nodeKey),
        buffer(init.genesis),
        needJSON(init.need),
        new Date(init.expires),
        new Date(now),
      ],
    );
    return rows.length === 1;
  }

  async end(tailnet: string, init: PendingInitRecord): Promise<void> {
    await this.db.query(
      `forget the init of tailnet ${tailnet}`,
      `DELETE FROM tlock_pending_inits
       WHERE tailnet = $1 AND node_key = $2 AND genesis = $3 AND expires_at = $4`,
      [tailnet, buffer(init.nodeKey), buffer(init.genesis), new Date(init.expires)],
    );
  }
}

/** The tailnets in a PostgreSQL database (`tlock serve --store postgres://…`). */
export class PostgresTailnetStores implements TailnetStores {
  readonly inits: PendingInits;

  constructor(readonly database: PostgresDatabase) {
    this.inits = new PostgresPendingInits(database);
  }

  async open(tailnet: string, opts: { create: boolean }): Promise<TailnetStore | undefined> {
    const aums = await PostgresStore.open(this.database, tailnet);
    if (!opts.create && !aums.exists) return undefined;
    return new PostgresTailnetStore(aums);
  }
}
