import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { createCreator, createPromoCode } from '../../server/src/catalog/service';
import type { OrgScope } from '../../server/src/orgs/repo';
import { createTestOrg, mintTestRef } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import {
  chargeFor,
  createInstalledOrg,
  createTestReferral,
  deliver,
  fixture,
  LIVE_WEBHOOK_SECRET,
  newStripeId,
  paymentIntentOfInvoice,
  seedPaidInvoice,
  seedPaidSession,
  startStripeStack,
  stripeStackPerFile,
  stripeEvent,
  TEST_WEBHOOK_SECRET,
} from './setup';

const stripeStack = stripeStackPerFile();

const deps = () => stripeStack().server.deps;
const commission10 = { commission: { type: 'percent' as const, value: 10 } };

async function installedReferral(orgInput = {}, campaign: Record<string, unknown> = commission10) {
  const installed = await createInstalledOrg(deps(), orgInput);
  const referral = await createTestReferral(deps(), installed.scope, { campaign });
  return { ...installed, ...referral };
}

/** What Stripe's webhook carries: the session without expanded discounts. */
const asEvent = (session: Stripe.Checkout.Session) => ({ ...session, discounts: [] });
const conversionsOf = (scope: OrgScope) => deps().store.conversions.list(scope);

/** A visit through the referral's link, as the pixel stores it; returns the click token. */
async function storedClick(scope: OrgScope, { promoCode, creator, campaign }: Awaited<ReturnType<typeof createTestReferral>>, createdAt: Date) {
  const id = `clk_${newStripeId('x').slice(2)}`;
  await deps().store.clicks.create({
    ...scope,
    id,
    code: promoCode.code,
    promoCodeId: promoCode.id,
    creatorId: creator.id,
    campaignId: campaign.id,
    landingUrl: `https://brand.test/?infl=${promoCode.code}`,
    referrer: null,
    userAgent: null,
    ipHash: null,
    source: 'pixel',
    createdAt,
  });
  return id;
}

/** A referred $80 checkout, credited: the start of every refund and dispute story. */
async function creditedCheckout() {
  const referral = await installedReferral();
  const { account, promoCode } = referral;
  const session = seedPaidSession(stripeStack().stripe, account, { amount: 8000, promotionCode: promoCode.stripePromotionCodeId });
  await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));
  return { ...referral, pi: session.payment_intent as string };
}

