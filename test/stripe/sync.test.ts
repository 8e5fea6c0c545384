import { conversionForPayment } from '../../server/src/conversions/service';
import { runCommand } from '../../server/src/cli/commands';
import { syncStripeEvents } from '../../server/src/stripe/sync';
import { createTestOrg } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import { chargeFor, createInstalledOrg, deliver, createTestReferral, seedPaidSession, startStripeStack, stripeEvent } from './setup';

let stack: Awaited<ReturnType<typeof startStripeStack>>;
beforeAll(async () => {
  stack = await startStripeStack();
});
afterAll(() => stack.stop());

describe('syncStripeEvents', () => {
  it('replays missed events from Stripe’s event list through the same handlers, idempotently', async () => {
    const deps = stack.server.deps;
    const { account, scope, org } = await createInstalledOrg(deps);
    const { promoCode } = await createTestReferral(deps, scope, { campaign: { commission: { type: 'percent', value: 10 } } });
    const session = seedPaidSession(stack.stripe, account, { amount: 8000, promotionCode: promoCode.stripePromotionCodeId });
    const now = Math.floor(Date.now() / 1000);
    // Newest first in Stripe's list; the refund happened after the checkout.
    stack.stripe.seedEvent(stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { created: now - 60 }) as never, account);
    stack.stripe.seedEvent(stripeEvent('charge.refunded', chargeFor(session.payment_intent as string, 8000, 4000), { created: now - 30 }) as never, account);
    stack.stripe.seedEvent(stripeEvent('checkout.session.completed', { id: 'cs_too_old' }, { created: now - 10 * 86_400 }) as never, account);

    const since = new Date((now - 3600) * 1000);
    expect(await syncStripeEvents(deps, { since, orgId: org.id })).toEqual({ processed: 2, duplicate: 0, ignored: 0, orgs: 1 });
    // Both modes are listed on the org's account, each with its own key.
    const listings = stack.stripe.requestsTo('GET', /^\/v1\/events$/);
    expect(listings.map((r) => [r.account, r.livemode])).toEqual([
      [account, true],
      [account, false],
    ]);
    expect(listings[0].params).toMatchObject({ created: { gte: String(now - 3600) }, types: expect.arrayContaining(['charge.refunded', 'invoice.paid']) });
    expect(await deps.store.conversions.list(scope)).toEqual([expect.objectContaining({ refunded: 4000, commission: 400, status: 'partially_refunded' })]);

    expect(await syncStripeEvents(deps, { since, orgId: org.id })).toEqual({ processed: 0, duplicate: 2, ignored: 0, orgs: 1 });
    expect(await deps.store.conversions.list(scope)).toHaveLength(1);
  });

  it('syncs every installed account when no org is named, through the CLI command', async () => {
    const deps = stack.server.deps;
    const installed = [await createInstalledOrg(deps), await createInstalledOrg(deps)];
    const uninstalled = await createInstalledOrg(deps);
    await deps.store.orgs.update(uninstalled.org.id, { uninstalledAt: new Date() });
    const now = Math.floor(Date.now() / 1000);
    for (const { account, scope } of [...installed, uninstalled]) {
      const { promoCode } = await createTestReferral(deps, scope);
      const session = seedPaidSession(stack.stripe, account, { amount: 5000, promotionCode: promoCode.stripePromotionCodeId });
      stack.stripe.seedEvent(stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { created: now - 5 }) as never, account);
    }

    const summary = (await runCommand(deps, 'stripe sync', { since: new Date((now - 60) * 1000).toISOString() })) as { processed: number };
    expect(summary.processed).toBeGreaterThanOrEqual(2);
    for (const { scope } of installed) expect(await deps.store.conversions.list(scope)).toHaveLength(1);
    expect(await deps.store.conversions.list(uninstalled.scope)).toHaveLength(0);
    const listedAccounts = new Set(stack.stripe.requestsTo('GET', /^\/v1\/events$/).map((request) => request.account));
    expect(listedAccounts).not.toContain(uninstalled.account);

    await expect(runCommand(deps, 'stripe sync', { since: 'yesterday-ish' })).rejects.toMatchObject({ param: 'since' });
  });

  it('refuses, saying why, a sync that has no Stripe account to read', async () => {
    const deps = stack.server.deps;
    const { org } = await createTestOrg(deps);
    const before = stack.stripe.requestsTo('GET', /^\/v1\/events$/).length;
    // Not installed and not STRIPE_ORG_ID: the key's own account's events are not this org's.
    await expect(syncStripeEvents(deps, { since: new Date(0), orgId: org.id })).rejects.toMatchObject({ code: 'org_not_on_stripe', param: 'org' });
    expect(stack.stripe.requestsTo('GET', /^\/v1\/events$/)).toHaveLength(before);

    const keyless = await startTestServer();
    const noOrgs = await startTestServer({ STRIPE_SECRET_KEY: 'sk_live_platform', STRIPE_API_BASE: stack.stripe.url });
    try {
      await expect(runCommand(keyless.deps, 'stripe sync', { since: '2026-11-01' })).rejects.toMatchObject({
        code: 'stripe_not_configured',
        message: expect.stringContaining('STRIPE_SECRET_KEY'),
      });
      await expect(runCommand(noOrgs.deps, 'stripe sync', { since: '2026-11-01' })).rejects.toMatchObject({
        code: 'stripe_not_configured',
        message: expect.stringContaining('STRIPE_ORG_ID'),
      });
    } finally {
      await keyless.stop();
      await noOrgs.stop();
    }
    expect(stack.stripe.requestsTo('GET', /^\/v1\/events$/)).toHaveLength(before);
  });
});

describe('conversionForPayment', () => {
  it('finds the conversion behind a charge by asking Stripe for its payment intent', async () => {
    const deps = stack.server.deps;
    const { account, scope } = await createInstalledOrg(deps);
    const { promoCode } = await createTestReferral(deps, scope);
    const session = seedPaidSession(stack.stripe, account, { promotionCode: promoCode.stripePromotionCodeId });
    await deliver(stack.server, stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account }));
    const charge = stack.stripe.seed(chargeFor(session.payment_intent as string, 8000, 0), account);

    expect(await conversionForPayment(deps, scope, charge.id)).toMatchObject({ object: 'conversion', stripe_payment_intent: session.payment_intent, code: promoCode.code });
    expect(stack.stripe.requestsTo('GET', new RegExp(`/v1/charges/${charge.id}$`))[0].account).toBe(account);
  });
});
