/**
 * The gateway's registry in its store: meters (with sealed keys), contracts with their TAF state, and the
 * market participants' certificates. Functions take the Db (or a transaction) they run in, so the command
 * handler and ingest can group their writes into one transaction.
 */
import { createHash } from 'node:crypto';
import type { Protocol } from '../protocols/reading.js';
import type { Db } from '../store/db.js';
import { GatewayError } from './errors.js';
import type { MeterKeyVault } from './meter-keys.js';
import { DEFAULT_PRIVACY_POLICY, type PrivacyPolicy, checkSampling, consentRequiredBy } from './privacy/policy.js';
import { type Contract, contractOrThrow, storedContract } from './taf/contract.js';
import { type TafState, initialState, parseTafState } from './taf/state.js';

export const PROTOCOLS: readonly Protocol[] = ['wmbus', 'dlms', 'dsmr', 'sml'];

export interface MeterRecord {
  readonly meterId: string;
  readonly protocol: Protocol;
  readonly consumerId: string;
  readonly active: boolean;
  /** Sealed AES key and the data key that sealed it; absent for meters sending in the clear. */
  readonly sealedKey?: { readonly label: string; readonly blob: Uint8Array };
}

export interface MeterRegistration {
  readonly meterId: string;
  readonly protocol: Protocol;
  readonly consumerId: string;
  readonly key?: Uint8Array;
}

/** Meter ids are kept as the codecs print them: uppercase (wM-Bus BCD id, DLMS system title hex). */
export const normaliseMeterId = (id: string): string => id.trim().toUpperCase();

export async function registerMeter(db: Db, vault: MeterKeyVault, m: MeterRegistration, now: string): Promise<void> {
  if (!PROTOCOLS.includes(m.protocol)) throw new GatewayError('GW_BAD_INPUT', `unknown protocol ${JSON.stringify(m.protocol)}`);
  const id = normaliseMeterId(m.meterId);
  if (id === '') throw new GatewayError('GW_BAD_INPUT', 'the meter id is empty');
  const sealed = m.key === undefined ? null : vault.seal(id, m.key);
  await db.run(
    `INSERT INTO gw_meters (meter_id, protocol, key_label, key_sealed, consumer_id, active, registered_at) VALUES ($1, $2, $3, $4, $5, 1, $6)
     ON CONFLICT (meter_id) DO UPDATE SET protocol = excluded.protocol, key_label = excluded.key_label, key_sealed = excluded.key_sealed, consumer_id = excluded.consumer_id, active = 1`,
    [id, m.protocol, sealed === null ? null : vault.label, sealed, m.consumerId, now],
  );
}

/** Deactivates a meter (its readings stay for the record); its contracts stop. Returns false when unknown. */
export async function removeMeter(db: Db, meterId: string): Promise<boolean> {
  const id = normaliseMeterId(meterId);
  const n = await db.run('UPDATE gw_meters SET active = 0 WHERE meter_id = $1', [id]);
  await db.run('UPDATE gw_contracts SET active = 0 WHERE meter_id = $1', [id]);
  return n > 0;
}

interface MeterRow {
  meter_id: string;
  protocol: string;
  key_label: string | null;
  key_sealed: Uint8Array | null;
  consumer_id: string;
  active: number;
}

export async function findMeter(db: Db, meterId: string): Promise<MeterRecord | undefined> {
  const [row] = await db.query<MeterRow & Record<string, unknown>>(
    'SELECT meter_id, protocol, key_label, key_sealed, consumer_id, active FROM gw_meters WHERE meter_id = $1',
    [normaliseMeterId(meterId)],
  );
  if (row === undefined) return undefined;
  return {
    meterId: row.meter_id,
    protocol: row.protocol as Protocol,
    consumerId: row.consumer_id,
    active: Number(row.active) === 1,
    ...(row.key_sealed === null || row.key_label === null ? {} : { sealedKey: { label: row.key_label, blob: new Uint8Array(row.key_sealed) } }),
  };
}

export async function countMeters(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM gw_meters WHERE active = 1');
  return Number(row?.n ?? 0);
}

// --- contracts ---

export interface StoredContract {
  readonly contract: Contract;
  readonly state: TafState;
  /** The privacy policy's verdict when the contract was added: it sends only while consent is in force. */
  readonly consentRequired: boolean;
}

