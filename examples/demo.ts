import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCampaign, createCreator, createPromoCode } from '../server/src/catalog/service';
import { loadConfig } from '../server/src/config';
import { sha256Hex } from '../server/src/crypto';
import type { Deps } from '../server/src/deps';
import type { ApiKeyScope, OrgScope } from '../server/src/orgs/repo';
import { createApiKey, createOrg, updateOrg } from '../server/src/orgs/service';
import { startServer } from '../server/src/server';
import { DataDirLockedError } from '../server/src/store/sqlite';
// The test suite's fake Stripe API: the demo needs no Stripe account and sends nothing to stripe.com.
import { fixture, startFakeStripe } from '../test/helpers/fake-stripe';
import { freePort } from '../test/helpers/process';
import { startFakeCheckout } from './fake-checkout';

/**
 * `npm run demo`: Shoutout on the embedded store with a demo org (campaign "Summer drop", creator
 * annie, code ANNIE50, test mode), the example storefront, and a fake Stripe with clickable
 * Checkout pages that send signed webhooks. Safe to run again: it reuses what it made before.
 */

const DEMO_ORG_ID = 'org_demo';
const STRIPE_KEY = 'sk_test_shoutout_demo';
const WEBHOOK_SECRET = 'whsec_shoutout_demo';
const PRICE_ID = 'price_demo_summer_tee';
const PRICE = 4000;
const CODE = 'ANNIE50';
const KEYS_FILE = 'demo-keys.json';

export interface DemoOptions {
  dataDir: string;
  /** Ports of the service, the storefront and the fake Stripe pages; 0 picks a free one. */
  ports: { api: number; shop: number; checkout: number };
}

/** One brand in test mode, as a brand tries Shoutout first; the org id is fixed so STRIPE_ORG_ID can name it. */
async function seedDemo(deps: Deps) {
  const existing = await deps.store.orgs.get(DEMO_ORG_ID);
  const org = existing
    ? await updateOrg(deps, DEMO_ORG_ID, { domains: [...new Set([...existing.domains, 'localhost'])] })
    : await createOrg(deps, { id: DEMO_ORG_ID, name: 'Demo brand', domains: ['localhost'] });
  const scope: OrgScope = { orgId: org.id, livemode: false };
  const campaign =
    (await deps.store.campaigns.list(scope)).find((candidate) => candidate.title === 'Summer drop') ??
    (await createCampaign(deps, scope, {
      title: 'Summer drop',
      discount_type: 'percent_off',
      discount_value: 20,
      duration: 'once',
      commission: { type: 'percent', value: 10 },
    }));
  const creator =
    (await deps.store.creators.getByHandle(scope, 'annie')) ??
    (await createCreator(deps, scope, { handle: 'annie', name: 'Annie', avatar_url: null, email: 'annie@creators.example' }));
  const promoCode =
    (await deps.store.promoCodes.getByCode(scope, CODE)) ?? (await createPromoCode(deps, scope, { code: CODE, creator: creator.id, campaign: campaign.id }));
  return { campaign, promoCode };
}

