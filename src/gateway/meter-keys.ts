/**
 * Meter AES keys at rest. They are symmetric, so the security module (EC key pairs only) cannot hold them as
 * such: each is sealed with AES-256-GCM under a data key that is never stored. The data key is
 * HKDF-SHA256 of the ECDH secret between two gateway key pairs that live in the module (labels
 * `gw/meter-keys-a`, `gw/meter-keys-b`), derived at start-up: a copy of gateway.db without the module opens
 * nothing. The meter id is the GCM additional data, so a sealed key moved to another meter's row fails.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SecurityModuleError } from '../crypto/errors.js';
import type { SecurityModule } from '../crypto/security-module.js';
import { GatewayError } from './errors.js';

export const METER_KEY_LABELS = { a: 'gw/meter-keys-a', b: 'gw/meter-keys-b' } as const;

const DATA_KEY_CURVE = 'brainpoolP256r1';
const HKDF_SALT = Buffer.from('gridwarden gateway', 'utf8');
const HKDF_INFO = Buffer.from('meter-key sealing v1', 'utf8');
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface MeterKeyVault {
  /** Which data key seals (stored beside each sealed key). */
  readonly label: string;
  seal(meterId: string, key: Uint8Array): Uint8Array;
  /** The meter key; GW_METER_KEYS when the blob does not authenticate (other data key, other meter, edited). */
  open(meterId: string, sealed: Uint8Array): Uint8Array;
}

/** Creates the two key pairs on first start, then derives the data key. */
export async function openMeterKeyVault(sm: SecurityModule): Promise<MeterKeyVault> {
  await ensureKey(sm, METER_KEY_LABELS.a);
  const b = await ensureKey(sm, METER_KEY_LABELS.b);
  // ECDH(a, B): both private halves stay in the module, so neither public point alone yields the secret.
  const secret = await sm.deriveSharedSecret(METER_KEY_LABELS.a, b);
  const dataKey = Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, DATA_KEY_BYTES));
  secret.fill(0);
  return vaultOf(dataKey, METER_KEY_LABELS.a);
}

function vaultOf(dataKey: Buffer, label: string): MeterKeyVault {
  return {
    label,
    seal(meterId, key) {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', dataKey, iv);
      c.setAAD(Buffer.from(meterId, 'utf8'));
      const body = Buffer.concat([c.update(key), c.final()]);
      return new Uint8Array(Buffer.concat([iv, body, c.getAuthTag()]));
    },
    open(meterId, sealed) {
      if (sealed.length <= IV_BYTES + TAG_BYTES) throw new GatewayError('GW_METER_KEYS', `the sealed key of meter ${meterId} is too short`);
      const iv = sealed.subarray(0, IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const d = createDecipheriv('aes-256-gcm', dataKey, iv);
      d.setAAD(Buffer.from(meterId, 'utf8'));
      d.setAuthTag(tag);
      try {
        return new Uint8Array(Buffer.concat([d.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), d.final()]));
      } catch (e) {
        throw new GatewayError('GW_METER_KEYS', `the sealed key of meter ${meterId} does not authenticate under the data key`, { cause: e });
      }
    },
  };
}

async function ensureKey(sm: SecurityModule, label: string): Promise<Uint8Array> {
  try {
    return (await sm.publicKey(label)).publicKey;
  } catch (e) {
    if (!(e instanceof SecurityModuleError && e.code === 'SM_NO_SUCH_KEY')) throw e;
  }
  return (await sm.generateKeyPair(label, DATA_KEY_CURVE)).publicKey;
}
