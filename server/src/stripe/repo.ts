import { type Driver, insertOrUpdate } from '../store/driver';

/**
 * A signed Stripe event acknowledged without being acted on because something in it could not be
 * used: a malformed object, or an object Stripe no longer has. Kept so an operator can list them
 * (`stripe ignored`); they are not marked processed, so `stripe sync` tries them again.
 */
export interface IgnoredStripeEvent {
  eventId: string;
  type: string;
  orgId: string | null;
  account: string | null;
  livemode: boolean | null;
  reason: string;
  /** When it was last refused: a retried delivery refreshes it. */
  ignoredAt: Date;
}

export async function openStripeRepos(driver: Driver) {
  const ignored = await driver.collection<IgnoredStripeEvent>({
    name: 'stripe_ignored_events',
    indexes: [{ fields: ['eventId'], unique: true }, { fields: ['orgId'] }],
  });
  return {
    ignoredStripeEvents: {
      record: (event: IgnoredStripeEvent) => {
        const { eventId, ...rest } = event;
        return insertOrUpdate(ignored, event, { eventId }, { $set: rest });
      },
      /** Newest first; only one org's when given. */
      list: (options: { orgId?: string; limit: number }) =>
        ignored.find(options.orgId ? { orgId: options.orgId } : {}, { sort: { ignoredAt: -1, eventId: -1 }, limit: options.limit }),
    },
  };
}
