/**
 * Crash test: a child process ingests 10,000 telegrams (20 meters, each with a TAF 7 contract) and is killed
 * with SIGKILL at random points three times; each restart resumes from the persisted input position. At the
 * end the head-end peer must hold every expected message exactly once, and the store every reading once.
 */
import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeEntry } from '../_testing/node-entry.js';
import { ADMIN, GATEWAY, type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from './_testing/fixture.js';
import { type HeadEndPeer, startHeadEndPeer } from './_testing/head-end-peer.js';
import { meterTelegram } from './_testing/telegrams.js';
import { openGatewayStore } from './runtime.js';

const METERS = Array.from({ length: 20 }, (_, i) => String(10_000_000 + i * 1111));
const FRAMES = 10_000;
const START = Date.parse('2026-11-23T00:00:30Z');
/** Each frame one step later: every meter reads once a minute. */
const STEP = 60_000 / METERS.length;
const QUARTER = 900_000;
const keyOf = (i: number) => Buffer.alloc(16, i + 1);

let fx: GatewayFixture;
let peer: HeadEndPeer;
let file: string;
let lineBytes: number;

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    METERS.map((meterId, i) => ({ meterId, key: keyOf(i) })),
    METERS.map((meterId) => contractFor(fx, { id: `c-${meterId}`, meterId, taf: 7 })),
  );
  const lines: string[] = [];
  for (let f = 0; f < FRAMES; f++) {
    const m = f % METERS.length;
    const round = Math.floor(f / METERS.length);
    lines.push(meterTelegram(METERS[m]!, keyOf(m), 5000 + round, round));
  }
  lineBytes = lines[0]!.length + 1;
  expect(lines.every((l) => l.length + 1 === lineBytes)).toBe(true);
  file = join(fx.root, 'telegrams.hex');
  writeFileSync(file, `${lines.join('\n')}\n`);
  peer = await startHeadEndPeer({ pkiDir: fx.pkiDir, pki: fx.pki, sm: fx.sm, admin: ADMIN, gateway: GATEWAY });
}, 120_000);

afterAll(async () => {
  await peer?.close();
});

interface ChildRun {
  readonly child: ChildProcess;
  /** What the child printed so far. */
  readonly out: () => string;
  readonly done: Promise<{ code: number | null; out: string }>;
}

function runChild(): ChildRun {
  const args = { config: fx.config({ headEnd: { url: peer.url, adminSigCertPem: fx.adminSigPemFile } }), file, lineBytes, startMs: START, stepMs: STEP };
  const child = spawn(process.execPath, [...nodeEntry(join(import.meta.dirname, '_testing', 'crash-child.ts')), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
  return { child, out: () => out, done };
}

/** Waits until the child reports ingest progress in this run, then a random while longer. */
async function killWhileIngesting(run: ChildRun): Promise<void> {
  const t0 = Date.now();
  while (!run.out().includes('"frames"') && run.child.exitCode === null && Date.now() - t0 < 180_000) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 4000)));
  run.child.kill('SIGKILL');
}

describe('crash safety of ingest and outbox', () => {
  it('delivers every expected message exactly once across three SIGKILLs', async () => {
    for (let kill = 0; kill < 3; kill++) {
      const run = runChild();
      await killWhileIngesting(run);
      const { code, out } = await run.done;
      // Killed (no exit code), not finished: the kill landed while it was working.
      expect(code).toBeNull();
      expect(out).not.toContain('"done"');
    }
    const last = runChild();
    const { code, out } = await last.done;
    expect(code).toBe(0);
    expect(out).toContain('"done":true');
    expect(out).not.toContain('"refused"');

    // Every quarter hour that a later reading closed, for every meter: one message each.
    const lastAt = START + (FRAMES - 1) * STEP;
    const expected = new Set<string>();
    for (const m of METERS) for (let e = Math.ceil(START / QUARTER) * QUARTER; e < lastAt; e += QUARTER) expected.add(`c-${m}@${new Date(e).toISOString()}`);
    const got = [...peer.received.values()].map((r) => `${String(r.content.contractId)}@${(r.content.period as { to: string }).to}`);
    expect(got.length).toBe(expected.size);
    expect(new Set(got)).toEqual(expected);
    expect(peer.refusals).toEqual([]);

    const db = await openGatewayStore(fx.dataDir);
    try {
      const [frames] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM gw_frames');
      const [readings] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM gw_readings');
      const [pending] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM gw_outbox WHERE delivered_at IS NULL');
      expect(Number(frames!.n)).toBe(FRAMES);
      expect(Number(readings!.n)).toBe(FRAMES);
      expect(Number(pending!.n)).toBe(0);
    } finally {
      await db.close();
    }
  }, 900_000);
});
