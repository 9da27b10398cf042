import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlockError } from '../../src/errors.js';
import { type AUM, AUMKind, aumHash } from '../../src/model/aum.js';
import { PostgresDatabase } from '../../src/store/postgres-database.js';
import { SCHEMA_VERSION } from '../../src/store/postgres-schema.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { freshDatabase, onServer, postgresUrl, uniqueTailnet } from '../support/postgres.js';
import { describeAumStoreConformance } from './conformance.js';

let db: PostgresDatabase;

beforeAll(async () => {
  db = await PostgresDatabase.connect(postgresUrl());
});
afterAll(async () => {
  await db?.close();
});

describeAumStoreConformance('PostgresStore', () => PostgresStore.open(db, uniqueTailnet()));

const genesis: AUM = { messageKind: AUMKind.RemoveKey, prevAUMHash: null, keyID: Uint8Array.of(1) };
const child = (parent: AUM, k: number): AUM => ({
  messageKind: AUMKind.NoOp,
  prevAUMHash: aumHash(parent),
  keyID: Uint8Array.of(k),
});
const names = (aums: AUM[]): string[] => aums.map((a) => hashToBase32(aumHash(a))).sort();

async function expectStorage(promise: Promise<unknown>, pattern: RegExp): Promise<TlockError> {
  const e = await promise.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(TlockError);
  expect((e as TlockError).code).toBe('STORAGE');
  expect((e as TlockError).message).toMatch(pattern);
  return e as TlockError;
}

