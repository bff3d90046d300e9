import 'reflect-metadata';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointFromPublicKey } from '../../crypto/ec-keys.js';
import { fillLogs } from '../../gateway/logs/_testing/fill.js';
import * as tamper from '../../gateway/logs/_testing/tamper.js';
import { GatewayLogs } from '../../gateway/logs/gateway-logs.js';
import { makePki } from '../../pki/_testing/fixture.js';
import type { Db } from '../../store/db.js';
import { openSqlite } from '../../store/sqlite.js';
import { type CliRun, runCli } from '../_testing/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gw-log-cli-'));
let pristine: string;
/** The gateway's real SM-PKI signature certificate, whose key signs the checkpoints. */
let certFile: string;
let strangerCertFile: string;
let cases = 0;

interface LogReport {
  readonly log: string;
  readonly verdict: string;
  readonly records: number;
  readonly lastCheckpoint: { seq: number } | null;
  readonly broken: { seq: number | null; reason: string } | null;
}
interface VerifyReport {
  readonly ok: boolean;
  readonly key: { source: string; note: string };
  readonly logs: readonly LogReport[];
}

beforeAll(async () => {
  const pki = await makePki();
  certFile = join(pki.dir, 'gw1/sig.pem');
  strangerCertFile = join(pki.dir, 'emt1/sig.pem');
  pristine = join(tmp, 'pristine');
  mkdirSync(pristine);
  const db = openSqlite(join(pristine, 'gateway.db'));
  const logs = await GatewayLogs.open({ db, sm: pki.ctx.sm, keyLabel: 'gw1/sig' });
  await fillLogs(logs, { system: 5, calibration: 250, consumer: 12 });
  await logs.checkpoint('system');
  await db.close();
});

/** A copy of the written gateway folder, changed by `attack` through the store. */
async function gatewayDir(attack?: (db: Db) => Promise<void>): Promise<string> {
  const dir = join(tmp, `case${cases++}`);
  mkdirSync(dir);
  copyFileSync(join(pristine, 'gateway.db'), join(dir, 'gateway.db'));
  if (attack !== undefined) {
    const db = openSqlite(join(dir, 'gateway.db'));
    await attack(db);
    await db.close();
  }
  return dir;
}

// The machine may be busy with other work: each run gets time enough, and so does each test.
const RUN = { timeoutMs: 150_000 };
const gridwarden = (args: readonly string[]): Promise<CliRun> => runCli(args, RUN);
const verify = (dir: string, ...rest: string[]): Promise<CliRun> => gridwarden(['log', 'verify', '--dir', dir, ...rest]);
const report = (r: CliRun): VerifyReport => JSON.parse(r.stdout) as VerifyReport;
const logOf = (r: CliRun, log: string): LogReport | undefined => report(r).logs.find((l) => l.log === log);

