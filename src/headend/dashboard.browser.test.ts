/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real operator API:
 * createOperatorApi over a migrated SQLite store holding gateways, commands, meter values and security events,
 * with the real UDP wake-up sender aimed at a socket of this test. Set UPDATE_SCREENSHOT=1 to rewrite
 * docs/dashboard.png.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certToPem } from '../pki/index.js';
import { type Db, migrate, openSqlite } from '../store/index.js';
import { createWakeUpJudge, sendWakeUp } from '../wan/index.js';
import { EMT_A, EMT_B, GRID, GWA, GW_1, GW_2, type HeadendWorld, createHeadendWorld } from './_testing/fixture.js';
import { type HeadendContext, createHeadendContext } from './context.js';
import { type OperatorApi, createOperatorApi } from './operator-api.js';
import { completeCommand, insertCommand, insertMessage, recordSecurityEvent, touchGateway, upsertGateway } from './repository.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from './schema.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '..', '..');
const MINUTE = 60_000;
const METER = '12345678';
/** In the inventory with a wake-up address that does not resolve, and never heard from. */
const GW_FAR = 'gw-far';

/** Security events stored before the page opens: kind, minutes ago, peer. */
const EVENTS: ReadonlyArray<readonly [string, number, string | null]> = [
  ['WAN_PEER_UNTRUSTED', 2, '127.0.0.1'],
  ['WAN_PEER_UNTRUSTED', 14, '127.0.0.1'],
  ['WAN_PEER_UNTRUSTED', 41, '127.0.0.1'],
  ['HE_BAD_SIGNATURE', 7, GW_2],
  ['HE_BAD_SIGNATURE', 33, GW_2],
  ['HE_REPLAY', 22, GW_1],
  ['HE_SIGNER_NOT_CALLER', 51, GW_2],
  // Outside the default one-hour window: in the table, not in the chart.
  ['HE_REPLAY', 150, GW_1],
];

const TOKEN = randomBytes(32).toString('base64url');

