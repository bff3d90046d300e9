/**
 * A TAF message as it goes on the wire (docs/wire.md "Meter data message"): the UTF-8 JSON content, and the
 * head-end route it is posted to. Pure.
 */
import type { TafMessage, ValueSource } from './taf/message.js';

export const WIRE_VERSION = 1;

/** Intake of one market participant; TAF 10 goes through the administrator, who pseudonymises it. */
export const ROUTES = {
  intake: (emt: string): string => `/v1/emt/${encodeURIComponent(emt)}/messages`,
  pseudonymise: '/v1/gwa/pseudonymise',
  commands: '/v1/gwa/commands',
  commandResult: (id: string): string => `/v1/gwa/commands/${encodeURIComponent(id)}/result`,
} as const;

/** The wire's `quality` of a value: what the engine says about its source. */
const QUALITY: Readonly<Record<ValueSource, string>> = { measured: 'measured', 'last-before': 'last-before', derived: 'derived' };

export interface UplinkMessage {
  readonly messageId: string;
  /** The EMT the content is encrypted for (X-Recipient on the pseudonymise route). */
  readonly recipient: string;
  readonly route: string;
  readonly content: Uint8Array;
}

export function uplinkMessage(m: TafMessage, gatewayId: string): UplinkMessage {
  // TAF 10 content names neither gateway nor meter: the grid operator must not learn whose data it is.
  const who = m.pseudonymise ? {} : { gatewayId, meterId: m.meterId };
  const body = {
    v: WIRE_VERSION,
    messageId: m.messageId,
    contractId: m.contractId,
    taf: m.taf,
    ...who,
    period: m.period,
    values: m.values.map((v) => ({ obis: v.obis, value: v.value, ...(v.unit === undefined ? {} : { unit: v.unit }), at: v.at, quality: QUALITY[v.source] })),
  };
  return {
    messageId: m.messageId,
    recipient: m.recipient.name,
    route: m.pseudonymise ? ROUTES.pseudonymise : ROUTES.intake(m.recipient.name),
    content: new TextEncoder().encode(JSON.stringify(body)),
  };
}
