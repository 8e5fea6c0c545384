import { toUnixSeconds } from '../http/validate';
import type { IgnoredStripeEvent } from './repo';

/** Ignored events as the CLI lists them: enough to find each in the Dashboard and see why. */
export const presentIgnoredEvents = (events: IgnoredStripeEvent[]) =>
  events.map((event) => ({
    event: event.eventId,
    type: event.type,
    org: event.orgId,
    account: event.account,
    livemode: event.livemode,
    reason: event.reason,
    ignored_at: toUnixSeconds(event.ignoredAt),
  }));