describe('gridwarden log verify', { timeout: 300_000 }, () => {
  it('passes intact logs, saying which key it used', async () => {
    const dir = await gatewayDir();
    const withCert = await verify(dir, '--cert', certFile);
    expect(withCert.code, withCert.stderr).toBe(0);
    expect(report(withCert)).toMatchObject({ ok: true, key: { source: 'cert' } });
    expect(report(withCert).logs.map((l) => [l.log, l.verdict, l.records, l.lastCheckpoint?.seq ?? null])).toEqual([
      ['system', 'intact', 5, 5],
      ['calibration', 'intact', 250, 200],
      ['consumer', 'intact', 12, null],
    ]);
    const pinned = await verify(dir, '--log', 'calibration');
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(report(pinned)).toMatchObject({ ok: true, key: { source: 'pinned' } });
    expect(report(pinned).key.note).toContain('--cert');
    expect(report(pinned).logs).toHaveLength(1);
  });

  const ATTACKS: ReadonlyArray<[string, (db: Db) => Promise<void>, number, string]> = [
    ['an edited text', (db) => tamper.setField(db, 'calibration', 57, 'text', 'nothing'), 57, 'GW_LOG_HASH_MISMATCH'],
    ['an edited outcome', (db) => tamper.setField(db, 'calibration', 120, 'outcome', 'failure'), 120, 'GW_LOG_HASH_MISMATCH'],
    ['an edited timestamp', (db) => tamper.setField(db, 'calibration', 3, 'time', '2020-01-01T00:00:00.000Z'), 3, 'GW_LOG_HASH_MISMATCH'],
    ['a deleted middle record', (db) => tamper.deleteRecord(db, 'calibration', 42), 42, 'GW_LOG_GAP'],
    ['two swapped records', (db) => tamper.swap(db, 'calibration', 10, 11), 10, 'GW_LOG_ORDER'],
    ['a cut back before the last checkpoint', (db) => tamper.cutFrom(db, 'calibration', 150, { head: true }), 150, 'GW_LOG_TRUNCATED'],
    ['a forged checkpoint signature', (db) => tamper.flipSignatureBit(db, 'calibration', 100), 100, 'GW_LOG_BAD_SIGNATURE'],
  ];

  it.each(ATTACKS)('detects %s', async (_what, attack, seq, reason) => {
    const r = await verify(await gatewayDir(attack), '--cert', certFile);
    expect(r.code, r.stderr).toBe(1);
    expect(logOf(r, 'calibration')).toMatchObject({ verdict: 'broken', broken: { seq, reason } });
    expect(logOf(r, 'system')).toMatchObject({ verdict: 'intact' });
    expect(r.stderr).toContain(reason);
  });

  it('detects a replaced pinned key, with the pinned key and with --cert', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const dir = await gatewayDir(async (db) => {
      await tamper.replacePinnedKey(db, 'calibration', pointFromPublicKey(publicKey));
      await tamper.replacePinnedKey(db, 'consumer', pointFromPublicKey(publicKey));
    });
    const pinned = await verify(dir);
    expect(pinned.code).toBe(1);
    expect(logOf(pinned, 'calibration')).toMatchObject({ broken: { seq: 100, reason: 'GW_LOG_BAD_SIGNATURE' } });
    // The consumer log has no checkpoint yet: nothing signed contradicts the new key; only --cert sees it.
    expect(logOf(pinned, 'consumer')).toMatchObject({ verdict: 'intact' });
    const cert = await verify(dir, '--cert', certFile);
    expect(cert.code).toBe(1);
    expect(logOf(cert, 'calibration')).toMatchObject({ broken: { seq: null, reason: 'GW_LOG_KEY_MISMATCH' } });
    expect(logOf(cert, 'consumer')).toMatchObject({ broken: { seq: null, reason: 'GW_LOG_KEY_MISMATCH' } });

    const resigned = await gatewayDir(async (db) => {
      await tamper.replacePinnedKey(db, 'calibration', pointFromPublicKey(publicKey));
      await tamper.setField(db, 'calibration', 20, 'text', 'meter 20 never added');
      await tamper.rehashFrom(db, 'calibration', 20, { head: true });
      await tamper.resignCheckpoints(db, 'calibration', privateKey, 'brainpoolP256r1');
    });
    const fooled = await verify(resigned, '--log', 'calibration');
    expect(logOf(fooled, 'calibration')).toMatchObject({ verdict: 'intact' });
    const caught = await verify(resigned, '--log', 'calibration', '--cert', certFile);
    expect(caught.code).toBe(1);
    expect(logOf(caught, 'calibration')).toMatchObject({ broken: { seq: 100, reason: 'GW_LOG_BAD_SIGNATURE' } });
  });

  it('with a certificate of another party, every signed checkpoint fails', async () => {
    const r = await verify(await gatewayDir(), '--log', 'calibration', '--cert', strangerCertFile);
    expect(r.code).toBe(1);
    expect(logOf(r, 'calibration')).toMatchObject({ broken: { seq: 100, reason: 'GW_LOG_BAD_SIGNATURE' } });
  });

  it('names a missing database, an unreadable --cert, a bad --cert and a bad --log', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const none = await verify(empty);
    expect([none.code, none.stderr]).toEqual([1, expect.stringContaining('CLI_FILE')]);
    const dir = await gatewayDir();
    const missing = await verify(dir, '--cert', join(tmp, 'no-such.pem'));
    expect(missing.stderr).toContain('CLI_FILE');
    const junk = join(tmp, 'junk.pem');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const bad = await verify(dir, '--cert', junk);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining('GW_LOG_BAD_KEY')]);
    const badLog = await verify(dir, '--log', 'audit');
    expect(badLog.stderr).toContain('CLI_BAD_OPTION');
    writeFileSync(join(empty, 'gateway.db'), '');
    const noLogs = await verify(empty);
    expect([noLogs.code, noLogs.stderr]).toEqual([1, expect.stringContaining('GW_LOG_NOT_FOUND')]);
  });
});

describe('gridwarden log show', { timeout: 300_000 }, () => {
  it("shows the newest records, and one consumer's own", async () => {
    const dir = await gatewayDir();
    const r = await gridwarden(['log', 'show', '--dir', dir, '--log', 'calibration', '--limit', '3']);
    expect(r.code, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout) as { records: Array<{ seq: number; event: string }> };
    expect(shown.records.map((x) => x.seq)).toEqual([248, 249, 250]);
    const c = await gridwarden(['log', 'show', '--dir', dir, '--log', 'consumer', '--consumer', 'c2']);
    const mine = JSON.parse(c.stdout) as { records: Array<{ seq: number; consumerId: string }> };
    expect(mine.records.map((x) => x.seq)).toEqual([2, 5, 8, 11]);
    expect(new Set(mine.records.map((x) => x.consumerId))).toEqual(new Set(['c2']));
    const wrong = await gridwarden(['log', 'show', '--dir', dir, '--log', 'system', '--consumer', 'c2']);
    expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringContaining('CLI_USAGE')]);
    const badLimit = await gridwarden(['log', 'show', '--dir', dir, '--log', 'system', '--limit', '0']);
    expect(badLimit.stderr).toContain('CLI_BAD_OPTION');
    expect(readFileSync(join(dir, 'gateway.db')).length).toBeGreaterThan(0);
  });
});
