import type Stripe from 'stripe';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org } from '../orgs/repo';
import { getOrg } from '../orgs/service';
import type { OrgStripe } from './client';
import { HANDLED_TYPES, ingestStripeEvent, type IngestOutcome } from './events';

/** The event types the server acts on; the Stripe App asks to read each one's object. */
export const SYNCED_TYPES = HANDLED_TYPES;

export type SyncSummary = Record<IngestOutcome, number> & { orgs: number };

/** Stripe lists an account's events of the last 30 days only; an older `since` would silently miss some. */
const EVENTS_KEPT_DAYS = 30;
/** Events per page of Stripe's list, and how often a sync reports how far it got. */
const PAGE = 100;

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
 * Replays Stripe's event list since `since` through the webhook handlers, for after an outage, in
 * the order the events happened, a page at a time. Safe to run any number of times: events already
 * processed are skipped. `onProgress` hears how far it got, every page and at the end of each list.
 */
export async function syncStripeEvents(
  deps: Deps,
  options: { since: Date; orgId?: string; onProgress?: (message: string) => void },
): Promise<SyncSummary> {
  const oldest = new Date(deps.now().getTime() - EVENTS_KEPT_DAYS * 86_400_000);
  if (options.since < oldest) {
    throw ApiError.invalid(
      'since_too_old',
      `Stripe keeps events for ${EVENTS_KEPT_DAYS} days, so a sync from ${options.since.toISOString()} would miss the older ones; use a date after ${oldest.toISOString()}.`,
      'since',
    );
  }
  const summary: SyncSummary = { processed: 0, duplicate: 0, ignored: 0, orgs: 0 };
  for (const org of await orgsToSync(deps, options.orgId)) {
    summary.orgs += 1;
    for (const livemode of [true, false]) {
      const client = deps.stripe.forOrg(org, livemode);
      if (!client) continue;
      let replayed = 0;
      const report = () => options.onProgress?.(`${org.id} (${livemode ? 'live' : 'test'}): ${replayed} events replayed`);
      for await (const event of eventsSince(client, options.since)) {
        summary[(await ingestStripeEvent(deps, event, { org })).outcome] += 1;
        if (++replayed % PAGE === 0) report();
      }
      if (replayed % PAGE !== 0 || replayed === 0) report();
    }
  }
  return summary;
}

/**
 * The account's events of the synced types since `since`, oldest first, one page in memory at a
 * time: the handlers count a subscription's renewals from its first payment, so that must come
 * first. Stripe lists newest first; listing towards newer events (`ending_before`) starts from an
 * event: the newest one before `since`, or, when Stripe keeps none, the oldest since, found by
 * paging to the end of the list.
 */
async function* eventsSince({ stripe, options }: OrgStripe, since: Date): AsyncGenerator<Stripe.Event> {
  const filter = { types: SYNCED_TYPES, limit: PAGE };
  const gte = Math.floor(since.getTime() / 1000);
  let [start] = (await stripe.events.list({ ...filter, created: { lt: gte }, limit: 1 }, options)).data;
  if (!start) {
    let page = await stripe.events.list({ ...filter, created: { gte } }, options);
    while (page.has_more) page = await stripe.events.list({ ...filter, created: { gte }, starting_after: page.data.at(-1)!.id }, options);
    const oldest = page.data.at(-1);
    if (!oldest) return;
    yield oldest;
    start = oldest;
  }
  yield* stripe.events.list({ ...filter, created: { gte }, ending_before: start.id }, options);
}
