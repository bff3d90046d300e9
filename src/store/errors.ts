/** Errors of the storage layer; codes are never renamed or reused. */
import { CodedError } from '../coded-error.js';
export const STORE_ERROR_CODES = {
  STORE_CONNECT: 'the database cannot be opened or reached',
  STORE_MIGRATION: 'a schema migration failed or the database is newer than this program',
  STORE_QUERY: 'a statement failed (constraint, syntax, type)',
  STORE_CLOSED: 'the store was used after it was closed',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

export const RETIRED_STORE_ERROR_CODES: readonly string[] = [];

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}

/** A failed statement as STORE_QUERY, naming the first line of the statement (never its parameters). */
export function queryFailed(e: unknown, sql: string): StoreError {
  const msg = e instanceof Error ? e.message : String(e);
  return new StoreError('STORE_QUERY', `${msg} (in: ${sql.trim().split('\n')[0]?.slice(0, 80)})`, { cause: e });
}
