import { clearingAfter, ReadCache } from '../store/cache';
import type { Driver } from '../store/driver';
import { markUpdated, type Outboxed, outboxIndex, outboxOf } from '../store/outbox';
import type { OrgScope } from '../orgs/repo';
import type { RewardRule } from '../rewards/repo';

export type DiscountType = 'percent_off' | 'amount_off';
export type CouponDuration = 'once' | 'repeating' | 'forever';

export interface Creator extends OrgScope, Outboxed {
  id: string;
  /** Lower-case, unique per org and mode. */
  handle: string;
  name: string;
  avatarUrl: string | null;
  /** Used to flag self-referrals: a creator buying through their own code is not credited. */
  email: string | null;
  /** The creator's own Stripe customer on the brand's account, if they buy there: also flags self-referrals. */
  stripeCustomerId?: string | null;
  /** The brand's own id for this person (seed 002's advocate `customer.id`), to find them by. */
  customerId?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  createdAt: Date;
}

/** What Stripe limits a promotion code to; see `codeRestrictionsSchema`. */
export interface CodeRestrictions {
  firstTimeTransaction: boolean;
  maxRedemptions: number | null;
  expiresAt: Date | null;
  minimumAmount: number | null;
  minimumAmountCurrency: string | null;
}

export interface Commission {
  type: 'percent' | 'fixed';
  /** Percent of net revenue, or a fixed amount in minor units of `currency` per conversion. */
  value: number;
  currency: string | null;
  /** For subscriptions: how many months of renewals earn commission; null means every renewal. */
  recurringMonths: number | null;
}

export interface Campaign extends OrgScope {
  id: string;
  title: string;
  discountType: DiscountType;
  /** Percent (0-100] for percent_off; minor units of `currency` for amount_off, as Stripe counts. */
  discountValue: number;
  currency: string | null;
  duration: CouponDuration;
  durationInMonths: number | null;
  startsAt: Date | null;
  endsAt: Date | null;
  commission: Commission;
  /** Points or amounts for the advocate and the friend, besides discount and commission; absent on campaigns stored before rewards existed. */
  rewards?: RewardRule[];
  /** The one Stripe coupon behind every code of this campaign, created with the first code. */
  stripeCouponId: string | null;
  /** Restrictions every code of the campaign gets on Stripe, unless the code sets its own. */
  codeRestrictions?: CodeRestrictions | null;
  createdAt: Date;
}

