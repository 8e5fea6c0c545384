import type { OrgScope } from '../orgs/repo';
import { cond, type Driver, type Filter, insertOrUpdate } from '../store/driver';
import { markCreated, markUpdated, type Outboxed, outboxIndex, outboxOf } from '../store/outbox';

/** A brand's user bound to the referral they arrived with. The user id is present only as its keyed hash. */
export interface Binding extends OrgScope, Outboxed {
  externalIdHash: string;
  promoCodeId: string;
  code: string;
  creatorId: string;
  campaignId: string;
  clickId: string | null;
  /** When the visitor clicked the referral link; decides first- versus last-click. */
  referredAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export type BindingReferral = Pick<Binding, 'promoCodeId' | 'code' | 'creatorId' | 'campaignId' | 'clickId' | 'referredAt'>;

export async function openCustomerRepos(driver: Driver) {
  const bindings = await driver.collection<Binding>({
    name: 'bindings',
    indexes: [
      { fields: ['orgId', 'livemode', 'externalIdHash'], unique: true },
      { fields: ['orgId', 'livemode', 'createdAt'] },
      outboxIndex<Binding>(),
    ],
  });

  return {
    bindings: {
      get: (scope: OrgScope, externalIdHash: string) =>
        bindings.findOne({ orgId: scope.orgId, livemode: scope.livemode, externalIdHash }),
      /**
       * One binding per (org, mode, user) whatever the concurrency. The referral replaces the bound
       * one only when it is newer (`last_click`) or older (`first_click`) than it, so the outcome
       * does not depend on the order in which identify calls arrive. `tell` marks it for a
       * `customer.identified` event in the same write.
       */
      bind: (scope: OrgScope, externalIdHash: string, referral: BindingReferral, keep: 'latest' | 'earliest', at: Date, tell = false) => {
        const key: Filter<Binding> = { orgId: scope.orgId, livemode: scope.livemode, externalIdHash };
        const comparison = keep === 'latest' ? cond({ $lte: referral.referredAt }) : cond({ $gte: referral.referredAt });
        return insertOrUpdate(
          bindings,
          { orgId: scope.orgId, livemode: scope.livemode, externalIdHash, ...referral, createdAt: at, updatedAt: at, ...markCreated(tell) },
          key,
          markUpdated<Binding>(tell, { $set: { ...referral, updatedAt: at } }),
          { ...key, referredAt: comparison },
        );
      },
      outbox: outboxOf(bindings, ({ orgId, livemode, externalIdHash }) => ({ orgId, livemode, externalIdHash })),
      countCreated: (scope: OrgScope, range: { from: Date; to: Date }, filter: Filter<Binding> = {}) =>
        bindings.count({ ...filter, orgId: scope.orgId, livemode: scope.livemode, createdAt: cond({ $gte: range.from, $lt: range.to }) }),
      /** When each of one creator's signups in the range was bound, for the creator portal's chart. */
      listCreatedAt: async (scope: OrgScope, range: { from: Date; to: Date }, creatorId: string) =>
        (await bindings.find({ orgId: scope.orgId, livemode: scope.livemode, creatorId, createdAt: cond({ $gte: range.from, $lt: range.to }) })).map(
          (binding) => binding.createdAt,
        ),
      countCreatedBy: (scope: OrgScope, range: { from: Date; to: Date }, field: 'creatorId' | 'campaignId') =>
        bindings.countBy({ orgId: scope.orgId, livemode: scope.livemode, createdAt: cond({ $gte: range.from, $lt: range.to }) }, field),
    },
  };
}
