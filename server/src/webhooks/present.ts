import { toUnixSeconds } from '../http/validate';
import type { WebhookDelivery, WebhookEndpoint, WebhookEvent } from './repo';
import type { EventResponse, WebhookDeliveryResponse, WebhookEndpointResponse } from './schemas';

/** The signing secret is in the answer to a create or a roll only. */
export function presentEndpoint(endpoint: WebhookEndpoint, secret?: string): WebhookEndpointResponse {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    livemode: endpoint.livemode,
    url: endpoint.url,
    description: endpoint.description,
    enabled_events: endpoint.enabledEvents,
    status: endpoint.status,
    disabled_reason: endpoint.disabledReason,
    failing_since: toUnixSeconds(endpoint.failingSince),
    ...(secret && { secret }),
    created: toUnixSeconds(endpoint.createdAt),
  };
}

/** What is POSTed to endpoints and listed by `GET /api/events`, Stripe's event shape. */
export function presentEvent(event: WebhookEvent): EventResponse {
  return {
    id: event.id,
    object: 'event',
    type: event.type,
    livemode: event.livemode,
    created: toUnixSeconds(event.createdAt),
    data: { object: event.object },
  };
}

export function presentDelivery(delivery: WebhookDelivery): WebhookDeliveryResponse {
  return {
    id: delivery.id,
    object: 'webhook_delivery',
    livemode: delivery.livemode,
    endpoint: delivery.endpointId,
    event: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt: toUnixSeconds(delivery.nextAttemptAt),
    last_attempt: toUnixSeconds(delivery.lastAttemptAt),
    response_status: delivery.responseStatus,
    latency_ms: delivery.latencyMs,
    response_excerpt: delivery.responseExcerpt,
    created: toUnixSeconds(delivery.createdAt),
  };
}
