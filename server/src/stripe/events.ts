import type { z } from 'zod';
import {
  type AttributionSignals,
  attribute,
  isClickToken,
  type PaidObject,
  recordConversion,
  recordRefund,
} from '../conversions/service';
import type { AttributionSource } from '../conversions/repo';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { orgForStripeAccount } from '../orgs/service';
import { type OrgStripe, stripeFailure } from './client';
import {
  type CheckoutSessionObject,
  chargeSchema,
  checkoutSessionSchema,
  couponSchema,
  customerSchema,
  describeIssue,
  disputeSchema,
  eventEnvelope,
  eventIdentity,
  type IngestResult,
  type InvoiceObject,
  invoiceSchema,
  paymentIntentSchema,
  promotionCodeSchema,
  type StripeEventEnvelope,
} from './schemas';
import { listens } from '../webhooks/listening';

// The sync command counts outcomes by this name.
export type { IngestOutcome } from './schemas';


interface EventContext {
  deps: Deps;
  org: Org;
  scope: OrgScope;
  /** Null when no key is configured for the event's mode: handlers then use the event's own copy. */
  client: OrgStripe | null;
  event: StripeEventEnvelope;
}

/**
 * An event that cannot be acted on and never will be, however often Stripe retries it: a malformed
 * object, or one Stripe answers it does not have. Acknowledged, logged and kept for the operator.
 */
class UnusableEvent extends Error {}

const fromUnix = (seconds: number) => new Date(seconds * 1000);
const sum = (amounts: { amount: number }[] | null | undefined) => (amounts ?? []).reduce((total, { amount }) => total + amount, 0);

function parseObject<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new UnusableEvent(describeIssue(result.error, where));
  return result.data;
}

/**
 * Stripe's 4xx answers (no such object, no permission on the account) hold for every retry, so the
 * event is unusable; a network error, a 5xx, a rate limit or our own key refused (401) pass, so
 * the webhook answers 502 and Stripe delivers the event again.
 */
async function fromStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { type?: string; statusCode?: number }).statusCode;
    const isStripe = (error as { type?: string }).type?.startsWith('Stripe');
    if (isStripe && status && status < 500 && status !== 401 && status !== 429) {
      throw new UnusableEvent(`Stripe answered ${status} to reading the ${what}: ${(error as Error).message}`);
    }
    throw stripeFailure(error, `give the ${what}`);
  }
}

/** An object read from Stripe, checked as the event's own copy is. */
const read = async <S extends z.ZodType>(what: string, schema: S, call: () => Promise<unknown>): Promise<z.infer<S>> =>
  parseObject(schema, await fromStripe(what, call), `Stripe's ${what}`);

/** Where a brand passes its user id and our click token: `metadata` and `client_reference_id`. */
function metadataSignals(metadata: Record<string, string> | null | undefined, clientReferenceId?: string | null): AttributionSignals {
  const clickId = [metadata?.shoutout_click_id, clientReferenceId].find(isClickToken) ?? null;
  return { clickId, externalId: metadata?.shoutout_external_id || metadata?.userId || null };
}

function checkoutSignals(session: CheckoutSessionObject): AttributionSignals {
  return {
    ...metadataSignals(session.metadata, session.client_reference_id),
    promotionCodeIds: (session.discounts ?? []).map((discount) => discount.promotion_code).filter((id): id is string => !!id),
    stripeCustomerId: session.customer ?? null,
  };
}

