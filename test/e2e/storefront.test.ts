import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import type Stripe from 'stripe';
import type { RunningFakeCheckout } from '../../examples/fake-checkout';
import { appOverview } from '../../server/src/app/service';
import type { Campaign, Creator, PromoCode } from '../../server/src/catalog/repo';
import type { Org, OrgScope } from '../../server/src/orgs/repo';
import { createApiKey } from '../../server/src/orgs/service';
import { deliverWebhook, type FakeStripe, stripeEvent } from '../helpers/fake-stripe';
import type { TestServer } from '../helpers/server';
import {
  APP_HOST,
  LANDING_HOST,
  newDevice,
  pixelState,
  PRICE,
  PRICE_ID,
  type Shop,
  type Stack,
  STRIPE_KEY,
  startShop,
  startStack,
  submitCredentials,
  WEBHOOK_SECRET,
} from './shop';

/**
 * Seed 000's "Test your integration", automated: the example storefront (integrated only as docs/
 * says) in Chromium on the brand's own hosts, the service, and the fake Stripe the storefront and
 * the service both talk to. One brand running its own copy, in test mode, as a brand tries it first.
 */

let stack: Stack;
let stripe: FakeStripe;
let server: TestServer;
let checkout: RunningFakeCheckout;
let shop: Shop;
let browser: Browser;
let org: Org;
let scope: OrgScope;
let referralKey: string;
let adminKey: string;
let annie: Creator;
let campaign: Campaign;
let code: PromoCode;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stack = await startStack([LANDING_HOST, APP_HOST]);
  ({ stripe, server, browser, checkout, org, scope, referralKey, annie, campaign, code } = stack);
  adminKey = (await createApiKey(server.deps, org.id, { name: 'reports', scopes: ['admin'], livemode: false })).secret;
  shop = await startShop({
    SHOUTOUT_URL: server.url,
    SHOUTOUT_API_KEY: referralKey,
    SHOUTOUT_ORG_ID: org.id,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE: stripe.url,
  });
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await Promise.all([shop?.storefront.close(), stack?.close()]);
});

const annieRow = async () => {
  const response = await server.request('GET', '/api/reports', { key: adminKey });
  expect(response.status).toBe(200);
  const report = await response.json();
  return report.creators.find((row: { handle: string }) => row.handle === 'annie');
};

function deliver(event: Stripe.Event) {
  return deliverWebhook(`${server.url}/api/stripe/webhooks`, event, WEBHOOK_SECRET);
}

