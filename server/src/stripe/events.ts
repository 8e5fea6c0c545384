import type Stripe from 'stripe';
import {
  type AttributionSignals,
  attribute,
  isClickToken,
  type PaidObject,
  recordConversion,
  recordRefund,
} from '../conversions/service';
import type { Deps } from '../deps';
import type { Org, OrgScope } from '../orgs/repo';
import { orgForStripeAccount } from '../orgs/service';
import type { OrgStripe } from './client';
import { listens } from '../webhooks/listening';

export type IngestOutcome = 'processed' | 'duplicate' | 'ignored';

interface EventContext {
  deps: Deps;
  org: Org;
  scope: OrgScope;
  /** Null when no key is configured for the event's mode: handlers then use the event's own copy. */
  client: OrgStripe | null;
  event: Stripe.Event;
}

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : (value?.id ?? null));
const fromUnix = (seconds: number) => new Date(seconds * 1000);
const sum = (amounts: { amount: number }[] | null | undefined) => (amounts ?? []).reduce((total, { amount }) => total + amount, 0);

/** Where a brand passes its user id and our click token: `metadata` and `client_reference_id`. */
function metadataSignals(metadata: Stripe.Metadata | null | undefined, clientReferenceId?: string | null): AttributionSignals {
  const clickId = [metadata?.shoutout_click_id, clientReferenceId].find(isClickToken) ?? null;
  return { clickId, externalId: metadata?.shoutout_external_id || metadata?.userId || null };
}

async function handleCheckoutSession(ctx: EventContext, eventSession: Stripe.Checkout.Session) {
  const { client, event } = ctx;
  // A bank debit (ACH, SEPA) completes its checkout unpaid and settles days later, when Stripe sends
  // async_payment_succeeded: that event credits it, dated then, so the sale counts (and its payout
  // hold runs) from when the money arrived rather than from when the buyer checked out. Reading the
  // session from Stripe here could find it paid by now, but not since when.
  const settledLater = event.type === 'checkout.session.async_payment_succeeded';
  if (event.type === 'checkout.session.completed' && eventSession.payment_status === 'unpaid') return;
  // The event's copy lacks expanded promotion codes and may be stale (async payments): ask Stripe.
  const session = client
    ? await client.stripe.checkout.sessions.retrieve(eventSession.id, { expand: ['discounts.promotion_code'] }, client.options)
    : eventSession;
  if (session.payment_status !== 'paid' && session.payment_status !== 'no_payment_required') return;

  const invoiceId = idOf(session.invoice);
  const invoice = invoiceId && client ? await client.stripe.invoices.retrieve(invoiceId, { expand: ['payments'] }, client.options) : null;
  const paymentIntentId = idOf(session.payment_intent) ?? (invoice ? paymentIntentOf(invoice) : null);
  const paid: PaidObject = {
    kind: 'checkout',
    // A subscription checkout and its first invoice are one conversion: both key on the invoice.
    sourceKey: invoiceId ?? paymentIntentId ?? session.id,
    checkoutSessionId: session.id,
    invoiceId,
    subscriptionId: idOf(session.subscription),
    paymentIntentId,
    stripeCustomerId: idOf(session.customer),
    amount: session.amount_total ?? 0,
    discount: session.total_details?.amount_discount ?? 0,
    tax: session.total_details?.amount_tax ?? 0,
    currency: session.currency ?? 'usd',
    buyerEmail: session.customer_details?.email ?? session.customer_email ?? null,
    renewal: false,
    createdAt: fromUnix(invoice ? paidAtOf(invoice) : settledLater ? event.created : session.created),
  };
  const signals: AttributionSignals = {
    ...metadataSignals(session.metadata, session.client_reference_id),
    promotionCodeIds: (session.discounts ?? []).map((discount) => idOf(discount.promotion_code)).filter((id): id is string => !!id),
    stripeCustomerId: paid.stripeCustomerId,
  };
  // The referral is judged when the buyer checked out: a debit settling days later is still the
  // sale a click inside the attribution window led to.
  await credit(ctx, paid, signals, fromUnix(session.created));
}

/**
 * When an invoice was paid, which is when its sale happened: a renewal recovered by retries is paid
 * days or weeks after it was created, and its commission, report period and hold count from then.
 */
