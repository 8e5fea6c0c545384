import { createCreator, createPromoCode } from '../../server/src/catalog/service';
import { conversionForPayment, conversionsForCustomer } from '../../server/src/conversions/service';
import { createTestOrg, createTestReferral, mintTestRef, uniqueCode } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const commission = { commission: { type: 'fixed' as const, value: 500, currency: 'usd' } };
const post = (key: string, body: unknown) => server.request('POST', '/api/conversions', { key, body });

describe('POST /api/conversions', () => {
  it('credits an in-store order by its coupon code alone, once per order_id', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const { promoCode, creator, campaign } = await createTestReferral(server.deps, scope, { campaign: commission });
    const order = { order_id: `store-${uniqueCode()}`, amount: 4500, currency: 'USD', coupon_code: promoCode.code.toLowerCase() };

    const first = await post(key, order);
    expect(first.status).toBe(201);
    const body = await first.json();
    expect(body).toMatchObject({
      object: 'conversion',
      kind: 'offline',
      order_id: order.order_id,
      creator: creator.id,
      creator_handle: creator.handle,
      campaign: campaign.id,
      code: promoCode.code,
      source: 'coupon_code',
      status: 'credited',
      amount: 4500,
      currency: 'usd',
      commission: 500,
    });

    const again = await post(key, { ...order, amount: 9999 });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(body);
    expect(await server.deps.store.conversions.list(scope)).toEqual([expect.objectContaining({ sourceKey: `order:${order.order_id}`, amount: 4500 })]);
  });

  it('credits by a bound user id or a referral cookie', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const { promoCode, creator } = await createTestReferral(server.deps, scope, { campaign: commission });
    const ref = await mintTestRef(server.deps, promoCode);
    await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'user_7', ref } });

    const byUser = await (await post(key, { order_id: 'o-user', amount: 1000, currency: 'usd', externalId: 'user_7' })).json();
    const byRef = await (await post(key, { order_id: 'o-ref', amount: 1000, currency: 'usd', ref })).json();
    expect([byUser.source, byUser.creator]).toEqual(['customer', creator.id]);
    expect([byRef.source, byRef.creator]).toEqual(['referral', creator.id]);
  });

  it('refuses orders it cannot attribute or that lack an attribution field, storing nothing', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const unknown = await post(key, { order_id: 'o1', amount: 1000, currency: 'usd', coupon_code: 'NOSUCHCODE' });
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).error).toMatchObject({ code: 'conversion_unattributed', param: 'coupon_code' });
    const missing = await post(key, { order_id: 'o2', amount: 1000, currency: 'usd' });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.param).toBe('coupon_code');
    expect(await server.deps.store.conversions.list(scope)).toEqual([]);
  });

  it('flags the creator buying with their own code', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const { campaign } = await createTestReferral(server.deps, scope, { campaign: commission });
    const creator = await createCreator(server.deps, scope, { handle: `own${Date.now()}`, email: 'own@creator.test' });
    const code = await createPromoCode(server.deps, scope, { code: uniqueCode('OWN'), creator: creator.id, campaign: campaign.id });
    const body = await (await post(key, { order_id: 'self', amount: 1000, currency: 'usd', coupon_code: code.code, email: 'own@creator.test' })).json();
    expect(body).toMatchObject({ status: 'flagged', flag: 'self_referral', commission: 0 });
  });
});

describe('conversions for the Stripe App', () => {
  it('finds conversions by Stripe customer and by payment intent', async () => {
    const { scope } = await createTestOrg(server.deps);
    const { promoCode, creator, campaign } = await createTestReferral(server.deps, scope, { campaign: commission });
    const base = {
      ...scope,
      kind: 'checkout' as const,
      checkoutSessionId: 'cs_1',
      invoiceId: null,
      subscriptionId: null,
      chargeId: null,
      orderId: null,
      creatorId: creator.id,
      campaignId: campaign.id,
      promoCodeId: promoCode.id,
      code: promoCode.code,
      clickId: null,
      source: 'promotion_code' as const,
      amount: 2000,
      discount: 500,
      currency: 'usd',
      commissionBase: 500,
      commission: 500,
      refunded: 0,
      status: 'credited' as const,
      flag: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    await server.deps.store.conversions.insertOnce({ ...base, id: 'conv_a', sourceKey: 'pi_a', paymentIntentId: 'pi_a', stripeCustomerId: 'cus_1' });
    await server.deps.store.conversions.insertOnce({ ...base, id: 'conv_b', sourceKey: 'pi_b', paymentIntentId: 'pi_b', stripeCustomerId: 'cus_2' });

    const forCustomer = await conversionsForCustomer(server.deps, scope, 'cus_1');
    expect(forCustomer).toEqual([expect.objectContaining({ id: 'conv_a', object: 'conversion', creator_handle: creator.handle, code: promoCode.code, source: 'promotion_code', status: 'credited', amount: 2000, commission: 500 })]);
    expect(await conversionForPayment(server.deps, scope, 'pi_b')).toMatchObject({ id: 'conv_b', stripe_customer: 'cus_2' });
    expect(await conversionForPayment(server.deps, scope, 'pi_none')).toBeNull();
  });
});
