import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { OrgScope } from '../orgs/repo';
import { internalAddressOf } from './address';
import { presentDelivery, presentEndpoint, presentEvent } from './present';
import { RETRY_WINDOW_MS } from './relay';
import type { WebhookEndpoint } from './repo';
import type { CreateEndpointInput, ListDeliveriesQuery, ListEventsQuery, RollSecretInput, UpdateEndpointInput } from './schemas';
import { newSigningSecret } from './signature';

const HOUR_MS = 3_600_000;
// Enough for any brand's systems; more is a sign of a loop creating them.
const MAX_ENDPOINTS_PER_SCOPE = 16;

/**
 * Refuses a URL Shoutout must not call: http in live mode (payloads carry sales figures), and a
 * loopback, private or link-local address unless the operator allows them. The check is repeated on
 * every delivery against the addresses then resolved (address.ts).
 */
async function checkUrl(deps: Deps, scope: OrgScope, raw: string): Promise<string> {
  const url = new URL(raw);
  // An operator who allows private addresses may run plain http inside their own network.
  if (scope.livemode && url.protocol !== 'https:' && !deps.config.WEBHOOK_ALLOW_PRIVATE_URLS) {
    throw ApiError.invalid('url_invalid', 'Live mode endpoints must use https.', 'url');
  }
  if (url.username || url.password) throw ApiError.invalid('url_invalid', 'The URL must not carry a user name or password.', 'url');
  if (!deps.config.WEBHOOK_ALLOW_PRIVATE_URLS) {
    const internal = await internalAddressOf(url);
    if (internal) {
      throw ApiError.invalid('url_internal', `${url.hostname} is ${internal === url.hostname ? 'not' : `${internal}, not`} a public address; Shoutout only sends webhooks to the internet.`, 'url');
    }
  }
  return url.toString();
}

async function endpointOf(deps: Deps, scope: OrgScope, id: string): Promise<WebhookEndpoint> {
  const endpoint = await deps.store.webhookEndpoints.get(scope, id);
  if (!endpoint) throw ApiError.notFound('webhook endpoint', 'id');
  return endpoint;
}

