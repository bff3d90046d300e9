import 'reflect-metadata';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, TestClock, openCore } from '../_testing/core.js';
import { type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from '../_testing/fixture.js';
import { readConsumerLog, readRecords } from '../logs/read-records.js';
import { addContract } from '../registry.js';
import { consentInForce, consentsOf, grantConsent, withdrawConsent } from './consent.js';
import { gatewayCodeOf } from '../_testing/error-code.js';

const T0 = Date.parse('2026-11-23T10:07:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
const ALICE = 'consumer-11110000';
const BOB = 'consumer-22220000';

let fx: GatewayFixture;
let core: Core;
const clock = new TestClock(T0);

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    [{ meterId: '11110000' }, { meterId: '22220000' }],
    [
      contractFor(fx, { id: 'a-curve', meterId: '11110000', taf: 7 }),
      contractFor(fx, { id: 'a-bill', meterId: '11110000', taf: 1 }),
      contractFor(fx, { id: 'a-ended', meterId: '11110000', taf: 7, from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }),
      contractFor(fx, { id: 'b-curve', meterId: '22220000', taf: 7 }),
    ],
    { grantConsent: false },
  );
  core = await openCore(fx, { clock });
}, 60_000);

afterAll(async () => {
  await core?.close();
});

describe('consent', () => {
  it('is not in force before a grant', async () => {
    expect(await consentInForce(core.db, 'a-curve')).toBe(false);
    expect(await consentsOf(core.db, ALICE)).toEqual([]);
  });

  it('grants, withdraws and grants again, keeping the history newest first', async () => {
    const g1 = await grantConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'a-curve' }, at(0));
    expect(g1).toEqual({ consumerId: ALICE, contractId: 'a-curve', grantedAt: at(0), withdrawnAt: null });
    expect(await consentInForce(core.db, 'a-curve')).toBe(true);
    const w = await withdrawConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'a-curve' }, at(5));
    expect(w).toEqual({ consumerId: ALICE, contractId: 'a-curve', grantedAt: at(0), withdrawnAt: at(5) });
    expect(await consentInForce(core.db, 'a-curve')).toBe(false);
    await grantConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'a-curve' }, at(9));
    expect(await consentInForce(core.db, 'a-curve')).toBe(true);
    expect(await consentsOf(core.db, ALICE)).toEqual([
      { consumerId: ALICE, contractId: 'a-curve', grantedAt: at(9), withdrawnAt: null },
      { consumerId: ALICE, contractId: 'a-curve', grantedAt: at(0), withdrawnAt: at(5) },
    ]);
    expect(await consentsOf(core.db, BOB)).toEqual([]);
    expect(await consentInForce(core.db, 'b-curve')).toBe(false);
  });

  it('writes each grant and withdrawal into that consumer\'s log, and the withdrawal into the system log', async () => {
    const mine = (await readConsumerLog(core.db, ALICE)).filter((r) => r.event.startsWith('consent-'));
    expect(mine.map((r) => [r.event, (r.details as { contractId: string }).contractId])).toEqual([
      ['consent-granted', 'a-curve'],
      ['consent-withdrawn', 'a-curve'],
      ['consent-granted', 'a-curve'],
    ]);
    expect(await readConsumerLog(core.db, BOB)).toEqual([]);
    const system = (await readRecords(core.db, 'system')).filter((r) => r.event === 'consent-withdrawn');
    expect(system).toHaveLength(1);
  });

  it('restarts the contract from the grant time: nothing held from before it', async () => {
    const [row] = await core.db.query<{ state: string }>('SELECT state FROM gw_contracts WHERE contract_id = $1', ['a-curve']);
    expect(JSON.parse(row!.state)).toMatchObject({ closedUntil: at(9), lastReadingAt: null, held: {} });
  });

  it('drops the undelivered messages of the contract on withdrawal and keeps the delivered ones', async () => {
    const insert = (id: string, contract: string, delivered: string | null) =>
      core.db.run(
        `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at, delivered_at)
         VALUES ($1, 'emt1', '/v1/emt/emt1/messages', $2, $3, $4, $5, 0, 0, $6)`,
        [id, contract, contract.startsWith('a') ? ALICE : BOB, new Uint8Array([1]), at(10), delivered],
      );
    await insert('m-delivered', 'a-curve', at(11));
    await insert('m-pending', 'a-curve', null);
    await insert('m-other', 'b-curve', null);
    await withdrawConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'a-curve' }, at(12));
    const left = await core.db.query<{ message_id: string }>('SELECT message_id FROM gw_outbox ORDER BY message_id');
    expect(left.map((r) => r.message_id)).toEqual(['m-delivered', 'm-other']);
    const [last] = (await readConsumerLog(core.db, ALICE)).filter((r) => r.event === 'consent-withdrawn').slice(-1);
    expect(last?.details).toMatchObject({ contractId: 'a-curve', droppedMessages: 1 });
  });

  it.each([
    ['an unknown contract', ALICE, 'nope', 'GW_CONSENT_UNKNOWN_CONTRACT'],
    ["another consumer's contract", ALICE, 'b-curve', 'GW_CONSENT_UNKNOWN_CONTRACT'],
    ['an ended contract', ALICE, 'a-ended', 'GW_CONSENT_UNKNOWN_CONTRACT'],
    ['a billing contract', ALICE, 'a-bill', 'GW_CONSENT_NOT_NEEDED'],
    ['an empty consumer id', '', 'a-curve', 'GW_BAD_INPUT'],
  ])('refuses a grant for %s', async (_what, consumerId, contractId, code) => {
    expect(await gatewayCodeOf(grantConsent(core.db, core.logs, { consumerId, contractId }, at(20)))).toBe(code);
  });

  it('refuses a second grant and a withdrawal without a grant, changing nothing', async () => {
    await grantConsent(core.db, core.logs, { consumerId: BOB, contractId: 'b-curve' }, at(20));
    expect(await gatewayCodeOf(grantConsent(core.db, core.logs, { consumerId: BOB, contractId: 'b-curve' }, at(21)))).toBe('GW_CONSENT_ALREADY_GRANTED');
    expect(await gatewayCodeOf(withdrawConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'a-curve' }, at(21)))).toBe('GW_CONSENT_NOT_GRANTED');
    expect(await gatewayCodeOf(withdrawConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'b-curve' }, at(21)))).toBe('GW_CONSENT_UNKNOWN_CONTRACT');
    expect(await gatewayCodeOf(grantConsent(core.db, core.logs, { consumerId: ALICE, contractId: 'a-curve' }, 'yesterday'))).toBe('GW_BAD_INPUT');
    expect(await consentsOf(core.db, BOB)).toHaveLength(1);
    expect(await consentsOf(core.db, ALICE)).toHaveLength(2);
  });
});

