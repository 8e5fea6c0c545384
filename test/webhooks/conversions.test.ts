import type Stripe from 'stripe';
import { startReceiver } from '../helpers/receiver';
import { chargeFor, createInstalledOrg, createTestReferral, deliver, seedPaidSession, startStripeStack, stripeEvent } from '../stripe/setup';

describe('conversion events from Stripe webhooks', () => {
  it('tells a credited checkout as conversion.created and its refund as conversion.updated', async () => {
    const stack = await startStripeStack({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    const hooks = await startReceiver();
    try {
      const { server } = stack;
      const { key, scope, account } = await createInstalledOrg(server.deps);
      const { promoCode, creator } = await createTestReferral(server.deps, scope, { campaign: { commission: { type: 'percent', value: 10 } } });
      const endpoint = await server.request('POST', '/api/webhook_endpoints', { key, body: { url: hooks.url, enabled_events: ['conversion.created', 'conversion.updated'] } });
      expect(endpoint.status).toBe(201);

      const session = seedPaidSession(stack.stripe, account, { amount: 8000, promotionCode: promoCode.stripePromotionCodeId });
      const asEvent = { ...session, discounts: [] } as Stripe.Checkout.Session;
      expect((await deliver(server, stripeEvent('checkout.session.completed', asEvent, { account }))).status).toBe(200);
      const [created] = await hooks.waitFor(1);
      expect(created.event).toMatchObject({
        type: 'conversion.created',
        livemode: true,
        data: { object: { object: 'conversion', creator: creator.id, amount: 8000, commission: 800, status: 'credited' } },
      });

      const paymentIntent = session.payment_intent as string;
      await deliver(server, stripeEvent('charge.refunded', chargeFor(paymentIntent, 8000, 2000), { account }));
      const [, updated] = await hooks.waitFor(2);
      expect(updated.event).toMatchObject({
        type: 'conversion.updated',
        data: { object: { id: created.event.data.object.id, refunded: 2000, commission: 600, status: 'partially_refunded' } },
      });
      expect(updated.event.id).not.toBe(created.event.id);
    } finally {
      await stack.stop();
      await hooks.close();
    }
  });
});
