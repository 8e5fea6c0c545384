import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFakeCheckout } from '../../examples/fake-checkout';
import type { RunningStorefront } from '../../examples/storefront/server';
import { createCampaign, createCreator, createPromoCode } from '../../server/src/catalog/service';
import type { OrgScope } from '../../server/src/orgs/repo';
import { createApiKey, createOrg } from '../../server/src/orgs/service';
import { launchBrowser } from '../helpers/browser';
import { fixture, startFakeStripe } from '../helpers/fake-stripe';
import { freePort } from '../helpers/process';
import { startTestServer } from '../helpers/server';

/** What the end-to-end suites share: the example storefront on the brand's hosts, and a buyer's browser. */

// Marketing site and app on two subdomains: the referral cookie must be shared through .brand.test.
export const LANDING_HOST = 'www.brand.test';
export const APP_HOST = 'shop.brand.test';
// Headless Chromium announces itself as HeadlessChrome, which the click route rightly drops as a bot.
const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const PRICE = 4000;
export const PRICE_ID = 'price_summer_tee';
export const PAYMENT_LINK = 'https://buy.stripe.com/test_summer_tee';

export const WEBHOOK_SECRET = 'whsec_e2e_test_endpoint';
export const STRIPE_KEY = 'sk_test_brand_own_key';

/**
 * What an example shop runs against: the service and the fake Stripe (with its checkout pages), for
 * one brand running its own copy in test mode, as a brand tries it first. The brand's org is on
 * brand.test, with a `referrals` key for the shop and annie's ANNIE50 on a 20 % Summer drop
 * (10 % commission); the tee's price is on the fake Stripe. Chromium maps `hosts` to 127.0.0.1.
 */
export async function startStack(hosts: string[]) {
  const orgId = `org_${randomBytes(12).toString('hex')}`;
  const stripe = await startFakeStripe();
  const [server, browser] = await Promise.all([
    startTestServer({
      STRIPE_TEST_SECRET_KEY: STRIPE_KEY,
      STRIPE_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
      // One brand running its own copy: events from its own account (no `event.account`) are this org's.
      STRIPE_ORG_ID: orgId,
    }),
    launchBrowser(hosts),
  ]);
  const deps = server.deps;
  const org = await createOrg(deps, { id: orgId, name: 'Brand', domains: ['brand.test'] });
  const scope: OrgScope = { orgId: org.id, livemode: false };
  const referralKey = (await createApiKey(deps, org.id, { name: 'storefront', scopes: ['referrals'], livemode: false })).secret;
  const annie = await createCreator(deps, scope, { handle: 'annie', name: 'Annie' });
  const campaign = await createCampaign(deps, scope, {
    title: 'Summer drop',
    discount_type: 'percent_off',
    discount_value: 20,
    duration: 'once',
    commission: { type: 'percent', value: 10 },
  });
  const code = await createPromoCode(deps, scope, { code: 'ANNIE50', creator: annie.id, campaign: campaign.id });
  stripe.seed(fixture<{ id: string }>('price', { id: PRICE_ID, type: 'one_time', recurring: null, unit_amount: PRICE, currency: 'usd', livemode: false }));
  const checkout = await startFakeCheckout({
    stripe,
    webhookUrl: `${server.url}/api/stripe/webhooks`,
    webhookSecret: WEBHOOK_SECRET,
    livemode: false,
    paymentLinkAmount: PRICE,
  });
  return {
    stripe,
    server,
    browser,
    checkout,
    org,
    scope,
    referralKey,
    annie,
    campaign,
    code,
    async close() {
      await browser.close();
      await Promise.all([checkout.close(), server.stop(), stripe.close()]);
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

export interface Shop {
  storefront: RunningStorefront;
  /** The app (signup, checkout) and the landing site creators link to: one port, two host names. */
  shopUrl: string;
  landingUrl: string;
}

/**
 * Starts the example storefront configured through its environment, as docs/getting-started.md
 * tells a brand. The storefront reads it when first imported, so a test file runs one shop.
 */
export async function startShop(env: { SHOUTOUT_URL: string; SHOUTOUT_API_KEY: string; SHOUTOUT_ORG_ID: string; STRIPE_SECRET_KEY: string; STRIPE_API_BASE: string }): Promise<Shop> {
  const port = await freePort();
  const shopUrl = `http://${APP_HOST}:${port}`;
  Object.assign(process.env, { ...env, STRIPE_PRICE_ID: PRICE_ID, STRIPE_PAYMENT_LINK: PAYMENT_LINK, SITE_URL: shopUrl });
  const { startStorefront } = await import('../../examples/storefront/server');
  return { storefront: await startStorefront({ port }), shopUrl, landingUrl: `http://${LANDING_HOST}:${port}` };
}

/** A browser profile: another device each time. */
export async function newDevice(browser: Browser, contexts: BrowserContext[]): Promise<Page> {
  const context = await browser.newContext({ userAgent: DESKTOP_CHROME });
  contexts.push(context);
  return context.newPage();
}

/** window.Shoutout once the pixel has done its work for this page view. */
export function pixelState(page: Page) {
  return page.evaluate(async () => {
    const api = (window as unknown as { Shoutout: { ready: Promise<unknown>; ref?: string; code?: string; clickId?: string | null } }).Shoutout;
    await api.ready;
    return { ref: api.ref ?? null, code: api.code ?? null, clickId: api.clickId ?? null };
  });
}

/** Signs up or logs in through the shop's form; returns the user id the account page shows. */
export async function submitCredentials(page: Page, shopUrl: string, path: '/signup' | '/login', email: string) {
  await page.goto(`${shopUrl}${path}`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', 'correct horse battery');
  await Promise.all([page.waitForURL(`${shopUrl}/account`), page.click('button[type=submit]')]);
  return (await page.textContent('#user-id'))!;
}
