import type Stripe from 'stripe';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org } from '../orgs/repo';
import { getOrg } from '../orgs/service';
import { HANDLED_TYPES, ingestStripeEvent, type IngestOutcome } from './events';

/** The event types the server acts on; the Stripe App asks to read each one's object. */
export const SYNCED_TYPES = HANDLED_TYPES;

export type SyncSummary = Record<IngestOutcome, number> & { orgs: number };

/**
 * One org when named; otherwise the deployment's own (`STRIPE_ORG_ID`) and every installed account.
 * Only an org whose Stripe account is known: any other would be handed the events of the key's own
 * account. A sync with nothing to read is refused, saying why, rather than reporting zero events.
 */
async function orgsToSync(deps: Deps, orgId: string | undefined): Promise<Org[]> {
  if (!deps.config.STRIPE_SECRET_KEY && !deps.config.STRIPE_TEST_SECRET_KEY) {
    throw ApiError.invalid('stripe_not_configured', 'No Stripe key is set (STRIPE_SECRET_KEY, STRIPE_TEST_SECRET_KEY), so there are no Stripe events to read.');
  }
  if (orgId) {
    const org = await getOrg(deps, orgId);
    if (!org.stripeAccountId && org.id !== deps.config.STRIPE_ORG_ID) {
      throw ApiError.invalid(
        'org_not_on_stripe',
        `${org.id} has no Stripe account: install the Stripe App on its account, or set STRIPE_ORG_ID=${org.id} if the Stripe key is the brand's own.`,
        'org',
      );
    }
    return [org];
  }
  const own = deps.config.STRIPE_ORG_ID ? await getOrg(deps, deps.config.STRIPE_ORG_ID) : null;
  const installed = await deps.store.orgs.listInstalled();
  const orgs = own ? [own, ...installed.filter((org) => org.id !== own.id)] : installed;
  if (orgs.length === 0) {
    throw ApiError.invalid('stripe_not_configured', 'No org has a Stripe account yet: set STRIPE_ORG_ID to your org, or install the Stripe App.');
  }
  return orgs;
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
    for (const event of events.reverse()) summary[(await ingestStripeEvent(deps, event, { org })).outcome] += 1;
  }
}

