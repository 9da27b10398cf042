import type * as PG from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { TlockError } from '../errors.js';
import { migrate } from './postgres-schema.js';
import type { SqlClient } from './sql-client.js';

export type { SqlClient } from './sql-client.js';

export interface PostgresDatabaseOptions {
  /** Connections for reads and for writes, each (default 10): reads never wait behind writes. */
  connections?: number;
}

/** How long one statement, or a wait for a tailnet's write lock, may take before it fails. */
const STATEMENT_TIMEOUT_MS = 30_000;
/** A transaction left open this long (a hung process holding a tailnet's lock) is ended by the server. */
const IDLE_IN_TRANSACTION_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** SQLSTATE classes that mean the server is not there to talk to (08: connection exception; 57P: shut down). */
const UNREACHABLE_STATE = /^(08|57P0[1-3])/;

/** The `pg` module, loaded by the first `connect`: importing tlock does not load it. */
let pg: typeof PG | undefined;

/**
 * The URL as it may be shown: without a password. Anything that is not a postgres:// or
 * postgresql:// URL is INVALID_ARGUMENT.
 */
export function describeDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new TlockError(
      'INVALID_ARGUMENT',
      'expected a PostgreSQL URL such as postgres://user@host:5432/dbname (or postgres://user@localhost/dbname?host=/run/postgresql for a unix socket)',
    );
  }
  parsed.password = '';
  return parsed.toString();
}

/**
 * A STORAGE error for a failed database operation: whether the server could not be reached
 * (and what to check) or what it refused, never the password.
 */
export function databaseError(action: string, where: string, e: unknown): TlockError {
  if (e instanceof TlockError) return e;
  if (pg !== undefined && e instanceof pg.DatabaseError) {
    if (e.code !== undefined && UNREACHABLE_STATE.test(e.code)) {
      return new TlockError('STORAGE', `cannot ${action}: the PostgreSQL server at ${where} ${e.message}`, {
        cause: e,
      });
    }
    return new TlockError(
      'STORAGE',
      `cannot ${action}: PostgreSQL at ${where} refused: ${e.message} (SQLSTATE ${e.code ?? '?'})`,
      { cause: e },
    );
  }
  const code = (e as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
  return new TlockError(
    'STORAGE',
    `cannot ${action}: cannot reach PostgreSQL at ${where} (${reason}); check that the server is running and the URL is right`,
    { cause: e },
  );
}

/**
 * A PostgreSQL database holding tlock's tables (postgres-schema.ts), over the `pg` client: two
 * pools of connections, one for reads and one for writes, so that reads never wait for a
 * connection behind writes. `connect` migrates the schema. Every failure is a STORAGE error.
 */
export class PostgresDatabase {
  readonly #reads: Pool;
  readonly #writes: Pool;
  /** The URL without its password, for messages. */
  readonly where: string;

  private constructor(module: typeof PG, url: string, where: string, connections: number) {
    this.where = where;
    const config = {
      connectionString: url,
      max: connections,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      lock_timeout: STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
      application_name: 'tlock',
    };
    this.#reads = new module.Pool(config);
    this.#writes = new module.Pool(config);
    // An idle connection that breaks (the server restarted) is dropped; the next query reconnects.
    for (const pool of [this.#reads, this.#writes]) pool.on('error', () => undefined);
  }

  /**
   * Connects and brings the schema up to date. STORAGE when the server cannot be reached or
   * refuses, or when the database's schema is newer than this code.
   */
  static async connect(url: string, options: PostgresDatabaseOptions = {}): Promise<PostgresDatabase> {
    if (typeof url !== 'string') {
      throw new TlockError('INVALID_ARGUMENT', 'PostgresDatabase.connect: url: expected a postgres:// URL');
    }
    const connections = options.connections ?? 10;
    if (!Number.isInteger(connections) || connections < 1) {
      throw new TlockError(
        'INVALID_ARGUMENT',
        'PostgresDatabase.connect: connections: expected a positive integer',
      );
    }
    const where = describeDatabaseUrl(url);
    pg ??= await import('pg');
    const db = new PostgresDatabase(pg, url, where, connections);
    try {
      await db.transaction('set up the tlock schema', undefined, migrate);
    } catch (e) {
      await db.close();
      throw e;
    }
    return db;
  }

  /** One statement on a read connection. */
  async query<R extends QueryResultRow>(action: string, text: string, values?: unknown[]): Promise<R[]> {
    try {
      return (await this.#reads.query<R>(text, values)).rows;
    } catch (e) {
      throw databaseError(action, this.where, e);
    }
  }

  /**
   * Runs `fn` in one transaction on a write connection, after taking the transaction-scoped
   * advisory lock named `lock` (if given): writers to one name wait for each other, in every
   * process on this database, and nobody else. Commits when `fn` resolves, rolls back when it
   * throws. The lock goes with the transaction, also when the process holding it dies.
   */
  async transaction<T>(
    action: string,
    lock: string | undefined,
    fn: (client: SqlClient) => Promise<T>,
  ): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#writes.connect();
    } catch (e) {
      throw databaseError(action, this.where, e);
    }
    let healthy = true;
    try {
      await client.query('BEGIN');
      if (lock !== undefined)
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lock]);
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch {
        healthy = false;
      }
      if (!(e instanceof pg!.DatabaseError) && !(e instanceof TlockError)) healthy = false;
      throw databaseError(action, this.where, e);
    } finally {
      client.release(!healthy);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#reads.end(), this.#writes.end()]);
  }
}
