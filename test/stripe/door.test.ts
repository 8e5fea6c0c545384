import type Stripe from 'stripe';
import { runCommand } from '../../server/src/cli/commands';
import { syncStripeEvents } from '../../server/src/stripe/sync';
import { mintTestRef } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import {
  chargeFor,
  createInstalledOrg,
  createTestReferral,
  deliver,
  deliverRaw,
  fixture,
  LIVE_WEBHOOK_SECRET,
  newStripeId,
  seedPaidInvoice,
  seedPaidSession,
  stripeStackPerFile,
  stripeEvent,
  TEST_WEBHOOK_SECRET,
} from './setup';

const stripeStack = stripeStackPerFile();

const deps = () => stripeStack().server.deps;
const commission10 = { commission: { type: 'percent' as const, value: 10 } };
const asEvent = (session: Stripe.Checkout.Session) => ({ ...session, discounts: [] });

async function installedReferral() {
  const installed = await createInstalledOrg(deps());
  return { ...installed, ...(await createTestReferral(deps(), installed.scope, { campaign: commission10 })) };
}

/** The events the CLI lists as ignored for the org. */
const listedIgnored = async (org: string) => (await runCommand(deps(), 'stripe ignored', { org })) as { event: string; reason: string; type: string }[];

describe('every handled event is checked at the door', () => {
  it('acknowledges a malformed object with an ignored outcome naming the field, logs it, lists it, and stores nothing', async () => {
    const referral = await installedReferral();
    const { account, scope, org, promoCode } = referral;
    const session = seedPaidSession(stripeStack().stripe, account, { amount: 8000, promotionCode: promoCode.stripePromotionCodeId });
    const paidSession = asEvent(session) as unknown as Record<string, unknown>;
    const invoice = seedPaidInvoice(stripeStack().stripe, account, { subscription: newStripeId('sub'), billingReason: 'subscription_create' }) as unknown as Record<string, unknown>;
    const cases: [type: string, object: Record<string, unknown>, field: string][] = [
      ['checkout.session.completed', { ...paidSession, amount_total: '8000' }, 'data.object.amount_total'],
      ['checkout.session.completed', { ...paidSession, amount_total: 80.5 }, 'data.object.amount_total'],
      ['checkout.session.completed', { ...paidSession, amount_total: 1e308 }, 'data.object.amount_total'],
      ['checkout.session.completed', { ...paidSession, currency: 'xyz' }, 'data.object.currency'],
      ['checkout.session.completed', { ...paidSession, id: { $ne: 'x' } }, 'data.object.id'],
      ['checkout.session.completed', { ...paidSession, payment_intent: 42 }, 'data.object.payment_intent'],
      ['checkout.session.completed', { ...paidSession, discounts: 'all' }, 'data.object.discounts'],
      ['invoice.paid', { ...invoice, total_discount_amounts: {} }, 'data.object.total_discount_amounts'],
      ['invoice.paid', { ...invoice, total_taxes: 'none' }, 'data.object.total_taxes'],
      ['invoice.paid', { ...invoice, payments: { data: {} } }, 'data.object.payments.data'],
      ['invoice.paid', { ...invoice, id: undefined }, 'data.object.id'],
      ['charge.dispute.closed', fixture('dispute', { id: newStripeId('dp'), charge: undefined, status: 'lost' }), 'data.object.charge'],
      ['customer.created', { id: newStripeId('cus'), object: 'customer', email: 42, metadata: {} }, 'data.object.email'],
      ['payment_intent.succeeded', fixture('payment_intent', { id: newStripeId('pi'), status: 'succeeded', amount_received: Number.NaN }), 'data.object.amount_received'],
    ];
    for (const [type, object, field] of cases) {
      const event = stripeEvent(type, object, { account });
      const response = await deliver(stripeStack().server, event);
      expect(response.status, `${type} ${field}`).toBe(200);
      expect(await response.json(), `${type} ${field}`).toEqual({ received: true, outcome: 'ignored', reason: expect.stringContaining(`${field}:`) });
      expect(stripeStack().server.logs.some((line) => line.includes(event.id) && line.includes('"level":40')), `${type} ${field} logged`).toBe(true);
    }
    expect(await deps().store.conversions.list(scope)).toEqual([]);
    const listed = await listedIgnored(org.id);
    expect(listed).toHaveLength(cases.length);
    expect(listed.map((entry) => entry.type).sort()).toEqual(cases.map(([type]) => type).sort());

    // Nothing marked them processed: fixed at the source and replayed, they count.
    const fixed = stripeEvent('checkout.session.completed', paidSession, { account });
    expect((await (await deliver(stripeStack().server, fixed)).json()).outcome).toBe('processed');
    expect(await deps().store.conversions.list(scope)).toHaveLength(1);
  });

  it('keeps operator-shaped ids and stringly amounts out of the store', async () => {
    const { account, scope, org, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { amount: 10_000, promotionCode: promoCode.stripePromotionCodeId });
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));

    for (const id of [{ $ne: 'x' }, null, '']) {
      expect((await (await deliver(stripeStack().server, stripeEvent('coupon.deleted', { object: 'coupon', id }, { account }))).json()).outcome).toBe('ignored');
    }
    expect((await deps().store.promoCodes.get(scope, promoCode.id))!.active).toBe(true);

    const stringly = { ...chargeFor(session.payment_intent as string, 10_000, 0), amount_refunded: '1000' };
    expect((await (await deliver(stripeStack().server, stripeEvent('charge.refunded', stringly, { account }))).json()).outcome).toBe('ignored');
    expect((await deps().store.conversions.list(scope))[0]).toMatchObject({ refunded: 0, status: 'credited', commission: 1000 });

    // An account id that is not one cannot pick an org to uninstall.
    const deauthorize = stripeEvent('account.application.deauthorized', { id: 'ca_app', object: 'application' }, { account });
    const response = await deliver(stripeStack().server, { ...deauthorize, account: { $ne: null } } as unknown as Stripe.Event);
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored', reason: expect.stringContaining('event.account:') });
    expect((await deps().store.orgs.get(org.id))!.uninstalledAt).toBeNull();
  });

  it('ignores an event whose envelope is unusable: a date no calendar has, no data', async () => {
    const { account, scope, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    const good = stripeEvent('checkout.session.completed', asEvent(session), { account });
    for (const [broken, field] of [
      [{ ...good, id: newStripeId('evt'), created: 1e13 }, 'event.created'],
      [{ ...good, id: newStripeId('evt'), created: undefined }, 'event.created'],
      [{ ...good, id: newStripeId('evt'), data: null }, 'event.data'],
      [{ ...good, id: newStripeId('evt'), data: {} }, 'event.data.object'],
    ] as const) {
      const response = await deliver(stripeStack().server, broken as unknown as Stripe.Event);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: true, outcome: 'ignored', reason: expect.stringContaining(`${field}:`) });
    }
    expect(await deps().store.conversions.list(scope)).toEqual([]);
    const ignored = await deps().store.ignoredStripeEvents.list({ limit: 1000 });
    expect(ignored.filter((entry) => entry.account === null && entry.type === 'checkout.session.completed').length).toBeGreaterThanOrEqual(4);
  });

  it('answers a signed body that is not an event with 400 saying so, and a thin event as not handled', async () => {
    for (const body of ['{"id": "evt_1", "object": "event", "type": ', '"just a string"', '{"hello": "world"}']) {
      const response = await deliverRaw(stripeStack().server, body);
      expect(response.status, body).toBe(400);
      expect((await response.json()).error, body).toMatchObject({ code: 'event_invalid', message: expect.stringContaining('signed correctly but is not') });
    }
    const thin = { id: newStripeId('evt'), object: 'v2.core.event', type: 'v1.checkout.session.completed', livemode: false, created: new Date().toISOString(), related_object: { id: newStripeId('cs'), type: 'checkout_session' } };
    const response = await deliverRaw(stripeStack().server, JSON.stringify(thin), TEST_WEBHOOK_SECRET);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored', reason: expect.stringContaining('thin events') });
    expect(await deps().store.stripeEvents.seen(thin.id)).toBe(false);
  });
});

