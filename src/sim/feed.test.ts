import { createSocket } from 'node:dgram';
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { wmbusFrameDecoder } from '../protocols/wmbus/frame-decoder.js';
import { codeOf } from './_testing/arbitraries.js';
import { SimError } from './errors.js';
import { type FeedOptions, isLoopback, startFeed } from './feed.js';
import { createFleet } from './fleet.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A UDP receiver on loopback collecting datagrams. */
async function udpReceiver(): Promise<{ port: number; got: string[] }> {
  const got: string[] = [];
  const s = createSocket('udp4');
  s.on('message', (m) => got.push(m.toString('latin1')));
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => s.close(() => resolve())));
  return { port: s.address().port, got };
}

/** A TCP receiver on loopback collecting the text of every connection. */
async function tcpReceiver(): Promise<{ port: number; text: () => string }> {
  let text = '';
  const server = createServer((c) => c.on('data', (d) => (text += d.toString('latin1'))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, text: () => text };
}

const meters = createFleet(9, { wmbus: 4 });
const base = (port: number, protocol: 'udp' | 'tcp'): FeedOptions => ({
  host: '127.0.0.1',
  port,
  protocol,
  meters,
  everyMs: 10,
  timeStepMs: 60_000,
  until: Date.now() + 60_000,
});

/** One session holding every meter's key: per-meter counters must rise line by line (no CODEC_REPLAY). */
function decodeAll(lines: readonly string[]): number {
  const session = wmbusFrameDecoder.session({ byId: new Map(meters.map((m) => [m.id, m.key!])) });
  for (const line of lines) expect(session.decode(line.trim()).readings.length).toBeGreaterThan(0);
  return lines.length;
}

describe('startFeed', () => {
  it('sends one datagram per meter and tick over UDP, each a telegram that decodes', async () => {
    const rx = await udpReceiver();
    const feed = startFeed(base(rx.port, 'udp'));
    await new Promise((r) => setTimeout(r, 150));
    const stats = await feed.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(stats.ticks).toBeGreaterThan(1);
    expect(stats.frames).toBe(stats.ticks * meters.length);
    expect(rx.got).toHaveLength(stats.frames);
    expect(rx.got.every((g) => g.endsWith('\n'))).toBe(true);
    expect(decodeAll(rx.got)).toBe(stats.frames);
  });

  it('writes hex lines over TCP until `until`, with counters that rise tick by tick', async () => {
    const rx = await tcpReceiver();
    const stats = await startFeed({ ...base(rx.port, 'tcp'), until: Date.now() + 120 }).done;
    await new Promise((r) => setTimeout(r, 50));
    const lines = rx.text().split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(stats.frames);
    expect(stats.ticks).toBeGreaterThan(1);
    expect(decodeAll(lines)).toBe(stats.ticks * meters.length);
  });

  it.each([['10.0.0.1'], ['192.168.1.20'], ['example.org'], ['::']])('refuses %s with SIM_NOT_LOOPBACK', (host) => {
    expect(codeOf(() => startFeed({ ...base(9, 'udp'), host }))).toBe('SIM_NOT_LOOPBACK');
  });

  it.each([['127.0.0.1'], ['127.1.2.3'], ['::1'], ['localhost']])('takes %s as loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each([
    ['a time step below a second', { timeStepMs: 500 }],
    ['no bound in sight', { until: Date.now() + 30 * 86_400_000 }],
    ['no meters', { meters: [] }],
    ['a clear-text DSMR meter', { meters: createFleet(1, { dsmr: 1 }) }],
    ['port 0', { port: 0 }],
    ['meters of two protocols', { meters: [...meters, ...createFleet(1, { dlms: 1 })] }],
  ])('refuses %s with SIM_BAD_OPTION', (_, patch) => {
    expect(codeOf(() => startFeed({ ...base(9, 'udp'), ...patch }))).toBe('SIM_BAD_OPTION');
  });

  it('rejects `done` with SIM_FEED_FAILED when nothing listens on the TCP port', async () => {
    const rx = await tcpReceiver();
    const port = rx.port;
    await cleanups.pop()!();
    const err = await startFeed(base(port, 'tcp')).done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe('SIM_FEED_FAILED');
  });
});