// No skip when chromium is missing: `npm run test:all` installs it, and a missing browser must fail loudly.
describe('operator dashboard in chromium', () => {
  it('has Debian chromium to drive', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (npm run test:all does)`).toBe(true);
  });

  let world: HeadendWorld;
  let db: Db;
  let ctx: HeadendContext;
  let api: OperatorApi;
  let origin: string;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const udp = createSocket('udp4');
  const datagrams: Buffer[] = [];
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const now = Date.now();
  const ago = (minutes: number) => new Date(now - minutes * MINUTE);

  beforeAll(async () => {
    world = await createHeadendWorld();
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    udp.on('message', (m) => datagrams.push(m));

    db = openSqlite(join(world.dir, 'headend.db'));
    await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
    ctx = await createHeadendContext({
      db,
      sm: world.sm,
      pkiDir: world.dir,
      gwa: GWA,
      emts: [EMT_A, EMT_B, GRID],
      wakeUp: async (base, gateway, target) => {
        await sendWakeUp({ sm: base.sm, keyLabel: base.gwa.sig.keyLabel, now: () => base.now().getTime() }, gateway, target);
      },
    });
    await seed();

    api = createOperatorApi(ctx, { token: TOKEN });
    origin = `http://127.0.0.1:${(await api.listen()).port}`;

    profile = mkdtempSync(join(tmpdir(), 'gw-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1440, height: 1100 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`${m.text()} ${m.location().url}`);
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`);
    });
    await page.exposeFunction('reportCspViolation', (d: string) => cspViolations.push(d));
    // Page-side code as text: this project compiles without the DOM library.
    await page.addInitScript({
      content: "document.addEventListener('securitypolicyviolation', (e) => window.reportCspViolation(e.violatedDirective + ' ' + e.blockedURI));",
    });
    await page.goto(`${origin}/#token=${TOKEN}`);
    await page.waitForSelector('#gateways-table tbody tr[data-gateway]');
    await page.waitForSelector('#events-table tbody tr[data-kind]');
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.close();
    udp.close();
    world?.cleanup();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function seed(): Promise<void> {
    await upsertGateway(db, { name: GW_1, wakeUp: { host: '127.0.0.1', port: (udp.address() as AddressInfo).port } }, ago(600));
    await upsertGateway(db, { name: GW_2 }, ago(600));
    await upsertGateway(db, { name: GW_FAR, wakeUp: { host: 'gw-far.invalid', port: 7_000 } }, ago(600));
    await touchGateway(db, GW_1, ago(3));
    await touchGateway(db, GW_2, ago(5 * 60));
    await insertCommand(db, { id: 'cmd-1', gateway: GW_1, type: 'register-meter', cmsBase64: 'AA==' }, ago(90));
    await completeCommand(db, { id: 'cmd-1', gateway: GW_1, ok: true, code: null, message: null }, ago(88));
    await insertCommand(db, { id: 'cmd-2', gateway: GW_2, type: 'add-contract', cmsBase64: 'AA==' }, ago(80));
    await completeCommand(db, { id: 'cmd-2', gateway: GW_2, ok: false, code: 'GW_BAD_CONTRACT', message: 'the contract names an unknown meter' }, ago(79));
    await insertCommand(db, { id: 'cmd-3', gateway: GW_1, type: 'remove-meter', cmsBase64: 'AA==' }, ago(10));
    // A load curve (TAF 7) of one meter and one reading of a second meter.
    for (let i = 0; i < 8; i++) {
      const to = new Date(now - (8 - i) * 15 * MINUTE);
      await storeReading(`m-${i}`, METER, to, [
        { obis: '1-0:1.8.0', value: 1000 + i * 1.25 + (i % 3) * 0.5, unit: 'kWh' },
        { obis: '1-0:2.8.0', value: 20 + i * 0.1, unit: 'kWh' },
      ]);
    }
    await storeReading('m-other', '87654321', ago(30), [{ obis: '1-0:1.8.0', value: 512.75, unit: 'kWh' }]);
    for (const [kind, minutes, peer] of EVENTS) {
      await recordSecurityEvent(db, { kind, peer, emt: kind.startsWith('HE_') ? EMT_A : null, detail: `test event ${kind}` }, ago(minutes));
    }
  }

  async function storeReading(messageId: string, meter: string, to: Date, values: ReadonlyArray<{ obis: string; value: number; unit: string }>) {
    const from = new Date(to.getTime() - 15 * MINUTE);
    const r = await insertMessage(db, {
      emt: EMT_A,
      messageId,
      provenance: 'direct',
      gateway: GW_1,
      pseudonym: null,
      meter,
      contractId: `c-${meter}`,
      taf: 7,
      period: { from: from.toISOString(), to: to.toISOString() },
      contentSha256: messageId.padEnd(64, '0'),
      signer: GW_1,
      receivedAt: to.toISOString(),
      values: values.map((v) => ({ ...v, at: to.toISOString(), quality: 'measured' })),
    });
    expect(r.kind).toBe('stored');
  }

  const cellsOf = (selector: string) => page.$$eval(selector, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));

  it('lists the gateways with state and last contact, flagging the stale one', async () => {
    const rows = await cellsOf('#gateways-table tbody tr');
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      [GW_1, 'active'],
      [GW_2, 'active'],
      [GW_FAR, 'active'],
    ]);
    expect(rows[0]?.[2]).toBe('3 min ago');
    expect(rows[1]?.[2]).toBe('5 h ago stale');
    expect(rows[2]?.[2]).toBe('— no contact yet');
    expect(rows[0]?.[3]).toBe('2 (1 open)');
    expect(rows[2]?.[3]).toBe('none');
    // gw-2 has no wake-up address: its button is off.
    expect(await page.isDisabled(`button[aria-label="Wake up ${GW_2}"]`)).toBe(true);
  });

  it('shows each command with its result', async () => {
    const rows = await cellsOf('#commands-table tbody tr');
    const byType = new Map(rows.map((r) => [r[1], r]));
    expect(byType.get('register-meter')?.[4]).toBe('ok');
    expect(byType.get('add-contract')?.[0]).toBe(GW_2);
    expect(byType.get('add-contract')?.[4]).toBe('failed: GW_BAD_CONTRACT');
    expect(byType.get('remove-meter')?.[4]).toBe('pending');
  });

  it('clicking wake-up sends a signed datagram the gateway would accept, and shows the outcome', async () => {
    const before = datagrams.length;
    await page.click(`button[aria-label="Wake up ${GW_1}"]`);
    await page.waitForSelector('#wakeup-outcome.ok');
    expect(await page.textContent('#wakeup-outcome')).toBe(`Wake-up sent to ${GW_1}.`);
    await expect.poll(() => datagrams.length).toBe(before + 1);
    const judge = createWakeUpJudge({ gatewayId: GW_1, adminCertificatePem: certToPem(ctx.gwa.sig.cert) });
    expect(judge.judge(datagrams[before]!)).toMatchObject({ accepted: true });
    await page.waitForSelector(`tr[data-gateway="${GW_1}"] .wake-result.ok`);
  });

  it('a wake-up the head-end cannot send shows the failure and its code', async () => {
    const before = datagrams.length;
    await page.click(`button[aria-label="Wake up ${GW_FAR}"]`);
    await page.waitForSelector('#wakeup-outcome.failed');
    expect(await page.textContent('#wakeup-outcome')).toMatch(new RegExp(`^Wake-up for ${GW_FAR} failed: .*\\(HE_WAKEUP\\)$`));
    await page.waitForSelector(`tr[data-gateway="${GW_FAR}"] .wake-result.failed`);
    expect(await page.textContent(`tr[data-gateway="${GW_FAR}"] .wake-result`)).toBe('failed: HE_WAKEUP');
    expect(datagrams.length).toBe(before);
  });

  it('shows the latest values per meter and charts the chosen meter over time', async () => {
    await page.waitForSelector('#latest-table tbody tr td.num');
    const rows = await cellsOf('#latest-table tbody tr');
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      [METER, '1-0:1.8.0', String(1000 + 7 * 1.25 + 0.5), 'kWh'],
      [METER, '1-0:2.8.0', String(20 + 7 * 0.1), 'kWh'],
      ['87654321', '1-0:1.8.0', '512.75', 'kWh'],
    ]);
    expect(await page.inputValue('#meter-select')).toBe(METER);
    expect(await page.$$eval('#values-chart circle', (c) => c.length)).toBe(8);
    await page.selectOption('#meter-select', '87654321');
    await expect.poll(() => page.$$eval('#values-chart circle', (c) => c.length)).toBe(1);
    await page.selectOption('#meter-select', METER);
    await expect.poll(() => page.$$eval('#values-chart circle', (c) => c.length)).toBe(8);
  });

  it('charts security events per kind in the window and lists the latest', async () => {
    const inWindow = EVENTS.filter(([, minutes]) => minutes < 60);
    const charted = await page.$$eval('#security-chart rect[data-kind]', (rects) => rects.map((r) => [r.getAttribute('data-kind'), r.querySelector('title')?.textContent ?? '']));
    const totals = new Map<string, number>();
    for (const [kind, title] of charted) totals.set(String(kind), (totals.get(String(kind)) ?? 0) + Number(/: (\d+) \(/.exec(title)?.[1]));
    const expected = new Map<string, number>();
    for (const [kind] of inWindow) expected.set(kind, (expected.get(kind) ?? 0) + 1);
    expect(totals).toEqual(expected);
    const rows = await cellsOf('#events-table tbody tr');
    expect(rows.map((r) => r[1])).toEqual([...EVENTS].sort((a, b) => a[1] - b[1]).map(([kind]) => kind));
    // The 24-hour window also holds the older replay.
    await page.selectOption('#window-select', String(24 * 60 * MINUTE));
    await expect.poll(() => page.$$eval('#security-chart rect[data-kind="HE_REPLAY"]', (r) => r.length)).toBe(2);
    await page.selectOption('#window-select', String(60 * MINUTE));
  });

  it('picks up a new security event on its own within a few seconds', async () => {
    await recordSecurityEvent(db, { kind: 'HE_TAMPERED', peer: GW_2, emt: EMT_A, detail: 'test event HE_TAMPERED' }, new Date());
    await page.waitForSelector('#events-table tbody tr[data-kind="HE_TAMPERED"]', { timeout: 15_000 });
    await page.waitForSelector('#security-chart rect[data-kind="HE_TAMPERED"]', { timeout: 15_000 });
  });

  it('keeps the operator token from the address for this tab only, and takes it out of the address bar', async () => {
    expect(page.url()).toBe(`${origin}/`);
    expect(await page.isHidden('#token-form')).toBe(true);
  });

  it('asks a tab without the token for it, refuses a wrong one, and shows the data with the right one', async () => {
    const other = await browser.newPage();
    try {
      const refused: string[] = [];
      other.on('response', (r) => {
        if (r.status() === 401) refused.push(new URL(r.url()).pathname);
      });
      await other.goto(`${origin}/`);
      await other.waitForSelector('#token-form:not([hidden])');
      expect(await other.textContent('#token-reason')).toContain('asks for the operator token');
      expect(await other.$$eval('#gateways-table tbody tr[data-gateway]', (rows) => rows.length)).toBe(0);
      expect(refused).toContain('/gateways');
      await other.fill('#token-input', 'x'.repeat(43));
      await other.click('#token-form button[type=submit]');
      await other.waitForFunction("(document.getElementById('token-reason')?.textContent ?? '').includes('refused')");
      expect(await other.isHidden('#token-form')).toBe(false);
      await other.fill('#token-input', TOKEN);
      await other.click('#token-form button[type=submit]');
      await other.waitForSelector('#gateways-table tbody tr[data-gateway]');
      await other.waitForSelector('#token-form[hidden]', { state: 'attached' });
    } finally {
      await other.close();
    }
  });

  it('runs under the policy without violations or script errors, and leaves a screenshot', async () => {
    expect(cspViolations).toEqual([]);
    // Every control has a label and every chart a text alternative.
    const unnamed = await page.$$eval('select, button', (els) =>
      els.filter((e) => {
        const labelled = (e as unknown as { labels: { length: number } }).labels.length > 0;
        return !labelled && !e.getAttribute('aria-label') && (e.textContent ?? '').trim() === '';
      }).length,
    );
    expect(unnamed).toBe(0);
    expect(await page.$$eval('select', (els) => els.length)).toBe(4);
    expect(await page.$$eval('svg.chart-svg', (svgs) => svgs.map((s) => s.getAttribute('role') === 'img' && (s.getAttribute('aria-label') ?? '') !== ''))).toEqual([true, true]);
    // The one refusal the tests provoked on purpose is the only failed request.
    const expected = `/gateways/${GW_FAR}/wake-up`;
    expect(pageErrors.filter((e) => !e.includes(expected))).toEqual([]);
    expect(pageErrors.filter((e) => e.includes(expected)).length).toBeGreaterThan(0);
    const path = process.env.UPDATE_SCREENSHOT === '1' ? join(ROOT, 'docs', 'dashboard.png') : join(profile, 'dashboard.png');
    await page.screenshot({ path, fullPage: true });
    expect(existsSync(path)).toBe(true);
  });
});
