import { z } from 'zod';

/*
 * What the webhook handlers accept of a Stripe event, parsed at the door. The route is on the
 * internet and a signing secret can leak, so nothing reaches a store filter, a sum or a date unless
 * it has the shape Stripe documents: ids are strings with their object's prefix, amounts are
 * non-negative integers, currencies ISO codes, times within bounds. Only the fields a handler reads
 * are named; Stripe's others pass unread.
 */

/** A Stripe id with one of its object's prefixes: never an object, null or another object's id. */
export const stripeId = (...prefixes: string[]) =>
  z
    .string()
    .max(255)
    .regex(new RegExp(`^(${prefixes.join('|')})_[A-Za-z0-9_]+$`), `must be a Stripe id starting ${prefixes.map((prefix) => `${prefix}_`).join(' or ')}`);

/** An expandable field: the id, or the expanded object carrying it; parsed to the id. */
const ref = (...prefixes: string[]) => z.union([stripeId(...prefixes), z.looseObject({ id: stripeId(...prefixes) }).transform(({ id }) => id)]);

/** Minor units: Stripe's largest amounts have 12 digits. */
const amount = z.number().int().min(0).max(999_999_999_999);

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));
const currency = z.string().refine((code) => ISO_CURRENCIES.has(code), 'must be an ISO 4217 currency code in lower case');

// Stripe's own example objects are dated 2009; nothing it sends is later than 2100.
const EARLIEST = 1_000_000_000;
const LATEST = 4_102_444_800;
/** Unix seconds within bounds, so every date made from it is a real one. */
export const unixTime = z.number().int().min(EARLIEST).max(LATEST);

const metadata = z.record(z.string(), z.string()).nullish();
const email = z.string().max(512).nullish();

export const eventEnvelope = z.object({
  id: stripeId('evt'),
  object: z.literal('event'),
  type: z.string().min(1).max(200),
  created: unixTime,
  livemode: z.boolean(),
  account: stripeId('acct').nullish(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEventEnvelope = z.infer<typeof eventEnvelope>;

/** Enough of an event to name it when the rest does not parse. */
export const eventIdentity = z.looseObject({ id: stripeId('evt'), object: z.literal('event'), type: z.string().min(1).max(200) });

/** Sent by event destinations instead of a snapshot event: it names an object and carries none. */
export const thinEvent = z.looseObject({ object: z.literal('v2.core.event') });

export const checkoutSessionSchema = z.object({
  id: stripeId('cs'),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  created: unixTime,
  amount_total: amount.nullish(),
  currency: currency.nullish(),
  total_details: z.object({ amount_discount: amount.nullish(), amount_tax: amount.nullish() }).nullish(),
  invoice: ref('in').nullish(),
  payment_intent: ref('pi').nullish(),
  subscription: ref('sub').nullish(),
  customer: ref('cus').nullish(),
  customer_email: email,
  customer_details: z.object({ email }).nullish(),
  metadata,
  client_reference_id: z.string().max(200).nullish(),
  discounts: z.array(z.object({ promotion_code: ref('promo').nullish() })).nullish(),
});
export type CheckoutSessionObject = z.infer<typeof checkoutSessionSchema>;

const amounts = z.array(z.object({ amount })).nullish();

export const invoiceSchema = z.object({
  id: stripeId('in'),
  created: unixTime,
  billing_reason: z.string().max(100).nullish(),
  amount_paid: amount,
  currency,
  customer: ref('cus').nullish(),
  customer_email: email,
  metadata,
  parent: z.object({ subscription_details: z.object({ subscription: ref('sub'), metadata }).nullish() }).nullish(),
  status_transitions: z.object({ paid_at: unixTime.nullish() }).nullish(),
  // A discount is an id until expanded; a deleted one carries no promotion code worth reading.
  discounts: z.array(z.union([stripeId('di'), z.object({ promotion_code: ref('promo').nullish() })])).nullish(),
  total_discount_amounts: amounts,
  total_taxes: amounts,
  payments: z.object({ data: z.array(z.object({ payment: z.object({ payment_intent: ref('pi').nullish() }) })) }).nullish(),
});
export type InvoiceObject = z.infer<typeof invoiceSchema>;

export const paymentIntentSchema = z.object({
  id: stripeId('pi'),
  created: unixTime,
  status: z.string().max(100),
  amount_received: amount,
  currency,
  customer: ref('cus').nullish(),
  receipt_email: email,
  metadata,
});

export const chargeSchema = z.object({
  id: stripeId('ch', 'py'),
  payment_intent: ref('pi').nullish(),
  amount_refunded: amount,
});

export const disputeSchema = z.object({
  id: stripeId('dp', 'du'),
  status: z.string().max(100),
  charge: ref('ch', 'py'),
  payment_intent: ref('pi').nullish(),
  amount,
});

export const promotionCodeSchema = z.object({ id: stripeId('promo'), active: z.boolean() });

// A coupon's id is the brand's choice (`SUMMER25`), so only its type and length are Stripe's.
export const couponSchema = z.object({ id: z.string().min(1).max(200) });

export const customerSchema = z.object({ id: stripeId('cus'), email, metadata });

/** The first thing wrong with a value, as an operator reads it: `data.object.amount_total: …`. */
export function describeIssue(error: z.ZodError, prefix: string): string {
  const [issue] = error.issues;
  const where = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${where}: ${issue.message}`;
}

/** The answer to Stripe's delivery; `reason` says why an event was ignored. */
export const stripeWebhookResponse = z
  .object({ received: z.literal(true), outcome: z.enum(['processed', 'duplicate', 'ignored']), reason: z.string().optional() })
  .meta({ id: 'StripeWebhookReceipt' });
export type StripeWebhookResponse = z.infer<typeof stripeWebhookResponse>;
export type IngestResult = Omit<StripeWebhookResponse, 'received'>;
export type IngestOutcome = IngestResult['outcome'];
