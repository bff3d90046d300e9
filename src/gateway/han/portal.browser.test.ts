/**
 * The portal in a real browser: Debian's chromium driven by playwright-core against the portal over HTTPS with
 * the gateway's own certificate. Saves docs/portal.png.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, DAY, type Home, logSent, makeHome } from './_testing/home.js';
import { consentInForce } from '../privacy/consent.js';
import { type HanPortal, startGatewayPortal } from './start-portal.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(import.meta.dirname, '..', '..', '..', 'docs', 'portal.png');

// No skip when chromium is missing: `npm run test:all` installs it, and a missing browser must fail loudly.
describe('HAN portal in chromium', () => {
  it('has Debian chromium to drive', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (npm run test:all does)`).toBe(true);
  });

  let home: Home;
  let portal: HanPortal;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    home = await makeHome();
    // As the gateway runtime starts it: certificate from the gateway's own security module.
    portal = await startGatewayPortal({ db: home.db, sm: home.sm, gatewayName: 'gw1', hosts: ['127.0.0.1'], clock: home.clock, logs: home.logs, port: 0 });
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'gridwarden-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      ignoreHTTPSErrors: true,
      timezoneId: 'UTC',
      locale: 'en-GB',
      viewport: { width: 1100, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await home?.db.close();
  });

  async function signIn(user: { username: string; password: string }): Promise<void> {
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#login-form button[type=submit]');
  }

  it('signs in and draws the load curve of the day with a point per quarter hour', async () => {
    await page.goto(`${portal.url}/`);
    await page.waitForSelector('#login-section:not([hidden])');
    await signIn(ALICE);
    await page.waitForSelector('#portal:not([hidden])');
    expect(await page.textContent('#who-name')).toBe('alice');
    expect(await page.locator('.meter h3').allTextContents()).toEqual(ALICE.meters.map((m) => `Meter ${m}`));
    await page.fill('#curve-date', DAY);
    await page.dispatchEvent('#curve-date', 'change');
    await expect.poll(() => page.locator('svg.curve circle.point').count()).toBe(96);
    expect(await page.locator('svg.curve polyline.line').count()).toBe(1);
    expect(await page.locator('svg.curve text.tick').count()).toBeGreaterThan(4);
    expect(await page.textContent('#chart-caption')).toContain('kWh in total');
  });

  it('shows a consumer-log entry once an upload has been logged', async () => {
    const rows = page.locator('#log-body tr.log-entry');
    const before = await rows.count();
    await logSent(home, ALICE.consumerId, ALICE.meters[0], 'k-alice-7', 'emt-stadtwerk', 'm-browser-test');
    await page.click('#log-refresh');
    await expect.poll(() => rows.count()).toBe(before + 1);
    const newest = await rows.first().textContent();
    expect(newest).toContain('emt-stadtwerk');
    expect(newest).toContain('TAF 7');
    expect(await page.locator('#contracts li').count()).toBe(2);
  });

  it('shows each contract with its legal basis, grants and withdraws consent, and the state follows', async () => {
    const loadCurve = page.locator('li.consent[data-contract="k-alice-7"]');
    const billing = page.locator('li.consent[data-contract="k-alice-1"]');
    await expect.poll(() => page.locator('#consents li.consent').count()).toBe(2);
    expect(await loadCurve.locator('.basis').textContent()).toContain('your consent');
    expect(await loadCurve.locator('.state').textContent()).toContain('No consent given');
    expect(await billing.locator('.basis').textContent()).toContain('the contract');
    expect(await billing.locator('button').count()).toBe(0);

    await loadCurve.locator('button.grant').click();
    await expect.poll(() => loadCurve.getAttribute('data-state')).toBe('granted');
    expect(await loadCurve.locator('.state').textContent()).toContain('Consent given');
    expect(await loadCurve.locator('button').textContent()).toBe('Withdraw consent');
    expect(await consentInForce(home.db, 'k-alice-7')).toBe(true);
    // The consumer log shows the grant at once.
    await expect.poll(() => page.locator('#log-body tr.log-entry').first().textContent()).toContain('granted');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await loadCurve.locator('button.withdraw').click();
    await expect.poll(() => loadCurve.getAttribute('data-state')).toBe('withdrawn');
    expect(await loadCurve.locator('.state').textContent()).toContain('nothing is sent');
    expect(await consentInForce(home.db, 'k-alice-7')).toBe(false);
    await expect.poll(() => page.locator('#log-body tr.log-entry').first().textContent()).toContain('withdrawn');
  });

  it('downloads all of alice\'s data as JSON and as CSV, with nothing of bob\'s', async () => {
    const download = async (link: string): Promise<{ name: string; text: string }> => {
      const [d] = await Promise.all([page.waitForEvent('download'), page.click(link)]);
      const path = await d.path();
      return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
    };
    const json = await download('#export-json');
    expect(json.name).toMatch(/^gridwarden-data-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(json.text) as { consumerId: string; meters: Array<{ meterId: string }>; readings: unknown[]; consents: Array<{ contractId: string; withdrawnAt: string | null }> };
    expect(data.consumerId).toBe(ALICE.consumerId);
    expect(data.meters.map((m) => m.meterId)).toEqual([...ALICE.meters]);
    const [n] = await home.db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM gw_readings WHERE meter_id IN ($1, $2)', [ALICE.meters[0], ALICE.meters[1]]);
    expect(data.readings).toHaveLength(Number(n?.n));
    expect(data.consents).toEqual([expect.objectContaining({ contractId: 'k-alice-7', withdrawnAt: expect.any(String) })]);

    const csv = await download('#export-csv');
    expect(csv.name).toMatch(/\.csv$/);
    expect(csv.text.startsWith('section,export\r\n')).toBe(true);
    for (const section of ['meters', 'readings', 'contracts', 'consents', 'consumer_log', 'outbox']) expect(csv.text).toContain(`\r\nsection,${section}\r\n`);
    expect(csv.text).toContain('k-alice-7');
    for (const text of [json.text, csv.text]) for (const s of [BOB.consumerId, BOB.meters[0], 'emt-bobs-supplier', 'k-bob-7']) expect(text).not.toContain(s);
  });

  it("refuses another consumer's meter", async () => {
    const status = await page.evaluate(async (id) => (await fetch(`/api/meters/${id}/readings?step=1h`)).status, BOB.meters[0]);
    expect(status).toBe(404);
    await page.goto(`${portal.url}/#meter=${BOB.meters[0]}`);
    await page.waitForSelector('#portal:not([hidden])');
    await expect.poll(() => page.textContent('#curve-status')).toContain('not one of yours');
    expect(await page.locator('svg.curve circle.point').count()).toBe(0);
    expect(await page.content()).not.toContain('emt-bobs-supplier');
  });

  it('locks an account out after failed logins', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login-section:not([hidden])');
    for (let i = 0; i < 4; i++) {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/login'));
      await signIn({ username: BOB.username, password: `wrong guess ${i}` });
      expect((await answer).status()).toBe(401);
      await expect.poll(() => page.textContent('#login-error')).toContain('not right');
    }
    // Each answer is awaited before the page is read: scrypt on a loaded machine can take over a second.
    const fifth = page.waitForResponse((r) => r.url().endsWith('/api/login'));
    await signIn({ username: BOB.username, password: 'wrong guess 4' });
    expect((await fifth).status()).toBe(423);
    await expect.poll(() => page.textContent('#login-error')).toContain('locked');
    const right = page.waitForResponse((r) => r.url().endsWith('/api/login'));
    await signIn(BOB);
    expect((await right).status()).toBe(423);
    await expect.poll(() => page.textContent('#login-error')).toContain('locked');
    expect(await page.isHidden('#portal')).toBe(true);
  });
});
