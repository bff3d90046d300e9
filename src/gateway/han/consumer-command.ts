/**
 * What `gridwarden gateway consumer add --config FILE --consumer ID --user NAME` does (the gateway command
 * wires it): the password comes from GRIDWARDEN_CONSUMER_PASSWORD or, without it, from stdin, so it never
 * shows in the process list or the shell history.
 */
import type { Readable } from 'node:stream';
import { loadGatewayConfig } from '../config.js';
import { GatewayError } from '../errors.js';
import { openGatewayStore } from '../runtime.js';
import { addConsumerAccount } from './accounts.js';

export const PASSWORD_ENV = 'GRIDWARDEN_CONSUMER_PASSWORD';

/** The password from the environment, else the first line of `stdin` (trailing CR/LF removed). */
export async function readConsumerPassword(env: NodeJS.ProcessEnv, stdin: Readable): Promise<string> {
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new GatewayError('GW_HAN_BAD_ACCOUNT', `password: none given (set ${PASSWORD_ENV} or write it on stdin)`);
  return line;
}

export interface ConsumerAddOptions {
  readonly configPath: string;
  readonly consumerId: string;
  readonly username: string;
  readonly password: string;
}

/** Adds the account to the gateway's store named by its configuration; resolves to what the CLI prints. */
export async function addConsumerFromConfig(o: ConsumerAddOptions): Promise<{ readonly consumerId: string; readonly username: string }> {
  const config = await loadGatewayConfig(o.configPath);
  const db = await openGatewayStore(config.dataDir);
  try {
    await addConsumerAccount(db, { consumerId: o.consumerId, username: o.username, password: o.password });
  } finally {
    await db.close();
  }
  return { consumerId: o.consumerId, username: o.username };
}
