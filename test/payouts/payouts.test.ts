import { createPayout } from '../../server/src/payouts/service';
import { sheetColumn } from '../helpers/csv';
import { createTestOrg, createTestReferral } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let clock = new Date('2026-01-01T12:00:00Z');
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { now: () => clock });
});
afterAll(() => server.stop());

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T12:00:00Z');
const day = (n: number) => new Date(START + n * DAY);
const unix = (date: Date) => date.getTime() / 1000;
const fixed500 = { commission: { type: 'fixed' as const, value: 500, currency: 'usd' } };

/** An org (default 30-day hold) with one creator on a $5-per-order campaign. */
async function program(orgInput = {}) {
  const org = await createTestOrg(server.deps, orgInput);
  const annie = await createTestReferral(server.deps, org.scope, { campaign: fixed500 });
  let orders = 0;
  /** An offline order paid on day `n`, in `currency`. */
  const order = async (n: number, currency = 'usd', referral = annie) => {
    clock = day(n);
    const response = await server.request('POST', '/api/conversions', {
      key: org.key,
      body: { order_id: `o${++orders}`, amount: 2000, currency, coupon_code: referral.promoCode.code },
    });
    expect(response.status).toBe(201);
    return (await response.json()).id as string;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await server.request(method, path, { key: org.key, body });
    return { status: response.status, body: await response.json() };
  };
  const balances = async (query = '') => (await call('GET', `/api/payouts/balances${query}`)).body.data;
  const pay = (body: Record<string, unknown>) => call('POST', '/api/payouts', { creator: annie.creator.handle, currency: 'usd', ...body });
  return { ...org, annie, order, call, balances, pay };
}