/**
 * Adds (or replaces) a contract; the TAF state starts afresh unless the same contract is re-added. The policy
 * refuses a contract sampling too finely (GW_PRIVACY_POLICY, nothing stored) and decides whether it needs consent.
 */
export async function addContract(db: Db, input: unknown, now: string, policy: PrivacyPolicy = DEFAULT_PRIVACY_POLICY): Promise<Contract> {
  const contract = contractOrThrow(input);
  checkSampling(policy, contract);
  const consent = consentRequiredBy(policy, contract) ? 1 : 0;
  const meterId = normaliseMeterId(contract.meterId);
  const [prev] = await db.query<{ contract: string; state: string | null }>('SELECT contract, state FROM gw_contracts WHERE contract_id = $1', [contract.id]);
  const text = JSON.stringify({ ...contract, meterId });
  // An erased contract (state NULL) re-added starts afresh like a new one.
  const keepState = prev !== undefined && prev.contract === text && prev.state !== null;
  const state = JSON.stringify(initialState({ ...contract, meterId }));
  await db.run(
    `INSERT INTO gw_contracts (contract_id, meter_id, contract, state, active, added_at, consent_required) VALUES ($1, $2, $3, $4, 1, $5, $6)
     ON CONFLICT (contract_id) DO UPDATE SET meter_id = excluded.meter_id, contract = excluded.contract, active = 1, ended_at = NULL,
       consent_required = excluded.consent_required${keepState ? '' : ', state = excluded.state'}`,
    [contract.id, meterId, text, state, now, consent],
  );
  return { ...contract, meterId };
}

export async function removeContract(db: Db, contractId: string): Promise<boolean> {
  return (await db.run('UPDATE gw_contracts SET active = 0 WHERE contract_id = $1', [contractId])) > 0;
}

type ContractRow = { contract: string; state: string; consent_required: number | null };

/** Active contracts of one meter (all meters when undefined), with their state, in id order. */
export async function activeContracts(db: Db, meterId?: string): Promise<StoredContract[]> {
  const rows =
    meterId === undefined
      ? await db.query<ContractRow>('SELECT contract, state, consent_required FROM gw_contracts WHERE active = 1 ORDER BY contract_id')
      : await db.query<ContractRow>('SELECT contract, state, consent_required FROM gw_contracts WHERE meter_id = $1 AND active = 1 ORDER BY contract_id', [
          normaliseMeterId(meterId),
        ]);
  return rows.map((r) => {
    const contract = storedContract(r.contract);
    // Rows from before migration 2 carry no verdict: the contract's own flag (the default policy's) then.
    const consentRequired = r.consent_required === null ? contract.requiresConsent : Number(r.consent_required) === 1;
    return { contract, state: parseTafState(JSON.parse(r.state)), consentRequired };
  });
}

export async function saveContractState(db: Db, contractId: string, state: TafState): Promise<void> {
  await db.run('UPDATE gw_contracts SET state = $2 WHERE contract_id = $1', [contractId, JSON.stringify(state)]);
}

// --- market participants ---

export const certSha256 = (der: Uint8Array): string => createHash('sha256').update(der).digest('hex');

export interface EmtCertificates {
  readonly emt: string;
  readonly encPem: string;
  readonly sigPem: string;
}

export async function setEmtCertificates(db: Db, c: EmtCertificates, encSha256: string): Promise<void> {
  await db.run(
    `INSERT INTO gw_emt_certs (enc_sha256, emt, enc_pem, sig_pem) VALUES ($1, $2, $3, $4)
     ON CONFLICT (enc_sha256) DO UPDATE SET emt = excluded.emt, enc_pem = excluded.enc_pem, sig_pem = excluded.sig_pem`,
    [encSha256, c.emt, c.encPem, c.sigPem],
  );
}

export async function findEmtBySha(db: Db, encSha256: string): Promise<EmtCertificates | undefined> {
  const [row] = await db.query<{ emt: string; enc_pem: string; sig_pem: string }>('SELECT emt, enc_pem, sig_pem FROM gw_emt_certs WHERE enc_sha256 = $1', [
    encSha256.toLowerCase(),
  ]);
  return row === undefined ? undefined : { emt: row.emt, encPem: row.enc_pem, sigPem: row.sig_pem };
}