async function handleCheckoutSession(ctx: EventContext, eventSession: CheckoutSessionObject) {
  const { client, event } = ctx;
  // A bank debit (ACH, SEPA) completes its checkout unpaid and settles days later, when Stripe sends
  // async_payment_succeeded: that event credits it, dated then, so the sale counts (and its payout
  // hold runs) from when the money arrived rather than from when the buyer checked out. Reading the
  // session from Stripe here could find it paid by now, but not since when.
  const settledLater = event.type === 'checkout.session.async_payment_succeeded';
  if (event.type === 'checkout.session.completed' && eventSession.payment_status === 'unpaid') return;
  // The event's copy lacks expanded promotion codes and may be stale (async payments): ask Stripe.
  const session = client
    ? await read('checkout session', checkoutSessionSchema, () =>
        client.stripe.checkout.sessions.retrieve(eventSession.id, { expand: ['discounts.promotion_code'] }, client.options),
      )
    : eventSession;
  if (session.payment_status !== 'paid' && session.payment_status !== 'no_payment_required') return;

  const invoiceId = session.invoice ?? null;
  const invoice =
    invoiceId && client ? await read('invoice', invoiceSchema, () => client.stripe.invoices.retrieve(invoiceId, { expand: ['payments'] }, client.options)) : null;
  const paymentIntentId = session.payment_intent ?? (invoice ? paymentIntentOf(invoice) : null);
  const paid: PaidObject = {
    kind: 'checkout',
    // A subscription checkout and its first invoice are one conversion: both key on the invoice.
    sourceKey: invoiceId ?? paymentIntentId ?? session.id,
    checkoutSessionId: session.id,
    invoiceId,
    subscriptionId: session.subscription ?? null,
    paymentIntentId,
    stripeCustomerId: session.customer ?? null,
    amount: session.amount_total ?? 0,
    discount: session.total_details?.amount_discount ?? 0,
    tax: session.total_details?.amount_tax ?? 0,
    currency: session.currency ?? 'usd',
    buyerEmail: session.customer_details?.email ?? session.customer_email ?? null,
    renewal: false,
    createdAt: fromUnix(invoice ? paidAtOf(invoice) : settledLater ? event.created : session.created),
  };
  // The referral is judged when the buyer checked out: a debit settling days later is still the
  // sale a click inside the attribution window led to.
  await credit(ctx, paid, checkoutSignals(session), fromUnix(session.created));
}

/**
 * When an invoice was paid, which is when its sale happened: a renewal recovered by retries is paid
 * days or weeks after it was created, and its commission, report period and hold count from then.
 */
const paidAtOf = (invoice: InvoiceObject) => invoice.status_transitions?.paid_at ?? invoice.created;

function paymentIntentOf(invoice: InvoiceObject): string | null {
  return invoice.payments?.data.map(({ payment }) => payment.payment_intent).find((id) => !!id) ?? null;
}

/** The Checkout Session that started a subscription, or null (made through the API, or no key to ask). */
async function subscriptionCheckout({ client }: EventContext, subscription: string): Promise<CheckoutSessionObject | null> {
  if (!client) return null;
  const sessions = await fromStripe('checkout sessions of the subscription', () =>
    client.stripe.checkout.sessions.list({ subscription, limit: 1 }, client.options),
  );
  return sessions.data[0] ? parseObject(checkoutSessionSchema, sessions.data[0], `Stripe's checkout session of ${subscription}`) : null;
}

