import { addMonths } from '../../server/src/conversions/service';
import {
  createInstalledOrg,
  createTestReferral,
  deliver,
  newStripeId,
  seedPaidInvoice,
  seedPaidSession,
  startStripeStack,
  stripeEvent,
} from '../stripe/setup';

const at = (iso: string) => new Date(`${iso}T09:30:00Z`);
const day = (date: Date) => date.toISOString().slice(0, 10);

describe('addMonths', () => {
  it.each([
    ['2027-01-31', 1, '2027-02-28'],
    ['2028-01-31', 1, '2028-02-29'],
    ['2027-01-30', 1, '2027-02-28'],
    ['2027-01-29', 1, '2027-02-28'],
    ['2028-01-29', 1, '2028-02-29'],
    ['2027-01-31', 2, '2027-03-31'],
    ['2027-03-31', 1, '2027-04-30'],
    ['2027-05-31', 4, '2027-09-30'],
    ['2027-08-31', 6, '2028-02-29'],
    ['2027-12-31', 1, '2028-01-31'],
    ['2027-11-30', 3, '2028-02-29'],
    ['2027-02-28', 1, '2027-03-28'],
    ['2027-01-15', 13, '2028-02-15'],
    ['2027-06-30', 120, '2037-06-30'],
  ])('%s + %i months is %s, at the same time of day', (start, months, expected) => {
    const result = addMonths(at(start), months);
    expect(day(result)).toBe(expected);
    expect(result.toISOString().slice(10)).toBe('T09:30:00.000Z');
  });
});

describe('recurring commission of a subscription anchored on the 29th–31st', () => {
  let stack: Awaited<ReturnType<typeof startStripeStack>>;
  beforeAll(async () => {
    stack = await startStripeStack();
  });
  afterAll(() => stack.stop());

  /** The subscription's first payment on `start`, then its renewals as Stripe bills them; returns each one's commission. */
  async function commissionsOf(start: string, recurringMonths: number, renewals: string[]) {
    const { scope, account } = await createInstalledOrg(stack.server.deps);
    const { promoCode } = await createTestReferral(stack.server.deps, scope, {
      campaign: { commission: { type: 'fixed', value: 500, currency: 'usd', recurring_months: recurringMonths } },
    });
    const subscription = newStripeId('sub');
    const unix = (iso: string) => at(iso).getTime() / 1000;
    const first = seedPaidInvoice(stack.stripe, account, {
      subscription,
      billingReason: 'subscription_create',
      promotionCode: promoCode.stripePromotionCodeId,
      created: unix(start),
    });
    const session = seedPaidSession(stack.stripe, account, { amount: 3000, promotionCode: promoCode.stripePromotionCodeId });
    stack.stripe.seed({ ...session, mode: 'subscription', payment_intent: null, subscription, invoice: first.id, created: unix(start) }, account);
    await deliver(stack.server, stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account }));
    for (const renewal of renewals) {
      const invoice = seedPaidInvoice(stack.stripe, account, { subscription, billingReason: 'subscription_cycle', created: unix(renewal) });
      expect((await deliver(stack.server, stripeEvent('invoice.paid', invoice, { account }))).status).toBe(200);
    }
    const conversions = await stack.server.deps.store.conversions.list(scope);
    return conversions.map((conversion) => [day(conversion.createdAt), conversion.commission]).reverse();
  }

  it('pays one month of renewals up to 28 February, not into March', async () => {
    expect(await commissionsOf('2026-01-31', 1, ['2026-02-28', '2026-03-31'])).toEqual([
      ['2026-01-31', 500],
      ['2026-02-28', 0],
      ['2026-03-31', 0],
    ]);
  });

  it('pays three months from 30 November: December and January, not 28 February', async () => {
    expect(await commissionsOf('2025-11-30', 3, ['2025-12-30', '2026-01-30', '2026-02-28', '2026-03-30'])).toEqual([
      ['2025-11-30', 500],
      ['2025-12-30', 500],
      ['2026-01-30', 500],
      ['2026-02-28', 0],
      ['2026-03-30', 0],
    ]);
  });
});
