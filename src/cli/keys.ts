import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { DecodeKeys } from '../protocols/decoder.js';
import { CliError } from './errors.js';

const HEX_KEY = /^[0-9a-fA-F]{32}$/;

/** A 16-byte AES key from 32 hex digits; anything else is CLI_BAD_OPTION naming the option (never the value). */
export function parseKeyOption(hex: string, option: string): Uint8Array {
  if (!HEX_KEY.test(hex.trim())) throw new CliError('CLI_BAD_OPTION', `${option} must be 32 hex digits (an AES-128 key)`);
  return Uint8Array.from(Buffer.from(hex.trim(), 'hex'));
}

const keysFileSchema = z.record(
  z.string().regex(/^[0-9a-fA-F]+$/, 'ids are hex: a wM-Bus meter id (8 digits) or a DLMS system title (16 digits)'),
  z.string().regex(HEX_KEY, 'keys are 32 hex digits'),
);

/** Reads `--keys FILE`: a JSON object from meter id / system title to hex key. */
export function readKeysFile(path: string): Map<string, Uint8Array> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError('CLI_FILE', `cannot read keys file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError('CLI_CONFIG', `keys file ${path} is not valid JSON`);
  }
  const parsed = keysFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${issue.path.map(String).join('.') || '(top level)'}`;
    throw new CliError('CLI_CONFIG', `keys file ${path}${where}: ${issue?.message ?? 'invalid'}`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [id, key] of Object.entries(parsed.data)) out.set(id.toUpperCase(), Uint8Array.from(Buffer.from(key, 'hex')));
  return out;
}

export function buildDecodeKeys(opts: { key?: string; ak?: string; keys?: string }): DecodeKeys {
  return {
    ...(opts.key !== undefined ? { key: parseKeyOption(opts.key, '--key') } : {}),
    ...(opts.ak !== undefined ? { ak: parseKeyOption(opts.ak, '--ak') } : {}),
    ...(opts.keys !== undefined ? { byId: readKeysFile(opts.keys) } : {}),
  };
}