async function handleInvoicePaid(ctx: EventContext, eventInvoice: InvoiceObject) {
  const { deps, scope, client } = ctx;
  const subscriptionId = eventInvoice.parent?.subscription_details?.subscription ?? null;
  const startsSubscription = eventInvoice.billing_reason === 'subscription_create';
  if (subscriptionId && startsSubscription) {
    // The first invoice of a checkout is credited through its session, whichever event comes first.
    const session = await subscriptionCheckout(ctx, subscriptionId);
    if (session) return handleCheckoutSession(ctx, session);
  }
  const invoice = client
    ? await read('invoice', invoiceSchema, () =>
        client.stripe.invoices.retrieve(eventInvoice.id, { expand: ['payments', 'discounts.promotion_code'] }, client.options),
      )
    : eventInvoice;
  if (invoice.amount_paid <= 0) return;

  // Whether this is a renewal is the invoice's own fact, not what has arrived so far: the recurring
  // months then come out the same in any order (`recordConversion` closes them once the first is in).
  const renewal = !!subscriptionId && !startsSubscription;
  const paid: PaidObject = {
    kind: 'invoice',
    sourceKey: invoice.id,
    invoiceId: invoice.id,
    subscriptionId,
    paymentIntentId: paymentIntentOf(invoice),
    stripeCustomerId: invoice.customer ?? null,
    amount: invoice.amount_paid,
    discount: sum(invoice.total_discount_amounts),
    tax: sum(invoice.total_taxes),
    currency: invoice.currency,
    buyerEmail: invoice.customer_email ?? null,
    renewal,
    createdAt: fromUnix(paidAtOf(invoice)),
  };
  const earlier = subscriptionId ? (await deps.store.conversions.list(scope, { subscriptionId })).filter((c) => c.invoiceId !== invoice.id) : [];
  const first = earlier.at(-1);
  if (first) {
    // Renewals follow the subscription's first conversion rather than being attributed afresh.
    const [creator, campaign, promoCode] = await Promise.all([
      deps.store.creators.get(scope, first.creatorId),
      deps.store.campaigns.get(scope, first.campaignId),
      first.promoCodeId ? deps.store.promoCodes.get(scope, first.promoCodeId) : null,
    ]);
    if (creator && campaign) {
      await recordConversion(deps, scope, paid, { creator, campaign, promoCode, clickId: first.clickId, source: 'subscription' });
    }
    return;
  }
  const source = renewal ? 'subscription' : undefined;
  // A renewal that arrives before its subscription's first conversion (a lost event replayed later)
  // is attributed as that conversion will be: from the Checkout Session, as of its checkout.
  const session = renewal ? await subscriptionCheckout(ctx, subscriptionId!) : null;
  if (session) return credit(ctx, paid, checkoutSignals(session), fromUnix(session.created), source);

  const promotionCodeIds = (invoice.discounts ?? [])
    .map((discount) => (typeof discount === 'string' ? null : discount.promotion_code))
    .filter((id): id is string => !!id);
  const metadata = { ...invoice.parent?.subscription_details?.metadata, ...invoice.metadata };
  const signals = { ...metadataSignals(metadata), promotionCodeIds, stripeCustomerId: paid.stripeCustomerId };
  await credit(ctx, paid, signals, paid.createdAt, source);
}

/**
 * A payment made without Checkout (Stripe Elements, a PaymentIntent the brand's backend made):
 * credited from the brand's metadata or the paying customer's binding. A Checkout Session's or an
 * invoice's payment intent succeeds too, and is left to their own events: one credit per payment.
 */
async function handlePaymentIntentSucceeded(ctx: EventContext, paymentIntent: z.infer<typeof paymentIntentSchema>) {
  const { client, event, scope } = ctx;
  if (paymentIntent.status !== 'succeeded') return;
  if (!client) {
    const key = scope.livemode ? 'STRIPE_SECRET_KEY' : 'STRIPE_TEST_SECRET_KEY';
    throw new UnusableEvent(`no Stripe key for this mode (${key}) to tell whether ${paymentIntent.id} is a Checkout Session's or an invoice's`);
  }
  const [sessions, invoicePayments] = await Promise.all([
    fromStripe('checkout sessions of the payment intent', () =>
      client.stripe.checkout.sessions.list({ payment_intent: paymentIntent.id, limit: 1 }, client.options),
    ),
    fromStripe('invoice payments of the payment intent', () =>
      client.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntent.id }, limit: 1 }, client.options),
    ),
  ]);
  if (sessions.data.length > 0 || invoicePayments.data.length > 0) return;
  const paid: PaidObject = {
    kind: 'payment_intent',
    sourceKey: paymentIntent.id,
    paymentIntentId: paymentIntent.id,
    stripeCustomerId: paymentIntent.customer ?? null,
    amount: paymentIntent.amount_received,
    discount: 0,
    tax: 0,
    currency: paymentIntent.currency,
    buyerEmail: paymentIntent.receipt_email ?? null,
    renewal: false,
    createdAt: fromUnix(event.created),
  };
  const signals = { ...metadataSignals(paymentIntent.metadata), stripeCustomerId: paid.stripeCustomerId };
  await credit(ctx, paid, signals, fromUnix(paymentIntent.created));
}

/** `boughtAt` is when the buyer decided, against which a click's attribution window is measured. */
async function credit(ctx: EventContext, paid: PaidObject, signals: AttributionSignals, boughtAt: Date, source?: AttributionSource) {
  const attribution = await attribute(ctx.deps, ctx.org, ctx.scope, signals, boughtAt);
  if (!attribution) return;
  await recordConversion(ctx.deps, ctx.scope, paid, { ...attribution, source: source ?? attribution.source });
}

