import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, createWanFixture } from './_testing/fixture.js';
import { ImportingSecurityModule } from './_testing/importing-module.js';
import { type WakeUpLogEvent, type WakeUpReceiver, createWakeUpJudge, startWakeUpReceiver } from './wakeup-receiver.js';
import { sendDatagram, sendWakeUp, signWakeUp } from './wakeup-sender.js';
import { encodeWakeUp, encodeWakeUpBody } from './wakeup.js';

const GATEWAY = 'EDEF0123456789';
let fx: WanFixture;
const sm = new ImportingSecurityModule();
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

beforeAll(() => {
  fx = createWanFixture();
  sm.importPem('gwa-sig', fx.pki.party.gwaSig.keyPem);
  sm.importPem('other-sig', fx.pki.party.gatewaySig.keyPem);
});
afterAll(() => fx?.cleanup());

interface Rig {
  receiver: WakeUpReceiver;
  events: WakeUpLogEvent[];
  wakeUps: number;
  clock: number;
  send(datagram: Uint8Array): Promise<WakeUpLogEvent>;
  sign(opts?: { id?: string; at?: number; label?: string }): Promise<Uint8Array>;
}

let rig: Rig;
afterEach(async () => rig?.receiver.close());

async function makeRig(extra: { onWakeUp?: () => Promise<void>; minIntervalMs?: number } = {}): Promise<Rig> {
  const r = { events: [] as WakeUpLogEvent[], wakeUps: 0, clock: T0 } as Rig;
  r.receiver = await startWakeUpReceiver({
    host: '127.0.0.1',
    port: 0,
    gatewayId: GATEWAY,
    adminCertificatePem: fx.pki.party.gwaSig.certPem,
    now: () => r.clock,
    minIntervalMs: extra.minIntervalMs,
    log: (e) => r.events.push(e),
    onWakeUp:
      extra.onWakeUp ??
      (async () => {
        r.wakeUps++;
      }),
  });
  r.sign = (o = {}) => signWakeUp({ sm, keyLabel: o.label ?? 'gwa-sig', now: () => o.at ?? r.clock }, o.id ?? GATEWAY);
  r.send = async (datagram) => {
    const before = r.events.length;
    await sendDatagram(datagram, { host: '127.0.0.1', port: r.receiver.port });
    for (let i = 0; i < 200 && r.events.length === before; i++) await new Promise((res) => setTimeout(res, 10));
    return r.events[before]!;
  };
  return r;
}

