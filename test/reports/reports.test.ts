import { createTestOrg, createTestReferral, mintTestRef } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('GET /api/reports', () => {
  it('sums clicks, signups, conversions, money and refunds per campaign and creator', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const annie = await createTestReferral(server.deps, scope, { handle: 'annie-r', campaign: { commission: { type: 'percent', value: 10 } } });
    const bob = await createTestReferral(server.deps, scope, { handle: 'bob-r' });
    const now = new Date();
    await server.deps.store.clicks.create({
      ...scope,
      id: 'clk_report1',
      code: annie.promoCode.code,
      promoCodeId: annie.promoCode.id,
      creatorId: annie.creator.id,
      campaignId: annie.campaign.id,
      landingUrl: 'https://brand.test/',
      referrer: null,
      userAgent: null,
      ipHash: null,
      source: 'pixel',
      createdAt: now,
    });
    await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'u1', ref: await mintTestRef(server.deps, annie.promoCode) } });
    for (const [orderId, amount] of [['r1', 10_000], ['r2', 5_000]] as const) {
      await server.request('POST', '/api/conversions', { key, body: { order_id: orderId, amount, discount: 1000, currency: 'usd', coupon_code: annie.promoCode.code } });
    }
    // Carol buying with her own code, and a sale in another currency: neither is in the money figures.
    const carol = await (await server.request('POST', '/api/creators', { key, body: { handle: 'carol-r', email: 'carol@creators.test' } })).json();
    const carolCode = await (await server.request('POST', '/api/promo_codes', { key, body: { code: 'CAROL-R', creator: carol.id, campaign: annie.campaign.id } })).json();
    const ownPurchase = { order_id: 'r3', amount: 7_000, currency: 'usd', coupon_code: carolCode.code, email: 'Carol@creators.test' };
    expect((await (await server.request('POST', '/api/conversions', { key, body: ownPurchase })).json()).status).toBe('flagged');
    // Self-referrals in a currency of their own are not "left out" of figures they never belonged in.
    await server.request('POST', '/api/conversions', { key, body: { ...ownPurchase, order_id: 'r3-gbp', currency: 'gbp' } });
    await server.request('POST', '/api/conversions', { key, body: { order_id: 'r4', amount: 9_000, currency: 'eur', coupon_code: annie.promoCode.code } });

    const response = await server.request('GET', '/api/reports?from=2020-01-01', { key });
    expect(response.status).toBe(200);
    const report = await response.json();
    const annieRow = { clicks: 1, signups: 1, conversions: 2, revenue: 15_000, discounts: 2000, commission: 1500, refunds: 0, self_referrals: 0 };
    const withCarol = { ...annieRow, self_referrals: 1 };
    expect(report).toMatchObject({
      object: 'report',
      currency: 'usd',
      other_currencies: [{ currency: 'eur', conversions: 1, commission: 900 }],
      from: Date.UTC(2020, 0, 1) / 1000,
      totals: withCarol,
    });
    expect(report.creators.find((row: { handle: string }) => row.handle === 'carol-r')).toMatchObject({ conversions: 0, revenue: 0, self_referrals: 1 });
    expect(report.campaigns).toEqual([
      { campaign_id: annie.campaign.id, title: 'Summer drop', ...withCarol },
      { campaign_id: bob.campaign.id, title: 'Summer drop', clicks: 0, signups: 0, conversions: 0, revenue: 0, discounts: 0, commission: 0, refunds: 0, self_referrals: 0 },
    ]);
    expect(report.creators[0]).toEqual({
      creator_id: annie.creator.id,
      handle: 'annie-r',
      name: 'Annie',
      avatar_url: null,
      email: null,
      customer_id: null,
      first_name: null,
      last_name: null,
      ...annieRow,
    });

    const empty = await (await server.request('GET', '/api/reports?from=2020-01-01&to=2020-01-31', { key })).json();
    expect(empty).toMatchObject({ to: Date.UTC(2020, 1, 1) / 1000, totals: { conversions: 0, clicks: 0, signups: 0 } });
  });

  it('counts a fixed commission in its own currency, whatever the sale was paid in', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const dana = await createTestReferral(server.deps, scope, { campaign: { commission: { type: 'fixed', value: 500, currency: 'usd' } } });
    const sell = async (order_id: string, currency: string) =>
      (await server.request('POST', '/api/conversions', { key, body: { order_id, amount: 2_000, currency, coupon_code: dana.promoCode.code } })).json();
    await sell('d1', 'usd');
    await sell('d2', 'usd');
    expect(await sell('d3', 'eur')).toMatchObject({ currency: 'eur', amount: 2_000, commission: 500, commission_currency: 'usd' });

    const report = await (await server.request('GET', '/api/reports?from=2020-01-01', { key })).json();
    // The euro sale's revenue is left out of a dollar report; its dollar commission is not.
    expect(report).toMatchObject({ currency: 'usd', other_currencies: [{ currency: 'eur', conversions: 1, commission: 0 }] });
    expect(report.totals).toMatchObject({ conversions: 2, revenue: 4_000, commission: 1_500 });
    expect(report.creators[0]).toMatchObject({ creator_id: dana.creator.id, conversions: 2, commission: 1_500 });

    // Mostly euro sales now: the report is in euros, and the dollar commission is listed as left out.
    await sell('d4', 'eur');
    await sell('d5', 'eur');
    const inEuros = await (await server.request('GET', '/api/reports?from=2020-01-01', { key })).json();
    expect(inEuros).toMatchObject({ currency: 'eur', other_currencies: [{ currency: 'usd', conversions: 2, commission: 2_500 }] });
    expect(inEuros.totals).toMatchObject({ conversions: 3, revenue: 6_000, commission: 0 });
  });

  it('lists no other currency when a fixed commission in it was all refunded', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    const erin = await createTestReferral(server.deps, scope, { campaign: { commission: { type: 'fixed', value: 500, currency: 'usd' } } });
    const sale = await (await server.request('POST', '/api/conversions', { key, body: { order_id: 'e1', amount: 2_000, currency: 'eur', coupon_code: erin.promoCode.code } })).json();
    await server.deps.store.conversions.applyRefund(scope, sale.id, { refunded: 2_000, commission: 0, status: 'refunded', chargeId: 'ch_e1' }, new Date());

    const report = await (await server.request('GET', '/api/reports?from=2020-01-01', { key })).json();
    expect(report).toMatchObject({ currency: 'eur', other_currencies: [], totals: { conversions: 1, refunds: 2_000, commission: 0 } });
  });

  it('needs the admin scope and a sane range', async () => {
    const { key } = await createTestOrg(server.deps, {}, { scopes: ['referrals'] });
    expect((await server.request('GET', '/api/reports', { key })).status).toBe(403);
    const admin = await createTestOrg(server.deps);
    const backwards = await server.request('GET', '/api/reports?from=2024-02-01&to=2024-01-01', { key: admin.key });
    expect(backwards.status).toBe(400);
    expect((await backwards.json()).error.param).toBe('from');
    const overflowing = await server.request('GET', `/api/reports?from=${Number.MAX_SAFE_INTEGER}`, { key: admin.key });
    expect(overflowing.status).toBe(400);
    expect((await overflowing.json()).error).toMatchObject({
      param: 'from',
      message: 'Invalid from: must be unix seconds, a date such as 2026-11-01 or an ISO 8601 datetime',
    });
  });
});
