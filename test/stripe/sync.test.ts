import { conversionForPayment } from '../../server/src/conversions/service';
import { runCommand } from '../../server/src/cli/commands';
import { syncStripeEvents } from '../../server/src/stripe/sync';
import { createTestOrg } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import {
  chargeFor,
  createInstalledOrg,
  createTestReferral,
  deliver,
  fixture,
  newStripeId,
  seedPaidInvoice,
  seedPaidSession,
  startStripeStack,
  stripeEvent,
} from './setup';

const DAY = 86_400;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY * 1000);

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
    expect([...new Set(listings.map((r) => `${r.account} ${r.livemode}`))]).toEqual([`${account} true`, `${account} false`]);
    expect(listings[1].params).toMatchObject({ created: { gte: String(now - 3600) }, types: expect.arrayContaining(['charge.refunded', 'invoice.paid']) });
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
    await expect(syncStripeEvents(deps, { since: daysAgo(1), orgId: org.id })).rejects.toMatchObject({ code: 'org_not_on_stripe', param: 'org' });
    expect(stack.stripe.requestsTo('GET', /^\/v1\/events$/)).toHaveLength(before);

    const keyless = await startTestServer();
    const noOrgs = await startTestServer({ STRIPE_SECRET_KEY: 'sk_live_platform', STRIPE_API_BASE: stack.stripe.url });
    try {
      await expect(runCommand(keyless.deps, 'stripe sync', { since: daysAgo(1).toISOString() })).rejects.toMatchObject({
        code: 'stripe_not_configured',
        message: expect.stringContaining('STRIPE_SECRET_KEY'),
      });
      await expect(runCommand(noOrgs.deps, 'stripe sync', { since: daysAgo(1).toISOString() })).rejects.toMatchObject({
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

describe('stripe sync of a busy account', () => {
  /**
   * A subscription's first payment and its renewal since `sinceDaysAgo`, among `others` customer
   * events; with `before`, one event older than the sync, where Stripe's list starts from.
   */
  async function busyAccount(options: { before: boolean; others: number }) {
    const deps = stack.server.deps;
    const installed = await createInstalledOrg(deps);
    const { promoCode } = await createTestReferral(deps, installed.scope, { campaign: { commission: { type: 'fixed', value: 500, currency: 'usd' } } });
    const now = Math.floor(Date.now() / 1000);
    const seed = (type: string, object: unknown, created: number) =>
      stack.stripe.seedEvent(stripeEvent(type, object, { created, account: installed.account }) as never, installed.account);
    if (options.before) seed('customer.created', fixture('customer', { id: newStripeId('cus') }), now - 25 * DAY);
    const subscription = newStripeId('sub');
    const first = seedPaidInvoice(stack.stripe, installed.account, {
      subscription,
      billingReason: 'subscription_create',
      promotionCode: promoCode.stripePromotionCodeId,
      created: now - 20 * DAY,
    });
    seed('invoice.paid', first, now - 20 * DAY);
    for (let i = 0; i < options.others; i += 1) seed('customer.created', fixture('customer', { id: newStripeId('cus') }), now - 19 * DAY + i * 60);
    const renewal = seedPaidInvoice(stack.stripe, installed.account, { subscription, billingReason: 'subscription_cycle', created: now - DAY });
    seed('invoice.paid', renewal, now - DAY);
    return { ...installed, first, renewal, since: daysAgo(21) };
  }

  const listings = (account: string, livemode = true) =>
    stack.stripe.requestsTo('GET', /^\/v1\/events$/).filter((request) => request.account === account && request.livemode === livemode);

  it('replays the events oldest first a page at a time from the one before `since`, and reports progress', async () => {
    const deps = stack.server.deps;
    const { org, scope, account, first, renewal, since } = await busyAccount({ before: true, others: 201 });
    const progress: string[] = [];

    const summary = await syncStripeEvents(deps, { since, orgId: org.id, onProgress: (message) => progress.push(message) });
    expect(summary).toEqual({ processed: 203, duplicate: 0, ignored: 0, orgs: 1 });
    // The renewal is credited through the first payment, so that must have been replayed first.
    const conversions = await deps.store.conversions.list(scope);
    expect(conversions.map((c) => [c.sourceKey, c.source])).toEqual([
      [renewal.id, 'subscription'],
      [first.id, 'promotion_code'],
    ]);
    expect(progress).toEqual([
      `${org.id} (live): 100 events replayed`,
      `${org.id} (live): 200 events replayed`,
      `${org.id} (live): 203 events replayed`,
      `${org.id} (test): 0 events replayed`,
    ]);
    // One event before `since` to start from, then pages towards newer events, each from the newest of the last.
    const live = listings(account);
    expect(live[0].params).toMatchObject({ created: { lt: String(Math.floor(since.getTime() / 1000)) }, limit: '1' });
    const pages = live.slice(1);
    expect(pages).toHaveLength(3);
    expect(pages.every((request) => request.params.ending_before && request.params.limit === '100')).toBe(true);
  });

  it('starts from the oldest event since, found by paging, when Stripe keeps none before', async () => {
    const deps = stack.server.deps;
    const { org, scope, account, first, renewal, since } = await busyAccount({ before: false, others: 150 });

    expect(await syncStripeEvents(deps, { since, orgId: org.id })).toEqual({ processed: 152, duplicate: 0, ignored: 0, orgs: 1 });
    expect((await deps.store.conversions.list(scope)).map((c) => c.sourceKey)).toEqual([renewal.id, first.id]);
    const live = listings(account);
    expect(live.map((request) => Object.keys(request.params).filter((key) => key === 'starting_after' || key === 'ending_before'))).toEqual([
      [],
      [],
      ['starting_after'],
      ['ending_before'],
      ['ending_before'],
    ]);
  });

  it('refuses a `since` older than the 30 days Stripe keeps events, saying so, and reads nothing', async () => {
    const deps = stack.server.deps;
    const { org } = await createInstalledOrg(deps);
    const before = stack.stripe.requestsTo('GET', /^\/v1\/events$/).length;
    await expect(runCommand(deps, 'stripe sync', { since: daysAgo(31).toISOString().slice(0, 10), org: org.id })).rejects.toMatchObject({
      code: 'since_too_old',
      param: 'since',
      message: expect.stringContaining('Stripe keeps events for 30 days'),
    });
    expect(stack.stripe.requestsTo('GET', /^\/v1\/events$/)).toHaveLength(before);
    await expect(runCommand(deps, 'stripe sync', { since: daysAgo(29).toISOString(), org: org.id })).resolves.toMatchObject({ orgs: 1 });
  });

  it('streams progress lines, then the result, to the CLI asking the running server for them', async () => {
    const { org, since } = await busyAccount({ before: true, others: 120 });
    const response = await stack.server.request('POST', '/api/operator/commands', {
      key: stack.server.deps.secrets.operatorToken,
      body: { command: 'stripe sync', options: { since: since.toISOString(), org: org.id } },
      headers: { accept: 'application/x-ndjson' },
    });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { progress: `${org.id} (live): 100 events replayed` },
      { progress: `${org.id} (live): 122 events replayed` },
      { progress: `${org.id} (test): 0 events replayed` },
      { result: { processed: 122, duplicate: 0, ignored: 0, orgs: 1 } },
    ]);

    const tooOld = await stack.server.request('POST', '/api/operator/commands', {
      key: stack.server.deps.secrets.operatorToken,
      body: { command: 'stripe sync', options: { since: daysAgo(40).toISOString(), org: org.id } },
      headers: { accept: 'application/x-ndjson' },
    });
    expect(JSON.parse(await tooOld.text())).toMatchObject({ error: { code: 'since_too_old', param: 'since' } });
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