async function handleChargeRefunded({ deps, scope }: EventContext, charge: z.infer<typeof chargeSchema>) {
  await recordRefund(deps, scope, {
    paymentKey: charge.payment_intent ?? charge.id,
    chargeId: charge.id,
    amountRefunded: charge.amount_refunded,
  });
}

/**
 * A lost dispute takes the disputed amount back from the brand for good, so it lowers commission as
 * a refund of that amount would, on top of the charge's own refunds: read from Stripe too, in case
 * their charge.refunded events never came.
 */
async function handleDisputeClosed({ deps, scope, client }: EventContext, dispute: z.infer<typeof disputeSchema>) {
  if (dispute.status !== 'lost') return;
  const chargeId = dispute.charge;
  const charge = client ? await read('charge', chargeSchema, () => client.stripe.charges.retrieve(chargeId, {}, client.options)) : null;
  await recordRefund(deps, scope, {
    paymentKey: dispute.payment_intent ?? chargeId,
    chargeId,
    amountRefunded: charge?.amount_refunded,
    amountLost: dispute.amount,
  });
}

async function handlePromotionCodeUpdated({ deps, scope, client }: EventContext, eventCode: z.infer<typeof promotionCodeSchema>) {
  const promoCode = await deps.store.promoCodes.getByStripeId(scope, eventCode.id);
  if (!promoCode) return;
  // Read the current state instead of trusting the event: updates can arrive out of order.
  const current = client
    ? await read('promotion code', promotionCodeSchema, () => client.stripe.promotionCodes.retrieve(eventCode.id, {}, client.options))
    : eventCode;
  if (current.active !== promoCode.active) {
    await deps.store.promoCodes.update(scope, promoCode.id, { active: current.active }, deps.now(), await listens(deps, scope, 'promo_code.updated'));
  }
}

async function handleCouponDeleted({ deps, scope }: EventContext, coupon: z.infer<typeof couponSchema>) {
  await deps.store.promoCodes.deactivateByStripeCoupon(scope, coupon.id, deps.now(), await listens(deps, scope, 'promo_code.updated'));
  await deps.store.campaigns.clearStripeCoupon(scope, coupon.id);
}

async function handleCustomer({ deps, scope, event }: EventContext, customer: z.infer<typeof customerSchema>) {
  const { externalId } = metadataSignals(customer.metadata);
  await deps.store.customerLinks.upsert(scope, {
    stripeCustomerId: customer.id,
    externalIdHash: externalId ? deps.secrets.hashExternalId(scope.orgId, externalId) : null,
    email: customer.email?.toLowerCase() ?? null,
    updatedAt: fromUnix(event.created),
  });
}

/** Install creates the org (or brings back an uninstalled one); uninstall only marks it, keeping history. */
async function handleApplication(deps: Deps, event: StripeEventEnvelope, org: Org | null): Promise<Org | null> {
  if (!event.account) return org;
  if (event.type === 'account.application.deauthorized') {
    if (org) await deps.store.orgs.update(org.id, { uninstalledAt: deps.now() });
    return org;
  }
  const installed = org ?? (await orgForStripeAccount(deps, event.account));
  return deps.store.orgs.update(installed.id, { uninstalledAt: null });
}

async function orgOf(deps: Deps, event: StripeEventEnvelope): Promise<Org | null> {
  if (event.account) return deps.store.orgs.findByStripeAccount(event.account);
  return deps.config.STRIPE_ORG_ID ? deps.store.orgs.get(deps.config.STRIPE_ORG_ID) : null;
}

/** Acknowledges an event without acting on it, and keeps it where the operator lists them (`stripe ignored`). */
async function ignore(deps: Deps, event: { id: string; type: string; account?: string | null; livemode?: boolean }, org: Org | null, reason: string): Promise<IngestResult> {
  deps.logger.warn({ event: event.id, type: event.type, account: event.account ?? null, reason }, 'Stripe event ignored: it cannot be used');
  await deps.store.ignoredStripeEvents.record({
    eventId: event.id,
    type: event.type,
    orgId: org?.id ?? null,
    account: event.account ?? null,
    livemode: event.livemode ?? null,
    reason,
    ignoredAt: deps.now(),
  });
  return { outcome: 'ignored', reason };
}

