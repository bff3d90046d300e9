/**
 * The gateway's ingest over the real wM-Bus conformance corpus: every telegram a generic decoder reads goes
 * through registration (its key sealed), decode with the sealed key, replay check and storage; the negative
 * rows are refused with a typed code and change nothing.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, TestClock, openCore, storeSnapshot } from './_testing/core.js';
import { type GatewayFixture, makeGatewayFixture } from './_testing/fixture.js';
import { refusalFor } from './ingest.js';
import { registerMeter } from './registry.js';
import { CodecError } from '../protocols/errors.js';
import { WmbusSession } from '../protocols/wmbus/session.js';

interface Row {
  readonly source: string;
  readonly telegram_hex: string;
  readonly key_hex_or_null: string | null;
  readonly security: string;
  readonly layers: { readonly dll_id: string; readonly tpl_id: string | null; readonly compact_frame?: boolean };
  readonly expected: { readonly id?: string };
  readonly negative?: string;
  readonly edge?: string;
  readonly prior_telegrams?: readonly string[];
}

const corpus = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance', 'wmbus', 'telegrams.jsonl');
const rows: Row[] = readFileSync(corpus, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Row);
const positive = rows.filter((r) => r.negative === undefined);
const negative = rows.filter((r) => r.negative !== undefined);

let fx: GatewayFixture;
let core: Core;
const clock = new TestClock(Date.parse('2026-11-23T08:00:00Z'));

beforeAll(async () => {
  fx = await makeGatewayFixture();
  core = await openCore(fx, { clock });
}, 60_000);

afterAll(async () => {
  await core?.close();
});

/** The meter the telegram is from: the TPL's own address behind a repeater, else the link address. */
const meterOf = (r: Row): string => String(r.expected.id ?? r.layers.tpl_id ?? r.layers.dll_id);

/** Registers the row's meter afresh (its own key, no counters) so rows that share an id do not interfere. */
async function register(r: Row): Promise<void> {
  const meterId = meterOf(r);
  await core.db.run('DELETE FROM gw_counters WHERE meter_id = $1', [meterId]);
  await core.db.run('DELETE FROM gw_frames WHERE meter_id = $1', [meterId]);
  await registerMeter(
    core.db,
    core.vault,
    { meterId, protocol: 'wmbus', consumerId: 'conformance', ...(r.key_hex_or_null === null ? {} : { key: Buffer.from(r.key_hex_or_null, 'hex') }) },
    clock.now().toISOString(),
  );
}

/** Compact frames refer to a full frame of the same meter: the corpus's own full frames of it go first. */
const priorsOf = (r: Row): string[] => [
  ...(r.prior_telegrams ?? []),
  ...(r.layers.compact_frame === true
    ? rows.filter((o) => o !== r && o.layers.compact_frame !== true && o.negative === undefined && o.layers.dll_id === r.layers.dll_id).map((o) => o.telegram_hex)
    : []),
];

/** The codec's own verdict on the row (fresh session, the row's key, its priors first): what ingest must match. */
function codecVerdict(r: Row): { kind: 'accepted' } | { kind: 'refused'; code: string } {
  const keys = r.key_hex_or_null === null ? {} : { byId: new Map([[meterOf(r), Uint8Array.from(Buffer.from(r.key_hex_or_null, 'hex'))]]) };
  const s = new WmbusSession({ keys });
  for (const p of priorsOf(r)) {
    try {
      s.decode(p);
    } catch {
      // A prior the codec refuses teaches it nothing; the gateway refuses it as well.
    }
  }
  try {
    s.decode(r.telegram_hex);
    return { kind: 'accepted' };
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    return { kind: 'refused', code: refusalFor(e.code) };
  }
}

