import type Stripe from 'stripe';
import {
  chargeFor,
  createInstalledOrg,
  createTestReferral,
  deliver,
  fixture,
  newStripeId,
  paymentIntentOfInvoice,
  seedPaidInvoice,
  seedPaidSession,
  stripeStackPerFile,
  stripeEvent,
} from './setup';

const stripeStack = stripeStackPerFile();

const DAY = 86_400;
type Referral = Awaited<ReturnType<typeof createInstalledOrg>> & Awaited<ReturnType<typeof createTestReferral>>;
/** One flow's events for a fresh referral, and a name for each conversion it should end with. */
type Flow = (referral: Referral) => { events: Stripe.Event[]; names: Map<string, string> };

/** Every distinct order of the items (a repeated item is delivered twice, as Stripe redelivers). */
function orders<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  const seen = new Set<T>();
  return items.flatMap((item, index) => {
    if (seen.has(item)) return [];
    seen.add(item);
    return orders([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]);
  });
}

const oneOff: Flow = ({ account, promoCode }) => {
  const session = seedPaidSession(stripeStack().stripe, account, { amount: 8000, promotionCode: promoCode.stripePromotionCodeId });
  const pi = session.payment_intent as string;
  const charge = stripeStack().stripe.seed(chargeFor(pi, 8000, 2000), account);
  const dispute = fixture('dispute', { id: newStripeId('dp'), charge: charge.id, payment_intent: pi, amount: 3000, status: 'lost', livemode: true });
  const paymentIntent = fixture('payment_intent', { id: pi, status: 'succeeded', amount_received: 8000, currency: 'usd', created: session.created });
  const events = [
    stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account }),
    stripeEvent('payment_intent.succeeded', paymentIntent, { account }),
    stripeEvent('charge.refunded', charge, { account }),
    stripeEvent('charge.dispute.closed', dispute, { account }),
  ];
  return { events, names: new Map([[pi, 'sale']]) };
};

/** A subscription bought with the code; `trial` starts it free. Its renewal 40 days on is outside one recurring month. */
const subscription =
  (trial: boolean): Flow =>
  ({ account, promoCode }) => {
    const sub = newStripeId('sub');
    const start = Math.floor(Date.now() / 1000) - 120 * DAY;
    const invoice = (billingReason: 'subscription_create' | 'subscription_cycle', amount: number, created: number) =>
      seedPaidInvoice(stripeStack().stripe, account, { subscription: sub, billingReason, amount, created, promotionCode: billingReason === 'subscription_create' ? promoCode.stripePromotionCodeId : null });
    const first = invoice('subscription_create', trial ? 0 : 3000, start);
    const paidFirst = trial ? invoice('subscription_cycle', 3000, start + 14 * DAY) : first;
    const renewal = invoice('subscription_cycle', 3000, (trial ? start + 14 * DAY : start) + 40 * DAY);
    const seeded = seedPaidSession(stripeStack().stripe, account, { amount: trial ? 0 : 3000, promotionCode: promoCode.stripePromotionCodeId, paymentStatus: trial ? 'no_payment_required' : 'paid' });
    const session = stripeStack().stripe.seed({ ...seeded, mode: 'subscription', payment_intent: null, subscription: sub, invoice: first.id, created: start }, account);
    const events = [
      stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account }),
      ...[first, ...(trial ? [paidFirst] : []), renewal].map((paid) => stripeEvent('invoice.paid', paid, { account })),
      // Refunds are the one-off flow's and this one's without a trial: a sixth event would make 360 orders.
      ...(trial ? [] : [stripeEvent('charge.refunded', chargeFor(paymentIntentOfInvoice(paidFirst), 3000, 1500), { account })]),
    ];
    return { events, names: new Map([[paidFirst.id, 'first paid'], [first.id, 'first'], [renewal.id, 'renewal']]) };
  };

async function finalState(flow: Flow, order: (events: Stripe.Event[]) => Stripe.Event[]) {
  const installed = await createInstalledOrg(stripeStack().server.deps);
  const referral = await createTestReferral(stripeStack().server.deps, installed.scope, {
    campaign: { commission: { type: 'percent', value: 10, recurring_months: 1 } },
  });
  const { events, names } = flow({ ...installed, ...referral });
  for (const event of order(events)) expect((await deliver(stripeStack().server, event)).status).toBe(200);
  const conversions = await stripeStack().server.deps.store.conversions.list(installed.scope);
  return conversions
    .map((c) => ({ name: names.get(c.sourceKey), kind: c.kind, source: c.source, amount: c.amount, commission: c.commission, refunded: c.refunded, status: c.status, creator: c.creatorId === referral.creator.id }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

describe('any order of a flow’s events, duplicates included, ends in the same conversions', () => {
  const cases: [string, Flow, object[]][] = [
    ['one-off checkout, its payment intent, a refund and a lost dispute', oneOff, [
      { name: 'sale', kind: 'checkout', source: 'promotion_code', amount: 8000, commission: 300, refunded: 5000, status: 'partially_refunded', creator: true },
    ]],
    ['subscription without trial, a renewal after the recurring month, a refund of the first', subscription(false), [
      { name: 'first', kind: 'checkout', source: 'promotion_code', amount: 3000, commission: 150, refunded: 1500, status: 'partially_refunded', creator: true },
      { name: 'renewal', kind: 'invoice', source: 'subscription', amount: 3000, commission: 0, refunded: 0, status: 'credited', creator: true },
    ]],
    ['subscription with a trial', subscription(true), [
      { name: 'first', kind: 'checkout', source: 'promotion_code', amount: 0, commission: 0, refunded: 0, status: 'credited', creator: true },
      { name: 'first paid', kind: 'invoice', source: 'subscription', amount: 3000, commission: 300, refunded: 0, status: 'credited', creator: true },
      { name: 'renewal', kind: 'invoice', source: 'subscription', amount: 3000, commission: 0, refunded: 0, status: 'credited', creator: true },
    ]],
  ];
  it.each(cases)('%s', { timeout: 120_000 }, async (_name, flow, expected) => {
    // Positions, the first event twice: every distinct order of them.
    const probe = flow(await probeReferral());
    const positions = [...probe.events.keys(), 0];
    for (const order of orders(positions)) {
      expect(await finalState(flow, (events) => order.map((index) => events[index])), order.join(' ')).toEqual(expected);
    }
  });
});

async function probeReferral(): Promise<Referral> {
  const installed = await createInstalledOrg(stripeStack().server.deps);
  return { ...installed, ...(await createTestReferral(stripeStack().server.deps, installed.scope)) };
}
