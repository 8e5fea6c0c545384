import type { Campaign, Creator, PromoCode } from '../catalog/repo';
import { creatorsById, getCampaign, getCreator, resolveReferral } from '../catalog/service';
import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { notifyFirstConversion } from '../portal/notices';
import { verifyReferralToken } from '../referrals/token';
import { rewardConversion, takeBackRewards } from '../rewards/service';
import { type OrgStripe, stripeFailure } from '../stripe/client';
import { readDownloadToken } from './download';
import { pacer } from './pace';
import { presentConversion } from './present';
import { type AttributionSource, type Conversion, type ConversionQuery, commissionCurrencyOf } from './repo';
import type { ConversionFilters, ConversionStatus, CreateConversionInput, ListConversionsQuery } from './schemas';
import { markCreated } from '../store/outbox';
import { cond } from '../store/driver';
import { listens } from '../webhooks/listening';

export interface Attribution {
  creator: Creator;
  campaign: Campaign;
  promoCode: PromoCode | null;
  clickId: string | null;
  source: AttributionSource;
  /** The buyer as the brand's user (keyed hash), when the signals say: friend rewards go to them. */
  customerHash?: string | null;
}

/** What a conversion can be attributed by; every field is optional. */
export interface AttributionSignals {
  /** Stripe promotion code ids redeemed on the session or invoice. */
  promotionCodeIds?: string[];
  /** Codes typed at a till or sent by the brand (offline). */
  codes?: string[];
  clickId?: string | null;
  /** The brand's user id from metadata; hashed before use, never stored. */
  externalId?: string | null;
  stripeCustomerId?: string | null;
}

/** A paid thing to credit, whatever it came from. */
export interface PaidObject {
  kind: Conversion['kind'];
  sourceKey: string;
  checkoutSessionId?: string | null;
  invoiceId?: string | null;
  subscriptionId?: string | null;
  paymentIntentId?: string | null;
  stripeCustomerId?: string | null;
  orderId?: string | null;
  amount: number;
  discount: number;
  /** Tax inside `amount`; commission is on revenue net of tax. */
  tax: number;
  currency: string;
  buyerEmail?: string | null;
  /** A subscription invoice after the first: commission only within the campaign's recurring months. */
  renewal: boolean;
  createdAt: Date;
}

const CLICK_TOKEN = /^clk_[A-Za-z0-9_-]+$/;
// Small enough that reading and presenting one is a millisecond or two; `pacer` decides when to yield.
const EXPORT_SLICE = 100;
export const isClickToken = (value: unknown): value is string => typeof value === 'string' && CLICK_TOKEN.test(value);

async function byCode(deps: Deps, scope: OrgScope, signals: AttributionSignals): Promise<Attribution | null> {
  for (const stripeId of signals.promotionCodeIds ?? []) {
    const found = await resolveReferral(deps, scope, await deps.store.promoCodes.getByStripeId(scope, stripeId));
    if (found) return { ...found, clickId: null, source: 'promotion_code' };
  }
  for (const code of signals.codes ?? []) {
    const found = await resolveReferral(deps, scope, await deps.store.promoCodes.getByCode(scope, code));
    if (found) return { ...found, clickId: null, source: 'coupon_code' };
  }
  return null;
}

async function byClick(deps: Deps, org: Org, scope: OrgScope, signals: AttributionSignals, at: Date): Promise<Attribution | null> {
  if (!signals.clickId) return null;
  const click = await deps.store.clicks.get(scope, signals.clickId);
  if (!click || at.getTime() - click.createdAt.getTime() > org.attributionWindowDays * 86_400_000) return null;
  const found = await resolveReferral(deps, scope, await deps.store.promoCodes.get(scope, click.promoCodeId));
  return found ? { ...found, clickId: click.id, source: 'click' } : null;
}

/** The brand's user behind a payment, as its keyed hash: from its metadata, or from its Stripe customer's. */
async function customerHashOf(deps: Deps, scope: OrgScope, signals: Pick<AttributionSignals, 'externalId' | 'stripeCustomerId'>) {
  if (signals.externalId) return deps.secrets.hashExternalId(scope.orgId, signals.externalId);
  return signals.stripeCustomerId ? ((await deps.store.customerLinks.get(scope, signals.stripeCustomerId))?.externalIdHash ?? null) : null;
}

