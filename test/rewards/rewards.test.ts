import type Stripe from 'stripe';
import { mintTestRef } from '../helpers/fixtures';
import { startReceiver } from '../helpers/receiver';
import { chargeFor, createInstalledOrg, createTestReferral, deliver, fixture, newStripeId, seedPaidSession, startStripeStack, stripeEvent } from '../stripe/setup';

let stack: Awaited<ReturnType<typeof startStripeStack>>;
beforeAll(async () => {
  // Loopback webhook endpoints, for the reward events.
  stack = await startStripeStack({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
});
afterAll(() => stack.stop());

const deps = () => stack.server.deps;
const request = (...args: Parameters<typeof stack.server.request>) => stack.server.request(...args);

/** Advocate: 100 points per signup, 50 per purchase; friend: 10 points per signup, 1 point per dollar, $5 on the first purchase. */
const RULES = [
  { recipient: 'advocate', trigger: 'signup', points: 100 },
  { recipient: 'friend', trigger: 'signup', points: 10 },
  { recipient: 'advocate', trigger: 'purchase', points: 50 },
  { recipient: 'friend', trigger: 'amount_spent', points: 1, per: { amount: 100, currency: 'usd' } },
  { recipient: 'friend', trigger: 'first_purchase', amount: 500, currency: 'usd' },
] as const;

async function rewardedReferral() {
  const installed = await createInstalledOrg(deps());
  const referral = await createTestReferral(deps(), installed.scope, {
    campaign: { commission: { type: 'percent', value: 10 }, rewards: [...RULES] },
  });
  return { ...installed, ...referral };
}

async function balancesOf(key: string, query: string) {
  const response = await request('GET', `/api/rewards/balances?${query}`, { key });
  expect(response.status).toBe(200);
  return response.json();
}

async function ledgerOf(key: string, query: string) {
  const response = await request('GET', `/api/rewards/ledger?${query}`, { key });
  expect(response.status).toBe(200);
  return (await response.json()).data;
}

async function identify(key: string, promoCode: Parameters<typeof mintTestRef>[1], externalId: string) {
  const response = await request('POST', '/api/customers/identify', { key, body: { externalId, ref: await mintTestRef(deps(), promoCode) } });
  expect(response.status).toBe(204);
}

/** A referred checkout paid by the user `externalId` (in the session's metadata), credited by its webhook. */
async function paidCheckout(account: string, externalId: string, amount: number) {
  const session = seedPaidSession(stack.stripe, account, { amount, metadata: { shoutout_external_id: externalId } });
  const event = stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account });
  expect((await deliver(stack.server, event)).status).toBe(200);
  return { event, pi: session.payment_intent as string };
}

describe('campaign reward rules', () => {
  it('are stored with the campaign and answered as given', async () => {
    const { key, scope } = await rewardedReferral();
    const response = await request('POST', '/api/campaigns', {
      key,
      body: { title: 'Points', discount_type: 'percent_off', discount_value: 10, rewards: RULES },
    });
    expect(response.status).toBe(201);
    const campaign = await response.json();
    expect(campaign.rewards).toEqual([
      { recipient: 'advocate', trigger: 'signup', points: 100, amount: null, currency: null, per: null },
      { recipient: 'friend', trigger: 'signup', points: 10, amount: null, currency: null, per: null },
      { recipient: 'advocate', trigger: 'purchase', points: 50, amount: null, currency: null, per: null },
      { recipient: 'friend', trigger: 'amount_spent', points: 1, amount: null, currency: null, per: { amount: 100, currency: 'usd' } },
      { recipient: 'friend', trigger: 'first_purchase', points: null, amount: 500, currency: 'usd', per: null },
    ]);
    expect((await deps().store.campaigns.get(scope, campaign.id))!.rewards).toHaveLength(5);
  });

  it('refuses a malformed rule naming the field, and creates no campaign', async () => {
    const { key, scope } = await rewardedReferral();
    const before = (await deps().store.campaigns.list(scope)).length;
    for (const [rule, param] of [
      [{ recipient: 'friend', trigger: 'amount_spent', points: 1 }, 'rewards.0.per'],
      [{ recipient: 'friend', trigger: 'signup', amount: 500 }, 'rewards.0.currency'],
      [{ recipient: 'friend', trigger: 'signup', points: 5, amount: 500, currency: 'usd' }, 'rewards.0.points'],
      [{ recipient: 'someone', trigger: 'signup', points: 5 }, 'rewards.0.recipient'],
    ] as const) {
      const response = await request('POST', '/api/campaigns', { key, body: { title: 'Bad', discount_type: 'percent_off', discount_value: 10, rewards: [rule] } });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: expect.stringMatching(/^parameter_/), param });
    }
    expect(await deps().store.campaigns.list(scope)).toHaveLength(before);
  });
});

