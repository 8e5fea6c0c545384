import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import Stripe from 'stripe';
import { type RunningFakeCheckout, startFakeCheckout } from '../../examples/fake-checkout';
import { launchBrowser } from '../helpers/browser';
import { deliverWebhook, type FakeStripe, fixture, newStripeId, startFakeStripe, stripeEvent } from '../helpers/fake-stripe';
import { startTestServer, type TestServer } from '../helpers/server';
import { APP_HOST, LANDING_HOST, newDevice, pixelState, PRICE, PRICE_ID, type Shop, startShop, submitCredentials } from './shop';

/**
 * The same storefront, for a brand that installed the Stripe App: the operator's platform keys act
 * on the brand's account through Connect, the brand's shop uses its own key, the brand sets
 * everything up in the Dashboard, and the drawer shows the sale. Test mode, as a brand tries it.
 */

const APP_SECRET = 'absec_e2e_app_signing_secret';
// A Connect endpoint: connected accounts' test-mode events come to it too, signed with its secret.
const CONNECT_WEBHOOK_SECRET = 'whsec_e2e_connect_endpoint';
const BRAND_KEY = 'sk_test_brand_own_key';
const account = newStripeId('acct');
const dashboardUser = newStripeId('usr');

let stripe: FakeStripe;
let server: TestServer;
let checkout: RunningFakeCheckout;
let shop: Shop;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** A request from the app's views in the test-mode Dashboard, signed as `fetchStripeSignature()` signs. */
async function dashboard(method: string, route: string, body?: unknown) {
  const query = new URLSearchParams({ user_id: dashboardUser, account_id: account, mode: 'test' });
  const signed = { user_id: dashboardUser, account_id: account, mode: 'test', method, path: `/api/app/${route.split('?')[0]}` };
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(signed), secret: APP_SECRET });
  const response = await server.request(method, `/api/app/${route}${route.includes('?') ? '&' : '?'}${query}`, { body, headers: { 'stripe-signature': signature } });
  expect(response.status, `${method} ${route}`).toBeLessThan(300);
  return response.json();
}

const annieFigures = async () => {
  const overview = await dashboard('GET', 'overview?period=30d');
  return overview.creators.find((creator: { handle: string }) => creator.handle === 'annie').figures;
};

beforeAll(async () => {
  stripe = await startFakeStripe();
  stripe.ownKey(BRAND_KEY, account);
  [server, browser] = await Promise.all([
    startTestServer({
      STRIPE_SECRET_KEY: 'sk_live_platform',
      STRIPE_TEST_SECRET_KEY: 'sk_test_platform',
      // The brand works in test mode, so its events come to the test endpoint (each secret binds its mode).
      STRIPE_TEST_WEBHOOK_SECRET: CONNECT_WEBHOOK_SECRET,
      STRIPE_APP_SECRET: APP_SECRET,
      STRIPE_API_BASE: stripe.url,
    }),
    launchBrowser([LANDING_HOST, APP_HOST]),
  ]);
  stripe.seed(fixture<{ id: string }>('price', { id: PRICE_ID, type: 'one_time', recurring: null, unit_amount: PRICE, currency: 'usd', livemode: false }), account);
  checkout = await startFakeCheckout({
    stripe,
    webhookUrl: `${server.url}/api/stripe/webhooks`,
    webhookSecret: CONNECT_WEBHOOK_SECRET,
    livemode: false,
    account,
    paymentLinkAmount: PRICE,
  });
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await Promise.all([shop?.storefront.close(), checkout?.close(), server?.stop(), stripe?.close()]);
});