async function byCustomer(deps: Deps, scope: OrgScope, hash: string | null): Promise<Attribution | null> {
  if (!hash) return null;
  const binding = await deps.store.bindings.get(scope, hash);
  if (!binding) return null;
  const found = await resolveReferral(deps, scope, await deps.store.promoCodes.get(scope, binding.promoCodeId));
  return found ? { ...found, clickId: binding.clickId, source: 'customer' } : null;
}

/**
 * Who gets the credit: the redeemed promotion code, then a click token, then a bound customer.
 * With `codeBeatsLink` off the link-based signals (click, bound customer) come before the code.
 */
export async function attribute(deps: Deps, org: Org, scope: OrgScope, signals: AttributionSignals, at: Date): Promise<Attribution | null> {
  const customerHash = await customerHashOf(deps, scope, signals);
  const code = () => byCode(deps, scope, signals);
  const click = () => byClick(deps, org, scope, signals, at);
  const customer = () => byCustomer(deps, scope, customerHash);
  const order = org.codeBeatsLink ? [code, click, customer] : [click, customer, code];
  for (const step of order) {
    const found = await step();
    if (found) return { ...found, customerHash };
  }
  return null;
}

/**
 * `months` later on the same day of the month, or on the month's last day when it is shorter, as
 * Stripe bills a subscription anchored on the 29th–31st: 31 January + 1 month is 28 (or 29)
 * February, never 3 March, which would let one more renewal earn commission.
 */
export function addMonths(date: Date, months: number): Date {
  const result = new Date(date);
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return result;
}

/** A subscription's paid conversions, newest first: the last is its first payment, after any trial. */
const paidOfSubscription = (deps: Deps, scope: OrgScope, subscriptionId: string) =>
  deps.store.conversions.list(scope, { subscriptionId, amount: cond({ $gt: 0 }) });

async function commissionFor(deps: Deps, scope: OrgScope, campaign: Campaign, paid: PaidObject): Promise<number> {
  const { type, value, recurringMonths } = campaign.commission;
  // A trial's start (or a fully discounted order) earns nothing, not even a fixed commission: the
  // subscription's first payment does.
  if (paid.amount <= 0) return 0;
  if (paid.renewal && recurringMonths !== null && paid.subscriptionId) {
    const earliest = (await paidOfSubscription(deps, scope, paid.subscriptionId)).at(-1);
    if (earliest && paid.createdAt >= addMonths(earliest.createdAt, recurringMonths)) return 0;
  }
  if (type === 'fixed') return value;
  return Math.round((Math.max(0, paid.amount - paid.tax) * value) / 100);
}

/** A fixed commission is paid in its own currency, whatever the sale was paid in; a percent one in the sale's. */
const commissionCurrencyFor = ({ commission }: Campaign, paid: PaidObject) =>
  (commission.type === 'fixed' && commission.currency ? commission.currency : paid.currency).toLowerCase();

function refundState(conversion: Pick<Conversion, 'amount' | 'commissionBase' | 'status'>, amountRefunded: number) {
  const refunded = Math.min(amountRefunded, conversion.amount);
  const remaining = conversion.amount > 0 ? (conversion.amount - refunded) / conversion.amount : 0;
  const status: ConversionStatus =
    conversion.status === 'flagged' ? 'flagged' : refunded >= conversion.amount ? 'refunded' : refunded > 0 ? 'partially_refunded' : 'credited';
  return { refunded, status, commission: Math.round(conversion.commissionBase * remaining) };
}

/**
 * Applies a payment's cumulative refund to its conversion, and to the rewards it earned; stale
 * (smaller) refunds change nothing.
 */
async function applyRefund(deps: Deps, scope: OrgScope, conversion: Conversion, amountRefunded: number, chargeId: string | null) {
  const next = refundState(conversion, amountRefunded);
  if (next.refunded <= conversion.refunded) return conversion;
  const updated = await deps.store.conversions.applyRefund(
    scope,
    conversion.id,
    { ...next, chargeId: chargeId ?? conversion.chargeId },
    deps.now(),
    await listens(deps, scope, 'conversion.updated'),
  );
  if (updated) await takeBackRewards(deps, scope, updated.id);
  return updated ?? conversion;
}