export interface PromoCode extends OrgScope, Outboxed {
  id: string;
  /** Upper-case, unique per org and mode, as the customer types it at checkout. */
  code: string;
  /** Null while the code waits, unassigned, in a coupon bank. */
  creatorId: string | null;
  campaignId: string;
  active: boolean;
  stripePromotionCodeId: string | null;
  stripeCouponId: string | null;
  /** The coupon bank the code was uploaded to, if any. */
  bankId?: string | null;
  /** When a banked code was handed to its creator. */
  assignedAt?: Date | null;
  /** The brand made the Stripe promotion code; Shoutout adopted it rather than creating it. */
  adopted?: boolean;
  /** The restrictions the Stripe promotion code carries. */
  restrictions?: CodeRestrictions | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function openCatalogRepos(driver: Driver) {
  const creators = await driver.collection<Creator>({
    name: 'creators',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'handle'], unique: true },
      { fields: ['orgId', 'livemode', 'customerId'], notNull: true },
      { fields: ['orgId', 'livemode', 'email'], notNull: true },
      outboxIndex<Creator>(),
    ],
  });
  const campaigns = await driver.collection<Campaign>({
    name: 'campaigns',
    indexes: [{ fields: ['id'], unique: true }, { fields: ['orgId', 'livemode'] }],
  });
  const promoCodes = await driver.collection<PromoCode>({
    name: 'promo_codes',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'code'], unique: true },
      { fields: ['stripePromotionCodeId'], notNull: true },
      { fields: ['stripeCouponId'], notNull: true },
      { fields: ['orgId', 'livemode', 'bankId', 'creatorId'] },
      outboxIndex<PromoCode>(),
    ],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });
  const keyOf = ({ orgId, livemode }: OrgScope, id: string) => `${orgId}:${livemode}:${id}`;
  // Lookup, click and webhook resolve a code to its creator and campaign on every request.
  const creatorCache = new ReadCache<Creator>();
  const campaignCache = new ReadCache<Campaign>();
  const promoCodeCache = new ReadCache<PromoCode>();

  return {
    creators: {
      create: (creator: Creator) => creators.insertOne(creator),
      outbox: outboxOf(creators, (creator) => ({ id: creator.id })),
      get: (scope: OrgScope, id: string) => creatorCache.read(keyOf(scope, id), () => creators.findOne({ ...byScope(scope), id })),
      getByHandle: (scope: OrgScope, handle: string) => creators.findOne({ ...byScope(scope), handle }),
      /** Emails are stored and looked up lower-case (`creatorEmail`); one address may belong to several creators. */
      list: (scope: OrgScope, filter: { customerId?: string; email?: string } = {}) =>
        creators.find(
          { ...byScope(scope), ...(filter.customerId && { customerId: filter.customerId }), ...(filter.email && { email: filter.email }) },
          { sort: { createdAt: 1, id: 1 } },
        ),
      remove: (scope: OrgScope, id: string) => clearingAfter(creatorCache, creators.deleteMany({ ...byScope(scope), id })),
    },
    campaigns: {
      create: (campaign: Campaign) => campaigns.insertOne(campaign),
      get: (scope: OrgScope, id: string) => campaignCache.read(keyOf(scope, id), () => campaigns.findOne({ ...byScope(scope), id })),
      list: (scope: OrgScope) => campaigns.find(byScope(scope), { sort: { createdAt: 1, id: 1 } }),
      update: (scope: OrgScope, id: string, changes: Partial<Pick<Campaign, 'stripeCouponId' | 'title' | 'endsAt'>>) =>
        clearingAfter(campaignCache, campaigns.updateOne({ ...byScope(scope), id }, { $set: changes })),
      /** Forgets a coupon deleted in Stripe, so the campaign's next code creates a fresh one. */
      clearStripeCoupon: (scope: OrgScope, stripeCouponId: string) =>
        clearingAfter(campaignCache, campaigns.updateMany({ ...byScope(scope), stripeCouponId }, { $set: { stripeCouponId: null } })),
    },
    promoCodes: {
      create: (promoCode: PromoCode) => promoCodes.insertOne(promoCode),
      get: (scope: OrgScope, id: string) => promoCodeCache.read(keyOf(scope, id), () => promoCodes.findOne({ ...byScope(scope), id })),
      getByCode: (scope: OrgScope, code: string) =>
        promoCodeCache.read(keyOf(scope, `code:${code.toUpperCase()}`), () =>
          promoCodes.findOne({ ...byScope(scope), code: code.toUpperCase() }),
        ),
      getByStripeId: (scope: OrgScope, stripePromotionCodeId: string) =>
        promoCodeCache.read(keyOf(scope, `stripe:${stripePromotionCodeId}`), () =>
          promoCodes.findOne({ ...byScope(scope), stripePromotionCodeId }),
        ),
      list: (scope: OrgScope, filter: { creatorId?: string; campaignId?: string } = {}) =>
        promoCodes.find(
          {
            ...byScope(scope),
            ...(filter.creatorId && { creatorId: filter.creatorId }),
            ...(filter.campaignId && { campaignId: filter.campaignId }),
          },
          { sort: { createdAt: 1, id: 1 } },
        ),
      update: (
        scope: OrgScope,
        id: string,
        changes: Partial<Pick<PromoCode, 'active' | 'stripePromotionCodeId' | 'stripeCouponId' | 'restrictions' | 'adopted'>>,
        at: Date,
        /** Marks a `promo_code.updated` in the same write. */
        tell = false,
      ) => clearingAfter(promoCodeCache, promoCodes.updateOne({ ...byScope(scope), id }, markUpdated<PromoCode>(tell, { $set: { ...changes, updatedAt: at } }))),
      /**
       * Hands the code to a creator if it is still unassigned: one atomic conditional update, so two
       * concurrent claims of one code cannot both succeed. Null when someone else got it first.
       */
      claim: (scope: OrgScope, id: string, creatorId: string, at: Date) =>
        clearingAfter(
          promoCodeCache,
          promoCodes.updateOne({ ...byScope(scope), id, creatorId: null }, { $set: { creatorId, assignedAt: at, updatedAt: at } }),
        ),
      /** Puts a code back in its bank, if this creator still holds it. */
      release: (scope: OrgScope, id: string, creatorId: string, at: Date) =>
        clearingAfter(
          promoCodeCache,
          promoCodes.updateOne({ ...byScope(scope), id, creatorId }, { $set: { creatorId: null, assignedAt: null, updatedAt: at } }),
        ),
      /** A few of the bank's unassigned active codes, to draw one from. */
      unassigned: (scope: OrgScope, bankId: string, limit: number) =>
        promoCodes.find({ ...byScope(scope), bankId, creatorId: null, active: true }, { limit }),
      /** A bank's codes, all of them and those still to hand out. */
      countInBank: async (scope: OrgScope, bankId: string) => {
        const [total, remaining] = await Promise.all([
          promoCodes.count({ ...byScope(scope), bankId }),
          promoCodes.count({ ...byScope(scope), bankId, creatorId: null, active: true }),
        ]);
        return { total, remaining };
      },
      /** A deleted Stripe coupon can no longer be redeemed through any of its promotion codes. */
      deactivateByStripeCoupon: (scope: OrgScope, stripeCouponId: string, at: Date, tell = false) =>
        clearingAfter(
          promoCodeCache,
          promoCodes.updateMany({ ...byScope(scope), stripeCouponId, active: true }, markUpdated<PromoCode>(tell, { $set: { active: false, updatedAt: at } })),
        ),
      outbox: outboxOf(promoCodes, (promoCode) => ({ id: promoCode.id })),
    },
  };
}
