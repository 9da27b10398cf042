import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { inject } from 'vitest';

/*
 * The test run's PostgreSQL cluster (test/support/postgres-setup.ts). A suite that needs it
 * fails, with the reason, when it could not start: it never skips.
 */

/** The URL of the cluster's database `tlock`, shared by every suite (tailnets keep them apart). */
export function postgresUrl(): string {
  const provided = inject('postgres');
  if ('error' in provided) throw new Error(provided.error);
  return provided.url;
}

/** The same server, another database. */
export function databaseUrl(name: string): string {
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new empty database on the cluster; returns its URL. */
export async function freshDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer((c) => c.query(`CREATE DATABASE ${name}`));
  return databaseUrl(name);
}

/** Runs `fn` on a connection to `url` (default: the shared database). */
export async function onServer<T>(fn: (c: Client) => Promise<T>, url = postgresUrl()): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A tailnet name no other test uses. */
export function uniqueTailnet(prefix = 't'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}