describe('POST /api/stripe/webhooks', () => {
  it('refuses a bad signature with 400 and stores nothing', async () => {
    const { account, scope, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    const event = stripeEvent('checkout.session.completed', asEvent(session), { account });

    const forged = await deliver(stripeStack().server, event, 'whsec_not_ours');
    expect(forged.status).toBe(400);
    expect((await forged.json()).error.code).toBe('signature_invalid');
    const unsigned = await stripeStack().server.request('POST', '/api/stripe/webhooks', { body: JSON.stringify(event) });
    expect(unsigned.status).toBe(400);
    expect(await deps().store.stripeEvents.seen(event.id)).toBe(false);
    expect(await conversionsOf(scope)).toEqual([]);
  });

  it('refuses every event while no signing secret is configured, naming the setting', async () => {
    const unconfigured = await startTestServer();
    try {
      const event = stripeEvent('checkout.session.completed', { id: newStripeId('cs'), object: 'checkout.session' }, { account: newStripeId('acct') });
      const response = await deliver(unconfigured, event);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: 'webhooks_not_configured', message: expect.stringContaining('STRIPE_WEBHOOK_SECRET') });
      expect(await unconfigured.deps.store.stripeEvents.seen(event.id)).toBe(false);
    } finally {
      await unconfigured.stop();
    }
  });

  it('credits a one-off checkout to the redeemed promotion code, fetching the session on the connected account', async () => {
    const { account, scope, promoCode, creator, campaign } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { amount: 8000, discount: 2000, promotionCode: promoCode.stripePromotionCodeId });
    const before = stripeStack().stripe.requests.length;

    const response = await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: 'processed' });

    const [retrieve] = stripeStack().stripe.requests.slice(before);
    expect(retrieve).toMatchObject({ method: 'GET', path: `/v1/checkout/sessions/${session.id}`, account, params: { expand: ['discounts.promotion_code'] } });
    expect(await conversionsOf(scope)).toEqual([
      expect.objectContaining({
        sourceKey: session.payment_intent,
        kind: 'checkout',
        checkoutSessionId: session.id,
        paymentIntentId: session.payment_intent,
        creatorId: creator.id,
        campaignId: campaign.id,
        promoCodeId: promoCode.id,
        code: promoCode.code,
        source: 'promotion_code',
        amount: 8000,
        discount: 2000,
        currency: 'usd',
        commissionBase: 800,
        commission: 800,
        refunded: 0,
        status: 'credited',
        flag: null,
      }),
    ]);
  });

  it('processes each event once and one conversion per payment under duplicates and replays', async () => {
    const { account, scope, promoCode } = await installedReferral();
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    const event = stripeEvent('checkout.session.completed', asEvent(session), { account });

    const outcomes = await Promise.all([deliver(stripeStack().server, event), deliver(stripeStack().server, event)].map(async (r) => (await r).json()));
    expect(outcomes.every((body) => body.received)).toBe(true);
    expect((await (await deliver(stripeStack().server, event)).json()).outcome).toBe('duplicate');
    // Stripe also sends async_payment_succeeded for the same session: still one conversion.
    await deliver(stripeStack().server, stripeEvent('checkout.session.async_payment_succeeded', asEvent(session), { account }));
    expect(await conversionsOf(scope)).toHaveLength(1);
  });

  it('credits a bank debit when it settles, dated then, to the click it was bought through', async () => {
    const referral = await installedReferral();
    const { account, scope, creator } = referral;
    const checkedOutAt = Math.floor(Date.now() / 1000) - 4 * 86_400;
    // 28 days before checkout, 31 before the debit settles: inside the 30-day window only at checkout.
    const clickId = await storedClick(scope, referral, new Date((checkedOutAt - 28 * 86_400) * 1000));
    const unpaid = seedPaidSession(stripeStack().stripe, account, { clientReferenceId: clickId, paymentStatus: 'unpaid' });
    const session = stripeStack().stripe.seed({ ...unpaid, created: checkedOutAt }, account);
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));
    expect(await conversionsOf(scope)).toEqual([]);

    // Settled: Stripe now has the session paid, but a retry of the completion, whose copy was
    // unpaid, cannot say since when, so it still credits nothing.
    stripeStack().stripe.seed({ ...session, payment_status: 'paid' }, account);
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));
    expect(await conversionsOf(scope)).toEqual([]);

    const settledAt = checkedOutAt + 3 * 86_400;
    const settled = stripeEvent('checkout.session.async_payment_succeeded', asEvent({ ...session, payment_status: 'paid' }), { account, created: settledAt });
    expect((await (await deliver(stripeStack().server, settled)).json()).outcome).toBe('processed');
    expect(await conversionsOf(scope)).toEqual([
      expect.objectContaining({ source: 'click', clickId, creatorId: creator.id, commission: 800, createdAt: new Date(settledAt * 1000) }),
    ]);
  });

  it('reduces the credit proportionally on partial and full refunds, ignoring stale ones', async () => {
    const { account, scope, pi } = await creditedCheckout();

    await deliver(stripeStack().server, stripeEvent('charge.refunded', chargeFor(pi, 8000, 2000), { account }));
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 2000, commission: 600, status: 'partially_refunded' });

    const full = chargeFor(pi, 8000, 8000);
    await deliver(stripeStack().server, stripeEvent('charge.refunded', full, { account }));
    // A late retry of the partial refund must not undo the full one.
    await deliver(stripeStack().server, stripeEvent('charge.refunded', chargeFor(pi, 8000, 2000), { account }));
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 8000, commission: 0, status: 'refunded', chargeId: full.id });
  });

  it('takes commission back when a dispute is lost, counting the charge’s own refunds, and keeps it when one is won', async () => {
    const { account, scope, pi } = await creditedCheckout();
    // $20 refunded, then the buyer disputes the remaining $60.
    const charge = stripeStack().stripe.seed(chargeFor(pi, 8000, 2000), account);
    const closed = (status: Stripe.Dispute.Status) =>
      stripeEvent('charge.dispute.closed', fixture<Stripe.Dispute>('dispute', { id: newStripeId('dp'), charge: charge.id, payment_intent: pi, amount: 6000, status, livemode: true }), { account });

    expect((await deliver(stripeStack().server, closed('won'))).status).toBe(200);
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 0, commission: 800, status: 'credited' });
    await deliver(stripeStack().server, closed('lost'));
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 8000, commission: 0, status: 'refunded', chargeId: charge.id });
    expect(stripeStack().stripe.requestsTo('GET', new RegExp(`^/v1/charges/${charge.id}$`))).toEqual([expect.objectContaining({ account })]);
  });

  it('counts a refund made after a partial dispute was lost on top of it', async () => {
    const { account, scope, pi } = await creditedCheckout();
    const charge = stripeStack().stripe.seed(chargeFor(pi, 8000, 0), account);
    const dispute = fixture<Stripe.Dispute>('dispute', { id: newStripeId('dp'), charge: charge.id, payment_intent: pi, amount: 3000, status: 'lost', livemode: true });
    await deliver(stripeStack().server, stripeEvent('charge.dispute.closed', dispute, { account }));
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 3000, commission: 500, status: 'partially_refunded' });

    // The brand then refunds $20 of the $50 left: its charge has refunded $20, and $50 is gone in all.
    await deliver(stripeStack().server, stripeEvent('charge.refunded', chargeFor(pi, 8000, 2000), { account }));
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 5000, commission: 300, status: 'partially_refunded' });
    // Replaying the dispute's close changes nothing.
    await deliver(stripeStack().server, stripeEvent('charge.dispute.closed', dispute, { account }));
    expect((await conversionsOf(scope))[0]).toMatchObject({ refunded: 5000, commission: 300 });
  });

  it('converges to the same state when the refund arrives before its checkout', async () => {
    const results = [];
    for (const order of ['refund first', 'checkout first', 'together'] as const) {
      const { account, scope, promoCode } = await installedReferral();
      const session = seedPaidSession(stripeStack().stripe, account, { amount: 8000, promotionCode: promoCode.stripePromotionCodeId });
      const checkout = stripeEvent('checkout.session.completed', asEvent(session), { account });
      const refund = stripeEvent('charge.refunded', chargeFor(session.payment_intent as string, 8000, 3000), { account });
      if (order === 'together') {
        const responses = await Promise.all([deliver(stripeStack().server, refund), deliver(stripeStack().server, checkout)]);
        expect(responses.map((r) => r.status)).toEqual([200, 200]);
      }
      for (const event of order === 'refund first' ? [refund, checkout] : order === 'checkout first' ? [checkout, refund] : []) {
        expect((await deliver(stripeStack().server, event)).status).toBe(200);
      }
      const [conversion] = await conversionsOf(scope);
      results.push({ refunded: conversion.refunded, commission: conversion.commission, status: conversion.status });
    }
    expect(results).toEqual(Array(3).fill({ refunded: 3000, commission: 500, status: 'partially_refunded' }));
  });

  it('counts a subscription checkout and its first invoice once, then renewals within the recurring months', async () => {
    const { account, scope, promoCode } = await installedReferral({}, { commission: { type: 'percent', value: 10, recurring_months: 2 } });
    const subscription = newStripeId('sub');
    const start = Math.floor(Date.now() / 1000) - 90 * 86_400;
    const first = seedPaidInvoice(stripeStack().stripe, account, {
      subscription,
      billingReason: 'subscription_create',
      amount: 3000,
      promotionCode: promoCode.stripePromotionCodeId,
      created: start,
    });
    const session = seedPaidSession(stripeStack().stripe, account, { amount: 3000, promotionCode: promoCode.stripePromotionCodeId });
    stripeStack().stripe.seed({ ...session, mode: 'subscription', payment_intent: null, subscription, invoice: first.id, created: start }, account);

    // The invoice event first, then the session: one conversion keyed on the invoice.
    await deliver(stripeStack().server, stripeEvent('invoice.paid', first, { account }));
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));
    expect(await conversionsOf(scope)).toEqual([
      expect.objectContaining({ sourceKey: first.id, kind: 'checkout', subscriptionId: subscription, paymentIntentId: paymentIntentOfInvoice(first), commission: 300 }),
    ]);

    const month = 30 * 86_400;
    for (const created of [start + month, start + 2 * month + 86_400]) {
      const renewal = seedPaidInvoice(stripeStack().stripe, account, { subscription, billingReason: 'subscription_cycle', amount: 3000, created });
      await deliver(stripeStack().server, stripeEvent('invoice.paid', renewal, { account }));
    }
    const stored = await conversionsOf(scope);
    expect(stored.map((c) => [c.kind, c.source, c.commission])).toEqual([
      ['invoice', 'subscription', 0],
      ['invoice', 'subscription', 300],
      ['checkout', 'promotion_code', 300],
    ]);

    // Refunding a renewal's payment reaches that renewal's conversion.
    const renewalPi = stored[1].paymentIntentId!;
    await deliver(stripeStack().server, stripeEvent('charge.refunded', chargeFor(renewalPi, 3000, 3000), { account }));
    expect((await deps().store.conversions.get(scope, stored[1].id))!.status).toBe('refunded');
  });

  it('credits a trial’s start without commission, and its first payment as the first, not a renewal', async () => {
    const { account, scope, promoCode } = await installedReferral({}, { commission: { type: 'fixed', value: 500, recurring_months: 1 } });
    const subscription = newStripeId('sub');
    const day = 86_400;
    const start = Math.floor(Date.now() / 1000) - 90 * day;
    const trial = seedPaidInvoice(stripeStack().stripe, account, { subscription, billingReason: 'subscription_create', amount: 0, promotionCode: promoCode.stripePromotionCodeId, created: start });
    const session = seedPaidSession(stripeStack().stripe, account, { amount: 0, paymentStatus: 'no_payment_required', promotionCode: promoCode.stripePromotionCodeId });
    stripeStack().stripe.seed({ ...session, mode: 'subscription', payment_intent: null, subscription, invoice: trial.id, created: start }, account);
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));

    // A 31-day trial: the first payment comes more than a month after the subscription started.
    for (const created of [start + 31 * day, start + 62 * day]) {
      const invoice = seedPaidInvoice(stripeStack().stripe, account, { subscription, billingReason: 'subscription_cycle', amount: 3000, created });
      await deliver(stripeStack().server, stripeEvent('invoice.paid', invoice, { account }));
    }
    const stored = await conversionsOf(scope);
    expect(stored.map((c) => [c.kind, c.amount, c.commission])).toEqual([
      ['invoice', 3000, 0],
      ['invoice', 3000, 500],
      ['checkout', 0, 0],
    ]);
  });

  it('dates an invoice’s sale by its payment: a renewal recovered by retries after the recurring months earns nothing', async () => {
    const { account, scope, promoCode } = await installedReferral({}, { commission: { type: 'fixed', value: 500, recurring_months: 1 } });
    const subscription = newStripeId('sub');
    const day = 86_400;
    const start = Math.floor(Date.now() / 1000) - 90 * day;
    const first = seedPaidInvoice(stripeStack().stripe, account, {
      subscription,
      billingReason: 'subscription_create',
      promotionCode: promoCode.stripePromotionCodeId,
      created: start,
      paidAt: start + 120,
    });
    const session = seedPaidSession(stripeStack().stripe, account, { amount: 3000, promotionCode: promoCode.stripePromotionCodeId });
    stripeStack().stripe.seed({ ...session, mode: 'subscription', payment_intent: null, subscription, invoice: first.id, created: start }, account);
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));

    // Billed within the first month, paid on the fourth retry, twelve days after the month ended.
    const renewal = seedPaidInvoice(stripeStack().stripe, account, { subscription, billingReason: 'subscription_cycle', created: start + 28 * day, paidAt: start + 43 * day });
    await deliver(stripeStack().server, stripeEvent('invoice.paid', renewal, { account }));
    const stored = await conversionsOf(scope);
    expect(stored.map((c) => [c.sourceKey, c.createdAt.getTime() / 1000, c.commission])).toEqual([
      [renewal.id, start + 43 * day, 0],
      [first.id, start + 120, 500],
    ]);
  });

  it('acknowledges and ignores events from accounts with no org', async () => {
    const account = newStripeId('acct');
    const event = stripeEvent('checkout.session.completed', { id: newStripeId('cs') }, { account });
    const response = await deliver(stripeStack().server, event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, outcome: 'ignored', reason: `no installed org for ${account}` });
    expect(stripeStack().stripe.requests.some((r) => r.account === account)).toBe(false);
  });

  it('files a test-mode event under test mode, and refuses an event whose mode is not its secret’s', async () => {
    const installed = await createInstalledOrg(deps(), {}, false);
    const { promoCode } = await createTestReferral(deps(), installed.scope, { campaign: commission10 });
    const session = seedPaidSession(stripeStack().stripe, installed.account, { promotionCode: promoCode.stripePromotionCodeId, livemode: false });
    const account = installed.account;
    const testEvent = stripeEvent('checkout.session.completed', asEvent(session), { account, livemode: false });
    // The test secret is the one on laptops and in CI: it must not move live data, nor the live one test data.
    const claimsLive = stripeEvent('checkout.session.completed', asEvent(session), { account, livemode: true });
    const before = stripeStack().stripe.requests.length;
    for (const [event, secret] of [[claimsLive, TEST_WEBHOOK_SECRET], [testEvent, LIVE_WEBHOOK_SECRET]] as const) {
      const refused = await deliver(stripeStack().server, event, secret);
      expect(refused.status).toBe(400);
      expect((await refused.json()).error).toMatchObject({ code: 'livemode_mismatch', message: expect.stringContaining('Nothing was stored') });
      expect(await deps().store.stripeEvents.seen(event.id)).toBe(false);
    }
    expect(stripeStack().stripe.requests.length).toBe(before);
    expect(await conversionsOf({ ...installed.scope, livemode: true })).toEqual([]);
    expect(await conversionsOf(installed.scope)).toEqual([]);

    expect((await deliver(stripeStack().server, testEvent)).status).toBe(200);
    expect(stripeStack().stripe.requests.slice(before).every((r) => !r.livemode)).toBe(true);
    expect(await conversionsOf(installed.scope)).toHaveLength(1);
    expect(await conversionsOf({ ...installed.scope, livemode: true })).toEqual([]);
  });

  it('attributes by click token, and lets the link beat the code when the org says so', async () => {
    for (const codeBeatsLink of [true, false]) {
      const { account, scope, promoCode, creator } = await installedReferral({ code_beats_link: codeBeatsLink });
      const linked = await createTestReferral(deps(), scope, { campaign: commission10 });
      const clickId = await storedClick(scope, linked, new Date());
      const onlyClick = seedPaidSession(stripeStack().stripe, account, { clientReferenceId: clickId });
      const both = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId, metadata: { shoutout_click_id: clickId } });
      for (const session of [onlyClick, both]) await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));

      const byPayment = async (session: Stripe.Checkout.Session) => (await deps().store.conversions.findBySource(scope, session.payment_intent as string))!;
      expect(await byPayment(onlyClick)).toMatchObject({ source: 'click', clickId, creatorId: linked.creator.id });
      expect((await byPayment(both)).creatorId).toBe(codeBeatsLink ? creator.id : linked.creator.id);
    }
  });

  it('attributes by a bound customer: the user id in session metadata or on the Stripe customer', async () => {
    const { account, scope, promoCode, creator, key } = await installedReferral();
    const ref = await mintTestRef(deps(), promoCode);
    for (const externalId of ['user_meta', 'user_customer']) {
      expect((await stripeStack().server.request('POST', '/api/customers/identify', { key, body: { externalId, ref } })).status).toBe(204);
    }
    const viaMetadata = seedPaidSession(stripeStack().stripe, account, { metadata: { userId: 'user_meta' } });
    const customer = newStripeId('cus');
    await deliver(stripeStack().server, stripeEvent('customer.created', { id: customer, object: 'customer', email: null, metadata: { shoutout_external_id: 'user_customer' } }, { account }));
    const viaCustomer = seedPaidSession(stripeStack().stripe, account, { customer });
    for (const session of [viaMetadata, viaCustomer]) await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));

    const stored = await conversionsOf(scope);
    expect(stored.map((c) => [c.source, c.creatorId])).toEqual([
      ['customer', creator.id],
      ['customer', creator.id],
    ]);
    const hashOf = (externalId: string) => deps().secrets.hashExternalId(scope.orgId, externalId);
    const link = await deps().store.customerLinks.get(scope, customer);
    expect(link!.externalIdHash).toBe(hashOf('user_customer'));
    expect(JSON.stringify(link)).not.toContain('user_customer');

    // A customer.updated older than the one already applied changes nothing.
    const created = Math.floor(Date.now() / 1000);
    const customerWith = (externalId: string) => ({ id: customer, object: 'customer', email: null, metadata: { shoutout_external_id: externalId } });
    await deliver(stripeStack().server, stripeEvent('customer.updated', customerWith('user_newer'), { account, created: created + 60 }));
    await deliver(stripeStack().server, stripeEvent('customer.updated', customerWith('user_older'), { account, created: created + 30 }));
    expect((await deps().store.customerLinks.get(scope, customer))!.externalIdHash).toBe(hashOf('user_newer'));
  });

  it('flags a self-referral instead of crediting it', async () => {
    const installed = await createInstalledOrg(deps());
    const { campaign } = await createTestReferral(deps(), installed.scope, { campaign: commission10 });
    const annie = await createCreator(deps(), installed.scope, { handle: `self${Date.now()}`, email: 'annie@creator.test' });
    const own = await createPromoCode(deps(), installed.scope, { code: `SELF${Date.now()}`, creator: annie.id, campaign: campaign.id });
    // Annie buys through her own code.
    const session = seedPaidSession(stripeStack().stripe, installed.account, { email: 'Annie@Creator.test', promotionCode: own.stripePromotionCodeId });
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account: installed.account }));
    // Or pays as a Stripe customer carrying her email, whatever the session says.
    const customer = newStripeId('cus');
    const account = installed.account;
    await deliver(stripeStack().server, stripeEvent('customer.updated', { id: customer, object: 'customer', email: 'annie@creator.test', metadata: {} }, { account }));
    const asCustomer = seedPaidSession(stripeStack().stripe, account, { email: 'other@example.com', customer, promotionCode: own.stripePromotionCodeId });
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(asCustomer), { account }));

    // Or a creator known by her Stripe customer pays as that customer under another email.
    const bobCustomer = newStripeId('cus');
    const bob = await createCreator(deps(), installed.scope, { handle: `bob${Date.now()}`, stripe_customer_id: bobCustomer });
    const bobCode = await createPromoCode(deps(), installed.scope, { code: `BOB${Date.now()}`, creator: bob.id, campaign: campaign.id });
    const bobBuys = seedPaidSession(stripeStack().stripe, account, { email: 'bob@elsewhere.test', customer: bobCustomer, promotionCode: bobCode.stripePromotionCodeId });
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(bobBuys), { account }));

    const stored = await conversionsOf(installed.scope);
    expect(stored).toHaveLength(3);
    expect(stored).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ creatorId: bob.id, stripeCustomerId: bobCustomer, status: 'flagged', flag: 'self_referral', commission: 0 }),
        expect.objectContaining({ stripeCustomerId: customer, status: 'flagged', flag: 'self_referral', commission: 0 }),
        expect.objectContaining({ checkoutSessionId: session.id, creatorId: annie.id, status: 'flagged', flag: 'self_referral', commission: 0, commissionBase: 0 }),
      ]),
    );
  });

  it('creates the org on install and keeps its history on uninstall', async () => {
    const account = newStripeId('acct');
    await deliver(stripeStack().server, stripeEvent('account.application.authorized', { id: 'ca_app', object: 'application', name: 'Shoutout' }, { account }));
    const org = (await deps().store.orgs.findByStripeAccount(account))!;
    expect(org).toMatchObject({ stripeAccountId: account, uninstalledAt: null });

    const scope = { orgId: org.id, livemode: true };
    const { promoCode } = await createTestReferral(deps(), scope, { campaign: commission10 });
    const session = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(session), { account }));

    await deliver(stripeStack().server, stripeEvent('account.application.deauthorized', { id: 'ca_app', object: 'application' }, { account }));
    expect((await deps().store.orgs.get(org.id))!.uninstalledAt).toBeInstanceOf(Date);
    expect(await conversionsOf(scope)).toHaveLength(1);
    const late = seedPaidSession(stripeStack().stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    expect(await (await deliver(stripeStack().server, stripeEvent('checkout.session.completed', asEvent(late), { account }))).json()).toMatchObject({ outcome: 'ignored' });

    await deliver(stripeStack().server, stripeEvent('account.application.authorized', { id: 'ca_app', object: 'application' }, { account }));
    expect((await deps().store.orgs.get(org.id))!.uninstalledAt).toBeNull();
  });

  it('creates one org when install events for an account arrive at once', async () => {
    const account = newStripeId('acct');
    const installs = Array.from({ length: 5 }, () => stripeEvent('account.application.authorized', { id: 'ca_app', object: 'application' }, { account }));
    const responses = await Promise.all(installs.map((event) => deliver(stripeStack().server, event)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await deps().store.orgs.listInstalled()).toEqual(expect.arrayContaining([expect.objectContaining({ stripeAccountId: account })]));
    expect((await deps().store.orgs.listInstalled()).filter((org) => org.stripeAccountId === account)).toHaveLength(1);
  });

  it('routes events without an account to STRIPE_ORG_ID, acting with the brand’s own key', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-single-'));
    const setup = await startStripeStack({}, { dataDir });
    const { org, scope } = await createTestOrg(setup.server.deps);
    const { promoCode } = await createTestReferral(setup.server.deps, scope, { campaign: commission10 });
    await setup.stop();
    const single = await startStripeStack({ STRIPE_ORG_ID: org.id }, { dataDir });
    try {
      const session = seedPaidSession(single.stripe, null, { promotionCode: promoCode.stripePromotionCodeId });
      expect((await deliver(single.server, stripeEvent('checkout.session.completed', asEvent(session)))).status).toBe(200);
      expect(single.stripe.requests.map((r) => r.account)).toEqual([null]);
      expect(await single.server.deps.store.conversions.list(scope)).toHaveLength(1);
    } finally {
      await single.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