const paidAtOf = (invoice: Stripe.Invoice) => invoice.status_transitions?.paid_at ?? invoice.created;

function paymentIntentOf(invoice: Stripe.Invoice): string | null {
  for (const payment of invoice.payments?.data ?? []) {
    const id = idOf(payment.payment.payment_intent);
    if (id) return id;
  }
  return null;
}

async function handleInvoicePaid(ctx: EventContext, eventInvoice: Stripe.Invoice) {
  const { deps, scope, client } = ctx;
  if (!eventInvoice.id) return;
  const subscriptionId = idOf(eventInvoice.parent?.subscription_details?.subscription);
  if (client && subscriptionId && eventInvoice.billing_reason === 'subscription_create') {
    // The first invoice of a checkout is credited through its session, whichever event comes first.
    const sessions = await client.stripe.checkout.sessions.list({ subscription: subscriptionId, limit: 1 }, client.options);
    if (sessions.data[0]) return handleCheckoutSession(ctx, sessions.data[0]);
  }
  const invoice = client
    ? await client.stripe.invoices.retrieve(eventInvoice.id, { expand: ['payments', 'discounts.promotion_code'] }, client.options)
    : eventInvoice;
  if (invoice.amount_paid <= 0) return;

  const earlier = subscriptionId ? (await deps.store.conversions.list(scope, { subscriptionId })).filter((c) => c.invoiceId !== invoice.id) : [];
  const paid: PaidObject = {
    kind: 'invoice',
    sourceKey: invoice.id!,
    invoiceId: invoice.id,
    subscriptionId,
    paymentIntentId: paymentIntentOf(invoice),
    stripeCustomerId: idOf(invoice.customer),
    amount: invoice.amount_paid,
    discount: sum(invoice.total_discount_amounts),
    tax: sum(invoice.total_taxes),
    currency: invoice.currency,
    buyerEmail: invoice.customer_email,
    // After a trial, the first paid invoice is the subscription's first payment, not a renewal.
    renewal: earlier.some((conversion) => conversion.amount > 0),
    createdAt: fromUnix(paidAtOf(invoice)),
  };
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
  const promotionCodeIds = invoice.discounts
    .map((discount) => (typeof discount === 'string' || 'deleted' in discount ? null : idOf(discount.promotion_code)))
    .filter((id): id is string => !!id);
  const metadata = { ...invoice.parent?.subscription_details?.metadata, ...invoice.metadata };
  await credit(ctx, paid, { ...metadataSignals(metadata), promotionCodeIds, stripeCustomerId: paid.stripeCustomerId }, paid.createdAt);
}

/** `boughtAt` is when the buyer decided, against which a click's attribution window is measured. */
async function credit(ctx: EventContext, paid: PaidObject, signals: AttributionSignals, boughtAt: Date) {
  const attribution = await attribute(ctx.deps, ctx.org, ctx.scope, signals, boughtAt);
  if (!attribution) return;
  await recordConversion(ctx.deps, ctx.scope, paid, attribution);
}

async function handleChargeRefunded({ deps, scope }: EventContext, charge: Stripe.Charge) {
  await recordRefund(deps, scope, {
    paymentKey: idOf(charge.payment_intent) ?? charge.id,
    chargeId: charge.id,
    amountRefunded: charge.amount_refunded,
  });
}

/**
 * A lost dispute takes the disputed amount back from the brand for good, so it lowers commission as
 * a refund of that amount would, on top of the charge's own refunds: read from Stripe too, in case
 * their charge.refunded events never came.
 */
async function handleDisputeClosed({ deps, scope, client }: EventContext, dispute: Stripe.Dispute) {
  if (dispute.status !== 'lost') return;
  const chargeId = typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id;
  const charge = client ? await client.stripe.charges.retrieve(chargeId, {}, client.options) : null;
  await recordRefund(deps, scope, {
    paymentKey: idOf(dispute.payment_intent) ?? chargeId,
    chargeId,
    amountRefunded: charge?.amount_refunded,
    amountLost: dispute.amount,
  });
}

