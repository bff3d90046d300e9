/**
 * The meter data message of docs/wire.md (the CMS content, UTF-8 JSON), validated with zod. Unknown extra
 * fields are dropped (a newer gateway may add some); every known field must have its documented shape.
 */
import { z } from 'zod';
import { HeadendError } from './errors.js';

/** Tariff application profiles a gateway may send (DESIGN.md "Tariff application profiles"). */
export const TAF_NUMBERS = [1, 2, 6, 7, 9, 10, 14] as const;
/** TAF 10: grid status data for the grid operator, pseudonymised by the administrator. */
export const PSEUDONYMISED_TAF = 10;

const instant = z.iso.datetime({ offset: true });
/** OBIS in the reduced ID form `A-B:C.D.E` with an optional `*F` (IEC 62056-6-1 §4). */
const obis = z.string().regex(/^\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}(\*\d{1,3})?$/, 'an OBIS id A-B:C.D.E');
const partyName = z.string().min(1).max(128);

const meterValue = z.object({
  obis,
  value: z.number().finite(),
  unit: z.string().max(16),
  at: instant,
  quality: z.string().min(1).max(32).optional(),
});

export const meterMessageSchema = z.object({
  v: z.literal(1),
  messageId: z.string().regex(/^[0-9a-fA-F]{8,128}$/, '8 to 128 hex digits'),
  contractId: z.string().min(1).max(64),
  taf: z.union(TAF_NUMBERS.map((n) => z.literal(n))),
  gatewayId: partyName.optional(),
  meterId: z.string().min(1).max(64).optional(),
  period: z.object({ from: instant, to: instant }),
  values: z.array(meterValue).max(100_000),
});

export type MeterMessage = z.infer<typeof meterMessageSchema>;
export type MeterValue = z.infer<typeof meterValue>;

/** Where a zod issue is: `values.3.obis`, or `(root)`. */
export const issuePath = (issue: { readonly path: readonly PropertyKey[] }): string => (issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'));

/** Decodes and validates the content bytes; HE_MALFORMED names the first bad field, never its value. */
export function parseMeterMessage(content: Uint8Array): MeterMessage {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch {
    throw new HeadendError('HE_MALFORMED', 'the protected content is not UTF-8 JSON');
  }
  const r = meterMessageSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new HeadendError('HE_MALFORMED', `the meter data message is not valid at ${first === undefined ? '(root)' : issuePath(first)}`);
  }
  return r.data;
}