describe('creator balances and payouts', () => {
  it('holds commission for the hold period, pays what is due once, and records the payout', async () => {
    const { annie, order, balances, pay, call, scope } = await program();
    await order(0);
    await order(0);
    await order(20);

    clock = day(35);
    expect(await balances()).toEqual([
      {
        object: 'creator_balance',
        creator: annie.creator.id,
        creator_handle: annie.creator.handle,
        currency: 'usd',
        due: 1000,
        pending: 500,
        paid: 0,
        due_through: unix(day(5)),
        last_payout: null,
      },
    ]);

    const paid = await pay({ amount: 1000, reference: 'PAYPAL-7Y2' });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      object: 'payout',
      creator: annie.creator.id,
      creator_handle: annie.creator.handle,
      currency: 'usd',
      amount: 1000,
      period: { start: null, end: unix(day(5)) },
      commission: 1000,
      adjustments: 0,
      reference: 'PAYPAL-7Y2',
      created: unix(day(35)),
    });
    expect(paid.body.id).toMatch(/^po_/);
    expect(await server.deps.store.payouts.list(scope)).toEqual([expect.objectContaining({ id: paid.body.id, amount: 1000, sequence: 1 })]);
    expect(await balances()).toEqual([expect.objectContaining({ due: 0, pending: 500, paid: 1000, last_payout: paid.body.id })]);

    const again = await pay({});
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({ code: 'nothing_due', param: 'creator' });
    expect(await server.deps.store.payouts.list(scope)).toHaveLength(1);
    expect((await call('GET', `/api/payouts/${paid.body.id}`)).body).toEqual(paid.body);
  });

  it('takes a refund made after a payout from the next one, and names the period to export', async () => {
    const { annie, order, balances, pay, call, scope, key } = await program();
    const [first] = [await order(0), await order(0)];
    await order(20);
    clock = day(35);
    const firstPayout = (await pay({})).body;

    // The first order is refunded in full after it was paid out: its $5 is owed back.
    await server.deps.store.conversions.applyRefund(scope, first, { refunded: 2000, commission: 0, status: 'refunded', chargeId: 'ch_1' }, clock);
    expect(await balances()).toEqual([expect.objectContaining({ due: -500, pending: 500, paid: 1000 })]);
    const owed = await pay({});
    expect(owed.status).toBe(422);
    expect(owed.body.error.message).toMatch(/500 to recover/);

    await order(30);
    clock = day(61);
    expect(await balances()).toEqual([expect.objectContaining({ due: 500, pending: 0, paid: 1000, due_through: unix(day(31)) })]);
    const second = await pay({ amount: 500 });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ amount: 500, commission: 1000, adjustments: -500, period: { start: unix(day(5)), end: unix(day(31)) } });
    expect((await server.deps.store.payouts.list(scope)).map(({ sequence, amount }) => [sequence, amount])).toEqual([[1, 1000], [2, 500]]);
    expect(firstPayout.period.end).toBe(second.body.period.start);

    const { start, end } = second.body.period;
    const sheet = await server.request('GET', `/api/conversions/export?creator=${annie.creator.id}&from=${start}&to=${end}`, { key });
    expect(await sheetColumn(sheet, 'id')).toHaveLength(2);
    expect((await call('GET', '/api/payouts')).body.data.map((payout: { id: string }) => payout.id)).toEqual([second.body.id, firstPayout.id]);
  });

  it('refuses an amount that is no longer what is due, recording nothing', async () => {
    const { order, pay, scope } = await program();
    await order(0);
    clock = day(31);
    const stale = await pay({ amount: 1000 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'balance_changed', param: 'amount' });
    expect(stale.body.error.message).toContain('is due 500, not 1000');
    expect(await server.deps.store.payouts.list(scope)).toEqual([]);
  });

  it('pays the balance as read up to its due_through, leaving commission matured since for the next payout', async () => {
    const { order, balances, pay, scope } = await program();
    await order(0);
    await order(3);
    clock = day(32);
    const [seen] = await balances();
    expect(seen).toMatchObject({ due: 500, pending: 500, due_through: unix(day(2)) });

    // Two days later the brand records the transfer it made for what it saw; the day-3 order matured meanwhile.
    clock = day(34);
    const paid = await pay({ amount: seen.due, due_through: seen.due_through });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ amount: 500, period: { start: null, end: seen.due_through } });
    expect(await balances()).toEqual([expect.objectContaining({ due: 500, pending: 0, paid: 500 })]);

    const future = await pay({ due_through: unix(day(10)) });
    expect(future.status).toBe(422);
    expect(future.body.error).toMatchObject({ code: 'commission_on_hold', param: 'due_through' });
    expect(await server.deps.store.payouts.list(scope)).toHaveLength(1);
  });

  it('pays a balance as read after the hold period was lengthened past the last payout', async () => {
    const { order, balances, pay, call, scope } = await program({ payout_hold_days: 0 });
    await order(0);
    clock = day(10);
    expect((await pay({})).status).toBe(201);
    // A sale dated day 5 is recorded only after that payout, as a delayed webhook or a late invoice payment is.
    await order(5);
    clock = day(11);
    expect((await call('PATCH', '/api/org', { payout_hold_days: 7 })).status).toBe(200);

    // The hold now ends on day 4, but the payout already covered up to day 10, so the day-5 sale is due.
    const [seen] = await balances();
    expect(seen).toMatchObject({ due: 500, due_through: unix(day(10)) });
    const paid = await pay({ amount: seen.due, due_through: seen.due_through });
    expect(paid.status).toBe(201);
    expect((await server.deps.store.payouts.list(scope)).map(({ amount }) => amount)).toEqual([500, 500]);
  });

  it('gives payout periods in whole seconds, so exporting a period lists exactly the conversions it paid', async () => {
    const { annie, order, pay, key } = await program();
    const exported = async ({ start, end }: { start: number | null; end: number }) => {
      const sheet = await server.request('GET', `/api/conversions/export?creator=${annie.creator.id}${start ? `&from=${start}` : ''}&to=${end}`, { key });
      return (await sheetColumn(sheet, 'id')).length;
    };
    await order(4);
    await order(5);
    clock = new Date(day(35).getTime() + 500);
    const first = (await pay({})).body;
    expect(first).toMatchObject({ commission: 1000, period: { end: unix(day(5)) + 1 } });
    expect(await exported(first.period)).toBe(2);

    await order(20);
    clock = new Date(day(51).getTime() + 500);
    const second = (await pay({})).body;
    expect(second).toMatchObject({ commission: 500, period: { start: unix(day(5)) + 1, end: unix(day(21)) + 1 } });
    expect(await exported(second.period)).toBe(1);
  });

  it('lists no balance for a creator whose conversions earned nothing', async () => {
    const { scope, key, balances } = await program({ payout_hold_days: 0 });
    const trial = await createTestReferral(server.deps, scope, { campaign: { commission: { type: 'percent', value: 10 } } });
    clock = day(0);
    const { status } = await server.request('POST', '/api/conversions', {
      key,
      body: { order_id: 'free', amount: 0, currency: 'usd', coupon_code: trial.promoCode.code },
    });
    expect(status).toBe(201);
    clock = day(1);
    expect(await balances()).toEqual([]);
  });

  it('records one payout when two are made from the same balance at once', async () => {
    const { org, scope, annie, order } = await program();
    await order(0);
    await order(1);
    clock = day(40);
    const payout = { creator: annie.creator.id, currency: 'usd' };
    // The other payout is stored after this one read the balance and before it is stored itself.
    const insert = server.deps.store.payouts.insert;
    vi.spyOn(server.deps.store.payouts, 'insert').mockImplementationOnce(async (mine) => {
      await createPayout(server.deps, org, scope, payout);
      return insert(mine);
    });
    await expect(createPayout(server.deps, org, scope, payout)).rejects.toMatchObject({ code: 'nothing_due' });
    expect(await server.deps.store.payouts.list(scope)).toEqual([expect.objectContaining({ amount: 1000, sequence: 1 })]);
  });

  it('keeps currencies and creators apart, and filters balances and payouts by them', async () => {
    const { scope, annie, order, balances, pay, call } = await program({ payout_hold_days: 0 });
    const bob = await createTestReferral(server.deps, scope, { campaign: { commission: { type: 'percent', value: 10 } } });
    await order(0);
    await order(0, 'eur', bob);
    await order(0, 'usd', bob);
    clock = day(1);

    expect((await balances()).map(({ creator_handle, currency, due }: Record<string, unknown>) => [creator_handle, currency, due])).toEqual([
      [annie.creator.handle, 'usd', 500],
      [bob.creator.handle, 'eur', 200],
      [bob.creator.handle, 'usd', 200],
    ]);
    expect((await balances('?currency=EUR')).map(({ currency }: { currency: string }) => currency)).toEqual(['eur']);
    expect((await balances(`?creator=${annie.creator.id}`)).map(({ creator }: { creator: string }) => creator)).toEqual([annie.creator.id]);

    const eur = await pay({ creator: bob.creator.handle, currency: 'eur' });
    expect(eur.body).toMatchObject({ amount: 200, currency: 'eur', creator: bob.creator.id });
    clock = day(2);
    const annies = await pay({});
    expect(annies.body).toMatchObject({ amount: 500, currency: 'usd', creator: annie.creator.id });
    expect(await balances(`?creator=${bob.creator.handle}`)).toEqual([
      expect.objectContaining({ currency: 'usd', due: 200, paid: 0 }),
      expect.objectContaining({ currency: 'eur', due: 0, paid: 200 }),
    ]);

    const page = (await call('GET', '/api/payouts?limit=1')).body;
    expect(page).toMatchObject({ object: 'list', has_more: true, data: [{ id: annies.body.id }] });
    const next = (await call('GET', `/api/payouts?limit=1&starting_after=${annies.body.id}`)).body;
    expect(next).toMatchObject({ has_more: false, data: [{ id: eur.body.id }] });
    expect((await call('GET', `/api/payouts?creator=${bob.creator.handle}`)).body.data.map(({ id }: { id: string }) => id)).toEqual([eur.body.id]);
  });

  it('owes a fixed commission in its own currency, and a percent one in the sale’s', async () => {
    const { scope, key, annie, order, balances } = await program({ payout_hold_days: 0 });
    const bob = await createTestReferral(server.deps, scope, { campaign: { commission: { type: 'percent', value: 10 } } });
    await order(0, 'eur');
    await order(0, 'eur', bob);
    clock = day(1);
    expect((await balances()).map(({ creator, currency, due }: Record<string, unknown>) => [creator, currency, due])).toEqual([
      [annie.creator.id, 'usd', 500],
      [bob.creator.id, 'eur', 200],
    ]);

    // A statement for a payout in dollars lists the euro sale whose commission is in dollars, and only that.
    const sheet = async (currency: string) => sheetColumn(await server.request('GET', `/api/conversions/export?commission_currency=${currency}`, { key }), 'creator');
    expect(await sheet('USD')).toEqual([annie.creator.id]);
    expect(await sheet('eur')).toEqual([bob.creator.id]);
  });

  it('refuses bad input by name and hides payouts from other orgs and modes', async () => {
    const { key, order, pay, call } = await program();
    await order(0);
    clock = day(31);
    const paid = (await pay({})).body;

    const cases: [string, string, unknown, number, string, string][] = [
      ['POST', '/api/payouts', { creator: 'nobody', currency: 'usd' }, 404, 'resource_missing', 'creator'],
      ['POST', '/api/payouts', { currency: 'usd' }, 400, 'parameter_missing', 'creator'],
      ['POST', '/api/payouts', { creator: 'x', currency: 'dollars' }, 400, 'parameter_invalid', 'currency'],
      ['POST', '/api/payouts', { creator: 'x', currency: 'usd', amount: -5 }, 400, 'parameter_invalid', 'amount'],
      ['POST', '/api/payouts', { creator: 'x', currency: 'usd', due_through: 1e15 }, 400, 'parameter_invalid', 'due_through'],
      ['POST', '/api/payouts', { creator: 'x', currency: 'usd', note: 'hi' }, 400, 'parameter_unknown', 'note'],
      ['GET', '/api/payouts/balances?creatr=x', undefined, 400, 'parameter_unknown', 'creatr'],
      ['GET', '/api/payouts?starting_after=po_nope', undefined, 400, 'resource_missing', 'starting_after'],
      ['GET', '/api/payouts/po_nope', undefined, 404, 'resource_missing', 'id'],
      ['PATCH', '/api/org', { payout_hold_days: 400 }, 400, 'parameter_invalid', 'payout_hold_days'],
    ];
    for (const [method, path, body, status, code, param] of cases) {
      const answer = await call(method, path, body);
      expect([path, answer.status, answer.body.error?.code, answer.body.error?.param]).toEqual([path, status, code, param]);
    }

    const other = await createTestOrg(server.deps);
    const testMode = await createTestOrg(server.deps, {}, { livemode: false });
    for (const stranger of [other.key, testMode.key]) {
      expect((await server.request('GET', `/api/payouts/${paid.id}`, { key: stranger })).status).toBe(404);
      expect((await (await server.request('GET', '/api/payouts', { key: stranger })).json()).data).toEqual([]);
    }
    const referralsOnly = await createTestOrg(server.deps, {}, { scopes: ['referrals'] });
    expect((await server.request('GET', '/api/payouts/balances', { key: referralsOnly.key })).status).toBe(403);
    expect(key).toMatch(/^so_live_/);
  });

  it('uses the org’s hold period, 30 days for orgs stored before it existed', async () => {
    const { key, order, balances, call } = await program();
    await order(0);
    clock = day(10);
    expect(await balances()).toEqual([expect.objectContaining({ due: 0, pending: 500 })]);
    expect((await call('PATCH', '/api/org', { payout_hold_days: 7 })).body.payout_hold_days).toBe(7);
    expect(await balances()).toEqual([expect.objectContaining({ due: 500, pending: 0, due_through: unix(day(3)) })]);
    expect(key).toBeTruthy();

    const { payoutHoldDays: _, ...older } = { ...(await server.deps.store.orgs.get((await createTestOrg(server.deps)).org.id))!, id: 'org_stored_before_payouts' };
    await server.deps.store.orgs.create(older as Parameters<typeof server.deps.store.orgs.create>[0]);
    expect((await server.deps.store.orgs.get('org_stored_before_payouts'))?.payoutHoldDays).toBe(30);
  });
});