async function handlePromotionCodeUpdated({ deps, scope, client }: EventContext, eventCode: Stripe.PromotionCode) {
  const promoCode = await deps.store.promoCodes.getByStripeId(scope, eventCode.id);
  if (!promoCode) return;
  // Read the current state instead of trusting the event: updates can arrive out of order.
  const current = client ? await client.stripe.promotionCodes.retrieve(eventCode.id, {}, client.options) : eventCode;
  if (current.active !== promoCode.active) {
    await deps.store.promoCodes.update(scope, promoCode.id, { active: current.active }, deps.now(), await listens(deps, scope, 'promo_code.updated'));
  }
}

async function handleCouponDeleted({ deps, scope }: EventContext, coupon: Stripe.Coupon) {
  await deps.store.promoCodes.deactivateByStripeCoupon(scope, coupon.id, deps.now(), await listens(deps, scope, 'promo_code.updated'));
  await deps.store.campaigns.clearStripeCoupon(scope, coupon.id);
}

async function handleCustomer({ deps, scope, event }: EventContext, customer: Stripe.Customer) {
  const { externalId } = metadataSignals(customer.metadata);
  await deps.store.customerLinks.upsert(scope, {
    stripeCustomerId: customer.id,
    externalIdHash: externalId ? deps.secrets.hashExternalId(scope.orgId, externalId) : null,
    email: customer.email?.toLowerCase() ?? null,
    updatedAt: fromUnix(event.created),
  });
}

/** Install creates the org (or brings back an uninstalled one); uninstall only marks it, keeping history. */
async function handleApplication(deps: Deps, event: Stripe.Event, org: Org | null): Promise<Org | null> {
  if (!event.account) return org;
  if (event.type === 'account.application.deauthorized') {
    if (org) await deps.store.orgs.update(org.id, { uninstalledAt: deps.now() });
    return org;
  }
  const installed = org ?? (await orgForStripeAccount(deps, event.account));
  return deps.store.orgs.update(installed.id, { uninstalledAt: null });
}

async function orgOf(deps: Deps, event: Stripe.Event): Promise<Org | null> {
  if (event.account) return deps.store.orgs.findByStripeAccount(event.account);
  return deps.config.STRIPE_ORG_ID ? deps.store.orgs.get(deps.config.STRIPE_ORG_ID) : null;
}

/**
 * Ingests one verified Stripe event (webhook, sync or bench). Each event id is processed once;
 * every handler is idempotent and order-independent, so retries, duplicates racing each other
 * and replays converge on the same stored state. `org` is given by sync, which lists events per account.
 */
export async function ingestStripeEvent(deps: Deps, event: Stripe.Event, options: { org?: Org } = {}): Promise<IngestOutcome> {
  if (await deps.store.stripeEvents.seen(event.id)) return 'duplicate';
  let org = options.org ?? (await orgOf(deps, event));
  if (event.type === 'account.application.authorized' || event.type === 'account.application.deauthorized') {
    org = await handleApplication(deps, event, org);
  } else if (org && !org.uninstalledAt) {
    const scope: OrgScope = { orgId: org.id, livemode: event.livemode };
    const ctx: EventContext = { deps, org, scope, client: deps.stripe.forOrg(org, event.livemode), event };
    const handled = await dispatch(ctx);
    if (!handled) return 'ignored';
  } else {
    deps.logger.info({ event: event.id, account: event.account ?? null }, 'Stripe event for no installed org: acknowledged and ignored');
    return 'ignored';
  }
  await deps.store.stripeEvents.markProcessed({ eventId: event.id, type: event.type, orgId: org?.id ?? null, processedAt: deps.now() });
  return 'processed';
}

async function dispatch(ctx: EventContext): Promise<boolean> {
  const { event } = ctx;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      await handleCheckoutSession(ctx, event.data.object);
      return true;
    case 'invoice.paid':
      await handleInvoicePaid(ctx, event.data.object);
      return true;
    case 'charge.refunded':
      await handleChargeRefunded(ctx, event.data.object);
      return true;
    case 'charge.dispute.closed':
      await handleDisputeClosed(ctx, event.data.object);
      return true;
    case 'promotion_code.updated':
      await handlePromotionCodeUpdated(ctx, event.data.object);
      return true;
    case 'coupon.deleted':
      await handleCouponDeleted(ctx, event.data.object);
      return true;
    case 'customer.created':
    case 'customer.updated':
      await handleCustomer(ctx, event.data.object);
      return true;
    default:
      return false;
  }
}
