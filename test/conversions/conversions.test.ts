import { createCreator, createPromoCode } from '../../server/src/catalog/service';
import { conversionForPayment, conversionsForCustomer } from '../../server/src/conversions/service';
import { sheetColumn } from '../helpers/csv';
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

describe('listing and exporting conversions', () => {
  let clock = new Date('2026-03-01T12:00:00Z');
  let timed: TestServer;
  beforeAll(async () => {
    timed = await startTestServer({}, { now: () => clock });
  });
  afterAll(() => timed.stop());

  /** An org with two creators, and offline orders paid at the given times (several per instant make ties). */
  async function orgWithOrders(times: string[]) {
    const { key, scope } = await createTestOrg(timed.deps);
    const annie = await createTestReferral(timed.deps, scope, { campaign: commission });
    const bob = await createTestReferral(timed.deps, scope, { campaign: commission });
    const ids: string[] = [];
    for (const [index, time] of times.entries()) {
      clock = new Date(time);
      const { promoCode } = index % 2 === 0 ? annie : bob;
      const order = { order_id: `o${index}`, amount: 1000 + index, currency: 'usd', coupon_code: promoCode.code };
      ids.push((await (await timed.request('POST', '/api/conversions', { key, body: order })).json()).id);
    }
    return { key, scope, annie, bob, ids };
  }
  const list = async (key: string, query: string) => {
    const response = await timed.request('GET', `/api/conversions${query}`, { key });
    return { status: response.status, body: await response.json() };
  };
  const errorOf = async (key: string, query: string) => (await list(key, query)).body.error;

  it('pages newest first with starting_after, ties by id, unmoved by a conversion arriving meanwhile', async () => {
    const times = ['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-03T10:00:00Z'];
    const { key, annie, ids } = await orgWithOrders(times);
    const newestFirst = ids
      .map((id, index) => ({ id, at: times[index] }))
      .sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id))
      .map(({ id }) => id);

    const first = await list(key, '?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    expect(first.body.data[0]).toMatchObject({ object: 'conversion', order_id: 'o4', creator_handle: annie.creator.handle, amount: 1004 });

    clock = new Date('2026-03-04T10:00:00Z');
    await timed.request('POST', '/api/conversions', { key, body: { order_id: 'late', amount: 1, currency: 'usd', coupon_code: annie.promoCode.code } });

    const seen = first.body.data.map((conversion: { id: string }) => conversion.id);
    let page = first.body;
    while (page.has_more) {
      page = (await list(key, `?limit=2&starting_after=${seen.at(-1)}`)).body;
      seen.push(...page.data.map((conversion: { id: string }) => conversion.id));
    }
    expect(seen).toEqual(newestFirst);
    expect((await list(key, '?limit=100')).body.data.map((conversion: { order_id: string }) => conversion.order_id)[0]).toBe('late');
  });

  it('filters by creator (id or handle), campaign, status and paid date', async () => {
    const { key, scope, annie, bob } = await orgWithOrders(['2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', '2026-03-02T10:00:00Z', '2026-03-03T23:59:59Z']);
    const orders = async (query: string) => (await list(key, query)).body.data.map((conversion: { order_id: string }) => conversion.order_id);

    expect(await orders(`?creator=${annie.creator.handle}`)).toEqual(['o2', 'o0']);
    expect(await orders(`?creator=${bob.creator.id}&campaign=${bob.campaign.id}`)).toEqual(['o3', 'o1']);
    expect(await orders(`?campaign=${annie.campaign.id}&creator=${bob.creator.id}`)).toEqual([]);
    expect(await orders('?from=2026-03-01&to=2026-03-01')).toEqual(['o1', 'o0']);
    expect(await orders('?from=2026-03-02&to=2026-03-03')).toEqual(['o3', 'o2']);
    expect(await orders(`?to=${Date.parse('2026-03-01T11:00:00Z') / 1000}`)).toEqual(['o0']);
    expect(await orders('?status=flagged')).toEqual([]);
    await timed.deps.store.conversions.applyRefund(scope, (await list(key, '?limit=1')).body.data[0].id, { refunded: 1003, commission: 0, status: 'refunded', chargeId: 'ch_1' }, clock);
    expect(await orders('?status=refunded')).toEqual(['o3']);
  });

  it('shows one conversion, and only to its own org and mode', async () => {
    const { key, ids } = await orgWithOrders(['2026-03-01T10:00:00Z']);
    const other = await createTestOrg(timed.deps);
    const testMode = await createTestOrg(timed.deps, {}, { livemode: false });

    const one = await timed.request('GET', `/api/conversions/${ids[0]}`, { key });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: ids[0], object: 'conversion', order_id: 'o0', created: Date.parse('2026-03-01T10:00:00Z') / 1000 });
    for (const stranger of [other.key, testMode.key]) {
      const hidden = await timed.request('GET', `/api/conversions/${ids[0]}`, { key: stranger });
      expect(hidden.status).toBe(404);
      expect((await hidden.json()).error).toMatchObject({ code: 'resource_missing', param: 'id' });
      expect((await list(stranger, '')).body.data).toEqual([]);
      expect(await errorOf(stranger, `?starting_after=${ids[0]}`)).toMatchObject({ code: 'resource_missing', param: 'starting_after' });
    }
  });

  it('refuses unknown params and filters, bad ranges and keys without the admin scope, naming the param', async () => {
    const { key, scope } = await orgWithOrders(['2026-03-01T10:00:00Z']);
    expect(await errorOf(key, '?creator_id=cr_123')).toMatchObject({ code: 'parameter_unknown', param: 'creator_id', message: 'Received unknown parameter: creator_id.' });
    expect(await errorOf(key, '?creator=nobody')).toMatchObject({ code: 'resource_missing', param: 'creator' });
    expect(await errorOf(key, '?campaign=camp_nope')).toMatchObject({ code: 'resource_missing', param: 'campaign' });
    expect(await errorOf(key, '?status=paid')).toMatchObject({ code: 'parameter_invalid', param: 'status' });
    expect(await errorOf(key, '?limit=101')).toMatchObject({ code: 'parameter_invalid', param: 'limit' });
    expect(await errorOf(key, '?from=2026-03-02&to=2026-03-01')).toMatchObject({ code: 'parameter_invalid', param: 'from' });
    expect(await errorOf(key, '/export?to=yesterday')).toMatchObject({ code: 'parameter_invalid', param: 'to' });
    expect(await errorOf(key, '/export?limit=5')).toMatchObject({ code: 'parameter_unknown', param: 'limit' });

    const { key: referralsOnly } = await createTestOrg(timed.deps, {}, { scopes: ['referrals'] });
    for (const path of ['', '/export', '/conv_123']) {
      const response = await timed.request('GET', `/api/conversions${path}`, { key: referralsOnly });
      expect(response.status).toBe(403);
    }
    expect(await timed.deps.store.conversions.list(scope)).toHaveLength(1);
  });

  it('exports every matching conversion as a CSV sheet, formulas defused', async () => {
    const { key, scope, annie } = await orgWithOrders(['2026-03-01T10:00:00Z', '2026-03-02T10:00:00Z']);
    clock = new Date('2026-03-02T11:00:00Z');
    const sneaky = { order_id: '=HYPERLINK("https://evil.test","ok")', amount: 500, currency: 'usd', coupon_code: annie.promoCode.code };
    const injected = await (await timed.request('POST', '/api/conversions', { key, body: sneaky })).json();

    const response = await timed.request('GET', `/api/conversions/export?creator=${annie.creator.handle}&from=2026-03-01`, { key });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename=shoutout-conversions-2026-03-02.csv');
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'created,id,status,creator,creator_handle,campaign,code,source,kind,currency,amount,discount,refunded,commission,order_id,stripe_payment_intent,stripe_invoice,stripe_subscription,stripe_customer,commission_currency,creator_name,creator_email,creator_customer_id',
    );
    const [conversion] = await timed.deps.store.conversions.list(scope, { orderId: 'o0' });
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(
      `2026-03-02T11:00:00.000Z,${injected.id},credited,${annie.creator.id},${annie.creator.handle},${annie.campaign.id},${annie.promoCode.code},coupon_code,offline,usd,500,0,0,500,"'=HYPERLINK(""https://evil.test"",""ok"")",,,,,usd,Annie,,`,
    );
    expect(lines[2]).toBe(
      `2026-03-01T10:00:00.000Z,${conversion.id},credited,${annie.creator.id},${annie.creator.handle},${annie.campaign.id},${annie.promoCode.code},coupon_code,offline,usd,1000,0,0,500,o0,,,,,usd,Annie,,`,
    );
  });

  it('exports a sheet longer than the slices it is read and written in, whole and in order, filtered by commission currency', async () => {
    const { key, scope } = await createTestOrg(timed.deps);
    const { promoCode, creator, campaign } = await createTestReferral(timed.deps, scope, { campaign: commission });
    // 1,201 conversions, a minute apart and two to a minute for ties; every third one's commission is in euros.
    const ids = Array.from({ length: 1201 }, (_, i) => `conv_${String(i).padStart(4, '0')}`);
    await Promise.all(
      ids.map((id, i) => {
        const createdAt = new Date(Date.parse('2026-02-01T00:00:00Z') + Math.floor(i / 2) * 60_000);
        return timed.deps.store.conversions.insertOnce({
          ...scope, id, sourceKey: `order:${id}`, kind: 'offline', checkoutSessionId: null, invoiceId: null, subscriptionId: null, paymentIntentId: null,
          chargeId: null, stripeCustomerId: null, orderId: id, creatorId: creator.id, campaignId: campaign.id, promoCodeId: promoCode.id, code: promoCode.code,
          clickId: null, source: 'coupon_code', amount: 1000, discount: 0, currency: 'usd', commissionBase: 500, commission: 500,
          commissionCurrency: i % 3 === 0 ? 'eur' : 'usd', refunded: 0, status: 'credited', flag: null, createdAt, updatedAt: createdAt,
        });
      }),
    );
    const newestFirst = [...ids].reverse();
    const sheet = await timed.request('GET', '/api/conversions/export', { key });
    expect(await sheetColumn(sheet, 'id')).toEqual(newestFirst);
    const euros = await timed.request('GET', '/api/conversions/export?commission_currency=eur', { key });
    expect(await sheetColumn(euros, 'id')).toEqual(newestFirst.filter((id) => Number(id.slice(5)) % 3 === 0));
  });
});