describe('rewards for the advocate and the friend', () => {
  it('pays signup rewards once per customer, however often identify is called', async () => {
    const { key, scope, promoCode, creator } = await rewardedReferral();
    await identify(key, promoCode, 'user_1');
    await identify(key, promoCode, 'user_1');
    await identify(key, promoCode, 'user_2');

    expect(await balancesOf(key, `creator=${creator.handle}`)).toMatchObject({
      object: 'reward_balances',
      participant: { type: 'creator', creator: creator.id },
      points: 200,
      balances: [{ unit: 'points', balance: 200, earned: 200, taken_back: 0, redeemed: 0 }],
    });
    expect(await balancesOf(key, 'externalId=user_1')).toMatchObject({ participant: { type: 'customer' }, points: 10 });
    const ledger = await ledgerOf(key, 'externalId=user_1');
    expect(ledger).toEqual([expect.objectContaining({ object: 'reward_entry', kind: 'reward', trigger: 'signup', recipient: 'friend', unit: 'points', amount: 10, creator: creator.id })]);
    // The customer's ledger is filed under the keyed hash of their id, never the id itself.
    const stored = await deps().store.rewardEntries.listFor(scope, `customer:${deps().secrets.hashExternalId(scope.orgId, 'user_1')}`);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain('user_1');
  });

  it('rewards purchases from Stripe once per payment and takes them back in proportion on refunds and lost disputes', async () => {
    const { key, account, promoCode, creator } = await rewardedReferral();
    await identify(key, promoCode, 'buyer_1');
    const first = await paidCheckout(account, 'buyer_1', 8000);
    // A redelivered event (a new event id for the same payment) earns nothing more.
    await deliver(stack.server, stripeEvent('checkout.session.completed', first.event.data.object as Stripe.Checkout.Session, { account }));
    await paidCheckout(account, 'buyer_1', 2000);

    // Friend: 10 (signup) + 80 + 20 (a point per dollar); $5 on the first purchase only. Advocate: 100 + 50 + 50.
    expect(await balancesOf(key, 'externalId=buyer_1')).toMatchObject({
      points: 110,
      balances: [
        { unit: 'points', balance: 110 },
        { unit: 'usd', balance: 500, earned: 500 },
      ],
    });
    expect((await balancesOf(key, `creator=${creator.id}`)).points).toBe(200);

    // $20 of the first $80 refunded: its rewards keep three quarters.
    await deliver(stack.server, stripeEvent('charge.refunded', chargeFor(first.pi, 8000, 2000), { account }));
    expect(await balancesOf(key, 'externalId=buyer_1')).toMatchObject({
      points: 90,
      balances: [
        { unit: 'points', balance: 90, earned: 110, taken_back: 20 },
        { unit: 'usd', balance: 375, taken_back: 125 },
      ],
    });
    expect((await balancesOf(key, `creator=${creator.id}`)).points).toBe(188);

    // The buyer disputes the remaining $60 and wins: nothing of that payment's rewards is left.
    const charge = stack.stripe.seed(chargeFor(first.pi, 8000, 2000), account);
    const dispute = fixture<Stripe.Dispute>('dispute', { id: newStripeId('dp'), charge: charge.id, payment_intent: first.pi, amount: 6000, status: 'lost', livemode: true });
    await deliver(stack.server, stripeEvent('charge.dispute.closed', dispute, { account }));
    expect(await balancesOf(key, 'externalId=buyer_1')).toMatchObject({ points: 30, balances: [{ unit: 'points', balance: 30 }, { unit: 'usd', balance: 0 }] });
    expect((await balancesOf(key, `creator=${creator.id}`)).points).toBe(150);
    const purchase = (await ledgerOf(key, 'externalId=buyer_1')).find((entry: { trigger: string; amount: number }) => entry.trigger === 'amount_spent' && entry.amount === 0);
    expect(purchase).toMatchObject({ taken_back: 80, conversion: expect.stringMatching(/^conv_/) });
  });

  it('converges when the refund arrives before the payment it refunds', async () => {
    const { key, account, promoCode, creator } = await rewardedReferral();
    await identify(key, promoCode, 'buyer_2');
    const session = seedPaidSession(stack.stripe, account, { amount: 8000, metadata: { shoutout_external_id: 'buyer_2' } });
    await deliver(stack.server, stripeEvent('charge.refunded', chargeFor(session.payment_intent as string, 8000, 4000), { account }));
    await deliver(stack.server, stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account }));
    expect((await balancesOf(key, 'externalId=buyer_2')).points).toBe(10 + 40);
    expect((await balancesOf(key, `creator=${creator.id}`)).points).toBe(100 + 25);
  });

  it('rewards an offline order, and nothing for an order that paid nothing', async () => {
    const { key, promoCode, creator } = await rewardedReferral();
    const order = (orderId: string, amount: number) =>
      request('POST', '/api/conversions', { key, body: { order_id: orderId, amount, currency: 'usd', externalId: 'shopper', coupon_code: promoCode.code } });
    expect((await order('store-1', 3000)).status).toBe(201);
    expect((await order('store-1', 3000)).status).toBe(200);
    expect((await order('store-free', 0)).status).toBe(201);
    expect(await balancesOf(key, 'externalId=shopper')).toMatchObject({ points: 30, balances: [{ unit: 'points' }, { unit: 'usd', balance: 500 }] });
    expect((await balancesOf(key, `creator=${creator.id}`)).points).toBe(50);
  });
});

