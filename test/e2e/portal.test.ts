import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createCampaign, createCreator, createPromoCode } from '../../server/src/catalog/service';
import { createTestOrg, uniqueCode } from '../helpers/fixtures';
import { launchBrowser } from '../helpers/browser';
import { startTestServer, type TestServer } from '../helpers/server';
import { freePort, signInLinkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp';

/**
 * A creator uses the portal as a person does: asks for a link, opens it from the email, checks
 * their figures against the brand's own report, copies their link, downloads a statement. Each
 * page is kept as a screenshot at phone and desktop widths in test/artifacts/portal/.
 */

const ARTIFACTS = path.resolve('test/artifacts/portal');
const WIDTHS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } };
const DAY = 86_400_000;
let clock = new Date(Date.UTC(2026, 10, 1, 12));
let smtp: TestSmtp;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  [smtp, browser] = await Promise.all([startTestSmtp(), launchBrowser([])]);
  server = await startTestServer(
    { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, SMTP_URL: smtp.url, EMAIL_FROM: 'Creators <creators@glow.test>' },
    { now: () => clock },
  );
  await mkdir(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
});

/** A brand with a month of activity through one creator: clicks, signups, sales, a payout, and points earned and spent. */
async function seedProgram() {
  const { org, key, scope } = await createTestOrg(server.deps, { name: 'Glow Skincare', domains: ['glow.test'], brand_color: '#0f766e', payout_hold_days: 7 });
  const email = 'maya@creators.test';
  const maya = await createCreator(server.deps, scope, { handle: 'maya', name: 'Maya', email });
  const campaign = await createCampaign(server.deps, scope, {
    title: 'Autumn glow',
    discount_type: 'percent_off',
    discount_value: 15,
    duration: 'once',
    commission: { type: 'percent', value: 20 },
    rewards: [
      { recipient: 'advocate', trigger: 'signup', points: 10 },
      { recipient: 'advocate', trigger: 'amount_spent', points: 1, per: { amount: 100, currency: 'usd' } },
    ],
  });
  const code = uniqueCode('MAYA');
  await createPromoCode(server.deps, scope, { code, creator: maya.id, campaign: campaign.id });
  const api = async (method: string, route: string, body?: unknown) => {
    const response = await server.request(method, route, { key, body });
    expect(response.status, `${method} ${route}`).toBeLessThan(300);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  const start = clock.getTime();
  for (let day = 0; day < 28; day++) {
    clock = new Date(start + day * DAY);
    for (let visit = 0; visit < (day % 5) + 1; visit++) {
      const click = await api('POST', '/api/tracking/click', { programId: org.id, pageUrl: `https://glow.test/?infl=${code}`, referralCode: code, userAgent: 'Mozilla/5.0 Chrome/130', ipAddress: `203.0.113.${visit + 1}` });
      if (visit === 0 && day % 2 === 0) {
        await api('POST', '/api/customers/identify', { externalId: `user-${day}`, ref: click.ref });
        if (day % 4 === 0) await api('POST', '/api/conversions', { order_id: `order-${day}`, amount: 4200 + day * 100, currency: 'usd', externalId: `user-${day}` });
      }
    }
  }
  clock = new Date(start + 20 * DAY);
  await api('POST', '/api/payouts', { creator: 'maya', currency: 'usd', reference: 'ACH-20261121' });
  await api('POST', '/api/rewards/redeem', { creator: 'maya', amount: 50, reference: 'gift-card-0042' });
  clock = new Date(start + 29 * DAY);
  return { org, key, scope, maya, email, code, api };
}

async function screenshot(page: Page, name: string) {
  for (const [label, viewport] of Object.entries(WIDTHS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
}

const money = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);

it('signs a creator in from the emailed link and shows their figures, links and statements', { timeout: 90_000 }, async () => {
  const program = await seedProgram();
  const context = await browser.newContext({ viewport: WIDTHS.desktop, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace('localhost', '127.0.0.1') });
  const page = await context.newPage();
  const base = server.deps.config.PUBLIC_URL!;

  await page.goto(`${base}/portal/sign-in?org=${program.org.id}`);
  await screenshot(page, '1-sign-in');
  await page.getByLabel('Email address').fill(program.email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await screenshot(page, '2-check-email');

  const mail = await smtp.waitFor(program.email, /sign-in link/);
  await page.goto(signInLinkIn(mail));
  await screenshot(page, '3-continue');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Hi Maya' }).waitFor();
  const cookies = await context.cookies();
  expect(cookies.find((cookie) => cookie.name === 'shoutout_portal')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/portal' });

  // The figures are the brand's report's row for Maya over the same 30 days.
  const to = Math.ceil(clock.getTime() / 1000);
  const report = await program.api('GET', `/api/reports?from=${to - 30 * 86_400}&to=${to}`);
  const row = report.creators.find((creator: { handle: string }) => creator.handle === 'maya');
  expect(row.clicks).toBeGreaterThan(50);
  expect(row.conversions).toBe(7);
  const figure = (name: string) => page.locator(`[data-figure="${name}"] .figure-value`).textContent();
  expect(await figure('clicks')).toBe(String(row.clicks));
  expect(await figure('signups')).toBe(String(row.signups));
  expect(await figure('conversions')).toBe(String(row.conversions));
  expect(await figure('revenue')).toBe(money(row.revenue));
  expect(await figure('commission')).toBe(money(row.commission));
  const balances = await program.api('GET', '/api/payouts/balances?creator=maya');
  expect(await page.locator('[data-currency="usd"] [data-balance="due"]').first().textContent()).toBe(money(balances.data[0].due));
  expect(await page.locator('[data-currency="usd"] [data-balance="paid"]').first().textContent()).toBe(money(balances.data[0].paid));

  const copyLink = page.getByRole('button', { name: 'Copy your link' });
  await copyLink.click();
  await expect.poll(() => copyLink.textContent()).toBe('Copied');
  expect(await page.locator('[data-announce]').textContent()).toBe(`Copied https://glow.test/?infl=${program.code}`);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`https://glow.test/?infl=${program.code}`);
  expect(await page.getByRole('img', { name: `QR code for https://glow.test/?infl=${program.code}` }).count()).toBe(1);
  await page.waitForTimeout(2100);
  await screenshot(page, '4-overview');

  await page.getByRole('link', { name: '7 days' }).click();
  await page.locator('.periods [aria-current="true"]', { hasText: '7 days' }).waitFor();

  await page.getByRole('link', { name: 'Sales' }).click();
  await page.getByRole('heading', { name: 'Sales' }).waitFor();
  expect(await page.locator('[data-conversion]').count()).toBe(7);
  expect(await page.content()).not.toContain('user-');
  await screenshot(page, '5-sales');

  await page.getByRole('link', { name: 'Payouts', exact: true }).click();
  await page.getByRole('heading', { name: 'Payouts' }).waitFor();
  await screenshot(page, '6-payouts');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Statement (CSV)' }).click()]);
  const statement = await readFile(await download.path(), 'utf8');
  const lines = statement.trim().split('\n');
  expect(lines[0]).toMatch(/^created,id,status,creator,creator_handle,campaign,code/);
  // The payout's statement lists the sales it paid for: those before its period's end.
  const [payout] = (await program.api('GET', '/api/payouts?creator=maya')).data;
  const paidFor = await program.api('GET', `/api/conversions?creator=maya&to=${payout.period.end}&limit=100`);
  const idColumn = lines[0].split(',').indexOf('id');
  expect(lines.slice(1).map((line) => line.split(',')[idColumn]).sort()).toEqual(paidFor.data.map((conversion: { id: string }) => conversion.id).sort());

  // Points: the balance and every ledger line, as the rewards API has them.
  const points = await program.api('GET', '/api/rewards/balances?creator=maya');
  const ledger = await program.api('GET', '/api/rewards/ledger?creator=maya&limit=100');
  expect(points.points).toBeGreaterThan(100);
  await page.getByRole('link', { name: 'Points', exact: true }).click();
  await page.getByRole('heading', { name: 'Points', level: 1 }).waitFor();
  expect(await page.locator('[data-reward-balance="points"] .figure-value').textContent()).toBe(`${points.points} points`);
  expect(await page.locator('[data-entry]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-entry')))).toEqual(ledger.data.map((entry: { id: string }) => entry.id));
  await page.getByRole('cell', { name: /gift-card-0042/ }).waitFor();
  await screenshot(page, '7-points');
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Hi Maya' }).waitFor();
  expect(await page.locator('[data-reward-balance="points"] .figure-value').textContent()).toBe(`${points.points} points`);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Glow Skincare' }).waitFor();
  await context.close();
});
