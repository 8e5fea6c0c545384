import express, { type IRouter } from 'express';
import type { Deps } from '../deps';
import { sendJson } from '../http/respond';
import { logWith } from '../logger';
import { ingestStripeEvent } from './events';
import { type StripeWebhookResponse, thinEvent } from './schemas';
import { assertModeOfSecret, verifyStripeSignature } from './webhooks';

const WEBHOOK_BODY_LIMIT = '1mb';

/** Stripe's webhook endpoint, with its own raw body parser: signatures are over the raw bytes. */
export function stripeWebhookRoutes(app: IRouter, deps: Deps): void {
  // POST /api/stripe/webhooks – receive Stripe events from the brand's or connected accounts
  app.post('/api/stripe/webhooks', express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }), async (req, res) => {
    const signed = verifyStripeSignature(deps, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get('stripe-signature'));
    const { id, account } = (signed.body ?? {}) as { id?: unknown; account?: unknown };
    logWith(req, { stripe_event: typeof id === 'string' ? id : null, account: typeof account === 'string' ? account : null });
    // An event destination's thin event names an object without carrying it: none is handled.
    if (thinEvent.safeParse(signed.body).success) {
      return sendJson(res, { received: true, outcome: 'ignored', reason: 'thin events (v2.core.event) are not handled: send snapshot events' } satisfies StripeWebhookResponse);
    }
    assertModeOfSecret(signed);
    sendJson(res, { received: true, ...(await ingestStripeEvent(deps, signed.body)) } satisfies StripeWebhookResponse);
  });
}
