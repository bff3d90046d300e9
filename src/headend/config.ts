/**
 * The head-end configuration file (JSON, or YAML by extension), validated with zod. Strict objects: a misspelt
 * key is an error, not a silent default. A refusal names the field path, e.g. `wan.port: ...`.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { securityModuleConfigSchema } from '../crypto/open-module.js';
import { HeadendError } from './errors.js';
import { issuePath } from './message.js';

const port = z.int().min(0).max(65_535);
const partyName = z.string().min(1).max(64);

const listen = (defaultHost: string, defaultPort: number) =>
  z.strictObject({ host: z.string().min(1).default(defaultHost), port: port.default(defaultPort) }).prefault({});

const days = z.int().min(1).max(36_500);

/**
 * Retention per data class (issue 9). Each class is purged by the scheduled privacy job once older than its
 * days (messages and values by received_at, security events by at, commands by completed_at; pending commands
 * stay). The defaults keep two years of meter data (billing plus a settlement dispute) and one year of the
 * rest; an operator's lawful basis may ask for less.
 */
const privacy = z
  .strictObject({
    valuesDays: days.default(730),
    securityEventsDays: days.default(365),
    commandsDays: days.default(365),
    /** Data an EMT holds under a contract goes this many days after the contract ended (0: at the next run). */
    afterContractEndDays: z.int().min(0).max(36_500).default(0),
    /** How often the job runs; 0 turns the schedule off (a job can still be run by hand). */
    purgeEveryMs: z.int().min(0).max(7 * 86_400_000).default(3_600_000),
  })
  .prefault({});

export type PrivacyConfig = z.output<typeof privacy>;

export const headendConfigSchema = z.strictObject({
  store: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('sqlite'), path: z.string().min(1) }),
    z.strictObject({ kind: z.literal('postgres'), url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'), poolSize: z.int().min(1).max(100).optional() }),
  ]),
  securityModule: securityModuleConfigSchema,
  /** A PKI folder as `gridwarden pki` writes it: certificates of every party, roots, sub-CAs, CRLs. */
  pkiDir: z.string().min(1),
  /** The administrator party this head-end runs (its TLS certificate serves WAN, its SIG key signs). */
  gwa: partyName,
  /** Market participants whose intake this head-end hosts (their ENC keys are in the security module). */
  emts: z.array(partyName).min(1).refine((l) => new Set(l).size === l.length, 'lists a market participant twice'),
  /** The WAN listener (mutual TLS). */
  wan: listen('0.0.0.0', 8443),
  /**
   * The operator API (no TLS): loopback by default, for the dashboard on the same host. Its data routes ask for
   * a bearer token, read from `tokenFile`; without one the head-end makes a new token at each start and says it.
   */
  operator: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(8080), tokenFile: z.string().min(1).optional() })
    .prefault({}),
  /** The gateway inventory and where each listens for wake-ups. */
  gateways: z
    .array(z.strictObject({ name: partyName, wakeUp: z.strictObject({ host: z.string().min(1), port }).optional() }))
    .default([]),
  /** Retention and erasure at contract end (src/headend/privacy). */
  privacy,
});

export type HeadendConfig = z.output<typeof headendConfigSchema>;

/** Validates a parsed configuration; HE_CONFIG names the first bad field. */
export function parseHeadendConfig(raw: unknown, source = 'the configuration'): HeadendConfig {
  const r = headendConfigSchema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new HeadendError('HE_CONFIG', `${source}: ${first === undefined ? '(root)' : `${issuePath(first)}: ${first.message}`}`);
  }
  return r.data;
}

/** Reads a JSON or YAML (.yaml/.yml) file and validates it. */
export async function loadHeadendConfig(file: string): Promise<HeadendConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new HeadendError('HE_CONFIG', `cannot read the configuration file ${file}`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new HeadendError('HE_CONFIG', `${file} is not valid ${extname(file).toLowerCase().startsWith('.y') ? 'YAML' : 'JSON'}`, { cause: e });
  }
  return parseHeadendConfig(raw, file);
}