/** The buyer is the creator: the creator's own Stripe customer paid, or the same email on the payment or the paying customer. */
async function isSelfReferral(deps: Deps, scope: OrgScope, paid: PaidObject, creator: Creator): Promise<boolean> {
  if (creator.stripeCustomerId && paid.stripeCustomerId === creator.stripeCustomerId) return true;
  if (!creator.email) return false;
  const creatorEmail = creator.email.toLowerCase();
  if (paid.buyerEmail?.trim().toLowerCase() === creatorEmail) return true;
  const customer = paid.stripeCustomerId ? await deps.store.customerLinks.get(scope, paid.stripeCustomerId) : null;
  return customer?.email === creatorEmail;
}

/**
 * Stores the conversion once per source (later writers get the stored one back), then applies any
 * refund already seen for its payment. Refunds record themselves first and then look for the
 * conversion, so whichever of the two lands second sees the other: both orders converge.
 */
export async function recordConversion(deps: Deps, scope: OrgScope, paid: PaidObject, attribution: Attribution) {
  const selfReferral = await isSelfReferral(deps, scope, paid, attribution.creator);
  const commissionBase = selfReferral ? 0 : await commissionFor(deps, scope, attribution.campaign, paid);
  const now = deps.now();
  const { doc, created } = await deps.store.conversions.insertOnce({
    ...scope,
    id: newId('conv'),
    sourceKey: paid.sourceKey,
    kind: paid.kind,
    checkoutSessionId: paid.checkoutSessionId ?? null,
    invoiceId: paid.invoiceId ?? null,
    subscriptionId: paid.subscriptionId ?? null,
    paymentIntentId: paid.paymentIntentId ?? null,
    chargeId: null,
    stripeCustomerId: paid.stripeCustomerId ?? null,
    orderId: paid.orderId ?? null,
    creatorId: attribution.creator.id,
    campaignId: attribution.campaign.id,
    promoCodeId: attribution.promoCode?.id ?? null,
    code: attribution.promoCode?.code ?? null,
    clickId: attribution.clickId,
    source: attribution.source,
    amount: paid.amount,
    discount: paid.discount,
    currency: paid.currency.toLowerCase(),
    commissionBase,
    commission: commissionBase,
    commissionCurrency: commissionCurrencyFor(attribution.campaign, paid),
    refunded: 0,
    status: selfReferral ? 'flagged' : 'credited',
    flag: selfReferral ? 'self_referral' : null,
    createdAt: paid.createdAt,
    updatedAt: now,
    ...markCreated(await listens(deps, scope, 'conversion.created')),
  });
  if (selfReferral && created) deps.logger.warn({ conversion: doc.id, creator: doc.creatorId }, 'self-referral flagged, not credited');
  if (created && doc.subscriptionId && doc.amount > 0) await closeRecurringMonths(deps, scope, attribution.campaign, doc.subscriptionId);
  const returned = doc.paymentIntentId ? await amountReturned(deps, scope, doc.paymentIntentId) : null;
  const conversion = returned ? await applyRefund(deps, scope, doc, returned.amount, returned.chargeId) : doc;
  // Every time, not only when created: a redelivery completes rewards a crash left unwritten.
  const customerHash = attribution.customerHash !== undefined ? attribution.customerHash : await customerHashOf(deps, scope, paid);
  await rewardConversion(deps, scope, conversion, customerHash);
  if (created) notifyFirstConversion(deps, conversion);
  return { conversion, created };
}

/**
 * Renewals paid after the recurring months lose their commission. Each is judged against the
 * earliest payment stored when it arrives; a first payment that arrives after its renewals (an event
 * lost and replayed) moves the start earlier, so renewals it puts outside the months lose theirs
 * here, and every order ends with the same commission.
 */
async function closeRecurringMonths(deps: Deps, scope: OrgScope, campaign: Campaign, subscriptionId: string) {
  const { recurringMonths } = campaign.commission;
  if (recurringMonths === null) return;
  const paid = await paidOfSubscription(deps, scope, subscriptionId);
  const first = paid.at(-1);
  if (!first) return;
  const end = addMonths(first.createdAt, recurringMonths);
  const outside = paid.filter((conversion) => conversion.createdAt >= end && conversion.commissionBase > 0);
  await Promise.all(outside.map((conversion) => deps.store.conversions.dropCommission(scope, conversion.id, deps.now())));
}

/** What a payment gave back, refunded and lost in disputes, as recorded so far; null when nothing. */
async function amountReturned(deps: Deps, scope: OrgScope, paymentKey: string) {
  const [refund, dispute] = await Promise.all([deps.store.paymentRefunds.get(scope, paymentKey), deps.store.paymentDisputes.get(scope, paymentKey)]);
  const chargeId = refund?.chargeId ?? dispute?.chargeId;
  return chargeId ? { amount: (refund?.amountRefunded ?? 0) + (dispute?.amountLost ?? 0), chargeId } : null;
}

