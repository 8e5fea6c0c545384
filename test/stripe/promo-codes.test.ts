import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestReferral, mintTestRef, uniqueCode } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import { createInstalledOrg, deliver, startStripeStack, stripeEvent } from './setup';

let stack: Awaited<ReturnType<typeof startStripeStack>>;
beforeAll(async () => {
  stack = await startStripeStack();
});
afterAll(() => stack.stop());

const api = (method: string, path: string, key: string, body?: unknown) => stack.server.request(method, path, { key, body });

async function campaignOf(key: string, body: Record<string, unknown> = {}) {
  const campaign = await api('POST', '/api/campaigns', key, { title: 'Summer drop', discount_type: 'percent_off', discount_value: 20, ...body });
  return (await campaign.json()) as { id: string };
}

async function creatorOf(key: string) {
  return (await (await api('POST', '/api/creators', key, { handle: uniqueCode('annie').toLowerCase() })).json()) as { id: string };
}

describe('promo codes on the brand’s Stripe account', () => {
  it('creates the campaign coupon once and a promotion code per code, on the connected account', async () => {
    const { key, account, scope } = await createInstalledOrg(stack.server.deps);
    const campaign = await campaignOf(key, { discount_type: 'amount_off', discount_value: 500, currency: 'eur', duration: 'repeating', duration_in_months: 3 });
    const creator = await creatorOf(key);
    const before = stack.stripe.requests.length;

    const first = await api('POST', '/api/promo_codes', key, { code: 'annie-ten', creator: creator.id, campaign: campaign.id });
    const second = await api('POST', '/api/promo_codes', key, { code: uniqueCode('BOB'), creator: creator.id, campaign: campaign.id });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const firstBody = await first.json();
    const secondBody = await second.json();

    const sent = stack.stripe.requests.slice(before);
    const coupons = sent.filter((r) => r.path === '/v1/coupons');
    expect(coupons).toHaveLength(1);
    expect(coupons[0]).toMatchObject({
      account,
      livemode: true,
      params: { amount_off: '500', currency: 'eur', duration: 'repeating', duration_in_months: '3', metadata: { shoutout_campaign_id: campaign.id } },
    });
    const promotions = sent.filter((r) => r.method === 'POST' && r.path === '/v1/promotion_codes');
    expect(promotions.map((r) => r.account)).toEqual([account, account]);
    const couponId = stack.stripe.get<{ id: string }>(firstBody.stripe_coupon_id, account)!.id;
    expect(promotions[0].params).toEqual({
      code: 'ANNIE-TEN',
      promotion: { type: 'coupon', coupon: couponId },
      metadata: { shoutout_org_id: scope.orgId, shoutout_promo_code_id: firstBody.id, shoutout_creator_id: creator.id, shoutout_campaign_id: campaign.id },
    });
    expect(firstBody.stripe_promotion_code_id).toMatch(/^promo_/);
    expect(secondBody.stripe_coupon_id).toBe(couponId);

    const stored = await stack.server.deps.store.promoCodes.get(scope, firstBody.id);
    expect(stored).toMatchObject({ code: 'ANNIE-TEN', stripePromotionCodeId: firstBody.stripe_promotion_code_id, stripeCouponId: couponId });
    expect((await stack.server.deps.store.campaigns.get(scope, campaign.id))!.stripeCouponId).toBe(couponId);
  });

  it('uses the test key for test-mode orgs', async () => {
    const { key, account } = await createInstalledOrg(stack.server.deps, {}, false);
    const campaign = await campaignOf(key);
    const creator = await creatorOf(key);
    const before = stack.stripe.requests.length;
    expect((await api('POST', '/api/promo_codes', key, { code: uniqueCode(), creator: creator.id, campaign: campaign.id })).status).toBe(201);
    // A campaign's first code asks whether the brand already has it (to adopt it with its coupon).
    expect(stack.stripe.requests.slice(before).map((r) => [r.path, r.account, r.livemode])).toEqual([
      ['/v1/promotion_codes', account, false],
      ['/v1/coupons', account, false],
      ['/v1/promotion_codes', account, false],
    ]);
  });

  it('refuses a code that already exists in Stripe for another coupon, storing nothing', async () => {
    const { key, account, scope } = await createInstalledOrg(stack.server.deps);
    const campaign = await campaignOf(key);
    const creator = await creatorOf(key);
    const code = uniqueCode('TAKEN');
    stack.stripe.seed({ id: 'cpn_elsewhere', object: 'coupon', percent_off: 5, duration: 'forever' }, account);
    stack.stripe.seed({ id: 'promo_elsewhere', object: 'promotion_code', code, active: true, promotion: { type: 'coupon', coupon: 'cpn_elsewhere' } }, account);

    const response = await api('POST', '/api/promo_codes', key, { code, creator: creator.id, campaign: campaign.id });
    expect(response.status).toBe(409);
    expect((await response.json()).error).toMatchObject({ code: 'promo_code_other_coupon', param: 'code', message: expect.stringContaining('cpn_elsewhere') });
    expect(await stack.server.deps.store.promoCodes.getByCode(scope, code)).toBeNull();
  });

  it('refuses a code already used locally without calling Stripe', async () => {
    const { key, scope } = await createInstalledOrg(stack.server.deps);
    const { promoCode, creator, campaign } = await createTestReferral(stack.server.deps, scope);
    const before = stack.stripe.requests.length;
    const response = await api('POST', '/api/promo_codes', key, { code: promoCode.code, creator: creator.id, campaign: campaign.id });
    expect(response.status).toBe(409);
    expect(stack.stripe.requests.length).toBe(before);
  });

  it('fails clearly and stores nothing when Stripe refuses', async () => {
    const { key, scope } = await createInstalledOrg(stack.server.deps);
    const campaign = await campaignOf(key);
    const creator = await creatorOf(key);
    stack.stripe.failNext('POST', /^\/v1\/promotion_codes$/, { code: 'account_invalid', message: 'The account is not connected to your platform.' });
    const code = uniqueCode();

    const response = await api('POST', '/api/promo_codes', key, { code, creator: creator.id, campaign: campaign.id });
    expect(response.status).toBe(502);
    expect((await response.json()).error).toMatchObject({ type: 'api_error', code: 'stripe_error', message: expect.stringContaining('not connected') });
    expect(await stack.server.deps.store.promoCodes.getByCode(scope, code)).toBeNull();

    // The coupon made it, so the retry only creates the promotion code.
    const before = stack.stripe.requests.length;
    expect((await api('POST', '/api/promo_codes', key, { code, creator: creator.id, campaign: campaign.id })).status).toBe(201);
    expect(stack.stripe.requests.slice(before).map((r) => r.path)).toEqual(['/v1/promotion_codes']);
  });

  it('syncs deactivation both ways; a code deactivated in Stripe stops being looked up', async () => {
    const { key, account, scope } = await createInstalledOrg(stack.server.deps);
    const campaign = await campaignOf(key);
    const creator = await creatorOf(key);
    const created = await (await api('POST', '/api/promo_codes', key, { code: uniqueCode(), creator: creator.id, campaign: campaign.id })).json();

    expect((await api('PATCH', `/api/promo_codes/${created.id}`, key, { active: false })).status).toBe(200);
    expect(stack.stripe.get<{ active: boolean }>(created.stripe_promotion_code_id, account)!.active).toBe(false);
    expect((await api('PATCH', `/api/promo_codes/${created.id}`, key, { active: true })).status).toBe(200);
    expect(stack.stripe.get<{ active: boolean }>(created.stripe_promotion_code_id, account)!.active).toBe(true);

    // Bind a user, check lookup returns the real Stripe ids, then deactivate in the Dashboard.
    const promoCode = (await stack.server.deps.store.promoCodes.get(scope, created.id))!;
    await stack.server.request('POST', '/api/customers/identify', { key, body: { externalId: 'u1', ref: await mintTestRef(stack.server.deps, promoCode) } });
    const found = await (await stack.server.request('GET', '/api/customers?externalId=u1', { key })).json();
    expect(found.data.discount).toMatchObject({ stripe_promotion_code_id: created.stripe_promotion_code_id, stripe_coupon_id: created.stripe_coupon_id });

    const inStripe = { ...stack.stripe.get<{ id: string; active: boolean }>(created.stripe_promotion_code_id, account)!, active: false };
    stack.stripe.seed(inStripe, account);
    expect((await deliver(stack.server, stripeEvent('promotion_code.updated', inStripe, { account }))).status).toBe(200);
    expect((await stack.server.deps.store.promoCodes.get(scope, created.id))!.active).toBe(false);
    expect(await (await stack.server.request('GET', '/api/customers?externalId=u1', { key })).json()).toEqual({ data: null });
  });

  it('puts a code made while its mode had no Stripe key on Stripe when it is activated with a key set', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-keyless-'));
    try {
      const keyless = await startTestServer({}, { dataDir });
      const { account, scope, key } = await createInstalledOrg(keyless.deps);
      const { promoCode } = await createTestReferral(keyless.deps, scope);
      await keyless.stop();
      expect(promoCode).toMatchObject({ stripePromotionCodeId: null, stripeCouponId: null });

      const keyed = await startStripeStack({}, { dataDir });
      try {
        // Deactivating has nothing to tell Stripe; activating creates what the code lacks there.
        const before = keyed.stripe.requests.length;
        expect((await keyed.server.request('PATCH', `/api/promo_codes/${promoCode.id}`, { key, body: { active: false } })).status).toBe(200);
        expect(keyed.stripe.requests.length).toBe(before);
        const activated = await keyed.server.request('PATCH', `/api/promo_codes/${promoCode.id}`, { key, body: { active: true } });
        expect(activated.status).toBe(200);
        const body = await activated.json();
        expect(body).toMatchObject({ active: true, stripe_promotion_code_id: expect.stringMatching(/^promo_/), stripe_coupon_id: expect.any(String) });
        expect(keyed.stripe.requests.slice(before).map((r) => [r.method, r.path, r.account])).toEqual([
          ['POST', '/v1/coupons', account],
          ['POST', '/v1/promotion_codes', account],
        ]);
        expect(keyed.stripe.requests.at(-1)!.params).toMatchObject({ code: promoCode.code, promotion: { coupon: body.stripe_coupon_id } });
        expect(await keyed.server.deps.store.promoCodes.get(scope, promoCode.id)).toMatchObject({
          stripePromotionCodeId: body.stripe_promotion_code_id,
          stripeCouponId: body.stripe_coupon_id,
        });
        expect((await keyed.server.deps.store.campaigns.get(scope, promoCode.campaignId))!.stripeCouponId).toBe(body.stripe_coupon_id);
      } finally {
        await keyed.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('deactivates every code of a coupon deleted in Stripe and makes a new coupon for the next code', async () => {
    const { key, account, scope } = await createInstalledOrg(stack.server.deps);
    const campaign = await campaignOf(key);
    const creator = await creatorOf(key);
    const created = await (await api('POST', '/api/promo_codes', key, { code: uniqueCode(), creator: creator.id, campaign: campaign.id })).json();

    const event = stripeEvent('coupon.deleted', { id: created.stripe_coupon_id, object: 'coupon' }, { account });
    expect((await deliver(stack.server, event)).status).toBe(200);
    expect((await stack.server.deps.store.promoCodes.get(scope, created.id))!.active).toBe(false);
    expect((await stack.server.deps.store.campaigns.get(scope, campaign.id))!.stripeCouponId).toBeNull();

    const next = await (await api('POST', '/api/promo_codes', key, { code: uniqueCode(), creator: creator.id, campaign: campaign.id })).json();
    expect(next.stripe_coupon_id).not.toBe(created.stripe_coupon_id);
  });
});
