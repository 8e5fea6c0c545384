import express, { type IRouter } from 'express';
import type { Deps } from '../deps';
import { sendJson } from '../http/respond';
import { logWith } from '../logger';
import { ingestStripeEvent } from './events';
import { verifyStripeEvent } from './webhooks';

const WEBHOOK_BODY_LIMIT = '1mb';

/** Stripe's webhook endpoint, with its own raw body parser: signatures are over the raw bytes. */
export function stripeWebhookRoutes(app: IRouter, deps: Deps): void {
  // POST /api/stripe/webhooks – receive Stripe events from the brand's or connected accounts
  app.post('/api/stripe/webhooks', express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = verifyStripeEvent(deps, body, req.get('stripe-signature'));
    logWith(req, { stripe_event: event.id, account: event.account ?? null });
    sendJson(res, { received: true, outcome: await ingestStripeEvent(deps, event) });
  });
}