/**
 * Records a payment's cumulative refunds, or what it lost in a dispute, or both; each total only
 * grows, so a stale event changes nothing. Its conversion's credit falls in proportion to their sum.
 */
export async function recordRefund(deps: Deps, scope: OrgScope, payment: { paymentKey: string; chargeId: string; amountRefunded?: number; amountLost?: number }) {
  const { paymentKey, chargeId, amountRefunded, amountLost } = payment;
  const updatedAt = deps.now();
  await Promise.all([
    amountRefunded !== undefined && deps.store.paymentRefunds.record(scope, { paymentKey, chargeId, amountRefunded, updatedAt }),
    amountLost !== undefined && deps.store.paymentDisputes.record(scope, { paymentKey, chargeId, amountLost, updatedAt }),
  ]);
  const conversion =
    (await deps.store.conversions.findOne(scope, { paymentIntentId: paymentKey })) ?? (await deps.store.conversions.findOne(scope, { chargeId }));
  const returned = conversion && (await amountReturned(deps, scope, paymentKey));
  return conversion && returned ? applyRefund(deps, scope, conversion, returned.amount, chargeId) : null;
}

/**
 * `POST /api/conversions`: an order paid outside Stripe (in store, another processor), idempotent on
 * `order_id`. `reported` marks one a browser reported, counted because the org trusts browser reports.
 */
export async function createManualConversion(deps: Deps, org: Org, livemode: boolean, input: CreateConversionInput, kind: 'offline' | 'reported' = 'offline') {
  const scope: OrgScope = { orgId: org.id, livemode };
  const sourceKey = `order:${input.order_id}`;
  const existing = await deps.store.conversions.findBySource(scope, sourceKey);
  if (existing) return { conversion: existing, created: false };

  let attribution: Attribution | null = null;
  if (input.ref) {
    const referral = await verifyReferralToken(deps.secrets.referralSigningKey, input.ref, deps.now());
    if (referral.orgId !== org.id || referral.livemode !== livemode) {
      throw ApiError.invalid('referral_org_mismatch', 'This referral was issued for another org or mode than the API key’s.', 'ref');
    }
    const found = await resolveReferral(deps, scope, await deps.store.promoCodes.get(scope, referral.promoCodeId));
    const customerHash = input.externalId ? deps.secrets.hashExternalId(org.id, input.externalId) : null;
    attribution = found && { ...found, clickId: referral.clickId, source: 'referral', customerHash };
  } else {
    attribution = await attribute(deps, org, scope, { codes: input.coupon_code ? [input.coupon_code] : [], externalId: input.externalId }, deps.now());
  }
  if (!attribution) {
    const param = input.coupon_code ? 'coupon_code' : input.externalId ? 'externalId' : 'ref';
    throw ApiError.invalid('conversion_unattributed', 'Nothing in this order points to a creator: the code, user or referral is unknown.', param, 422);
  }
  return recordConversion(
    deps,
    scope,
    {
      kind,
      sourceKey,
      orderId: input.order_id,
      amount: input.amount,
      discount: input.discount ?? 0,
      tax: 0,
      currency: input.currency,
      buyerEmail: input.email ?? null,
      renewal: false,
      createdAt: deps.now(),
    },
    attribution,
  );
}

/** Conversions with the creator handle, as the API and the Stripe App show them. */
export async function presentConversions(deps: Deps, scope: OrgScope, conversions: Conversion[]) {
  const creators = await creatorsById(deps, scope, conversions);
  return conversions.map((conversion) => presentConversion(conversion, creators.get(conversion.creatorId) ?? null));
}

/** The filters with the creator (id or handle) and campaign resolved; an unknown one is a 404 on its param. */
async function resolveFilters(deps: Deps, scope: OrgScope, filters: ConversionFilters): Promise<ConversionQuery> {
  const [creator, campaign] = await Promise.all([
    filters.creator ? getCreator(deps, scope, filters.creator, 'creator') : null,
    filters.campaign ? getCampaign(deps, scope, filters.campaign, 'campaign') : null,
  ]);
  return { creatorId: creator?.id, campaignId: campaign?.id, status: filters.status, from: filters.from, to: filters.to };
}