describe('Stripe failures while handling an event', () => {
  it('takes Stripe’s 404 as an answer: acknowledged, listed, not processed', async () => {
    const { account, scope, org } = await installedReferral();
    // A session on another account, or deleted: Stripe has no such object on this one.
    const elsewhere = seedPaidSession(stripeStack().stripe, newStripeId('acct'), {});
    const event = stripeEvent('checkout.session.completed', asEvent(elsewhere), { account });
    const response = await deliver(stripeStack().server, event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored', reason: expect.stringContaining('Stripe answered 404 to reading the checkout session') });
    expect(await deps().store.conversions.list(scope)).toEqual([]);
    expect(await listedIgnored(org.id)).toEqual([expect.objectContaining({ event: event.id, type: 'checkout.session.completed' })]);
    expect(await deps().store.stripeEvents.seen(event.id)).toBe(false);
  });

  it('answers a transient Stripe failure 502 stripe_error, so Stripe retries, and credits the retry', async () => {
    const { account, scope, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    const event = stripeEvent('checkout.session.completed', asEvent(session), { account });
    for (const status of [500, 429]) {
      stripeStack().stripe.failNext('GET', /^\/v1\/checkout\/sessions\//, { status, code: status === 429 ? 'rate_limit' : 'api_error', message: 'Stripe is having a moment' });
      const failed = await deliver(stripeStack().server, event);
      expect(failed.status).toBe(502);
      expect((await failed.json()).error).toMatchObject({ type: 'api_error', code: 'stripe_error', message: expect.stringContaining('Stripe is having a moment') });
      expect(await deps().store.conversions.list(scope)).toEqual([]);
    }
    expect((await (await deliver(stripeStack().server, event)).json()).outcome).toBe('processed');
    expect(await deps().store.conversions.list(scope)).toHaveLength(1);
  });

  it('lets stripe sync replay an ignored event once its object is there', async () => {
    const { account, scope, org, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    const sessionElsewhere = { ...session, id: newStripeId('cs') };
    const event = stripeEvent('checkout.session.completed', asEvent(sessionElsewhere), { account, created: Math.floor(Date.now() / 1000) - 60 });
    expect((await (await deliver(stripeStack().server, event)).json()).outcome).toBe('ignored');
    stripeStack().stripe.seed(sessionElsewhere, account);
    stripeStack().stripe.seedEvent(event as never, account);
    expect(await syncStripeEvents(deps(), { since: new Date(Date.now() - 3_600_000), orgId: org.id })).toMatchObject({ processed: 1 });
    expect(await deps().store.conversions.list(scope)).toHaveLength(1);
  });
});

describe('payment_intent.succeeded: payments outside Checkout', () => {
  const succeeded = (options: { metadata?: Record<string, string>; customer?: string | null; amount?: number; livemode?: boolean }) =>
    fixture<Stripe.PaymentIntent>('payment_intent', {
      id: newStripeId('pi'),
      status: 'succeeded',
      amount: options.amount ?? 5000,
      amount_received: options.amount ?? 5000,
      currency: 'eur',
      customer: options.customer ?? null,
      metadata: options.metadata ?? {},
      livemode: options.livemode ?? true,
      created: Math.floor(Date.now() / 1000) - 30,
    });

  it('credits the creator from the click token or the user id in metadata, or the customer’s binding, on the connected account', async () => {
    const { account, scope, creator, campaign, promoCode, key } = await installedReferral();
    const ref = await mintTestRef(deps(), promoCode);
    for (const externalId of ['elements_user', 'customer_user']) {
      expect((await stripeStack().server.request('POST', '/api/customers/identify', { key, body: { externalId, ref } })).status).toBe(204);
    }
    const customer = newStripeId('cus');
    await deliver(stripeStack().server, stripeEvent('customer.created', { id: customer, object: 'customer', email: null, metadata: { shoutout_external_id: 'customer_user' } }, { account }));
    const byMetadata = succeeded({ metadata: { shoutout_external_id: 'elements_user' } });
    const byCustomer = succeeded({ customer, amount: 2000 });
    const unattributed = succeeded({ metadata: { shoutout_external_id: 'nobody' } });
    const before = stripeStack().stripe.requests.length;
    for (const paymentIntent of [byMetadata, byCustomer, unattributed]) {
      const response = await deliver(stripeStack().server, stripeEvent('payment_intent.succeeded', paymentIntent, { account }));
      expect(await response.json()).toEqual({ received: true, outcome: 'processed' });
    }
    // Each was checked against Checkout and invoices on the brand's account before being credited.
    const asked = stripeStack().stripe.requests.slice(before);
    expect(asked.filter((r) => r.path === '/v1/checkout/sessions').map((r) => r.params.payment_intent)).toEqual([byMetadata.id, byCustomer.id, unattributed.id]);
    expect(asked.filter((r) => r.path === '/v1/invoice_payments')).toHaveLength(3);
    expect(asked.every((r) => r.account === account)).toBe(true);

    const stored = await deps().store.conversions.list(scope);
    expect(stored).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'payment_intent', sourceKey: byMetadata.id, paymentIntentId: byMetadata.id, source: 'customer', creatorId: creator.id, campaignId: campaign.id, amount: 5000, currency: 'eur', commission: 500 }),
        expect.objectContaining({ kind: 'payment_intent', sourceKey: byCustomer.id, stripeCustomerId: customer, source: 'customer', amount: 2000, commission: 200 }),
      ]),
    );
    expect(stored).toHaveLength(2);

    // Its refunds and lost disputes reach it as a checkout's do.
    await deliver(stripeStack().server, stripeEvent('charge.refunded', chargeFor(byMetadata.id, 5000, 1000), { account }));
    expect(await deps().store.conversions.findBySource(scope, byMetadata.id)).toMatchObject({ refunded: 1000, commission: 400, status: 'partially_refunded' });
  });

  it('leaves a Checkout Session’s or an invoice’s payment intent to their own events: one credit per payment', async () => {
    const { account, scope, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId, metadata: { shoutout_external_id: 'someone' } });
    const invoice = seedPaidInvoice(stripeStack().stripe, account, { subscription: newStripeId('sub'), billingReason: 'subscription_cycle', promotionCode: promoCode.stripePromotionCodeId });
    const ofSession = succeeded({ metadata: { shoutout_external_id: 'someone' } });
    const ofInvoice = succeeded({});
    for (const paymentIntent of [
      { ...ofSession, id: session.payment_intent as string },
      { ...ofInvoice, id: invoice.payments!.data[0].payment.payment_intent as string },
    ]) {
      expect((await (await deliver(stripeStack().server, stripeEvent('payment_intent.succeeded', paymentIntent, { account }))).json()).outcome).toBe('processed');
    }
    expect(await deps().store.conversions.list(scope)).toEqual([]);
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));
    expect(await deps().store.conversions.list(scope)).toEqual([expect.objectContaining({ kind: 'checkout', sourceKey: session.payment_intent })]);
  });

  it('ignores, saying why, a payment intent in a mode with no Stripe key to check it against', async () => {
    const keyless = await startTestServer({
      STRIPE_SECRET_KEY: 'sk_live_platform',
      STRIPE_WEBHOOK_SECRET: LIVE_WEBHOOK_SECRET,
      STRIPE_TEST_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_BASE: stripeStack().stripe.url,
    });
    try {
      const installed = await createInstalledOrg(keyless.deps, {}, false);
      const event = stripeEvent('payment_intent.succeeded', succeeded({ livemode: false, metadata: { shoutout_external_id: 'x' } }), { account: installed.account, livemode: false });
      expect(await (await deliver(keyless, event)).json()).toEqual({ received: true, outcome: 'ignored', reason: expect.stringContaining('STRIPE_TEST_SECRET_KEY') });
      expect(await keyless.deps.store.ignoredStripeEvents.list({ orgId: installed.org.id, limit: 10 })).toEqual([expect.objectContaining({ eventId: event.id, livemode: false })]);
    } finally {
      await keyless.stop();
    }
  });
});