/** The API keys of an earlier run, if still valid; otherwise new ones, saved next to the data. */
async function demoKeys(deps: Deps, dataDir: string): Promise<Record<'storefront' | 'admin', string>> {
  const file = path.join(dataDir, KEYS_FILE);
  const saved = await readFile(file, 'utf8').then(JSON.parse, () => ({}) as Record<string, string>);
  const usable = async (secret: string | undefined) => {
    const key = secret ? await deps.store.apiKeys.findByHash(sha256Hex(secret)) : null;
    return key?.orgId === DEMO_ORG_ID && !key.revokedAt;
  };
  const keys: Record<string, string> = {};
  for (const [name, scopes] of [
    ['storefront', ['referrals']],
    ['admin', ['admin']],
  ] as [string, ApiKeyScope[]][]) {
    keys[name] = (await usable(saved[name]))
      ? saved[name]
      : (await createApiKey(deps, DEMO_ORG_ID, { name: `Demo ${name}`, scopes, livemode: false })).secret;
  }
  await writeFile(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys as Record<'storefront' | 'admin', string>;
}

export async function startDemo(options: DemoOptions) {
  const stripe = await startFakeStripe();
  const server = await startServer(
    loadConfig({
      HOST: '127.0.0.1',
      PORT: String(options.ports.api),
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'warn',
      STRIPE_TEST_SECRET_KEY: STRIPE_KEY,
      STRIPE_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
      // One brand running its own copy: webhooks from its own Stripe account belong to the demo org.
      STRIPE_ORG_ID: DEMO_ORG_ID,
    }),
  );
  const apiUrl = server.url.replace('127.0.0.1', 'localhost');
  const { promoCode, campaign } = await seedDemo(server.deps);
  const keys = await demoKeys(server.deps, options.dataDir);

  // The fake Stripe lives in memory: give it back the coupon and promotion code an earlier run made.
  if (campaign.stripeCouponId && !stripe.get(campaign.stripeCouponId)) {
    stripe.seed(fixture<{ id: string }>('coupon', { id: campaign.stripeCouponId, percent_off: campaign.discountValue, amount_off: null, duration: 'once', livemode: false }));
  }
  if (promoCode.stripePromotionCodeId && !stripe.get(promoCode.stripePromotionCodeId)) {
    stripe.seed(
      fixture<{ id: string }>('promotion_code', {
        id: promoCode.stripePromotionCodeId,
        code: promoCode.code,
        active: promoCode.active,
        promotion: { type: 'coupon', coupon: promoCode.stripeCouponId },
        livemode: false,
      }),
    );
  }
  stripe.seed(fixture<{ id: string }>('price', { id: PRICE_ID, type: 'one_time', recurring: null, unit_amount: PRICE, currency: 'usd', livemode: false }));

  const checkout = await startFakeCheckout({
    stripe,
    webhookUrl: `${server.url}/api/stripe/webhooks`,
    webhookSecret: WEBHOOK_SECRET,
    livemode: false,
    paymentLinkAmount: PRICE,
    report: () => fetch(`${server.url}/api/reports`, { headers: { authorization: `Bearer ${keys.admin}` } }).then((response) => response.json()),
    port: options.ports.checkout,
    publicHost: 'localhost',
  });

  // The storefront is configured the way docs/getting-started.md tells a brand, through its environment.
  const shopPort = options.ports.shop || (await freePort());
  const shopUrl = `http://localhost:${shopPort}`;
  Object.assign(process.env, {
    SHOUTOUT_URL: apiUrl,
    SHOUTOUT_API_KEY: keys.storefront,
    SHOUTOUT_ORG_ID: DEMO_ORG_ID,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE: stripe.url,
    STRIPE_PRICE_ID: PRICE_ID,
    STRIPE_PAYMENT_LINK: 'https://buy.stripe.com/test_demo_summer_tee',
    SITE_URL: shopUrl,
  });
  const { startStorefront } = await import('./storefront/server');
  const storefront = await startStorefront({ port: shopPort, demoPaymentLinkCheckout: `${checkout.url}/payment-link` });

  const links = {
    referral: `${shopUrl}/?infl=${CODE}`,
    signup: `${shopUrl}/signup`,
    login: `${shopUrl}/login`,
    pricing: `${shopUrl}/pricing`,
    report: `${checkout.url}/report`,
    api: `${apiUrl}/api`,
    openapi: `${apiUrl}/api/openapi.json`,
  };
  return {
    links,
    keys,
    async close() {
      await Promise.all([storefront.close(), checkout.close()]);
      await server.close();
      await stripe.close();
    },
  };
}

function describeDemo({ links, keys }: Awaited<ReturnType<typeof startDemo>>): string {
  return `
Shoutout demo: test mode, with a local fake Stripe (the test suite's). No Stripe account is needed
and nothing is sent to stripe.com; the Checkout pages below are stand-ins that send signed webhooks.

  1. Click annie's referral link      ${links.referral}
     (DevTools → Application → Cookies: shoutout_ref is set on localhost)
  2. Sign up                          ${links.signup}
     (the signup handler calls identify with the cookie)
  3. Optional, another device: log in from a private window at ${links.login}
  4. On your account page, "Buy the Summer tee": the fake Checkout shows ANNIE50 applied.
     Pay: checkout.session.completed goes to Shoutout and annie is credited. Refund: the credit is reversed.
  5. The report                       ${links.report}

  Payment Link (no backend code)      ${links.pricing}
     after step 1, the link carries client_reference_id=clk_…; "Demo: pay this link" pays it.

  API                                 ${links.api}   (OpenAPI: ${links.openapi})
  curl ${links.api}/reports -H "Authorization: Bearer ${keys.admin}"
  curl ${links.api}/customers/lookup -H "Authorization: Bearer ${keys.storefront}" -H "Content-Type: application/json" -d '{"externalId":"<user id from the account page>"}'

Ctrl-C stops everything; run it again to continue with the same data.
`;
}

async function main() {
  const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const dataDir = process.env.DATA_DIR ?? './data/demo';
  const demo = await startDemo({
    dataDir,
    ports: { api: port('PORT', 3000), shop: port('SHOP_PORT', 3001), checkout: port('CHECKOUT_PORT', 3002) },
  }).catch((error: NodeJS.ErrnoException) => {
    console.error(`The demo could not start: ${error.message}`);
    if (error.code === 'EADDRINUSE') console.error('Pick other ports with PORT, SHOP_PORT and CHECKOUT_PORT (defaults 3000, 3001, 3002).');
    if (error instanceof DataDirLockedError) console.error(`Or use another data dir: DATA_DIR (now ${dataDir}).`);
    process.exit(1);
  });
  console.log(describeDemo(demo));
  const stop = () => demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