describe('ingest over the wM-Bus conformance corpus', () => {
  it(`accepts exactly the rows the codec decodes and refuses the others with the mapped code (${rows.length} rows)`, async () => {
    const mismatched: string[] = [];
    let accepted = 0;
    for (const r of rows) {
      await register(r);
      for (const p of priorsOf(r)) await core.ingestor.ingest({ protocol: 'wmbus', text: p });
      const out = await core.ingestor.ingest({ protocol: 'wmbus', text: r.telegram_hex });
      const want = codecVerdict(r);
      const got = out.kind === 'accepted' ? { kind: 'accepted' } : { kind: 'refused', code: out.code };
      if (out.kind === 'accepted') accepted++;
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatched.push(`${meterOf(r)} ${r.security} ${r.negative ?? r.edge ?? ''}: ${JSON.stringify(got)} vs codec ${JSON.stringify(want)}`);
    }
    expect(mismatched).toEqual([]);
    // Every positive encrypted row with its key is among them (the security path works on real telegrams).
    expect(accepted).toBeGreaterThanOrEqual(positive.filter((r) => r.key_hex_or_null !== null && r.edge === undefined).length);
  }, 120_000);

  it.each(negative.map((r) => [r.negative!, r] as const))('refuses the negative row "%s" with a typed code and changes nothing', async (_why, r) => {
    await register(r);
    const before = await storeSnapshot(core.db);
    const out = await core.ingestor.ingest({ protocol: 'wmbus', text: r.telegram_hex });
    expect(out.kind).toBe('refused');
    if (out.kind === 'refused') expect(['GW_FRAME_REFUSED', 'GW_METER_WRONG_KEY', 'GW_METER_NO_KEY', 'GW_REPLAY']).toContain(out.code);
    expect(await storeSnapshot(core.db)).toEqual(before);
  });

  it('refuses every positive encrypted row a second time as a replay', async () => {
    const encrypted = positive.filter((r) => r.key_hex_or_null !== null && priorsOf(r).length === 0 && codecVerdict(r).kind === 'accepted');
    expect(encrypted.length).toBeGreaterThan(30);
    for (const r of encrypted) {
      await register(r);
      expect(await core.ingestor.ingest({ protocol: 'wmbus', text: r.telegram_hex })).toMatchObject({ kind: 'accepted' });
      expect(await core.ingestor.ingest({ protocol: 'wmbus', text: r.telegram_hex })).toMatchObject({ kind: 'refused', code: 'GW_REPLAY' });
    }
  }, 120_000);
});

interface DlmsVector {
  readonly kind: string;
  readonly system_title: string;
  readonly invocation_counter: string;
  readonly ciphered_apdu: string;
  readonly ek: string;
  readonly ak: string;
  readonly security_control: string;
}

const dlmsVectors = readFileSync(join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance', 'dlms', 'vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as DlmsVector)
  // Ciphered APDUs of meters (notifications and responses) with a system title in the frame.
  .filter((v) => v.kind === 'apdu' && /^(DB|DD|E0|E1|DF)/.test(v.ciphered_apdu) && v.ak !== '');

describe('ingest over the DLMS conformance vectors', () => {
  it.each(dlmsVectors.map((v) => [v.system_title, v] as const))('accepts the general-glo-ciphered APDU of %s under EK || AK, then refuses its replay', async (_t, v) => {
    await registerMeter(core.db, core.vault, { meterId: v.system_title, protocol: 'dlms', consumerId: 'dlms', key: Buffer.from(v.ek + v.ak, 'hex') }, clock.now().toISOString());
    expect(await core.ingestor.ingest({ protocol: 'dlms', text: v.ciphered_apdu })).toMatchObject({ kind: 'accepted', meterId: v.system_title });
    const [counters] = await core.db.query<{ state: string }>('SELECT state FROM gw_counters WHERE meter_id = $1', [v.system_title]);
    expect(Object.values(JSON.parse(counters!.state))).toEqual([Number.parseInt(v.invocation_counter, 16)]);
    expect(await core.ingestor.ingest({ protocol: 'dlms', text: v.ciphered_apdu })).toMatchObject({ kind: 'refused', code: 'GW_REPLAY' });
  });
});