/** One page of conversions, newest first, Stripe-style: `has_more` and `starting_after` page through. */
export async function listConversions(deps: Deps, scope: OrgScope, query: ListConversionsQuery) {
  const after = query.starting_after ? await deps.store.conversions.get(scope, query.starting_after) : undefined;
  if (after === null) throw ApiError.invalid('resource_missing', `No such conversion: ${query.starting_after}`, 'starting_after');
  const found = await deps.store.conversions.page(scope, await resolveFilters(deps, scope, query), { limit: query.limit + 1, after });
  const data = await presentConversions(deps, scope, found.slice(0, query.limit));
  return { object: 'list' as const, data, has_more: found.length > query.limit };
}

export async function getConversion(deps: Deps, scope: OrgScope, id: string) {
  const conversion = await deps.store.conversions.get(scope, id);
  if (!conversion) throw ApiError.notFound('conversion', 'id');
  const [presented] = await presentConversions(deps, scope, [conversion]);
  return presented;
}

/** Every matching conversion, newest first, for a sheet (`conversionsCsv`). */
export async function exportConversions(deps: Deps, scope: OrgScope, filters: ConversionFilters) {
  const query = await resolveFilters(deps, scope, filters);
  // A sheet is never paged, so this filter can pick from what the store found: the store contract
  // has no $or, which conversions stored before commissionCurrency was kept would need.
  const { commission_currency: currency } = filters;
  const sheet: Awaited<ReturnType<typeof presentConversions>> = [];
  // Read and presented a slice at a time, letting other requests in every millisecond (`pacer`): the
  // embedded store reads synchronously, and 100k conversions at once held the process for seconds.
  const pace = pacer();
  for (let after: Conversion | undefined; ; await pace()) {
    const slice = await deps.store.conversions.page(scope, query, { limit: EXPORT_SLICE, after });
    sheet.push(...(await presentConversions(deps, scope, currency ? slice.filter((conversion) => commissionCurrencyOf(conversion) === currency) : slice)));
    if (slice.length < EXPORT_SLICE) return sheet;
    after = slice.at(-1);
  }
}

/** The sheet behind a Stripe App download link, while the app that made the link is still installed. */
export async function downloadConversions(deps: Deps, token: string) {
  const { scope, filters } = await readDownloadToken(deps.secrets.downloadSigningKey, token, deps.now());
  const org = await deps.store.orgs.get(scope.orgId);
  if (!org || org.uninstalledAt) {
    throw new ApiError('authentication_error', 'download_link_invalid', 'This download link no longer works: the Stripe App was uninstalled from this account.');
  }
  return exportConversions(deps, scope, filters);
}

/** For the Stripe App's customer view: every conversion paid by this Stripe customer, newest first. */
export async function conversionsForCustomer(deps: Deps, scope: OrgScope, stripeCustomerId: string) {
  return presentConversions(deps, scope, await deps.store.conversions.list(scope, { stripeCustomerId }));
}

/** The charge, or null when the account has no such charge (a mistyped or another mode's id). */
async function retrieveCharge(client: OrgStripe, chargeId: string) {
  try {
    return await client.stripe.charges.retrieve(chargeId, {}, client.options);
  } catch (error) {
    if ((error as { code?: string }).code === 'resource_missing') return null;
    throw stripeFailure(error, 'read the charge');
  }
}

/**
 * For the Stripe App's payment view: the conversion behind a payment intent or a charge, or null. A
 * `py_…` id is a charge as much as a `ch_…` one is (some bank debits).
 */
export async function conversionForPayment(deps: Deps, scope: OrgScope, paymentId: string) {
  const isCharge = /^(ch|py)_/.test(paymentId);
  let conversion = isCharge
    ? await deps.store.conversions.findOne(scope, { chargeId: paymentId })
    : await deps.store.conversions.findOne(scope, { paymentIntentId: paymentId });
  if (!conversion && isCharge) {
    // A charge nobody refunded yet is only known to us through its payment intent.
    const org = await deps.store.orgs.get(scope.orgId);
    const client = org && deps.stripe.forOrg(org, scope.livemode);
    const charge = client && (await retrieveCharge(client, paymentId));
    const paymentIntent = typeof charge?.payment_intent === 'string' ? charge.payment_intent : charge?.payment_intent?.id;
    if (paymentIntent) conversion = await deps.store.conversions.findOne(scope, { paymentIntentId: paymentIntent });
  }
  if (!conversion) return null;
  const [presented] = await presentConversions(deps, scope, [conversion]);
  return presented;
}