describe('a brand that installed the Stripe App, in Chromium', () => {
  it('sets up in the Dashboard, wires its shop as the docs say, and sees the sale and its refund in the drawer', { timeout: 60_000 }, async () => {
    // Install: Stripe tells the platform, and the account gets an org.
    const install = stripeEvent('account.application.authorized', { id: newStripeId('ca'), object: 'application', name: 'Shoutout' }, { account, livemode: false });
    expect(await (await deliverWebhook(`${server.url}/api/stripe/webhooks`, install, CONNECT_WEBHOOK_SECRET)).json()).toEqual({ received: true, outcome: 'processed' });

    // Settings view: the shop's domain and a key for its backend. Drawer: a campaign, annie and her code.
    const settings = await dashboard('PATCH', 'settings', { domains: ['brand.test'] });
    expect(settings.org).toMatchObject({ stripe_account_id: account, domains: ['brand.test'] });
    const key = await dashboard('POST', 'keys', { name: 'storefront', scopes: ['referrals'] });
    expect(key.secret).toMatch(/^so_test_/);
    const campaign = await dashboard('POST', 'campaigns', {
      title: 'Summer drop',
      discount_type: 'percent_off',
      discount_value: 20,
      commission: { type: 'percent', value: 10 },
    });
    const annie = await dashboard('POST', 'creators', { handle: 'annie', name: 'Annie', campaign: campaign.id, code: 'ANNIE50' });
    const [code] = annie.promo_codes;
    expect(code.share_url).toBe('https://brand.test/?infl=ANNIE50');
    // The promotion code lives on the brand's account, made with the platform key through Connect.
    expect(stripe.requestsTo('POST', /^\/v1\/promotion_codes$/)).toEqual([
      expect.objectContaining({ account, livemode: false, params: expect.objectContaining({ code: 'ANNIE50' }) }),
    ]);

    shop = await startShop({
      SHOUTOUT_URL: server.url,
      SHOUTOUT_API_KEY: key.secret,
      SHOUTOUT_ORG_ID: settings.org.id,
      STRIPE_SECRET_KEY: BRAND_KEY,
      STRIPE_API_BASE: stripe.url,
    });

    // A referred visitor signs up and buys.
    const page = await newDevice(browser, contexts);
    await page.goto(`${shop.landingUrl}/?infl=ANNIE50`);
    expect(await pixelState(page)).toMatchObject({ code: 'ANNIE50' });
    const userId = await submitCredentials(page, shop.shopUrl, '/signup', `buyer-${randomBytes(4).toString('hex')}@example.com`);
    await Promise.all([page.waitForURL(`${checkout.url}/c/pay/**`), page.click('text=Buy the Summer tee')]);
    // The shop's own key acts on its own account: no Stripe-Account header, same account.
    expect(stripe.requestsTo('POST', /^\/v1\/checkout\/sessions$/)).toEqual([
      expect.objectContaining({
        account,
        params: expect.objectContaining({ discounts: [{ promotion_code: code.stripe_promotion_code_id }], metadata: { shoutout_external_id: userId } }),
      }),
    ]);
    const sessionId = new URL(page.url()).pathname.split('/').at(-1)!;
    await page.click('text=Pay');
    expect(await page.textContent('#webhook')).toContain('"outcome":"processed"');
    // Shoutout read the session back from the brand's account through Connect.
    expect(stripe.requestsTo('GET', new RegExp(`^/v1/checkout/sessions/${sessionId}$`))).toEqual([expect.objectContaining({ account, livemode: false })]);

    // The drawer and the payment page show it.
    expect(await annieFigures()).toMatchObject({ clicks: 1, signups: 1, conversions: 1, revenue: 3200, discounts: 800, commission: 320, refunds: 0 });
    const paymentIntent = stripe.get<Stripe.Checkout.Session>(sessionId, account)!.payment_intent as string;
    expect((await dashboard('GET', `payments/${paymentIntent}`)).conversion).toMatchObject({
      creator_handle: 'annie',
      code: 'ANNIE50',
      source: 'promotion_code',
      status: 'credited',
      amount: 3200,
      commission: 320,
    });

    // The brand pays annie at once (no hold period), and records it in the drawer's payouts view.
    await dashboard('PATCH', 'settings', { payout_hold_days: 0 });
    const [due] = (await dashboard('GET', 'payouts/balances')).data;
    expect(due).toMatchObject({ creator_handle: 'annie', currency: 'usd', due: 320, pending: 0, paid: 0 });
    expect(await dashboard('POST', 'payouts', { creator: due.creator, currency: 'usd', amount: 320, due_through: due.due_through, reference: 'bank transfer 1' })).toMatchObject({ amount: 320 });

    // The brand refunds it: the drawer shows the commission taken back, and annie's next payout owes it.
    await page.click('text=Refund this payment');
    expect(await page.textContent('#webhook')).toMatch(/^charge\.refunded → Shoutout answered 200 .*"processed"/);
    expect(await annieFigures()).toMatchObject({ conversions: 1, commission: 0, refunds: 3200 });
    expect((await dashboard('GET', 'payouts/balances')).data).toEqual([expect.objectContaining({ due: -320, paid: 320 })]);
    expect((await dashboard('GET', `payments/${paymentIntent}`)).conversion).toMatchObject({ status: 'refunded', commission: 0 });

    // The payout sheet: the drawer's list of the period, and its CSV link opened as a browser would.
    const overview = await dashboard('GET', 'overview?period=30d');
    const list = await dashboard('GET', `conversions?from=${overview.from}&to=${overview.to}`);
    expect(list.data).toEqual([expect.objectContaining({ creator_handle: 'annie', status: 'refunded', stripe_payment_intent: paymentIntent })]);
    const sheet = await fetch(`${server.url}${list.download_path}`);
    expect(sheet.headers.get('content-disposition')).toMatch(/^attachment; filename=shoutout-conversions-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, row] = (await sheet.text()).trimEnd().split('\n');
    const cells = Object.fromEntries(header.split(',').map((column, index) => [column, row.split(',')[index]]));
    expect(cells).toMatchObject({ creator_handle: 'annie', code: 'ANNIE50', status: 'refunded', amount: '3200', refunded: '3200', commission: '0', stripe_payment_intent: paymentIntent });
  });
});
