/**
 * The gateway's one configuration file (JSON, or YAML by extension), validated with zod. Strict objects
 * throughout: a misspelt key is an error rather than a silently ignored default. A refusal names the field
 * path, e.g. `lmn.inputs[1].port: Expected number`.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { securityModuleConfigSchema } from '../crypto/open-module.js';
import { GatewayError } from './errors.js';

/** Inputs that listen bind to the HAN/LMN side; loopback unless the operator names an LMN address. */
export const LMN_DEFAULT_HOST = '127.0.0.1';

const port = z.int().min(0).max(65_535);
const host = z.string().min(1).default(LMN_DEFAULT_HOST);
/** DSMR/SML/DLMS inputs usually serve one meter; naming it saves guessing from the frame. */
const meterId = z.string().min(1).max(64).optional();

const hexLines = z.enum(['wmbus', 'dlms', 'sml']);

const input = z.discriminatedUnion('kind', [
  /** Hex lines (wM-Bus telegrams, DLMS APDUs, SML files) from stdin. */
  z.strictObject({ kind: z.literal('stdin'), protocol: hexLines, meterId }),
  /** Hex lines from a file; the read position is persisted so a restart continues where it stopped. */
  z.strictObject({ kind: z.literal('file'), protocol: hexLines, path: z.string().min(1), meterId }),
  /** One hex telegram per datagram. */
  z.strictObject({ kind: z.literal('udp'), protocol: hexLines, host, port, meterId }),
  /** One hex telegram per line on a TCP connection we accept. */
  z.strictObject({ kind: z.literal('tcp'), protocol: hexLines, host, port, meterId }),
  /** DSMR P1 as a byte stream from a TCP socket we connect to (a P1-to-LAN adapter). */
  z.strictObject({ kind: z.literal('p1-tcp'), host: z.string().min(1), port, meterId }),
  /** DSMR P1 from a serial device path (already set to 115200 8N1 by the system). */
  z.strictObject({ kind: z.literal('p1-serial'), path: z.string().min(1), meterId }),
  /** SML binary stream from a serial device path or file (optical head). */
  z.strictObject({ kind: z.literal('sml-serial'), path: z.string().min(1), meterId }),
]);
export type LmnInputConfig = z.output<typeof input>;

const pki = z.union([
  /** A PKI folder as `gridwarden pki` writes it, and the gateway's party name in it. */
  z.strictObject({ dir: z.string().min(1), party: z.string().min(1) }),
  /** Explicit PEM files; key labels name the keys in the security module. */
  z.strictObject({
    tls: z.strictObject({ certPem: z.string().min(1), keyLabel: z.string().min(1) }),
    sig: z.strictObject({ certPem: z.string().min(1), keyLabel: z.string().min(1) }),
    enc: z.strictObject({ certPem: z.string().min(1), keyLabel: z.string().min(1) }),
    /** Files of sub-CA certificates sent along with ours. */
    chainPem: z.array(z.string().min(1)).default([]),
    trustAnchorsPem: z.array(z.string().min(1)).min(1),
    intermediatesPem: z.array(z.string().min(1)).default([]),
    crlsPem: z.array(z.string().min(1)).min(1),
  }),
]);

const days = z.int().min(1).max(36_500);

/**
 * Privacy policy (issue 9): what needs the consumer's consent, the finest sampling allowed at all, and how
 * long each data class is kept. The calibration log is not listed: metrology law fixes its retention, so it is
 * never purged by this job.
 */
const privacy = z
  .strictObject({
    /** A contract sampling finer than this (TAF 7 interval, TAF 14 period) runs only while consent is recorded. */
    consentFinerThanMinutes: z.int().min(1).default(1440),
    /** No contract may sample finer than this, consent or not (a limited sampling period). */
    finestIntervalSeconds: z.int().min(1).default(1),
    retention: z
      .strictObject({
        readingsDays: days.default(730),
        consumerLogDays: days.default(730),
        systemLogDays: days.default(1095),
        /** Delivered or parked outbox messages; undelivered ones are never purged by age. */
        outboxDays: days.default(30),
      })
      .prefault({}),
    /** How often the retention job runs. */
    purgeEveryMs: z.int().min(1000).default(3_600_000),
  })
  .prefault({});
export type PrivacyConfig = z.output<typeof privacy>;

export const gatewayConfigSchema = z.strictObject({
  /** The gateway's id as in its certificates (CN) and in every message's `gatewayId`. */
  name: z.string().min(1).max(64),
  /** Holds gateway.db (SQLite). */
  dataDir: z.string().min(1),
  securityModule: securityModuleConfigSchema,
  pki,
  headEnd: z.strictObject({
    url: z.url({ protocol: /^https$/ }),
    /** PEM file of the administrator's SIG certificate: commands and wake-ups must be signed by it. */
    adminSigCertPem: z.string().min(1),
    /** CN of the administrator's TLS certificate, when it should be pinned as well. */
    adminName: z.string().min(1).optional(),
  }),
  wakeUp: z.strictObject({ host: z.string().min(1).default('0.0.0.0'), port }).optional(),
  lmn: z.strictObject({ inputs: z.array(input).default([]) }).default({ inputs: [] }),
  privacy,
  timing: z
    .strictObject({
      /** How often pending commands are fetched (besides after a wake-up). */
      commandPollMs: z.int().min(1000).default(300_000),
      /** How often the outbox looks for due messages. */
      outboxPollMs: z.int().min(10).default(5_000),
      retryBaseMs: z.int().min(10).default(2_000),
      retryMaxMs: z.int().min(10).default(600_000),
      /** When the TAF engine is run for contracts whose period ended without a frame. */
      tickMs: z.int().min(100).default(60_000),
    })
    .default({ commandPollMs: 300_000, outboxPollMs: 5_000, retryBaseMs: 2_000, retryMaxMs: 600_000, tickMs: 60_000 }),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

/** Validates parsed configuration; GW_CONFIG naming every field at fault, the first one first. */
export function parseGatewayConfig(value: unknown): GatewayConfig {
  const r = gatewayConfigSchema.safeParse(value);
  if (r.success) return r.data;
  const parts = r.error.issues.map((i) => {
    const path = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
    return `${formatPath(path)}: ${i.message}`;
  });
  throw new GatewayError('GW_CONFIG', `configuration refused: ${parts.join('; ')}`);
}

/** Reads a configuration file: YAML for .yaml/.yml, JSON otherwise. */
export async function loadGatewayConfig(path: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new GatewayError('GW_CONFIG', `cannot read the configuration file ${path}`, { cause: e });
  }
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new GatewayError('GW_CONFIG', `${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${e instanceof Error ? e.message.split('\n')[0] : ''}`, { cause: e });
  }
  return parseGatewayConfig(value);
}

/** `a.b[1].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}
