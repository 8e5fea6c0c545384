import type Stripe from 'stripe';
import type { Deps } from '../deps';
import { ingestStripeEvent, type IngestOutcome } from './events';

const SYNCED_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'invoice.paid',
  'charge.refunded',
  'promotion_code.updated',
  'coupon.deleted',
  'customer.created',
  'customer.updated',
];

export type SyncSummary = Record<IngestOutcome, number> & { orgs: number };

/**
 * Replays Stripe's event list since `since` through the webhook handlers, for after an outage.
 * Safe to run any number of times: events already processed are skipped. Without `orgId` it syncs
 * the deployment's own account (`STRIPE_ORG_ID`).
 */
export async function syncStripeEvents(deps: Deps, options: { since: Date; orgId?: string }): Promise<SyncSummary> {
  const orgId = options.orgId ?? deps.config.STRIPE_ORG_ID;
  const summary: SyncSummary = { processed: 0, duplicate: 0, ignored: 0, orgs: 0 };
  const org = orgId ? await deps.store.orgs.get(orgId) : null;
  if (!org) throw new Error(orgId ? `No org ${orgId}.` : 'Pass an org id (or set STRIPE_ORG_ID) to sync.');
  summary.orgs = 1;
  for (const livemode of [true, false]) {
    const client = deps.stripe.forOrg(org, livemode);
    if (!client) continue;
    const events: Stripe.Event[] = [];
    await client.stripe.events
      .list({ created: { gte: Math.floor(options.since.getTime() / 1000) }, types: SYNCED_TYPES, limit: 100 }, client.options)
      .autoPagingEach((event) => {
        events.push(event);
      });
    // Stripe lists newest first; replay in the order they happened.
    for (const event of events.reverse()) summary[await ingestStripeEvent(deps, event, { org })] += 1;
  }
  return summary;
}

