import type { Deps } from '../deps';
import type { OrgScope } from '../orgs/repo';
import type { WebhookEndpoint } from './repo';
import { type EventType, OPT_IN_EVENT_TYPES } from './schemas';

export const wants = (endpoint: Pick<WebhookEndpoint, 'enabledEvents'>, type: EventType) =>
  endpoint.enabledEvents.includes(type) || (endpoint.enabledEvents.includes('*') && !OPT_IN_EVENT_TYPES.includes(type));

/**
 * Whether a change should be told as `type`: when one of the scope's endpoints wants it, enabled or
 * not, so that a disabled endpoint's events can still be caught up with through `GET /api/events`.
 * A brand without endpoints pays nothing on its clicks and identifies. The answer is cached (5 s).
 * When it is yes, the relay is woken to pick the marked document up right after the write.
 */
export async function listens(deps: Deps, scope: OrgScope, type: EventType): Promise<boolean> {
  const endpoints = await deps.store.webhookEndpoints.inScope(scope);
  const wanted = endpoints.length > 0 && endpoints.some((endpoint) => wants(endpoint, type));
  if (wanted) deps.webhooks.nudge();
  return wanted;
}
