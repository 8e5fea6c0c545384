import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningFakeCheckout } from '../../examples/fake-checkout';
import type { Campaign, Creator, PromoCode } from '../../server/src/catalog/repo';
import type { Org, OrgScope } from '../../server/src/orgs/repo';
import { APP_HOST, newDevice, PRICE_ID, pixelState, type Stack, STRIPE_KEY, startStack } from '../e2e/shop';
import type { FakeStripe } from '../helpers/fake-stripe';
import { exitOf, freePort, ROOT } from '../helpers/process';
import type { TestServer } from '../helpers/server';

/**
 * examples/nextjs, the Next.js (App Router) shop docs/getting-started.md shows file for file: built
 * with `next build` with no secret in the environment, run with `next start` against the service and
 * the fake Stripe, and driven in Chromium from a creator's link to a paid, credited checkout.
 * `npm run test:examples` installs the app's own dependencies first.
 */

const APP = path.join(ROOT, 'examples/nextjs');
const NEXT = path.join(APP, 'node_modules/.bin/next');

let stack: Stack;
let stripe: FakeStripe;
let server: TestServer;
let checkout: RunningFakeCheckout;
let browser: Browser;
let next: (ChildProcess & { output: () => string }) | undefined;
let shopUrl: string;
let org: Org;
let scope: OrgScope;
let referralKey: string;
let annie: Creator;
let campaign: Campaign;
let code: PromoCode;
const contexts: BrowserContext[] = [];

/** Runs the app's own `next`, in its own process group so that stopping it stops all it started. */
function runNext(args: string[], env: Record<string, string>) {
  // Nothing of this project's settings leaks in: the app sees only what it is given here.
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(STRIPE_|SHOUTOUT_|NEXT_PUBLIC_|SITE_URL$|PORT$)/.test(name)));
  const child = spawn(NEXT, args, { cwd: APP, env: { ...base, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

async function waitForHttp(url: string, child: ChildProcess & { output: () => string }) {
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (child.exitCode !== null) throw new Error(`next start exited: ${child.output()}`);
    if (await fetch(url).then(() => true, () => false)) return;
    await sleep(200);
  }
  throw new Error(`next start did not answer: ${child.output()}`);
}

beforeAll(async () => {
  stack = await startStack([APP_HOST]);
  ({ stripe, server, browser, checkout, org, scope, referralKey, annie, campaign, code } = stack);

  // The build gets only the public values the pages carry: a Stripe client made when a route module
  // loads would fail here for want of STRIPE_SECRET_KEY.
  const build = runNext(['build'], { NEXT_PUBLIC_SHOUTOUT_URL: server.url, NEXT_PUBLIC_SHOUTOUT_ORG_ID: org.id });
  const built = await exitOf(build);
  if (built.code !== 0) throw new Error(`next build failed: ${build.output()}`);

  const port = await freePort();
  shopUrl = `http://${APP_HOST}:${port}`;
  next = runNext(['start', '--hostname', '127.0.0.1', '--port', String(port)], {
    SHOUTOUT_URL: server.url,
    SHOUTOUT_API_KEY: referralKey,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE: stripe.url,
    STRIPE_PRICE_ID: PRICE_ID,
    SITE_URL: shopUrl,
    SESSION_SECRET: randomBytes(32).toString('hex'),
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, next);
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  if (next && next.exitCode === null) {
    process.kill(-next.pid!, 'SIGTERM');
    await exitOf(next);
  }
  await stack?.close();
});

/** Signs up through the app's form; returns the user id the account page shows. */
async function signUp(page: Page, email: string) {
  await page.goto(`${shopUrl}/signup`);
  await page.fill('input[name=email]', email);
  await Promise.all([page.waitForURL(`${shopUrl}/account`), page.click('button[type=submit]')]);
  expect(await page.textContent('#email')).toBe(email);
  return (await page.textContent('#user-id'))!;
}

/** Clicks the account page's buy button; returns what the app asked the fake Stripe for. */
async function buy(page: Page) {
  const before = stripe.requestsTo('POST', /^\/v1\/checkout\/sessions$/).length;
  await Promise.all([page.waitForURL(`${checkout.url}/c/pay/**`), page.click('text=Buy the Summer tee')]);
  const created = stripe.requestsTo('POST', /^\/v1\/checkout\/sessions$/).slice(before);
  expect(created).toHaveLength(1);
  return created[0];
}

describe('examples/nextjs, built and run as docs/getting-started.md says, in Chromium', () => {
  it('binds a referred signup in the signup route and checks out with the creator’s promotion code', async () => {
    // Step 1: the layout's pixel tag records the click and sets shoutout_ref on the brand's domain.
    const page = await newDevice(browser, contexts);
    await page.goto(`${shopUrl}/?infl=ANNIE50`);
    const landed = await pixelState(page);
    expect(landed).toMatchObject({ code: 'ANNIE50', clickId: expect.stringMatching(/^clk_/) });
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'shoutout_ref');
    expect(cookie).toMatchObject({ value: landed.ref, domain: '.brand.test' });

    // Step 2: the signup route handler binds the referral to the new user; the service's API says so.
    const email = `next-${randomBytes(4).toString('hex')}@example.com`;
    const userId = await signUp(page, email);
    expect(userId).toMatch(/^user_/);
    const lookup = await server.request('POST', '/api/customers/lookup', { key: referralKey, body: { externalId: userId } });
    expect(lookup.status).toBe(200);
    expect(await lookup.json()).toMatchObject({
      data: {
        creator: { id: annie.id, handle: 'annie' },
        campaign: { id: campaign.id },
        discount: { promotion_code: 'ANNIE50', stripe_promotion_code_id: code.stripePromotionCodeId },
      },
    });
    expect(await server.deps.store.bindings.get(scope, server.deps.secrets.hashExternalId(org.id, userId))).toMatchObject({ clickId: landed.clickId });

    // Step 3: the checkout route handler asks Stripe for a session with the creator's promotion code.
    const created = await buy(page);
    expect(created).toMatchObject({ account: null, livemode: false });
    expect(created.params).toEqual({
      mode: 'payment',
      line_items: [{ price: PRICE_ID, quantity: '1' }],
      customer_email: email,
      success_url: `${shopUrl}/thanks`,
      cancel_url: `${shopUrl}/account`,
      discounts: [{ promotion_code: code.stripePromotionCodeId }],
      metadata: { shoutout_external_id: userId },
    });
    expect(await page.textContent('#promotion-code')).toBe('ANNIE50');

    // The buyer pays; Stripe's webhook credits annie.
    const sessionId = new URL(page.url()).pathname.split('/').at(-1)!;
    await page.click('text=Pay');
    expect(await page.textContent('#webhook')).toMatch(/^checkout\.session\.completed → Shoutout answered 200 /);
    expect(await server.deps.store.conversions.findOne(scope, { checkoutSessionId: sessionId })).toMatchObject({
      creatorId: annie.id,
      promoCodeId: code.id,
      source: 'promotion_code',
      amount: 3200,
      commission: 320,
      status: 'credited',
    });
  });

  it('signs up and sells without a discount when the visitor came through no link', async () => {
    const page = await newDevice(browser, contexts);
    const userId = await signUp(page, `next-${randomBytes(4).toString('hex')}@example.com`);
    const lookup = await server.request('POST', '/api/customers/lookup', { key: referralKey, body: { externalId: userId } });
    expect(await lookup.json()).toEqual({ data: null });
    const created = await buy(page);
    expect(created.params).toMatchObject({ allow_promotion_codes: 'true', metadata: { shoutout_external_id: userId } });
    expect(created.params).not.toHaveProperty('discounts');
  });
});
