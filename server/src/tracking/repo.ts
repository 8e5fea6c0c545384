import type { OrgScope } from '../orgs/repo';
import { cond, type Driver, type Filter, insertOrUpdate } from '../store/driver';
import { type Outboxed, outboxIndex, outboxOf } from '../store/outbox';

export type ClickSource = 'pixel' | 'server';

/** One visit through a creator's link. Its id is what Stripe Payment Links carry as client_reference_id. */
export interface Click extends OrgScope, Outboxed {
  /** `clk_` + alphanumerics only, as Stripe accepts in client_reference_id. */
  id: string;
  code: string;
  promoCodeId: string;
  creatorId: string;
  campaignId: string;
  landingUrl: string;
  referrer: string | null;
  userAgent: string | null;
  /** Keyed, per-org hash of the visitor's IP; the address itself is never kept. */
  ipHash: string | null;
  source: ClickSource;
  createdAt: Date;
}

/** The pixel's install check: the last time a page on this domain ran it. */
export interface Heartbeat {
  orgId: string;
  domain: string;
  pageUrl: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

// A busy site sends a heartbeat per visit; storing one a minute per domain is plenty for "last seen".
const HEARTBEAT_GRANULARITY_MS = 60_000;

export async function openTrackingRepos(driver: Driver) {
  const clicks = await driver.collection<Click>({
    name: 'clicks',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'createdAt'] },
      { fields: ['orgId', 'livemode', 'creatorId', 'createdAt'] },
      // A visitor's recent clicks, to tell a reload from a new visit (`findRepeat`). The hash alone
      // picks out one visitor of one org, but SQLite's planner takes the index matching most of the
      // filter: with `ipHash` alone it read every recent click of the org through the one above.
      { fields: ['orgId', 'livemode', 'ipHash', 'createdAt'] },
      outboxIndex<Click>(),
    ],
  });
  const heartbeats = await driver.collection<Heartbeat>({
    name: 'heartbeats',
    indexes: [{ fields: ['orgId', 'domain'], unique: true }],
  });

  return {
    clicks: {
      create: (click: Click) => clicks.insertOne(click),
      outbox: outboxOf(clicks, (click) => ({ id: click.id })),
      get: (scope: OrgScope, id: string) => clicks.findOne({ orgId: scope.orgId, livemode: scope.livemode, id }),
      /** The visitor's click through this code since `since`, if there is one. */
      findRepeat: (scope: OrgScope, visitor: Pick<Click, 'promoCodeId' | 'ipHash' | 'userAgent'>, since: Date) =>
        clicks.findOne({ orgId: scope.orgId, livemode: scope.livemode, ...visitor, createdAt: cond({ $gte: since }) }),
      countCreated: (
        scope: OrgScope,
        range: { from: Date; to: Date },
        filter: { creatorId?: string; campaignId?: string } = {},
      ) => {
        const query: Filter<Click> = { orgId: scope.orgId, livemode: scope.livemode, createdAt: cond({ $gte: range.from, $lt: range.to }) };
        if (filter.creatorId) query.creatorId = filter.creatorId;
        if (filter.campaignId) query.campaignId = filter.campaignId;
        return clicks.count(query);
      },
      /** When each of one creator's clicks in the range was made, for the creator portal's chart. */
      listCreatedAt: async (scope: OrgScope, range: { from: Date; to: Date }, creatorId: string) =>
        (await clicks.find({ orgId: scope.orgId, livemode: scope.livemode, creatorId, createdAt: cond({ $gte: range.from, $lt: range.to }) })).map(
          (click) => click.createdAt,
        ),
      countCreatedBy: (scope: OrgScope, range: { from: Date; to: Date }, field: 'creatorId' | 'campaignId') =>
        clicks.countBy({ orgId: scope.orgId, livemode: scope.livemode, createdAt: cond({ $gte: range.from, $lt: range.to }) }, field),
    },
    heartbeats: {
      /** Atomic upsert per (org, domain); an update within a minute of the last one is skipped. */
      record: (orgId: string, domain: string, pageUrl: string, at: Date) =>
        insertOrUpdate(
          heartbeats,
          { orgId, domain, pageUrl, firstSeenAt: at, lastSeenAt: at },
          { orgId, domain },
          { $set: { pageUrl, lastSeenAt: at } },
          { orgId, domain, lastSeenAt: cond({ $lt: new Date(at.getTime() - HEARTBEAT_GRANULARITY_MS) }) },
        ),
      list: (orgId: string) => heartbeats.find({ orgId }, { sort: { lastSeenAt: -1, domain: 1 } }),
    },
  };
}
