import type { Creator } from '../catalog/repo';
import type { Conversion } from '../conversions/repo';
import type { Deps } from '../deps';
import type { Org, OrgScope } from '../orgs/repo';
import type { Payout } from '../payouts/repo';
import { firstConversionEmail, payoutRecordedEmail } from './emails';
import { portalOrg, signInPageUrl } from './links';
import { cond } from '../store/driver';

/*
 * Notices go out fire-and-forget (Mailer.sendInBackground), logged either way: the conversion or
 * payout that caused one is stored first and never waits on, or fails with, the SMTP server. A
 * message the server refuses is logged and not retried: it is news, and the portal holds the same
 * figures, so a durable queue would add a collection and a worker for little. The first-conversion
 * notice is claimed in the store before it is sent, so it goes out once however many arrive together.
 */

/** After a conversion is stored: the creator's first credited one gets them an email, unless the org switched it off. */
export function notifyFirstConversion(deps: Deps, conversion: Conversion): void {
  if (!deps.mailer.configured || conversion.status === 'flagged') return;
  const scope: OrgScope = { orgId: conversion.orgId, livemode: conversion.livemode };
  const notify = async () => {
    const org = await portalOrg(deps, scope.orgId);
    if (!org?.emailFirstConversion) return;
    const creator = await deps.store.creators.get(scope, conversion.creatorId);
    if (!creator?.email) return;
    const earlier = await deps.store.conversions.findOne(scope, { creatorId: creator.id, id: cond({ $ne: conversion.id }), status: cond({ $ne: 'flagged' }) });
    if (earlier) return;
    if (!(await deps.store.creatorNotices.claim({ ...scope, creatorId: creator.id, kind: 'first_conversion', createdAt: deps.now() }))) return;
    deps.mailer.sendInBackground(firstConversionEmail(org, creator, conversion, signInPageUrl(deps, scope)), { org: org.id, creator: creator.id });
  };
  notify().catch((error: unknown) => deps.logger.error({ err: error, conversion: conversion.id }, 'first-conversion email not sent'));
}

/** After a payout is recorded: the creator hears of it, unless the org switched it off. */
export function notifyPayoutRecorded(deps: Deps, org: Org, payout: Payout, creator: Creator): void {
  if (!deps.mailer.configured || !org.emailPayoutRecorded || !creator.email) return;
  const scope: OrgScope = { orgId: payout.orgId, livemode: payout.livemode };
  deps.mailer.sendInBackground(payoutRecordedEmail(org, creator, payout, signInPageUrl(deps, scope)), { org: org.id, creator: creator.id, payout: payout.id });
}