describe('PostgresStore across processes', () => {
  it('shows another store’s commits after refresh, with the same commit times', async () => {
    const tailnet = uniqueTailnet();
    const a = await PostgresStore.open(db, tailnet);
    const b = await PostgresStore.open(db, tailnet);
    expect(a.exists).toBe(false);
    const one = child(genesis, 1);
    await a.commit([genesis, one]);
    expect(a.exists).toBe(true);
    expect(await b.get(aumHash(one))).toBeUndefined(); // reads are from memory until a refresh
    expect(await b.refresh()).toBe(a.revision);
    expect(await b.heads()).toEqual([one]);
    expect(await b.commitTime(aumHash(one))).toBe(await a.commitTime(aumHash(one)));
    expect(await b.refresh()).toBe(a.revision); // nothing new: the same revision
  });

  it('writes from two stores at once: every AUM kept, one revision each, the same view after', async () => {
    const tailnet = uniqueTailnet();
    const a = await PostgresStore.open(db, tailnet);
    const b = await PostgresStore.open(db, tailnet);
    await a.commit([genesis]);
    const forks = Array.from({ length: 12 }, (_, i) => child(genesis, 10 + i));
    await Promise.all(forks.map((f, i) => (i % 2 === 0 ? a : b).commit([f])));
    await a.refresh();
    await b.refresh();
    expect(a.revision).toBe(13);
    expect(b.revision).toBe(13);
    expect(names(await a.heads())).toEqual(names(forks));
    expect(names(await b.heads())).toEqual(names(forks));
    expect(names(await a.children(aumHash(genesis)))).toEqual(names(forks));
  });

  it('catches up with purges, resurrections, the hint and a reset', async () => {
    let now = 5_000_000;
    const tailnet = uniqueTailnet();
    const a = await PostgresStore.open(db, tailnet, { clock: () => now });
    const b = await PostgresStore.open(db, tailnet);
    const one = child(genesis, 1);
    await a.commit([genesis, one]);
    await b.refresh();
    await a.purge([aumHash(genesis)]);
    await a.setLastActiveAncestor(aumHash(one));
    await b.refresh();
    expect(await b.get(aumHash(genesis))).toBeUndefined();
    expect(await b.lastActiveAncestor()).toEqual(aumHash(one));
    now += 60_000;
    await a.commit([genesis]); // back, with its first commit time
    await b.refresh();
    expect(await b.commitTime(aumHash(genesis))).toBe(5_000_000);
    await a.transaction((tx) => tx.reset());
    expect(await a.heads()).toEqual([]);
    await b.refresh();
    expect(await b.heads()).toEqual([]);
    expect(await b.lastActiveAncestor()).toBeUndefined();
    await a.commit([genesis]);
    await b.refresh();
    expect(await b.heads()).toEqual([genesis]);
  });

  it('a transaction that fails writes nothing, and its store shows nothing of it', async () => {
    const tailnet = uniqueTailnet();
    const a = await PostgresStore.open(db, tailnet);
    await a.commit([genesis]);
    const before = a.revision;
    const one = child(genesis, 1);
    await expect(
      a.transaction(async (tx) => {
        await tx.aums.commit([one]);
        expect(await tx.aums.heads()).toEqual([one]); // the transaction sees its own write
        expect(await a.get(aumHash(one))).toBeUndefined(); // the store's readers do not, yet
        throw new TlockError('CONFLICT', 'changed my mind');
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await a.get(aumHash(one))).toBeUndefined();
    expect(await a.refresh()).toBe(before);
    const fresh = await PostgresStore.open(db, tailnet);
    expect(await fresh.heads()).toEqual([genesis]);
  });

  it('keeps tailnets apart', async () => {
    const [x, y] = [uniqueTailnet(), uniqueTailnet()];
    const a = await PostgresStore.open(db, x);
    const b = await PostgresStore.open(db, y);
    await a.commit([genesis]);
    await b.commit([child(genesis, 7)]);
    expect(await (await PostgresStore.open(db, x)).heads()).toEqual([genesis]);
    expect(await (await PostgresStore.open(db, y)).heads()).toEqual([child(genesis, 7)]);
  });
});

describe('PostgresStore: damaged rows', () => {
  it('refuses a row that does not hold an AUM, or another AUM than its hash, naming it; other tailnets read on', async () => {
    const damaged = uniqueTailnet('damaged');
    const healthy = uniqueTailnet('healthy');
    const a = await PostgresStore.open(db, damaged);
    const one = child(genesis, 1);
    await a.commit([genesis, one]);
    await (await PostgresStore.open(db, healthy)).commit([genesis]);

    // Damage by hand, as a bad restore or a stray UPDATE would (the revision marks it changed).
    const bump = `UPDATE tlock_tailnets SET revision = revision + 1 WHERE name = $1 RETURNING revision`;
    await onServer(async (c) => {
      const r = await c.query(bump, [damaged]);
      await c.query('UPDATE tlock_aums SET aum = $3, revision = $4 WHERE tailnet = $1 AND hash = $2', [
        damaged,
        Buffer.from(aumHash(one)),
        Buffer.from('not cbor'),
        r.rows[0].revision,
      ]);
    });
    await expectStorage(
      PostgresStore.open(db, damaged),
      new RegExp(`${hashToBase32(aumHash(one))}.*does not hold an AUM`),
    );
    await expectStorage(a.refresh(), /does not hold an AUM/);
    expect(await a.heads()).toEqual([one]); // what it had stays
    expect(await (await PostgresStore.open(db, healthy)).heads()).toEqual([genesis]);

    await onServer(async (c) => {
      const r = await c.query(bump, [damaged]);
      await c.query('UPDATE tlock_aums SET aum = $3, revision = $4 WHERE tailnet = $1 AND hash = $2', [
        damaged,
        Buffer.from(aumHash(one)),
        Buffer.from((await import('../../src/model/aum.js')).encodeAUM(child(genesis, 2))),
        r.rows[0].revision,
      ]);
    });
    await expectStorage(a.refresh(), /holds the AUM .* instead/);
  });
});

describe('PostgresDatabase', () => {
  it('creates the schema once: connecting again changes nothing', async () => {
    const url = await freshDatabase('tlock_migrate');
    const tables = (): Promise<string[]> =>
      onServer(async (c) => {
        const r = await c.query(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        );
        return r.rows.map((row: { tablename: string }) => row.tablename);
      }, url);
    const [first, second] = await Promise.all([PostgresDatabase.connect(url), PostgresDatabase.connect(url)]);
    await Promise.all([first.close(), second.close()]);
    const after = await tables();
    expect(after).toEqual([
      'tlock_aums',
      'tlock_pending_inits',
      'tlock_schema',
      'tlock_signatures',
      'tlock_tailnets',
    ]);
    const again = await PostgresDatabase.connect(url);
    await again.close();
    expect(await tables()).toEqual(after);
    const version = await onServer((c) => c.query('SELECT version FROM tlock_schema'), url);
    expect(version.rows).toEqual([{ version: SCHEMA_VERSION }]);
  });

  it('refuses a database whose schema is newer than the code (STORAGE), touching nothing', async () => {
    const url = await freshDatabase('tlock_newer');
    await (await PostgresDatabase.connect(url)).close();
    await onServer((c) => c.query('UPDATE tlock_schema SET version = $1', [SCHEMA_VERSION + 1]), url);
    await expectStorage(
      PostgresDatabase.connect(url),
      /schema version 2, newer than this tlock understands \(1\)/,
    );
    const version = await onServer((c) => c.query('SELECT version FROM tlock_schema'), url);
    expect(version.rows).toEqual([{ version: SCHEMA_VERSION + 1 }]);
  });

  it('says so when the server cannot be reached or the database does not exist, without the password', async () => {
    const nowhere = 'postgres://tlock:s3cret@localhost/tlock?host=/nonexistent-tlock-socket-dir';
    const e = await expectStorage(PostgresDatabase.connect(nowhere), /cannot reach PostgreSQL at .*ENOENT/);
    expect(e.message).not.toContain('s3cret');
    const url = new URL(postgresUrl());
    url.pathname = '/no_such_database';
    await expectStorage(PostgresDatabase.connect(url.toString()), /no_such_database/);
  });

  it('refuses a URL that is not postgres:// with INVALID_ARGUMENT', async () => {
    await expect(PostgresDatabase.connect('mysql://x@y/z')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(PostgresDatabase.connect('not a url')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
