import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certToPem } from '../pki/index.js';
import { type Core, TestClock, openCore } from './_testing/core.js';
import { ADMIN, GATEWAY, type GatewayFixture, contractFor, makeGatewayFixture } from './_testing/fixture.js';
import { type HeadEndPeer, startHeadEndPeer } from './_testing/head-end-peer.js';
import { meterTelegram } from './_testing/telegrams.js';
import { pollCommands } from './commands.js';
import { grantConsent } from './privacy/consent.js';
import { findMeter } from './registry.js';
import { readConsumerLog } from './logs/read-records.js';

const KEY = '8899AABBCCDDEEFF0011223344556677';
const T0 = Date.parse('2026-11-23T12:00:00Z');

let fx: GatewayFixture;
let peer: HeadEndPeer;
let core: Core;
const clock = new TestClock(T0);
let n = 0;

const command = (type: string, payload: unknown, over: Record<string, unknown> = {}) => ({
  v: 1,
  id: `cmd-${++n}`,
  gatewayId: GATEWAY,
  issuedAt: new Date(T0 + n * 1000).toISOString(),
  type,
  payload,
  ...over,
});

/** Queues commands, lets the gateway poll once, and returns their results by id. */
async function run(...commands: Array<{ cmd: Record<string, unknown>; signer?: string }>): Promise<unknown[]> {
  for (const c of commands) await peer.queueCommand(c.cmd, c.signer === undefined ? {} : { signerParty: c.signer });
  expect(await pollCommands(core.commands, core.client, peer.url)).toBe(commands.length);
  return commands.map((c) => peer.results.get(String(c.cmd.id)));
}

beforeAll(async () => {
  fx = await makeGatewayFixture();
  peer = await startHeadEndPeer({ pkiDir: fx.pkiDir, pki: fx.pki, sm: fx.sm, admin: ADMIN, gateway: GATEWAY });
  core = await openCore(fx, { headEndUrl: peer.url, clock });
}, 60_000);

afterAll(async () => {
  await core?.close();
  await peer?.close();
});

describe('administration commands', () => {
  it('registers a meter, its EMT and a contract; the meter then sends under the contract', async () => {
    const emt = await fx.pki.party('emt1');
    const results = await run(
      { cmd: command('register-meter', { meterId: '55556666', protocol: 'wmbus', keyHex: KEY, consumerId: 'consumer-9' }) },
      { cmd: command('set-emt-certificates', { emt: 'emt1', encPem: certToPem(emt.enc.cert), sigPem: certToPem(emt.sig.cert) }) },
      { cmd: command('add-contract', { contract: contractFor(fx, { id: 'c-cmd', meterId: '55556666', taf: 7 }) }) },
    );
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(await findMeter(core.db, '55556666')).toMatchObject({ protocol: 'wmbus', consumerId: 'consumer-9', active: true });
    // A 15-minute load curve is dormant until the consumer consents (privacy/consent.ts).
    await grantConsent(core.db, core.logs, { consumerId: 'consumer-9', contractId: 'c-cmd' }, new Date(T0).toISOString());
    clock.ms = T0 + 60_000;
    await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('55556666', Buffer.from(KEY, 'hex'), 1, 1) });
    clock.ms = T0 + 16 * 60_000;
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('55556666', Buffer.from(KEY, 'hex'), 2, 2) })).toMatchObject({ kind: 'accepted', messages: 1 });
    const calibration = await core.db.query<{ event: string }>("SELECT event FROM gw_log_records WHERE log = 'calibration'");
    expect(calibration.map((r) => r.event)).toContain('meter-added');
  });

  it.each<[string, () => { cmd: Record<string, unknown>; signer?: string }, string]>([
    ['a command for another gateway', () => ({ cmd: command('remove-meter', { meterId: '55556666' }, { gatewayId: 'gw-other' }) }), 'GW_COMMAND_REFUSED'],
    ['a command signed by a market participant', () => ({ cmd: command('remove-meter', { meterId: '55556666' }), signer: 'emt1' }), 'GW_COMMAND_REFUSED'],
    ['a command of unknown type', () => ({ cmd: command('format-disk', {}) }), 'GW_COMMAND_REFUSED'],
    ['a command with a bad payload', () => ({ cmd: command('register-meter', { meterId: '1', protocol: 'wmbus', keyHex: 'zz', consumerId: 'c' }) }), 'GW_COMMAND_REFUSED'],
    ['a command older than the last applied', () => ({ cmd: command('remove-meter', { meterId: '55556666' }, { issuedAt: new Date(T0 - 86_400_000).toISOString() }) }), 'GW_COMMAND_REFUSED'],
  ])('refuses %s and changes nothing', async (_n, make, code) => {
    const [result] = await run(make());
    expect(result).toMatchObject({ ok: false, error: { code } });
    expect(await findMeter(core.db, '55556666')).toMatchObject({ active: true });
  });

  it("refuses a contract sampling finer than the policy allows with 'GW_PRIVACY_POLICY', records it as failed and stores nothing", async () => {
    const strict = { ...core.commands, privacy: { consentFinerThanMinutes: 1440, finestIntervalSeconds: 3600 } };
    const cmd = command('add-contract', { contract: contractFor(fx, { id: 'c-fine', meterId: '55556666', taf: 7 }) });
    await peer.queueCommand(cmd);
    expect(await pollCommands(strict, core.client, peer.url)).toBe(1);
    expect(peer.results.get(String(cmd.id))).toMatchObject({ ok: false, error: { code: 'GW_PRIVACY_POLICY' } });
    expect(await core.db.query("SELECT contract_id FROM gw_contracts WHERE contract_id = 'c-fine'")).toEqual([]);
    expect(await core.db.query('SELECT ok, result FROM gw_commands WHERE command_id = $1', [String(cmd.id)])).toEqual([
      { ok: 0, result: JSON.stringify({ ok: false, error: { code: 'GW_PRIVACY_POLICY' } }) },
    ]);
  });

  it("writes a consent-bound contract into its consumer's log as dormant until consent", async () => {
    const added = (await readConsumerLog(core.db, 'consumer-9')).filter((r) => r.event === 'contract-added');
    expect(added.map((r) => r.details)).toEqual([expect.objectContaining({ contractId: 'c-cmd', recipient: 'emt1', taf: 7, consentRequired: true })]);
  });

  it('refuses a command id applied before (replayed command)', async () => {
    const cmd = command('remove-contract', { contractId: 'c-cmd' });
    expect(await run({ cmd })).toEqual([{ ok: true }]);
    expect(await run({ cmd })).toMatchObject([{ ok: false, error: { code: 'GW_COMMAND_REFUSED' } }]);
  });

  it('erases what was kept for the recipient of a removed contract at once', async () => {
    const [row] = await core.db.query<{ state: string | null; ended_at: string | null }>("SELECT state, ended_at FROM gw_contracts WHERE contract_id = 'c-cmd'");
    expect(row).toEqual({ state: null, ended_at: expect.any(String) });
    expect(await core.db.query("SELECT 1 AS x FROM gw_consents WHERE contract_id = 'c-cmd'")).toEqual([]);
    expect(await core.db.query("SELECT 1 AS x FROM gw_outbox WHERE contract_id = 'c-cmd' AND delivered_at IS NOT NULL")).toEqual([]);
    expect((await readConsumerLog(core.db, 'consumer-9')).map((r) => r.event)).toContain('contract-erased');
  });
});