/**
 * Ingests one verified Stripe event (webhook, sync or bench), checking its shape first. Each event
 * id is processed once; every handler is idempotent and order-independent, so retries, duplicates
 * racing each other and replays converge on the same stored state. `org` is given by sync, which
 * lists events per account. A body that is not an event at all is refused (`event_invalid`).
 */
export async function ingestStripeEvent(deps: Deps, body: unknown, options: { org?: Org } = {}): Promise<IngestResult> {
  const parsed = eventEnvelope.safeParse(body);
  if (!parsed.success) {
    const identity = eventIdentity.safeParse(body);
    if (!identity.success) {
      throw ApiError.invalid('event_invalid', `The body is signed correctly but is not a Stripe event (${describeIssue(identity.error, 'event')}).`);
    }
    // Only the id and type are known good: nothing else of it is kept.
    return ignore(deps, { id: identity.data.id, type: identity.data.type }, options.org ?? null, describeIssue(parsed.error, 'event'));
  }
  const event = parsed.data;
  if (await deps.store.stripeEvents.seen(event.id)) return { outcome: 'duplicate' };
  let org = options.org ?? (await orgOf(deps, event));
  if (event.type === 'account.application.authorized' || event.type === 'account.application.deauthorized') {
    org = await handleApplication(deps, event, org);
  } else if (org && !org.uninstalledAt) {
    const scope: OrgScope = { orgId: org.id, livemode: event.livemode };
    const ctx: EventContext = { deps, org, scope, client: deps.stripe.forOrg(org, event.livemode), event };
    try {
      if (!(await dispatch(ctx))) return { outcome: 'ignored', reason: `${event.type} events are not handled` };
    } catch (error) {
      if (error instanceof UnusableEvent) return ignore(deps, event, org, error.message);
      throw error;
    }
  } else {
    deps.logger.info({ event: event.id, account: event.account ?? null }, 'Stripe event for no installed org: acknowledged and ignored');
    return { outcome: 'ignored', reason: event.account ? `no installed org for ${event.account}` : 'no org for the brand’s own account (STRIPE_ORG_ID)' };
  }
  await deps.store.stripeEvents.markProcessed({ eventId: event.id, type: event.type, orgId: org?.id ?? null, processedAt: deps.now() });
  return { outcome: 'processed' };
}

type Handler = (ctx: EventContext, object: unknown) => Promise<unknown>;
/** A handler that sees its object only once it parses. */
const on =
  <S extends z.ZodType>(schema: S, handle: (ctx: EventContext, object: z.infer<S>) => Promise<unknown>): Handler =>
  (ctx, object) =>
    handle(ctx, parseObject(schema, object, 'data.object'));

const handlers: Record<string, Handler> = {
  'checkout.session.completed': on(checkoutSessionSchema, handleCheckoutSession),
  'checkout.session.async_payment_succeeded': on(checkoutSessionSchema, handleCheckoutSession),
  'invoice.paid': on(invoiceSchema, handleInvoicePaid),
  'payment_intent.succeeded': on(paymentIntentSchema, handlePaymentIntentSucceeded),
  'charge.refunded': on(chargeSchema, handleChargeRefunded),
  'charge.dispute.closed': on(disputeSchema, handleDisputeClosed),
  'promotion_code.updated': on(promotionCodeSchema, handlePromotionCodeUpdated),
  'coupon.deleted': on(couponSchema, handleCouponDeleted),
  'customer.created': on(customerSchema, handleCustomer),
  'customer.updated': on(customerSchema, handleCustomer),
};

/** The event types the server acts on (besides install and uninstall); `stripe sync` lists these. */
export const HANDLED_TYPES = Object.keys(handlers);

async function dispatch(ctx: EventContext): Promise<boolean> {
  const handler = Object.hasOwn(handlers, ctx.event.type) ? handlers[ctx.event.type] : undefined;
  if (!handler) return false;
  await handler(ctx, ctx.event.data.object);
  return true;
}