/** `POST /api/webhook_endpoints`: the answer holds the signing secret, the only time it is shown. */
export async function createEndpoint(deps: Deps, scope: OrgScope, input: CreateEndpointInput) {
  if ((await deps.store.webhookEndpoints.inScope(scope)).length >= MAX_ENDPOINTS_PER_SCOPE) {
    throw ApiError.invalid('endpoint_limit', `An org has at most ${MAX_ENDPOINTS_PER_SCOPE} webhook endpoints per mode; delete one first.`, 'url');
  }
  const now = deps.now();
  const secret = newSigningSecret();
  const endpoint: WebhookEndpoint = {
    ...scope,
    id: newId('we'),
    url: await checkUrl(deps, scope, input.url),
    description: input.description ?? null,
    enabledEvents: [...new Set(input.enabled_events)],
    secrets: [{ secret, expiresAt: null }],
    status: 'enabled',
    disabledReason: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.webhookEndpoints.create(endpoint);
  return presentEndpoint(endpoint, secret);
}

export async function listEndpoints(deps: Deps, scope: OrgScope) {
  const endpoints = await deps.store.webhookEndpoints.inScope(scope);
  return { object: 'list' as const, data: endpoints.map((endpoint) => presentEndpoint(endpoint)) };
}

export async function getEndpoint(deps: Deps, scope: OrgScope, id: string) {
  return presentEndpoint(await endpointOf(deps, scope, id));
}

/** Enabling again forgets past failures: the next failure starts a new three-day window. */
export async function updateEndpoint(deps: Deps, scope: OrgScope, id: string, input: UpdateEndpointInput) {
  await endpointOf(deps, scope, id);
  const url = input.url === undefined ? undefined : await checkUrl(deps, scope, input.url);
  const updated = await deps.store.webhookEndpoints.update(scope, id, {
    ...(url !== undefined && { url }),
    ...(input.enabled_events && { enabledEvents: [...new Set(input.enabled_events)] }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.disabled === true && { status: 'disabled' as const, disabledReason: 'brand' as const }),
    ...(input.disabled === false && { status: 'enabled' as const, disabledReason: null, failingSince: null }),
    updatedAt: deps.now(),
  });
  if (!updated) throw ApiError.notFound('webhook endpoint', 'id');
  return presentEndpoint(updated);
}

/** Deliveries already made stay in the log until the endpoint is gone; pending ones are not sent. */
export async function deleteEndpoint(deps: Deps, scope: OrgScope, id: string) {
  const endpoint = await endpointOf(deps, scope, id);
  await deps.store.webhookEndpoints.remove(scope, id);
  return { ...presentEndpoint(endpoint), deleted: true };
}

/**
 * A new current secret; the previous one keeps signing alongside it (a second `v1`) for
 * `expire_previous_in_hours`, so receivers can switch over without refusing a delivery.
 */
export async function rollSecret(deps: Deps, scope: OrgScope, id: string, input: RollSecretInput) {
  const endpoint = await endpointOf(deps, scope, id);
  const now = deps.now();
  const secret = newSigningSecret();
  const previousUntil = new Date(now.getTime() + input.expire_previous_in_hours * HOUR_MS);
  const previous = endpoint.secrets
    .map((entry) => ({ secret: entry.secret, expiresAt: entry.expiresAt && entry.expiresAt < previousUntil ? entry.expiresAt : previousUntil }))
    .filter((entry) => entry.expiresAt > now);
  const updated = await deps.store.webhookEndpoints.update(scope, id, { secrets: [{ secret, expiresAt: null }, ...previous], updatedAt: now });
  if (!updated) throw ApiError.notFound('webhook endpoint', 'id');
  return presentEndpoint(updated, secret);
}

/** The endpoint's deliveries, newest first: status, attempts, latency and the start of its answer. */
export async function listDeliveries(deps: Deps, scope: OrgScope, endpointId: string, query: ListDeliveriesQuery) {
  await endpointOf(deps, scope, endpointId);
  const after = query.starting_after ? await deps.store.webhookDeliveries.get(scope, query.starting_after) : undefined;
  if (after === null || (after && after.endpointId !== endpointId)) {
    throw ApiError.invalid('resource_missing', `No such delivery: ${query.starting_after}`, 'starting_after');
  }
  const found = await deps.store.webhookDeliveries.page(scope, endpointId, { limit: query.limit + 1, after });
  return { object: 'list' as const, data: found.slice(0, query.limit).map(presentDelivery), has_more: found.length > query.limit };
}

/** Sends a delivery again now, whatever became of it, with a fresh three-day retry window. */
export async function resendDelivery(deps: Deps, scope: OrgScope, endpointId: string, deliveryId: string) {
  const endpoint = await endpointOf(deps, scope, endpointId);
  const delivery = await deps.store.webhookDeliveries.get(scope, deliveryId);
  if (!delivery || delivery.endpointId !== endpointId) throw ApiError.notFound('webhook delivery', 'id');
  if (endpoint.status !== 'enabled') {
    throw ApiError.invalid('endpoint_disabled', 'The endpoint is disabled: enable it first, then resend.', 'id', 409);
  }
  const now = deps.now();
  const resent = await deps.store.webhookDeliveries.resend(scope, deliveryId, now, new Date(now.getTime() + RETRY_WINDOW_MS));
  deps.webhooks.nudge();
  return presentDelivery(resent ?? delivery);
}

/** `GET /api/events`: newest first, for catching up after an outage. */
export async function listEvents(deps: Deps, scope: OrgScope, query: ListEventsQuery) {
  const after = query.starting_after ? await deps.store.webhookEvents.get(scope, query.starting_after) : undefined;
  if (after === null) throw ApiError.invalid('resource_missing', `No such event: ${query.starting_after}`, 'starting_after');
  const found = await deps.store.webhookEvents.page(scope, query.type, { limit: query.limit + 1, after });
  return { object: 'list' as const, data: found.slice(0, query.limit).map(presentEvent), has_more: found.length > query.limit };
}

export async function getEvent(deps: Deps, scope: OrgScope, id: string) {
  const event = await deps.store.webhookEvents.get(scope, id);
  if (!event) throw ApiError.notFound('event', 'id');
  return presentEvent(event);
}
