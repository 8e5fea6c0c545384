import Ajv2020 from 'ajv/dist/2020';
import Stripe from 'stripe';
import { startReceiver } from '../helpers/receiver';
import { uniqueCode } from '../helpers/fixtures';
import { mountedRoutes } from '../helpers/routes';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp';
import { signWebhook } from '../helpers/fake-stripe';
import { createInstalledOrg, LIVE_WEBHOOK_SECRET, newStripeId, seedPaidSession, startStripeStack, stripeEvent } from '../stripe/setup';

const APP_SECRET = 'absec_openapi_responses_secret';

type Json = Record<string, unknown>;
type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Document = Json & { paths: Record<string, Record<string, Operation>> };

/**
 * The document with every object schema closed (no properties beyond those it lists), so that a
 * field a response carries and the document does not name fails as surely as a missing one. The
 * document itself leaves them open, as clients should tolerate fields added later.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, closed(value)]));
  if (copy.type === 'object' && copy.properties && !('additionalProperties' in copy)) copy.additionalProperties = false;
  return copy;
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

let stack: Awaited<ReturnType<typeof startStripeStack>>;
let smtp: TestSmtp;
let hooks: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  smtp = await startTestSmtp();
  hooks = await startReceiver();
  stack = await startStripeStack({
    STRIPE_APP_SECRET: APP_SECRET,
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'creators@shoutout.test',
    PUBLIC_URL: 'https://refer.brand.test',
  });
});
afterAll(async () => {
  await stack.stop();
  await hooks.close();
  await smtp.stop();
});

describe('responses against /api/openapi.json', () => {
  it('every route answers a realistic flow with a body its documented schema accepts', async () => {
    const { server } = stack;
    const document = (await (await server.request('GET', '/api/openapi.json')).json()) as Document;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ ...(closed(document) as Json), $id: 'openapi.json' });
    const checked = new Set<string>();

    /**
     * Calls `METHOD /template` with its params filled in, checks that the document declares the
     * status and content type answered and that the body is valid against that schema, and
     * returns the body.
     */
    async function call(
      route: string,
      options: { params?: Record<string, string>; query?: string; key?: string; body?: unknown; headers?: Record<string, string>; status?: number } = {},
    ) {
      const [method, template] = route.split(' ');
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params![name]));
      const response = await server.request(method, `${path}${options.query ?? ''}`, options);
      const text = await response.text();
      expect(response.status, `${route}: ${text.slice(0, 500)}`).toBe(options.status ?? response.status);
      expect(response.status, `${route}: ${text.slice(0, 500)}`).toBeLessThan(300);
      const declared = document.paths[template]?.[method.toLowerCase()]?.responses[response.status];
      expect(declared, `${route} answers ${response.status}, which the document does not declare`).toBeDefined();
      const type = (response.headers.get('content-type') ?? '').split(';')[0];
      if (response.status === 204) {
        expect(declared!.content, route).toBeUndefined();
        checked.add(route);
        return undefined;
      }
      expect(Object.keys(declared!.content ?? {}), `${route} answers ${type}`).toContain(type);
      checked.add(route);
      if (type !== 'application/json') return text;
      const body = JSON.parse(text);
      const validate = ajv.getSchema(`openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', String(response.status), 'content', type, 'schema')}`)!;
      expect(validate(body) ? [] : validate.errors, `${route}: ${text.slice(0, 300)}`).toEqual([]);
      return body;
    }

    // A brand installed through the Stripe App, with a key for its backend and a signed Dashboard user.
    const { org, key, account } = await createInstalledOrg(server.deps);
    const user = newStripeId('usr');
    const app = (route: string, options: Parameters<typeof call>[1] = {}) => {
      const [method, template] = route.split(' ');
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => options.params![name]);
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload: JSON.stringify({ user_id: user, account_id: account, mode: 'live', method, path }),
        secret: APP_SECRET,
      });
      const identity = new URLSearchParams({ user_id: user, account_id: account, mode: 'live' });
      return call(route, { ...options, query: `?${identity}${options.query ?? ''}`, headers: { 'stripe-signature': signature } });
    };
    const admin = (route: string, options: Parameters<typeof call>[1] = {}) => call(route, { ...options, key });

    await call('GET /api/openapi.json');
    await admin('GET /api/org');
    await admin('PATCH /api/org', { body: { payout_hold_days: 0, domains: ['brand.test'] } });
    const backendKey = await admin('POST /api/keys', { body: { name: 'backend', scopes: ['referrals', 'tracking'] }, status: 201 });
    await admin('GET /api/keys');
    await admin('DELETE /api/keys/{id}', { params: { id: backendKey.id } });

    // Webhook endpoints first, so that what follows is told to one.
    const endpoint = await admin('POST /api/webhook_endpoints', { body: { url: hooks.url, enabled_events: ['*'] }, status: 201 });
    await admin('GET /api/webhook_endpoints');
    await admin('GET /api/webhook_endpoints/{id}', { params: { id: endpoint.id } });
    await admin('PATCH /api/webhook_endpoints/{id}', { params: { id: endpoint.id }, body: { description: 'CRM' } });
    await admin('POST /api/webhook_endpoints/{id}/roll_secret', { params: { id: endpoint.id }, body: {} });

    // Catalog
    const campaign = await admin('POST /api/campaigns', {
      body: {
        title: 'Summer drop',
        discount_type: 'percent_off',
        discount_value: 20,
        commission: { type: 'percent', value: 10 },
        rewards: [{ recipient: 'advocate', trigger: 'signup', points: 100 }],
      },
      status: 201,
    });
    await admin('GET /api/campaigns');
    await admin('GET /api/campaigns/{id}', { params: { id: campaign.id } });
    const creator = await admin('POST /api/creators', { body: { handle: `annie${uniqueCode('').toLowerCase()}`, name: 'Annie', email: 'annie@example.com' }, status: 201 });
    await admin('GET /api/creators');
    await admin('GET /api/creators/{id}', { params: { id: creator.handle } });
    const code = await admin('POST /api/promo_codes', { body: { code: uniqueCode('ANNIE'), creator: creator.id, campaign: campaign.id }, status: 201 });
    await admin('GET /api/promo_codes', { query: `?creator=${creator.id}` });
    await admin('GET /api/promo_codes/{id}', { params: { id: code.code } });
    await admin('PATCH /api/promo_codes/{id}', { params: { id: code.id }, body: { active: true } });
    const sheet = `handle,email,code\nzoe${uniqueCode('').toLowerCase()},zoe@example.com,${uniqueCode('ZOE')}`;
    await admin('POST /api/creators/import', { body: { csv: sheet, campaign: campaign.id } });

    // Coupon banks and seed 002's referral codes
    const bank = await admin('POST /api/coupon_banks', { body: { campaign: campaign.id, name: 'Friends' }, status: 201 });
    await admin('GET /api/coupon_banks');
    await admin('GET /api/coupon_banks/{id}', { params: { id: bank.id } });
    await admin('POST /api/coupon_banks/{id}/codes', { params: { id: bank.id }, body: { codes: [uniqueCode('BANK'), uniqueCode('BANK')] } });
    const advocate = { campaign: { id: campaign.id }, customer: { id: 'cust_42', email: 'advocate@example.com' }, coupon_bank_id: { id: bank.id } };
    await admin('POST /api/referral_codes', { body: advocate, status: 201 });
    await admin('POST /api/referral_codes', { body: advocate, status: 200 });

    // The pixel, a click in a browser and from a backend, and the signup that follows
    await call('GET /api/script.js');
    await call('GET /api/referral-tracker.js');
    const browser = { origin: 'https://brand.test', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' };
    const click = await call('POST /api/track/click', { body: { org: org.id, code: code.code, pageUrl: `https://brand.test/?infl=${code.code}` }, headers: browser });
    await call('POST /api/tracking/click', { key, body: { programId: org.id, referralCode: code.code, pageUrl: 'https://brand.test/landing' } });
    await call('POST /api/tracking/verify', { body: { programId: org.id, pageUrl: 'https://brand.test/' }, headers: browser });
    await call('GET /api/codes/{code}/validate', { params: { code: code.code }, query: `?org=${org.id}`, headers: browser });
    await call('POST /api/customers/identify', { key, body: { externalId: 'user_1', ref: click.ref }, status: 204 });
    expect((await call('GET /api/customers', { key, query: '?externalId=user_1' })).data.discount.promotion_code).toBe(code.code);
    expect(await call('POST /api/customers/lookup', { key, body: { externalId: 'nobody' } })).toEqual({ data: null });

    // Blitz Rocket's names for the same
    await call('POST /api/referral/track-visit', { key, body: { campaignId: org.id, referralCode: code.code, pageUrl: 'https://brand.test/' } });
    await call('POST /api/referral/track-signup', { key, body: { campaignId: org.id, externalId: 'user_2', referralCode: code.code } });
    await call('POST /api/referral/track-purchase', { key, body: { campaignId: org.id, externalId: 'user_2', orderId: 'order_bz', amount: 49.99, currency: 'usd' } });
    await call('GET /api/referral/validate-code', { query: `?campaignId=${org.id}&referralCode=${code.code}`, headers: browser });
    await admin('GET /api/referral/reports');

    // Conversions: an offline order, and a Checkout payment told by Stripe
    const order = { order_id: 'order_1', amount: 5000, currency: 'usd', coupon_code: code.code };
    const conversion = await call('POST /api/conversions', { key, body: order, status: 201 });
    await call('POST /api/conversions', { key, body: order, status: 200 });
    await call('POST /api/conversions', { key, body: { ...order, order_id: 'order_2', currency: 'eur' }, status: 201 });
    const customer = newStripeId('cus');
    const session = seedPaidSession(stack.stripe, account, { amount: 8000, promotionCode: code.stripe_promotion_code_id, customer });
    const paid = stripeEvent('checkout.session.completed', { ...session, discounts: [] } as Stripe.Checkout.Session, { account });
    const receipt = await call('POST /api/stripe/webhooks', signedDelivery(paid));
    expect(receipt).toMatchObject({ received: true, outcome: 'processed' });
    await admin('GET /api/conversions');
    await admin('GET /api/conversions/{id}', { params: { id: conversion.id } });
    expect(await admin('GET /api/conversions/export')).toContain('order_1');

    // Rewards: the signup above earned the advocate points
    await call('GET /api/rewards/balances', { key, query: `?creator=${creator.id}` });
    await call('GET /api/rewards/ledger', { key, query: `?creator=${creator.id}` });
    const spend = { creator: creator.id, amount: 10, reference: 'voucher_1' };
    await call('POST /api/rewards/redeem', { key, body: spend, status: 201 });
    await call('POST /api/rewards/redeem', { key, body: spend, status: 200 });

    // Payouts (no hold period: the commission above is due at once)
    await admin('GET /api/payouts/balances');
    const payout = await admin('POST /api/payouts', { body: { creator: creator.id, currency: 'usd' }, status: 201 });
    await admin('GET /api/payouts');
    await admin('GET /api/payouts/{id}', { params: { id: payout.id } });
    await admin('GET /api/reports');

    // What the endpoint was told
    await hooks.waitFor(1);
    const deliveries = await admin('GET /api/webhook_endpoints/{id}/deliveries', { params: { id: endpoint.id } });
    await admin('POST /api/webhook_endpoints/{id}/deliveries/{delivery}/resend', { params: { id: endpoint.id, delivery: deliveries.data[0].id } });
    const events = await admin('GET /api/events');
    await admin('GET /api/events/{id}', { params: { id: events.data[0].id } });
    await admin('DELETE /api/webhook_endpoints/{id}', { params: { id: endpoint.id } });

    // The Stripe App's views
    await app('GET /api/app/overview');
    const appCampaign = await app('POST /api/app/campaigns', { body: { title: 'Autumn', discount_type: 'amount_off', discount_value: 500, currency: 'usd' }, status: 201 });
    const appCreator = await app('POST /api/app/creators', {
      body: { handle: `bea${uniqueCode('').toLowerCase()}`, email: 'bea@example.com', campaign: appCampaign.id, code: uniqueCode('BEA') },
      status: 201,
    });
    await app('POST /api/app/creators/import', { body: { csv: sheet, campaign: campaign.id, dry_run: true } });
    await app('GET /api/app/coupon_banks');
    const appBank = await app('POST /api/app/coupon_banks', { body: { campaign: appCampaign.id, name: 'Autumn bank' }, status: 201 });
    await app('POST /api/app/coupon_banks/{id}/codes', { params: { id: appBank.id }, body: { codes: [uniqueCode('FALL')] } });
    await app('POST /api/app/creators/{id}/invitation', { params: { id: appCreator.id }, status: 201 });
    await app('PATCH /api/app/promo_codes/{id}', { params: { id: appCreator.promo_codes[0].id }, body: { active: false } });
    const conversions = await app('GET /api/app/conversions');
    expect(await call(`GET ${conversions.download_path.split('?')[0]}`, { query: `?${conversions.download_path.split('?')[1]}` })).toContain('order_1');
    await app('GET /api/app/payouts/balances');
    await app('GET /api/app/payouts');
    await app('POST /api/app/payouts', { body: { creator: creator.id, currency: 'eur' }, status: 201 });
    expect((await app('GET /api/app/customers/{id}', { params: { id: customer } })).referral.creator).toBe(creator.id);
    expect((await app('GET /api/app/payments/{id}', { params: { id: session.payment_intent as string } })).conversion.creator).toBe(creator.id);
    await app('GET /api/app/settings');
    await app('PATCH /api/app/settings', { body: { attribution_window_days: 45 } });
    const appKey = await app('POST /api/app/keys', { body: { name: 'app', scopes: ['referrals'] }, status: 201 });
    await app('DELETE /api/app/keys/{id}', { params: { id: appKey.id } });
    const appEndpoint = await app('POST /api/app/webhook_endpoints', { body: { url: hooks.url, enabled_events: ['payout.created'] }, status: 201 });
    await app('PATCH /api/app/webhook_endpoints/{id}', { params: { id: appEndpoint.id }, body: { description: 'Payouts' } });
    await app('POST /api/app/webhook_endpoints/{id}/roll_secret', { params: { id: appEndpoint.id }, body: {} });
    await app('DELETE /api/app/webhook_endpoints/{id}', { params: { id: appEndpoint.id } });

    // The CLI's way in
    await call('POST /api/operator/commands', { key: server.deps.secrets.operatorToken, body: { command: 'key list', options: { org: org.id } } });

    // Errors, whatever the route, have the one shape the document declares as every route's default.
    const refusals: [string, Parameters<typeof call>[1], number, string][] = [
      ['POST /api/customers/identify', { key, body: { externalId: 'user_1' } }, 400, 'parameter_missing'],
      ['GET /api/org', { key: 'so_live_not_a_key' }, 401, 'api_key_invalid'],
      ['GET /api/conversions/{id}', { key, params: { id: 'conv_missing' } }, 404, 'resource_missing'],
      ['POST /api/payouts', { key, body: { creator: creator.id, currency: 'usd' } }, 422, 'nothing_due'],
    ];
    for (const [route, options, status, code] of refusals) {
      const [method, template] = route.split(' ');
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => options!.params![name]);
      const response = await server.request(method, path, options);
      const body = await response.json();
      expect({ status: response.status, code: body.error?.code }, route).toEqual({ status, code });
      const validate = ajv.getSchema(`openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', 'default', 'content', 'application/json', 'schema')}`)!;
      expect(validate(body) ? [] : validate.errors, route).toEqual([]);
    }

    // Every route the app mounts was answered and checked above.
    expect([...checked].sort()).toEqual(mountedRoutes(server.deps));
  });
});

/** A Stripe event signed as Stripe sends it to the webhook endpoint, as options for `call`. */
function signedDelivery(event: Stripe.Event) {
  const { body, signature } = signWebhook(event, LIVE_WEBHOOK_SECRET);
  return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } };
}
