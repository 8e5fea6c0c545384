import express, { Router } from 'express';
import type { Deps } from '../deps';
import { logWith } from '../logger';
import { ingestStripeEvent } from './events';
import { verifyStripeEvent } from './webhooks';

const WEBHOOK_BODY_LIMIT = '1mb';

/** Mounted at /api/stripe, with its own raw body parser: signatures are over the raw bytes. */
export function stripeWebhookRoutes(deps: Deps): Router {
  const router = Router();

  // POST /api/stripe/webhooks – receive Stripe events from the brand's or connected accounts
  router.post('/webhooks', express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = verifyStripeEvent(deps, body, req.get('stripe-signature'));
    logWith(req, { stripe_event: event.id, account: event.account ?? null });
    res.json({ received: true, outcome: await ingestStripeEvent(deps, event) });
  });

  return router;
}