describe('POST /api/rewards/redeem', () => {
  it('spends points once per reference, refuses more than the balance and a reused reference, writing nothing', async () => {
    const { key, promoCode, scope } = await rewardedReferral();
    await identify(key, promoCode, 'spender');
    const redeem = (body: Record<string, unknown>) => request('POST', '/api/rewards/redeem', { key, body: { externalId: 'spender', ...body } });

    const spent = await redeem({ amount: 6, reference: 'order-9' });
    expect(spent.status).toBe(201);
    expect(await spent.json()).toMatchObject({ object: 'reward_entry', kind: 'redemption', unit: 'points', amount: -6, reference: 'order-9' });
    const retried = await redeem({ amount: 6, reference: 'order-9' });
    expect(retried.status).toBe(200);
    expect(await balancesOf(key, 'externalId=spender')).toMatchObject({ points: 4, balances: [{ unit: 'points', balance: 4, earned: 10, redeemed: 6 }] });

    const tooMuch = await redeem({ amount: 5, reference: 'order-10' });
    expect(tooMuch.status).toBe(422);
    expect((await tooMuch.json()).error).toMatchObject({ code: 'insufficient_balance', param: 'amount' });
    const reused = await redeem({ amount: 2, reference: 'order-9' });
    expect(reused.status).toBe(409);
    expect((await reused.json()).error).toMatchObject({ code: 'reference_reused', param: 'reference' });
    const wrongUnit = await redeem({ amount: 1, unit: 'usd', reference: 'order-11' });
    expect(wrongUnit.status).toBe(422);

    const participant = `customer:${deps().secrets.hashExternalId(scope.orgId, 'spender')}` as const;
    expect((await deps().store.rewardEntries.listFor(scope, participant)).map((entry) => entry.amount).sort()).toEqual([-6, 10]);
  });

  it('never lets spends racing for the same points all through', async () => {
    const { key, promoCode, scope } = await rewardedReferral();
    await identify(key, promoCode, 'racer');
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, index) => request('POST', '/api/rewards/redeem', { key, body: { externalId: 'racer', amount: 4, reference: `race-${index}` } })),
    );
    const accepted = responses.filter((response) => response.status === 201).length;
    expect(accepted).toBeLessThanOrEqual(2);
    expect(responses.every((response) => response.status === 201 || response.status === 422)).toBe(true);
    const participant = `customer:${deps().secrets.hashExternalId(scope.orgId, 'racer')}` as const;
    const balance = (await deps().store.rewardEntries.listFor(scope, participant)).reduce((total, entry) => total + entry.amount, 0);
    expect(balance).toBe(10 - 4 * accepted);
    expect(balance).toBeGreaterThanOrEqual(0);
  });

  it('asks for exactly one of creator and externalId, and 404s an unknown creator', async () => {
    const { key } = await rewardedReferral();
    const both = await request('GET', '/api/rewards/balances?creator=x&externalId=y', { key });
    expect(both.status).toBe(400);
    expect((await both.json()).error).toMatchObject({ param: 'creator' });
    const unknown = await request('GET', '/api/rewards/ledger?creator=nobody', { key });
    expect(unknown.status).toBe(404);
  });
});

