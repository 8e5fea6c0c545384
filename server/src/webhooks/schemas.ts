import { z } from 'zod';
import { pageLimit } from '../http/validate';
import { listOf, nullableTime, pageOf, unixTime } from '../http/wire';

/**
 * Every event type Shoutout sends. A new type is one line here, and its domain marking the documents
 * whose change it tells (store/outbox.ts, webhooks/sources.ts).
 */
export const EVENT_TYPES = [
  'referral.clicked',
  'customer.identified',
  'conversion.created',
  'conversion.updated',
  'payout.created',
  'creator.created',
  'promo_code.updated',
  'reward_entry.created',
  'reward_entry.updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Sent only to endpoints that name them: one per visit through a link is more than most brands want. */
export const OPT_IN_EVENT_TYPES: readonly EventType[] = ['referral.clicked'];

const eventType = z.enum(EVENT_TYPES);
const enabledEvents = z
  .array(z.union([eventType, z.literal('*')]))
  .min(1)
  .max(EVENT_TYPES.length + 1)
  .describe('The event types to send, or `["*"]` for every type except the opt-in `referral.clicked`');

const endpointUrl = z.url({ protocol: /^https?$/ }).max(2048).describe('Where events are POSTed: https in live mode; no loopback, private or link-local address');
const description = z.string().trim().max(500).nullable();

export const createEndpointSchema = z
  .object({
    url: endpointUrl,
    enabled_events: enabledEvents,
    description: description.optional(),
  })
  .strict();
export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;

export const updateEndpointSchema = z
  .object({
    url: endpointUrl.optional(),
    enabled_events: enabledEvents.optional(),
    description: description.optional(),
    disabled: z.boolean().optional().describe('true stops deliveries (events are still recorded); false enables the endpoint again'),
  })
  .strict();
export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;

export const rollSecretSchema = z
  .object({
    expire_previous_in_hours: z
      .number()
      .int()
      .min(0)
      .max(168)
      .default(24)
      .describe('How long the previous secret keeps signing too (a second v1), so receivers can switch without missing a delivery. 0 ends it now.'),
  })
  .strict();
export type RollSecretInput = z.infer<typeof rollSecretSchema>;

const cursor = (what: string) => z.string().min(1).max(200).optional().describe(`The last ${what} id of the page before, for the next page`);

export const listEventsQuery = z
  .object({
    type: eventType.optional().describe('Only events of this type'),
    limit: pageLimit,
    starting_after: cursor('event'),
  })
  .strict();
export type ListEventsQuery = z.infer<typeof listEventsQuery>;

export const listDeliveriesQuery = z
  .object({
    limit: pageLimit,
    starting_after: cursor('delivery'),
  })
  .strict();
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;

export const webhookEndpointResponse = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    livemode: z.boolean(),
    url: z.string(),
    description: z.string().nullable(),
    enabled_events: z.array(z.union([eventType, z.literal('*')])),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z.enum(['brand', 'failing']).nullable().describe('failing: Shoutout disabled it after failing for the whole retry window'),
    failing_since: nullableTime,
    secret: z.string().optional().describe('The signing secret, in the answer to a create or a roll only'),
    created: unixTime,
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpointResponse = z.infer<typeof webhookEndpointResponse>;

export const deletedEndpointResponse = webhookEndpointResponse.extend({ deleted: z.literal(true) });

/** What is POSTed to endpoints and listed by `GET /api/events`, Stripe's event shape. */
export const eventResponse = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    type: eventType,
    livemode: z.boolean(),
    created: unixTime,
    data: z.object({ object: z.record(z.string(), z.unknown()).describe('The conversion, creator, payout… as the API shows it') }),
  })
  .meta({ id: 'Event' });
export type EventResponse = z.infer<typeof eventResponse>;

export const webhookDeliveryResponse = z
  .object({
    id: z.string(),
    object: z.literal('webhook_delivery'),
    livemode: z.boolean(),
    endpoint: z.string(),
    event: z.string(),
    event_type: eventType,
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    next_attempt: nullableTime,
    last_attempt: nullableTime,
    response_status: z.number().int().nullable(),
    latency_ms: z.number().nullable(),
    response_excerpt: z.string().nullable(),
    created: unixTime,
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDeliveryResponse = z.infer<typeof webhookDeliveryResponse>;

export const endpointListResponse = listOf(webhookEndpointResponse);
export const deliveryPageResponse = pageOf(webhookDeliveryResponse);
export const eventPageResponse = pageOf(eventResponse);
