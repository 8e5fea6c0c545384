import type { OrgScope } from '../orgs/repo';
import { cond, type Collection, type Driver, DuplicateKeyError, type Filter, type IndexSpec, insertOrUpdate } from '../store/driver';
import { insertOnce } from '../store/insert-once';
import { markUpdated, type Outboxed, outboxIndex, outboxOf } from '../store/outbox';
import { pageNewestFirst } from '../store/paging';
import type { ConversionStatus } from './schemas';

export type AttributionSource = 'promotion_code' | 'click' | 'customer' | 'subscription' | 'coupon_code' | 'referral';

/** What a list or export of conversions is narrowed to; ids resolved, the range `[from, to)`. */
export interface ConversionQuery {
  creatorId?: string;
  campaignId?: string;
  status?: ConversionStatus;
  from?: Date;
  to?: Date;
}

/** One paid Stripe object (checkout, invoice, payment intent paid outside both) or offline order credited to a creator. */
export interface Conversion extends OrgScope, Outboxed {
  id: string;
  /** What makes it unique: the payment intent, invoice, session without payment, or `order:<id>`. */
  sourceKey: string;
  /** `reported`: a purchase a browser reported, counted because the org trusts browser reports. */
  kind: 'checkout' | 'invoice' | 'payment_intent' | 'offline' | 'reported';
  checkoutSessionId: string | null;
  invoiceId: string | null;
  subscriptionId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
  stripeCustomerId: string | null;
  orderId: string | null;
  creatorId: string;
  campaignId: string;
  promoCodeId: string | null;
  code: string | null;
  clickId: string | null;
  source: AttributionSource;
  /** Minor units actually paid, and the discount given, in `currency`. */
  amount: number;
  discount: number;
  currency: string;
  /** Commission before refunds; `commission` is what remains after them. */
  commissionBase: number;
  commission: number;
  /**
   * What the commission is counted in: a fixed commission's own currency, else the sale's. Absent on
   * conversions stored before it was kept, whose commission was always in the sale's (`commissionCurrencyOf`).
   */
  commissionCurrency?: string;
  refunded: number;
  status: ConversionStatus;
  flag: 'self_referral' | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Cumulative refunds of one payment, kept even before (or without) its conversion so arrival order does not matter. */
export interface PaymentRefund extends OrgScope {
  paymentKey: string;
  chargeId: string;
  amountRefunded: number;
  updatedAt: Date;
}

/**
 * What one payment lost in disputes, which takes commission back as a refund of it would. Kept
 * apart from its refunds: each total only grows, and a refund after a lost dispute raises only its own.
 */
export interface PaymentDispute extends OrgScope {
  paymentKey: string;
  chargeId: string;
  amountLost: number;
  updatedAt: Date;
}

/** A Stripe customer whose metadata carries the brand's user id, kept only as its keyed hash. */
export interface CustomerLink extends OrgScope {
  stripeCustomerId: string;
  externalIdHash: string | null;
  email: string | null;
  updatedAt: Date;
}

export const commissionCurrencyOf = (conversion: Pick<Conversion, 'currency' | 'commissionCurrency'>) => conversion.commissionCurrency ?? conversion.currency;

export interface ProcessedEvent {
  eventId: string;
  type: string;
  orgId: string | null;
  processedAt: Date;
}

export async function openConversionRepos(driver: Driver) {
  const conversions = await driver.collection<Conversion>({
    name: 'conversions',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'sourceKey'], unique: true },
      // Stripe's ids, looked up by value when its events arrive; most conversions lack one or more.
      { fields: ['orgId', 'livemode', 'paymentIntentId'], notNull: true },
      { fields: ['orgId', 'livemode', 'chargeId'], notNull: true },
      { fields: ['orgId', 'livemode', 'subscriptionId'], notNull: true },
      { fields: ['orgId', 'livemode', 'stripeCustomerId'], notNull: true },
      // Reports' ranges on createdAt, and pages newest first with ties by id (`page`), in one index.
      { fields: ['orgId', 'livemode', 'createdAt', 'id'] },
      // One creator's pages and sheets, and their payout balance, without reading the org's others.
      { fields: ['orgId', 'livemode', 'creatorId', 'createdAt', 'id'] },
      outboxIndex<Conversion>(),
    ],
  });
  const byPayment: IndexSpec<PaymentRefund | PaymentDispute>[] = [{ fields: ['orgId', 'livemode', 'paymentKey'], unique: true }];
  const refunds = await driver.collection<PaymentRefund>({ name: 'payment_refunds', indexes: byPayment });
  const disputes = await driver.collection<PaymentDispute>({ name: 'payment_disputes', indexes: byPayment });
  const customerLinks = await driver.collection<CustomerLink>({
    name: 'stripe_customers',
    indexes: [{ fields: ['orgId', 'livemode', 'stripeCustomerId'], unique: true }],
  });
  const events = await driver.collection<ProcessedEvent>({
    name: 'stripe_events',
    indexes: [{ fields: ['eventId'], unique: true }],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });
  /** A payment's cumulative total: keeps the largest seen, whatever the order events arrive in. */
  const paymentTotals = <T extends PaymentRefund | PaymentDispute>(collection: Collection<T>, total: keyof T & ('amountRefunded' | 'amountLost')) => ({
    record: (scope: OrgScope, doc: Omit<T, 'orgId' | 'livemode'>) => {
      const key = { ...byScope(scope), paymentKey: doc.paymentKey } as Filter<T>;
      const larger = { ...key, [total]: cond<number>({ $lt: (doc as T)[total] as number }) } as Filter<T>;
      return insertOrUpdate(collection, { ...byScope(scope), ...doc } as T, key, { $set: doc as Partial<T> }, larger);
    },
    get: (scope: OrgScope, paymentKey: string) => collection.findOne({ ...byScope(scope), paymentKey } as Filter<T>),
  });
  const matching = (scope: OrgScope, query: ConversionQuery): Filter<Conversion> => ({
    ...byScope(scope),
    ...(query.creatorId && { creatorId: query.creatorId }),
    ...(query.campaignId && { campaignId: query.campaignId }),
    ...(query.status && { status: query.status }),
  });

  return {
    conversions: {
      /** Inserts once per source (the unique index decides); a later writer gets the stored conversion back. */
      insertOnce: (conversion: Conversion) => insertOnce(conversions, conversion, { ...byScope(conversion), sourceKey: conversion.sourceKey }),
      get: (scope: OrgScope, id: string) => conversions.findOne({ ...byScope(scope), id }),
      findBySource: (scope: OrgScope, sourceKey: string) => conversions.findOne({ ...byScope(scope), sourceKey }),
      findOne: (scope: OrgScope, filter: Filter<Conversion>) => conversions.findOne({ ...filter, ...byScope(scope) }),
      list: (scope: OrgScope, filter: Filter<Conversion> = {}) =>
        conversions.find({ ...filter, ...byScope(scope) }, { sort: { createdAt: -1, id: -1 } }),
      /** Newest first (ties by id), from just after `after` when given (`pageNewestFirst`). */
      page: (scope: OrgScope, query: ConversionQuery, options: { limit?: number; after?: Conversion } = {}) =>
        pageNewestFirst(conversions, matching(scope, query), query, options),
      /** A renewal found outside its recurring months once an earlier first payment arrived: its commission goes. */
      dropCommission: (scope: OrgScope, id: string, at: Date) =>
        conversions.updateOne({ ...byScope(scope), id, commissionBase: cond({ $gt: 0 }) }, { $set: { commissionBase: 0, commission: 0, updatedAt: at } }),
      /** Refunds only grow, so an update that would lower them (a stale event) matches nothing. `tell` marks a `conversion.updated`. */
      applyRefund: (scope: OrgScope, id: string, changes: Pick<Conversion, 'refunded' | 'commission' | 'status' | 'chargeId'>, at: Date, tell = false) =>
        conversions.updateOne({ ...byScope(scope), id, refunded: cond({ $lt: changes.refunded }) }, markUpdated<Conversion>(tell, { $set: { ...changes, updatedAt: at } })),
      outbox: outboxOf(conversions, (conversion) => ({ id: conversion.id })),
    },
    paymentRefunds: paymentTotals(refunds, 'amountRefunded'),
    paymentDisputes: paymentTotals(disputes, 'amountLost'),
    customerLinks: {
      upsert: (scope: OrgScope, link: Omit<CustomerLink, 'orgId' | 'livemode'>) => {
        const key = { ...byScope(scope), stripeCustomerId: link.stripeCustomerId };
        // `updatedAt` is the Stripe event's time: an older customer.updated arriving late changes nothing.
        return insertOrUpdate(customerLinks, { ...byScope(scope), ...link }, key, { $set: link }, {
          ...key,
          updatedAt: cond({ $lte: link.updatedAt }),
        });
      },
      get: (scope: OrgScope, stripeCustomerId: string) => customerLinks.findOne({ ...byScope(scope), stripeCustomerId }),
    },
    stripeEvents: {
      seen: async (eventId: string) => (await events.findOne({ eventId })) !== null,
      /** A concurrent duplicate that got here first already recorded it: nothing to do. */
      markProcessed: (event: ProcessedEvent) =>
        events.insertOne(event).catch((error) => {
          if (!(error instanceof DuplicateKeyError)) throw error;
        }),
    },
  };
}