describe('reward webhook events', () => {
  it('tells each reward earned, each one a refund cuts, and each spend accepted, never a refused one', async () => {
    const { key, account, promoCode, scope } = await rewardedReferral();
    const hooks = await startReceiver();
    try {
      const endpoint = await request('POST', '/api/webhook_endpoints', { key, body: { url: hooks.url, enabled_events: ['reward_entry.created', 'reward_entry.updated'] } });
      expect(endpoint.status).toBe(201);
      // Signup: 100 for the advocate, 10 for the friend. Purchase of $40: 50 for the advocate, 40 and $5 for the friend.
      await identify(key, promoCode, 'hooked');
      const paid = await paidCheckout(account, 'hooked', 4000);
      // Half refunded: the three purchase rewards are halved.
      expect((await deliver(stack.server, stripeEvent('charge.refunded', chargeFor(paid.pi, 4000, 2000), { account }))).status).toBe(200);
      expect((await request('POST', '/api/rewards/redeem', { key, body: { externalId: 'hooked', amount: 5, reference: 'hook-spent' } })).status).toBe(201);
      expect((await request('POST', '/api/rewards/redeem', { key, body: { externalId: 'hooked', amount: 1000, reference: 'hook-refused' } })).status).toBe(422);

      await hooks.waitFor(9);
      // Anything more (the refused spend) would be on its way by now.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const events = hooks.received.map((delivery) => delivery.event as unknown as { type: string; data: { object: Record<string, unknown> } });
      const created = events.filter((event) => event.type === 'reward_entry.created').map((event) => event.data.object);
      const updated = events.filter((event) => event.type === 'reward_entry.updated').map((event) => event.data.object);
      expect(events).toHaveLength(9);
      expect(created.map((entry) => `${entry.kind}:${entry.trigger}:${entry.unit}`).sort()).toEqual(
        ['redemption:null:points', 'reward:amount_spent:points', 'reward:first_purchase:usd', 'reward:purchase:points', 'reward:signup:points', 'reward:signup:points'].sort(),
      );
      expect(created.find((entry) => entry.kind === 'redemption')).toMatchObject({ object: 'reward_entry', amount: -5, reference: 'hook-spent', participant: { type: 'customer' } });
      expect(updated.map((entry) => [entry.trigger, entry.amount, entry.taken_back]).sort()).toEqual(
        [['amount_spent', 20, 20], ['first_purchase', 250, 250], ['purchase', 25, 25]].sort(),
      );
      // The friend is the brand's user: their id and its hash stay out of the events.
      const hash = deps().secrets.hashExternalId(scope.orgId, 'hooked');
      expect(hooks.received.some((delivery) => delivery.body.includes(hash) || delivery.body.includes('hooked'))).toBe(false);
    } finally {
      await hooks.close();
    }
  });
});
