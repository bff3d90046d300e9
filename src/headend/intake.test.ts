/** Intake and pseudonymiser in process (no TLS): security verdicts, privacy rules, and mutated inputs. */
import 'reflect-metadata';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki } from '../cms/_testing/pki.js';
import { protect, resign, unprotect } from '../cms/index.js';
import { KEY_LABELS } from '../pki/index.js';
import { migrate, openSqlite } from '../store/index.js';
import { EMT_A, EMT_B, GRID, GWA, GW_1, GW_2, type HeadendWorld, createHeadendWorld, meterMessage } from './_testing/fixture.js';
import { type HeadendContext, createHeadendContext } from './context.js';
import { HeadendError } from './errors.js';
import { type Submission, acceptMessage } from './intake.js';
import { derivePseudonym, pseudonymSecret, pseudonymise } from './pseudonymiser.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from './schema.js';

let world: HeadendWorld;
let ctx: HeadendContext;

beforeAll(async () => {
  world = await createHeadendWorld();
  const db = openSqlite(':memory:');
  await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
  ctx = await createHeadendContext({ db, sm: world.sm, pkiDir: world.dir, gwa: GWA, emts: [EMT_A, EMT_B, GRID], wakeUp: async () => undefined });
});
afterAll(() => world?.cleanup());

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof HeadendError ? e.code : `not a HeadendError: ${String(e)}`;
  }
};
const direct = (der: Uint8Array, id: unknown, over: Partial<Submission> = {}): Submission => ({ emt: EMT_A, peer: GW_1, der, idempotencyKey: String(id), provenance: 'direct', ...over });
const snapshot = async () => ({ m: await ctx.db.query('SELECT * FROM he_messages ORDER BY id'), v: await ctx.db.query('SELECT * FROM he_values ORDER BY message, seq') });

describe('intake security verdicts', () => {
  it('stores a good message', async () => {
    const m = meterMessage({ contractId: 'ok-1' });
    expect(await acceptMessage(ctx, direct(await world.protectAs(GW_1, EMT_A, m), m.messageId))).toEqual({ messageId: m.messageId, status: 'stored' });
  });

  it("HE_NO_KEY: the module holds no key under the participant's label", async () => {
    const m = meterMessage({ contractId: 'nk-1' });
    const emt = ctx.emts.get(EMT_A)!;
    const noKey: HeadendContext = { ...ctx, emts: new Map([[EMT_A, { ...emt, keyLabel: 'nobody/enc' }]]) };
    expect(await codeOf(acceptMessage(noKey, direct(await world.protectAs(GW_1, EMT_A, m), m.messageId)))).toBe('HE_NO_KEY');
  });

  it("HE_WRONG_KEY: the participant's key does not match its certificate", async () => {
    const m = meterMessage({ contractId: 'wk-1' });
    const emt = ctx.emts.get(EMT_A)!;
    const wrongKey: HeadendContext = { ...ctx, emts: new Map([[EMT_A, { ...emt, keyLabel: KEY_LABELS.party(EMT_B, 'enc') }]]) };
    expect(await codeOf(acceptMessage(wrongKey, direct(await world.protectAs(GW_1, EMT_A, m), m.messageId)))).toBe('HE_WRONG_KEY');
  });

  it('HE_UNTRUSTED_SIGNER: signed under a foreign PKI', async () => {
    const foreign = await makeTestPki('Foreign');
    const gw = await foreign.party(GW_1);
    const m = meterMessage({ contractId: 'ut-1' });
    const der = await protect(new TextEncoder().encode(JSON.stringify(m)), {
      sm: foreign.sm,
      signer: { keyLabel: gw.sigLabel, cert: gw.sig },
      recipients: [(await world.party(EMT_A)).enc.cert],
    });
    expect(await codeOf(acceptMessage(ctx, direct(der, m.messageId)))).toBe('HE_UNTRUSTED_SIGNER');
  });

  it('HE_SIGNER_NOT_CALLER: the content names another gateway than the caller', async () => {
    const m = meterMessage({ contractId: 'nc-1', gatewayId: GW_2 });
    expect(await codeOf(acceptMessage(ctx, direct(await world.protectAs(GW_1, EMT_A, m), m.messageId)))).toBe('HE_SIGNER_NOT_CALLER');
  });

  it('HE_MALFORMED: no body at all', async () => {
    expect(await codeOf(acceptMessage(ctx, direct(new Uint8Array(0), 'abcdef01')))).toBe('HE_MALFORMED');
  });
});

