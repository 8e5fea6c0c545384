import type Stripe from 'stripe';
import type { Deps } from '../deps';
import type { Org } from '../orgs/repo';
import { getOrg } from '../orgs/service';
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

/** One org when named; otherwise the deployment's own (`STRIPE_ORG_ID`) and every installed account. */
async function orgsToSync(deps: Deps, orgId: string | undefined): Promise<Org[]> {
  if (orgId) return [await getOrg(deps, orgId)];
  const own = deps.config.STRIPE_ORG_ID ? await getOrg(deps, deps.config.STRIPE_ORG_ID) : null;
  const installed = await deps.store.orgs.listInstalled();
  return own ? [own, ...installed.filter((org) => org.id !== own.id)] : installed;
}

/**
 * Replays Stripe's event list since `since` through the webhook handlers, for after an outage.
 * Safe to run any number of times: events already processed are skipped.
 */
export async function syncStripeEvents(deps: Deps, options: { since: Date; orgId?: string }): Promise<SyncSummary> {
  const summary: SyncSummary = { processed: 0, duplicate: 0, ignored: 0, orgs: 0 };
  for (const org of await orgsToSync(deps, options.orgId)) {
    summary.orgs += 1;
    await syncOrg(deps, org, options.since, summary);
  }
  return summary;
}

async function syncOrg(deps: Deps, org: Org, since: Date, summary: SyncSummary): Promise<void> {
  for (const livemode of [true, false]) {
    const client = deps.stripe.forOrg(org, livemode);
    if (!client) continue;
    const events: Stripe.Event[] = [];
    await client.stripe.events
      .list({ created: { gte: Math.floor(since.getTime() / 1000) }, types: SYNCED_TYPES, limit: 100 }, client.options)
      .autoPagingEach((event) => {
        events.push(event);
      });
    // Stripe lists newest first; replay in the order they happened.
    for (const event of events.reverse()) summary[await ingestStripeEvent(deps, event, { org })] += 1;
  }
}

