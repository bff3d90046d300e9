/** Errors of the storage layer; codes are never renamed or reused. */
export const STORE_ERROR_CODES = {
  STORE_CONNECT: 'the database cannot be opened or reached',
  STORE_MIGRATION: 'a schema migration failed or the database is newer than this program',
  STORE_QUERY: 'a statement failed (constraint, syntax, type)',
  STORE_CLOSED: 'the store was used after it was closed',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

export const RETIRED_STORE_ERROR_CODES: readonly string[] = [];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
