import type { OrgScope } from '../orgs/repo';
import { type Driver, type Filter, insertOrUpdate } from '../store/driver';
import { insertOnce } from '../store/insert-once';
import { pageNewestFirst } from '../store/paging';

/**
 * A signup or purchase reported through the Blitz Rocket-style tracking API. A browser's report is
 * kept as reported and counts only when the org trusts browser reports; a server's (with an API
 * key) counts, and confirms a browser's report of the same signup or order.
 */
export interface ReferralReport extends OrgScope {
  id: string;
  /** One report per signup (`signup:<user hash>`) or order (`purchase:<orderId>`). */
  key: string;
  kind: 'signup' | 'purchase';
  reportedBy: 'browser' | 'server';
  /** Whether it earned rewards (and, for a purchase, commission) when reported. */
  counted: boolean;
  customerHash: string | null;
  orderId: string | null;
  /** Minor units. */
  amount: number | null;
  currency: string | null;
  code: string;
  creatorId: string;
  campaignId: string;
  clickId: string | null;
  conversionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function openReferralRepos(driver: Driver) {
  const reports = await driver.collection<ReferralReport>({
    name: 'referral_reports',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'key'], unique: true },
      { fields: ['orgId', 'livemode', 'createdAt', 'id'] },
    ],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });

  return {
    referralReports: {
      /**
       * A browser's report is stored once and never changes a stored one; a server's confirms
       * whatever a browser reported first.
       */
      record: (report: ReferralReport) => {
        const key: Filter<ReferralReport> = { ...byScope(report), key: report.key };
        if (report.reportedBy === 'browser') return insertOnce(reports, report, key);
        const { reportedBy, counted, conversionId, updatedAt } = report;
        return insertOrUpdate(reports, report, key, { $set: { reportedBy, counted, conversionId, updatedAt } });
      },
      get: (scope: OrgScope, id: string) => reports.findOne({ ...byScope(scope), id }),
      page: (scope: OrgScope, kind: ReferralReport['kind'] | undefined, options: { limit?: number; after?: ReferralReport }) =>
        pageNewestFirst(reports, { ...byScope(scope), ...(kind && { kind }) }, {}, options),
    },
  };
}
