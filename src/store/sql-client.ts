import type { QueryResult, QueryResultRow } from 'pg';

/** What a query runs on: a pool (one statement, any connection) or one transaction's connection. */
export interface SqlClient {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