describe('wake-up receiver', () => {
  it('accepts a valid wake-up, calls onWakeUp once and logs it', async () => {
    rig = await makeRig();
    const datagram = await sendWakeUp({ sm, keyLabel: 'gwa-sig', now: () => rig.clock }, GATEWAY, { host: '127.0.0.1', port: rig.receiver.port });
    for (let i = 0; i < 200 && rig.wakeUps === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(rig.wakeUps).toBe(1);
    expect(rig.events).toEqual([{ kind: 'wakeup-accepted', at: T0, from: expect.stringMatching(/^127\.0\.0\.1:\d+$/), timestamp: String(T0 / 1000) }]);
    expect(datagram.length).toBe(1 + 1 + GATEWAY.length + 8 + 64);
    expect(rig.receiver.lastAccepted).toBe(BigInt(T0 / 1000));
  });

  it.each<[string, (r: Rig) => Promise<Uint8Array>, string]>([
    ['a signature by another key', (r) => r.sign({ label: 'other-sig' }), 'WAN_WAKEUP_BAD_SIGNATURE'],
    [
      'a flipped signature bit',
      async (r) => {
        const d = await r.sign();
        d[d.length - 5]! ^= 0x10;
        return d;
      },
      'WAN_WAKEUP_BAD_SIGNATURE',
    ],
    [
      'a flipped timestamp bit under a valid signature',
      async (r) => {
        const d = await r.sign();
        d[2 + GATEWAY.length + 7]! ^= 0x01;
        return d;
      },
      'WAN_WAKEUP_BAD_SIGNATURE',
    ],
    ['another gateway id', (r) => r.sign({ id: 'EDEF9999999999' }), 'WAN_WAKEUP_OTHER_GATEWAY'],
    ['a timestamp 301 s old', (r) => r.sign({ at: r.clock - 301_000 }), 'WAN_WAKEUP_STALE'],
    ['a timestamp 301 s ahead', (r) => r.sign({ at: r.clock + 301_000 }), 'WAN_WAKEUP_FUTURE'],
    ['a truncated datagram', async (r) => (await r.sign()).slice(0, -1), 'WAN_WAKEUP_MALFORMED'],
    ['an oversized datagram', async (r) => new Uint8Array([...(await r.sign()), ...new Uint8Array(400)]), 'WAN_WAKEUP_MALFORMED'],
    ['an empty datagram', async () => new Uint8Array(0), 'WAN_WAKEUP_MALFORMED'],
    [
      'an unknown layout version',
      async (r) => {
        const d = await r.sign();
        d[0] = 0x02;
        return d;
      },
      'WAN_WAKEUP_VERSION',
    ],
  ])('refuses %s and logs the reason', async (_n, build, code) => {
    rig = await makeRig();
    const event = await rig.send(await build(rig));
    expect(event).toMatchObject({ kind: 'wakeup-refused', code });
    expect(rig.wakeUps).toBe(0);
  });

  it('accepts timestamps exactly 300 s off either way', async () => {
    rig = await makeRig({ minIntervalMs: 0 });
    expect(await rig.send(await rig.sign({ at: rig.clock - 300_000 }))).toMatchObject({ kind: 'wakeup-accepted' });
    expect(await rig.send(await rig.sign({ at: rig.clock + 300_000 }))).toMatchObject({ kind: 'wakeup-accepted' });
  });

  it("refuses a replayed datagram and an older one with 'WAN_WAKEUP_REPLAY'", async () => {
    rig = await makeRig({ minIntervalMs: 0 });
    const first = await rig.sign();
    const older = await rig.sign({ at: rig.clock - 10_000 });
    expect(await rig.send(first)).toMatchObject({ kind: 'wakeup-accepted' });
    expect(await rig.send(first)).toMatchObject({ kind: 'wakeup-refused', code: 'WAN_WAKEUP_REPLAY' });
    expect(await rig.send(older)).toMatchObject({ kind: 'wakeup-refused', code: 'WAN_WAKEUP_REPLAY' });
    expect(rig.wakeUps).toBe(1);
  });

  it("rate-limits connections with 'WAN_WAKEUP_RATE_LIMITED' and still burns the timestamp", async () => {
    rig = await makeRig({ minIntervalMs: 60_000 });
    expect(await rig.send(await rig.sign())).toMatchObject({ kind: 'wakeup-accepted' });
    rig.clock += 30_000;
    const early = await rig.sign();
    expect(await rig.send(early)).toMatchObject({ kind: 'wakeup-refused', code: 'WAN_WAKEUP_RATE_LIMITED' });
    rig.clock += 31_000;
    expect(await rig.send(early)).toMatchObject({ kind: 'wakeup-refused', code: 'WAN_WAKEUP_REPLAY' });
    expect(await rig.send(await rig.sign())).toMatchObject({ kind: 'wakeup-accepted' });
    expect(rig.wakeUps).toBe(2);
  });

  it('logs a failed connection attempt after an accepted wake-up', async () => {
    rig = await makeRig({
      onWakeUp: async () => {
        throw Object.assign(new Error('refused'), { code: 'WAN_CONNECT' });
      },
    });
    await rig.send(await rig.sign());
    for (let i = 0; i < 100 && rig.events.length < 2; i++) await new Promise((res) => setTimeout(res, 10));
    expect(rig.events.map((e) => e.kind)).toEqual(['wakeup-accepted', 'wakeup-connect-failed']);
  });

  it('never answers a datagram, valid or not', async () => {
    rig = await makeRig();
    const sock = createSocket('udp4');
    const answers: Buffer[] = [];
    sock.on('message', (m) => answers.push(m));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    for (const d of [await rig.sign(), new Uint8Array([1, 2, 3])]) sock.send(d, rig.receiver.port, '127.0.0.1');
    for (let i = 0; i < 200 && rig.events.length < 2; i++) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, 100));
    sock.close();
    expect(rig.events).toHaveLength(2);
    expect(answers).toEqual([]);
  });

  it('survives a burst of random datagrams, logging each', async () => {
    rig = await makeRig();
    const sock = createSocket('udp4');
    for (let i = 0; i < 50; i++) sock.send(new Uint8Array(Array.from({ length: (i * 7) % 340 }, (_, j) => (i * 31 + j) & 0xff)), rig.receiver.port, '127.0.0.1');
    for (let i = 0; i < 300 && rig.events.length < 50; i++) await new Promise((res) => setTimeout(res, 10));
    sock.close();
    expect(rig.events).toHaveLength(50);
    expect(rig.events.every((e) => e.kind === 'wakeup-refused')).toBe(true);
  });
});

describe('wake-up judge (no sockets)', () => {
  it("refuses an unreadable pinned certificate with 'WAN_BAD_OPTIONS'", () => {
    expect(() => createWakeUpJudge({ gatewayId: GATEWAY, adminCertificatePem: 'not a certificate' })).toThrow(expect.objectContaining({ code: 'WAN_BAD_OPTIONS' }));
    expect(() => createWakeUpJudge({ gatewayId: GATEWAY, adminCertificatePem: fx.pki.party.rsa.certPem })).toThrow(expect.objectContaining({ code: 'WAN_BAD_OPTIONS' }));
  });

  it('keeps the replay state across restarts through lastAccepted', async () => {
    const judge = createWakeUpJudge({ gatewayId: GATEWAY, adminCertificatePem: fx.pki.party.gwaSig.certPem, now: () => T0, lastAccepted: BigInt(T0 / 1000) });
    const d = await signWakeUp({ sm, keyLabel: 'gwa-sig', now: () => T0 }, GATEWAY);
    expect(judge.judge(d)).toEqual({ accepted: false, code: 'WAN_WAKEUP_REPLAY' });
  });

  it('checks the signature over the exact signed bytes', async () => {
    const judge = createWakeUpJudge({ gatewayId: GATEWAY, adminCertificatePem: fx.pki.party.gwaSig.certPem, now: () => T0 });
    const body = encodeWakeUpBody(GATEWAY, BigInt(T0 / 1000));
    const der = await sm.sign('gwa-sig', body, 'sha256');
    const { ecdsaDerToRaw } = await import('./ecdsa-signature.js');
    expect(judge.judge(encodeWakeUp(body, ecdsaDerToRaw(der, 32)))).toEqual({ accepted: true, timestamp: BigInt(T0 / 1000) });
  });
});
