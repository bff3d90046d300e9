import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../config.js';
import type { FrameInput } from '../ingest.js';
import { type InputDeps, startInput } from './inputs.js';
import { forEachLine } from './lines.js';

const conformance = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'conformance');
const dsmrRows = readFileSync(join(conformance, 'dsmr', 'telegrams.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { telegram_text: string; crc_ok: boolean | null; expected_error?: string; encrypted?: unknown });
/** Text telegrams with a verified CRC: what a P1 port delivers. */
const p1 = dsmrRows.filter((r) => r.crc_ok === true && r.encrypted === undefined);

const dir = mkdtempSync(join(tmpdir(), 'gw-lmn-'));

function collector(position: Record<string, number> = {}): { frames: FrameInput[]; errors: string[]; deps: InputDeps } {
  const frames: FrameInput[] = [];
  const errors: string[] = [];
  return {
    frames,
    errors,
    deps: {
      sink: async (f) => {
        frames.push(f);
      },
      position: async (name) => position[name] ?? 0,
      onError: (_input, code) => errors.push(code),
    },
  };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
};

const inputOf = (c: unknown) => parseGatewayConfig({
  name: 'gw',
  dataDir: dir,
  securityModule: { kind: 'memory' },
  pki: { dir, party: 'gw' },
  headEnd: { url: 'https://127.0.0.1:1', adminSigCertPem: 'x' },
  lmn: { inputs: [c] },
}).lmn.inputs[0]!;

describe('LMN inputs', () => {
  it('splits lines with CR LF or LF and reports the byte offset after each', async () => {
    const seen: Array<[string, number]> = [];
    await forEachLine(Readable.from([Buffer.from('AB\r\nC'), Buffer.from('D\n\nEF')]), async (l, next) => void seen.push([l, next]), 10);
    expect(seen).toEqual([
      ['AB\r', 14],
      ['CD', 17],
      ['', 18],
      ['EF', 20],
    ]);
  });

  it('reads a file of hex lines from the persisted position on, skipping comments and blanks', async () => {
    const path = join(dir, 'feed.hex');
    writeFileSync(path, '# header\nAAAA\n\nBBBB\nCCCC\n');
    const c = collector({ [`file:${path}`]: 'AAAA\n'.length + '# header\n'.length });
    const input = await startInput(inputOf({ kind: 'file', protocol: 'wmbus', path }), 0, c.deps);
    await input.done;
    expect(c.frames.map((f) => [f.text, f.position?.next])).toEqual([
      ['BBBB', 20],
      ['CCCC', 25],
    ]);
  });

  it('frames DSMR P1 telegrams from a TCP stream cut into arbitrary chunks (conformance telegrams)', async () => {
    const stream = Buffer.from(`garbage${p1.map((r) => r.telegram_text).join('')}`, 'latin1');
    const server: Server = createServer((s) => {
      // Chunks of 7 bytes: telegrams arrive split anywhere, as from a serial adapter.
      for (let i = 0; i < stream.length; i += 7) s.write(stream.subarray(i, i + 7));
      s.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const c = collector();
    const input = await startInput(inputOf({ kind: 'p1-tcp', host: '127.0.0.1', port, meterId: 'E0001' }), 0, c.deps);
    await input.done;
    server.close();
    expect(c.frames).toHaveLength(p1.length);
    for (const f of c.frames) {
      expect(f).toMatchObject({ protocol: 'dsmr', meterId: 'E0001' });
      expect(f.decoded?.readings.length).toBeGreaterThan(0);
    }
    expect(c.errors).toEqual([]);
  });

  it('reports a P1 telegram with a broken CRC as a framing error and still reads the next one', async () => {
    const bad = dsmrRows.find((r) => r.expected_error === 'InvalidChecksumError')!;
    const path = join(dir, 'p1.bin');
    writeFileSync(path, Buffer.from(bad.telegram_text + p1[0]!.telegram_text, 'latin1'));
    const c = collector();
    const input = await startInput(inputOf({ kind: 'p1-serial', path }), 0, c.deps);
    await input.done;
    expect(c.frames).toHaveLength(1);
    expect(c.errors).toEqual(['CODEC_CRC_MISMATCH']);
  });

  it('delivers one telegram per TCP line and per UDP datagram, listening on loopback by default', async () => {
    const c = collector();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const tcpPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const tcp = await startInput(inputOf({ kind: 'tcp', protocol: 'wmbus', port: tcpPort }), 0, c.deps);
    const sock = connect({ host: '127.0.0.1', port: tcpPort });
    sock.end('0102\r\n# note\n0304\n');
    await until(() => c.frames.length === 2);
    await tcp.stop();

    const u = createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
    const udpPort = u.address().port;
    await new Promise<void>((r) => u.close(() => r()));
    const udp = await startInput(inputOf({ kind: 'udp', protocol: 'wmbus', port: udpPort }), 1, c.deps);
    const sender = createSocket('udp4');
    sender.send(Buffer.from('0506\n'), udpPort, '127.0.0.1');
    await until(() => c.frames.length === 3);
    sender.close();
    await udp.stop();
    expect(c.frames.map((f) => f.text)).toEqual(['0102', '0304', '0506']);
  });
});