describe('a brand integrated as the docs say, in Chromium', () => {
  it('credits a referred signup who buys on another device to annie, and a refund reverses the credit', { timeout: 60_000 }, async () => {
    const before = await annieRow();

    // 1. Click a referral link: the pixel sets shoutout_ref on the brand's domain.
    const phone = await newDevice(browser, contexts);
    await phone.goto(`${shop.landingUrl}/?infl=ANNIE50`);
    const landed = await pixelState(phone);
    expect(landed).toMatchObject({ code: 'ANNIE50', clickId: expect.stringMatching(/^clk_/) });
    const [cookie] = (await phone.context().cookies()).filter((c) => c.name === 'shoutout_ref');
    expect(cookie).toMatchObject({ value: landed.ref, domain: '.brand.test', path: '/', sameSite: 'Lax', httpOnly: false, secure: false });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000 + 30 * 86_400 - 120);
    expect(await server.deps.store.clicks.get(scope, landed.clickId!)).toMatchObject({ creatorId: annie.id, promoCodeId: code.id, source: 'pixel' });

    // 2. Sign up on the app's subdomain: the signup handler binds the referral to the new user.
    const email = `buyer-${randomBytes(4).toString('hex')}@example.com`;
    const userId = await submitCredentials(phone, shop.shopUrl, '/signup', email);
    expect(await server.deps.store.bindings.get(scope, server.deps.secrets.hashExternalId(org.id, userId))).toMatchObject({
      promoCodeId: code.id,
      creatorId: annie.id,
      campaignId: campaign.id,
      clickId: landed.clickId,
    });

    // 3. Another device, no cookie: the user logs in and lookup still returns the discount.
    const laptop = await newDevice(browser, contexts);
    expect(await submitCredentials(laptop, shop.shopUrl, '/login', email)).toBe(userId);
    expect((await laptop.context().cookies()).some((c) => c.name === 'shoutout_ref')).toBe(false);
    const lookup = await server.request('GET', `/api/customers?externalId=${encodeURIComponent(userId)}`, { key: referralKey });
    expect(await lookup.json()).toEqual({
      data: {
        creator: { id: annie.id, handle: 'annie', avatar_url: null, name: 'Annie', customer_id: null, first_name: null, last_name: null },
        campaign: { id: campaign.id, title: 'Summer drop' },
        discount: expect.objectContaining({ promotion_code: 'ANNIE50', stripe_promotion_code_id: code.stripePromotionCodeId, discount_value: 20 }),
      },
    });

    // 4. Checkout: the storefront asks Stripe for a session with the creator's promotion code.
    const sessionsBefore = stripe.requestsTo('POST', /^\/v1\/checkout\/sessions$/).length;
    await Promise.all([laptop.waitForURL(`${checkout.url}/c/pay/**`), laptop.click('text=Buy the Summer tee')]);
    const created = stripe.requestsTo('POST', /^\/v1\/checkout\/sessions$/).slice(sessionsBefore);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ account: null, livemode: false });
    expect(created[0].params).toEqual({
      mode: 'payment',
      line_items: [{ price: PRICE_ID, quantity: '1' }],
      customer_email: email,
      success_url: `${shop.shopUrl}/thanks`,
      cancel_url: `${shop.shopUrl}/account`,
      discounts: [{ promotion_code: code.stripePromotionCodeId }],
      metadata: { shoutout_external_id: userId },
    });
    expect(await laptop.textContent('#promotion-code')).toBe('ANNIE50');
    const sessionId = new URL(laptop.url()).pathname.split('/').at(-1)!;

    // 5. The buyer pays; Stripe's signed checkout.session.completed credits annie.
    await laptop.click('text=Pay');
    expect(await laptop.textContent('#webhook')).toBe('checkout.session.completed → Shoutout answered 200 {"received":true,"outcome":"processed"}');
    expect(stripe.get(sessionId)).toMatchObject({ amount_total: 3200, total_details: { amount_discount: 800 } });
    const conversion = await server.deps.store.conversions.findOne(scope, { checkoutSessionId: sessionId });
    expect(conversion).toMatchObject({
      creatorId: annie.id,
      campaignId: campaign.id,
      promoCodeId: code.id,
      source: 'promotion_code',
      amount: 3200,
      discount: 800,
      commission: 320,
      status: 'credited',
    });

    // The reports (GET /api/reports and the Stripe App's drawer) show it under annie.
    const credited = await annieRow();
    expect(credited).toMatchObject({
      clicks: before.clicks + 1,
      signups: before.signups + 1,
      conversions: before.conversions + 1,
      revenue: before.revenue + 3200,
      discounts: before.discounts + 800,
      commission: before.commission + 320,
    });
    const drawer = await appOverview(server.deps, org, scope, '30d');
    expect(drawer.creators.find((creator) => creator.id === annie.id)?.figures).toEqual({
      clicks: credited.clicks,
      signups: credited.signups,
      conversions: credited.conversions,
      revenue: credited.revenue,
      discounts: credited.discounts,
      commission: credited.commission,
      refunds: credited.refunds,
      self_referrals: credited.self_referrals,
    });

    // 6. A full refund takes the commission back.
    await laptop.click('text=Refund this payment');
    expect(await laptop.textContent('#webhook')).toMatch(/^charge\.refunded → Shoutout answered 200 /);
    expect(await server.deps.store.conversions.get(scope, conversion!.id)).toMatchObject({ status: 'refunded', refunded: 3200, commission: 0 });
    expect(await annieRow()).toMatchObject({ commission: before.commission, refunds: before.refunds + 3200, conversions: before.conversions + 1 });
  });

  it('credits a purchase through a Payment Link the pixel decorated with the click id', { timeout: 60_000 }, async () => {
    const visitor = await newDevice(browser, contexts);
    await visitor.goto(`${shop.landingUrl}/?infl=ANNIE50`);
    const { clickId } = await pixelState(visitor);

    // A later page without the param: the pixel decorates the link from the cookie.
    await visitor.goto(`${shop.shopUrl}/pricing`);
    await pixelState(visitor);
    const href = (await visitor.getAttribute('#payment-link', 'href'))!;
    expect(new URL(href).searchParams.get('client_reference_id')).toBe(clickId);

    const paid = stripe.payPaymentLink(href, { amount: PRICE, livemode: false });
    expect(paid.client_reference_id).toBe(clickId);
    expect(await (await deliver(stripeEvent('checkout.session.completed', paid, { livemode: false }))).json()).toMatchObject({ outcome: 'processed' });
    expect(await server.deps.store.conversions.findOne(scope, { checkoutSessionId: paid.id })).toMatchObject({
      creatorId: annie.id,
      source: 'click',
      clickId,
      amount: PRICE,
      commission: 400,
      status: 'credited',
    });
  });
});