describe('pseudonymised provenance', () => {
  it('the pseudonym is stable per gateway and differs between gateways and secrets', () => {
    const k = '00'.repeat(32);
    expect(derivePseudonym(k, GW_1)).toBe(derivePseudonym(k, GW_1));
    expect(derivePseudonym(k, GW_1)).not.toBe(derivePseudonym(k, GW_2));
    expect(derivePseudonym('11'.repeat(32), GW_1)).not.toBe(derivePseudonym(k, GW_1));
    expect(derivePseudonym(k, GW_1)).not.toContain(GW_1);
  });

  it('every process on one store gets the same secret', async () => {
    expect(await pseudonymSecret(ctx)).toBe(await pseudonymSecret(ctx));
  });

  it('a gateway-signed message cannot pose as pseudonymised', async () => {
    const m = meterMessage({ taf: 10, contractId: 'ps-1' });
    const der = await world.protectAs(GW_1, GRID, m);
    expect(await codeOf(acceptMessage(ctx, { emt: GRID, peer: 'ps-x', der, idempotencyKey: String(m.messageId), provenance: 'pseudonymised' }))).toBe('HE_SIGNER_NOT_CALLER');
  });

  it('an administrator-signed message cannot come in as a direct one', async () => {
    const m = meterMessage({ taf: 10, contractId: 'ps-2' });
    const der = await resign(await world.protectAs(GW_1, GRID, m), { sm: world.sm, intermediary: ctx.gwa.sig, pseudonym: 'ps-abc', trust: ctx.pki });
    expect(await codeOf(acceptMessage(ctx, { emt: GRID, peer: GW_1, der, idempotencyKey: String(m.messageId), provenance: 'direct' }))).toBe('HE_SIGNER_NOT_CALLER');
  });

  it('the administrator never holds a key for the grid content, yet the grid operator reads it', async () => {
    const m = meterMessage({ taf: 10, contractId: 'ps-3' });
    const r = await pseudonymise(ctx, { caller: GW_1, recipient: GRID, idempotencyKey: String(m.messageId), der: await world.protectAs(GW_1, GRID, m) });
    expect(r.status).toBe('stored');
    expect(r.pseudonym).toBe(derivePseudonym(await pseudonymSecret(ctx), GW_1));
    // What the administrator passes on is not readable with its own encryption key.
    const passedOn = await resign(await world.protectAs(GW_1, GRID, m), { sm: world.sm, intermediary: ctx.gwa.sig, pseudonym: r.pseudonym, trust: ctx.pki });
    const gwaEnc = { keyLabel: KEY_LABELS.party(GWA, 'enc'), cert: (await world.party(GWA)).enc.cert };
    await expect(unprotect(passedOn, { sm: world.sm, recipient: gwaEnc, trust: ctx.pki })).rejects.toMatchObject({ code: 'CMS_WRONG_RECIPIENT' });
    const gridEnc = { keyLabel: KEY_LABELS.party(GRID, 'enc'), cert: (await world.party(GRID)).enc.cert };
    expect((await unprotect(passedOn, { sm: world.sm, recipient: gridEnc, trust: ctx.pki })).pseudonym).toBe(r.pseudonym);
  });
});

describe('mutated real messages', () => {
  it('bit flips, truncation and length lies only ever give HeadendError codes, and store nothing new', async () => {
    const m = meterMessage({ contractId: 'fuzz-1' });
    const good = await world.protectAs(GW_1, EMT_A, m);
    // Stored first: a flip in a part no check covers (the sub-CA carried along) still holds the authentic content.
    expect((await acceptMessage(ctx, direct(good, m.messageId))).status).toBe('stored');
    const before = await snapshot();
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(good.length - 1), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(good.length - 1), bit: fc.constant(0) }),
      // A length byte near the front lies: outer SEQUENCE and SignedData lengths.
      fc.record({ kind: fc.constant('length' as const), at: fc.integer({ min: 1, max: 12 }), bit: fc.integer({ min: 0, max: 255 }) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async ({ kind, at, bit }) => {
        const der = good.slice(0, kind === 'truncate' ? at : good.length);
        if (kind === 'flip') der[at]! ^= 1 << bit;
        if (kind === 'length') der[at] = bit;
        try {
          expect((await acceptMessage(ctx, direct(der, m.messageId))).status).toBe('duplicate');
        } catch (e) {
          expect(e).toBeInstanceOf(HeadendError);
        }
      }),
      { numRuns: 150 },
    );
    expect(await snapshot()).toEqual(before);
  });
});
