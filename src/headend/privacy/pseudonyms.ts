/**
 * The pseudonym the administrator's pseudonymiser gives a gateway (src/headend/pseudonymiser.ts), computed from
 * the store's secret: the privacy layer finds a consumer's pseudonymised rows with it. No secret in the store
 * means nothing was ever pseudonymised, so there are no such rows to find.
 */
import type { Db } from '../../store/index.js';
import { PSEUDONYM_SECRET, derivePseudonym } from '../pseudonymiser.js';

/** A lookup from gateway name to its pseudonym (null when the store has no pseudonym secret yet). */
export async function pseudonymLookup(db: Db): Promise<(gateway: string) => string | null> {
  const rows = await db.query<{ value: string }>('SELECT value FROM he_secrets WHERE name = $1', [PSEUDONYM_SECRET]);
  const secret = rows[0]?.value;
  return (gateway) => (secret === undefined ? null : derivePseudonym(secret, gateway));
}
