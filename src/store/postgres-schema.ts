import { TlockError } from '../errors.js';
import type { SqlClient } from './sql-client.js';

/*
 * tlock's tables in a PostgreSQL database, created and upgraded at start-up by `migrate`, which
 * every process runs under one advisory lock: idempotent (a database already at this version is
 * left alone) and safe when several server replicas start at once. A database whose schema is
 * newer than this code is refused (STORAGE), never written to.
 *
 * Every write to a tailnet bumps `tlock_tailnets.revision` once, in the transaction that holds
 * the tailnet's write lock (postgres-database.ts), and stamps the AUM rows it writes with it:
 * so a process that has read a tailnet up to revision R catches up with one query for the rows
 * of revision > R (postgres-store.ts). `reset_revision` is the revision at which the tailnet's
 * rows were last deleted: a reader older than it reads everything again.
 */

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 1;

/** Advisory lock key of the migration (a constant: "tlock" in ASCII, then "sm"). */
const MIGRATION_LOCK = 0x746c6f636b736dn;

/** Statements that take a database from version i to i + 1, for each i. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE tlock_tailnets (
      name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 256),
      revision bigint NOT NULL CHECK (revision > 0),
      reset_revision bigint NOT NULL DEFAULT 0,
      last_active_ancestor bytea CHECK (length(last_active_ancestor) = 32),
      disabled boolean NOT NULL DEFAULT false,
      disablement_secret bytea,
      support_disablement bytea
    )`,
    `CREATE TABLE tlock_aums (
      tailnet text NOT NULL REFERENCES tlock_tailnets (name) ON DELETE CASCADE,
      hash bytea NOT NULL CHECK (length(hash) = 32),
      parent bytea CHECK (length(parent) = 32),
      aum bytea NOT NULL,
      committed_at timestamptz NOT NULL,
      purged_at timestamptz,
      revision bigint NOT NULL,
      PRIMARY KEY (tailnet, hash)
    )`,
    `CREATE INDEX tlock_aums_by_revision ON tlock_aums (tailnet, revision)`,
    `CREATE TABLE tlock_signatures (
      tailnet text NOT NULL REFERENCES tlock_tailnets (name) ON DELETE CASCADE,
      node_key bytea NOT NULL CHECK (length(node_key) = 32),
      signature bytea NOT NULL,
      key_id bytea NOT NULL,
      signed_at timestamptz NOT NULL,
      PRIMARY KEY (tailnet, node_key)
    )`,
    `CREATE INDEX tlock_signatures_by_key ON tlock_signatures (tailnet, key_id)`,
    // An init in progress touches no tailnet row: a tailnet is created by init/finish alone.
    `CREATE TABLE tlock_pending_inits (
      tailnet text PRIMARY KEY CHECK (length(tailnet) BETWEEN 1 AND 256),
      node_key bytea NOT NULL CHECK (length(node_key) = 32),
      genesis bytea NOT NULL,
      need jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
  ],
];

/** Brings the schema to SCHEMA_VERSION; `client` must be in a transaction (it takes a lock). */
export async function migrate(client: SqlClient): Promise<void> {
  const target = SCHEMA_VERSION;
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
  await client.query(`CREATE TABLE IF NOT EXISTS tlock_schema (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version integer NOT NULL
  )`);
  const rows = await client.query<{ version: number }>('SELECT version FROM tlock_schema');
  const current = rows.rows[0]?.version ?? 0;
  if (current > target) {
    throw new TlockError(
      'STORAGE',
      `the database holds tlock schema version ${current}, newer than this tlock understands (${target}): ` +
        'run the tlock release that wrote it (or newer), or give another database',
    );
  }
  for (let v = current; v < target; v++) {
    for (const statement of MIGRATIONS[v]!) await client.query(statement);
  }
  if (current < target) {
    await client.query(
      'INSERT INTO tlock_schema (version) VALUES ($1) ON CONFLICT (one) DO UPDATE SET version = $1',
      [target],
    );
  }
}