describe('consent history (property)', () => {
  it('follows any sequence of grants and withdrawals: typed refusals out of turn, one row per grant, newest first', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('grant' as const, 'withdraw' as const), { minLength: 1, maxLength: 8 }), async (ops) => {
        const contractId = `prop-${run++}`;
        await addContract(core.db, contractFor(fx, { id: contractId, meterId: '11110000', taf: 7 }), at(0));
        const subject = { consumerId: ALICE, contractId };
        const model: Array<{ grantedAt: string; withdrawnAt: string | null }> = [];
        for (const [i, op] of ops.entries()) {
          const when = at(100 + i);
          const inForce = model.at(-1)?.withdrawnAt === null;
          const code = await gatewayCodeOf(op === 'grant' ? grantConsent(core.db, core.logs, subject, when) : withdrawConsent(core.db, core.logs, subject, when));
          if (op === 'grant' && !inForce) model.push({ grantedAt: when, withdrawnAt: null });
          else if (op === 'withdraw' && inForce) model[model.length - 1] = { ...model.at(-1)!, withdrawnAt: when };
          const expected = op === 'grant' ? (inForce ? 'GW_CONSENT_ALREADY_GRANTED' : undefined) : inForce ? undefined : 'GW_CONSENT_NOT_GRANTED';
          expect(code).toBe(expected);
        }
        const history = (await consentsOf(core.db, ALICE)).filter((r) => r.contractId === contractId);
        expect(history).toEqual([...model].reverse().map((m) => ({ consumerId: ALICE, contractId, ...m })));
        expect(await consentInForce(core.db, contractId)).toBe(model.at(-1)?.withdrawnAt === null);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
