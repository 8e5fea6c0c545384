import { randomBytes } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { shareUrl } from '../app/service';
import type { Creator } from '../catalog/repo';
import { getCreator } from '../catalog/service';
import { sha256Hex } from '../crypto';
import { type Conversion, commissionCurrencyOf } from '../conversions/repo';
import { exportConversions } from '../conversions/service';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { presentPayout } from '../payouts/present';
import { listBalances, statementFilters } from '../payouts/service';
import { reportFor } from '../reports/service';
import { visitorKey } from '../tracking/limits';
import { invitationEmail, signInEmail } from './emails';
import { mintSignInLink, portalOrg } from './links';
import { PERIOD_DAYS, type Period } from '../app/schemas';
import { cond } from '../store/driver';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A link asked for on the sign-in page: opened from the inbox within minutes, or asked for again. */
export const SIGN_IN_LINK_MINUTES = 15;
/** An invitation, or a link printed by the CLI, waits in an inbox for a day. */
export const INVITATION_LINK_HOURS = 24;
export const SESSION_DAYS = 30;
const CONVERSIONS_PAGE_SIZE = 25;

/** A creator signed in: their record, and the org and mode of the link they signed in with. */
export interface PortalContext {
  org: Org;
  scope: OrgScope;
  creator: Creator;
}

export async function signInPageOrg(deps: Deps, orgId: string): Promise<Org> {
  const org = await portalOrg(deps, orgId);
  if (!org) throw ApiError.notFound('portal', 'org');
  return org;
}

/**
 * Sign-in requests, a few per address and per visitor (counted in this process), so the form can
 * neither flood an inbox nor probe many addresses. Past either limit the request fails with 429;
 * every address counts alike, known or not, so the limit says nothing about who is a creator.
 */
export function signInLimits() {
  const perEmail = new RateLimiterMemory({ points: 5, duration: 3600 });
  const perIp = new RateLimiterMemory({ points: 20, duration: 900 });
  return async (ip: string, email: string): Promise<void> => {
    try {
      await Promise.all([perIp.consume(visitorKey(ip)), perEmail.consume(email.toLowerCase())]);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const minutes = Math.max(1, Math.ceil(refusal.msBeforeNext / MINUTE_MS));
      throw new ApiError('rate_limit_error', 'rate_limited', `Too many sign-in requests. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
  };
}

/**
 * Emails a sign-in link to each creator of the org and mode with this address. Called after the
 * answer has gone out, which is the same whether or not anyone has the address: neither its words
 * nor its timing tell.
 */
export async function sendSignInLinks(deps: Deps, scope: OrgScope, email: string): Promise<void> {
  const org = await portalOrg(deps, scope.orgId);
  if (!org || !deps.mailer.configured) return;
  for (const creator of await deps.store.creators.list(scope, { email })) {
    const link = await mintSignInLink(deps, { ...scope, creatorId: creator.id }, SIGN_IN_LINK_MINUTES * MINUTE_MS);
    deps.mailer.sendInBackground(signInEmail(org, creator, link, SIGN_IN_LINK_MINUTES), { org: org.id, creator: creator.id });
  }
}

/** Uses a sign-in link (once) and opens a session; the cookie's value is returned, only its hash stored. */
export async function redeemSignInLink(deps: Deps, token: string): Promise<{ sessionToken: string; expiresAt: Date }> {
  const now = deps.now();
  const link = await deps.store.signInLinks.use(sha256Hex(token), now);
  const creator = link && (await deps.store.creators.get(link, link.creatorId));
  if (!link || !creator || !(await portalOrg(deps, link.orgId))) {
    throw new ApiError('authentication_error', 'sign_in_link_invalid', 'This sign-in link has expired or was used already. Ask for a new one.');
  }
  const sessionToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * DAY_MS);
  await deps.store.portalSessions.create({
    orgId: link.orgId,
    livemode: link.livemode,
    creatorId: link.creatorId,
    tokenHash: sha256Hex(sessionToken),
    expiresAt,
    endedAt: null,
    createdAt: now,
  });
  deps.logger.info({ org: link.orgId, creator: link.creatorId }, 'creator signed in to the portal');
  return { sessionToken, expiresAt };
}

/** The creator behind a session cookie, or null when it is unknown, ended or expired (or the creator is gone). */
export async function portalContextOf(deps: Deps, sessionToken: string | undefined): Promise<PortalContext | null> {
  if (!sessionToken) return null;
  const session = await deps.store.portalSessions.findLive(sha256Hex(sessionToken), deps.now());
  if (!session) return null;
  const scope: OrgScope = { orgId: session.orgId, livemode: session.livemode };
  const [org, creator] = await Promise.all([portalOrg(deps, session.orgId), deps.store.creators.get(scope, session.creatorId)]);
  return org && creator ? { org, scope, creator } : null;
}

export async function endSession(deps: Deps, sessionToken: string | undefined): Promise<void> {
  if (sessionToken) await deps.store.portalSessions.end(sha256Hex(sessionToken), deps.now());
}

/** The creator's codes (active ones) with where each is shared. */
async function shareLinks(deps: Deps, { org, scope, creator }: PortalContext) {
  const codes = await deps.store.promoCodes.list(scope, { creatorId: creator.id });
  const campaigns = new Map((await deps.store.campaigns.list(scope)).map((campaign) => [campaign.id, campaign]));
  return codes
    .filter((code) => code.active)
    .map((code) => ({ code: code.code, campaign: campaigns.get(code.campaignId)?.title ?? null, url: shareUrl(org, code.code) }));
}

export type SeriesName = 'clicks' | 'signups' | 'conversions' | 'revenue' | 'commission';

/** Buckets of a period: days, or weeks for a year. */
function bucketsOf(from: Date, to: Date, period: Period) {
  const size = (period === '365d' ? 7 : 1) * DAY_MS;
  const starts: Date[] = [];
  for (let start = from.getTime(); start < to.getTime(); start += size) starts.push(new Date(start));
  return { starts, size };
}

/**
 * The overview: the creator's figures for the period exactly as `GET /api/reports` gives their row
 * (the same function computes both), the same figures per day (per week over a year) for the
 * chart, their links and their balances.
 */
export async function portalOverview(deps: Deps, context: PortalContext, period: Period) {
  const { org, scope, creator } = context;
  const to = new Date(Math.ceil(deps.now().getTime() / 1000) * 1000);
  const from = new Date(to.getTime() - PERIOD_DAYS[period] * DAY_MS);
  const [report, links, balances, clicks, signups, conversions] = await Promise.all([
    reportFor(deps, scope, { from, to }, { campaigns: [], creators: [creator] }),
    shareLinks(deps, context),
    listBalances(deps, org, scope, { creator: creator.id }),
    deps.store.clicks.listCreatedAt(scope, { from, to }, creator.id),
    deps.store.bindings.listCreatedAt(scope, { from, to }, creator.id),
    deps.store.conversions.list(scope, { creatorId: creator.id, createdAt: cond({ $gte: from, $lt: to }) }),
  ]);
  const [row] = report.creators;
  const { starts, size } = bucketsOf(from, to, period);
  const series = Object.fromEntries((['clicks', 'signups', 'conversions', 'revenue', 'commission'] as const).map((name) => [name, starts.map(() => 0)])) as Record<SeriesName, number[]>;
  const bucketOf = (at: Date) => Math.min(starts.length - 1, Math.floor((at.getTime() - from.getTime()) / size));
  for (const at of clicks) series.clicks[bucketOf(at)] += 1;
  for (const at of signups) series.signups[bucketOf(at)] += 1;
  for (const conversion of conversions) addToSeries(series, bucketOf(conversion.createdAt), conversion, report.currency);
  return {
    period,
    from,
    to,
    currency: report.currency,
    figures: row,
    chart: { starts, series },
    links,
    balances: balances.data,
  };
}

/** A conversion in the chart, counted as the report counts it: sales in its currency, commission in its own. */
function addToSeries(series: Record<SeriesName, number[]>, bucket: number, conversion: Conversion, currency: string) {
  if (conversion.status === 'flagged') return;
  if (conversion.currency === currency) {
    series.conversions[bucket] += 1;
    series.revenue[bucket] += conversion.amount;
  }
  if (commissionCurrencyOf(conversion) === currency) series.commission[bucket] += conversion.commission;
}

/** A page of the creator's conversions, newest first, with nothing about the buyer. */
export async function portalConversions(deps: Deps, { scope, creator }: PortalContext, startingAfter: string | undefined) {
  const after = startingAfter ? await deps.store.conversions.get(scope, startingAfter) : undefined;
  if (after === null || (after && after.creatorId !== creator.id)) throw ApiError.notFound('conversion', 'starting_after');
  const found = await deps.store.conversions.page(scope, { creatorId: creator.id }, { limit: CONVERSIONS_PAGE_SIZE + 1, after });
  const campaigns = new Map((await deps.store.campaigns.list(scope)).map((campaign) => [campaign.id, campaign.title]));
  const page = found.slice(0, CONVERSIONS_PAGE_SIZE);
  return {
    conversions: page.map((conversion) => ({
      id: conversion.id,
      createdAt: conversion.createdAt,
      campaign: campaigns.get(conversion.campaignId) ?? null,
      code: conversion.code,
      status: conversion.status,
      currency: conversion.currency,
      amount: conversion.amount,
      refunded: conversion.refunded,
      commission: conversion.commission,
      commissionCurrency: commissionCurrencyOf(conversion),
    })),
    nextAfter: found.length > CONVERSIONS_PAGE_SIZE ? page.at(-1)!.id : null,
  };
}

/** The creator's balances per currency and every payout recorded to them, newest first. */
export async function portalPayouts(deps: Deps, { org, scope, creator }: PortalContext) {
  const [balances, payouts] = await Promise.all([
    listBalances(deps, org, scope, { creator: creator.id }),
    deps.store.payouts.page(scope, creator.id, {}),
  ]);
  return { balances: balances.data, payouts: payouts.map((payout) => presentPayout(payout, creator)) };
}

/** A payout's statement, if the payout is this creator's: another creator's (or org's) is not found. */
export async function portalStatement(deps: Deps, { scope, creator }: PortalContext, payoutId: string) {
  const payout = await deps.store.payouts.get(scope, payoutId);
  if (!payout || payout.creatorId !== creator.id) throw ApiError.notFound('payout', 'id');
  const presented = presentPayout(payout, creator);
  return { payout: presented, conversions: await exportConversions(deps, scope, statementFilters(presented)) };
}

/** Emails the creator a sign-in link with an invitation to the portal (from the Stripe App). */
export async function inviteCreator(deps: Deps, org: Org, scope: OrgScope, creatorIdOrHandle: string) {
  const creator = await getCreator(deps, scope, creatorIdOrHandle, 'id');
  if (!creator.email) throw ApiError.invalid('creator_email_missing', `${creator.handle} has no email address: add one to invite them.`, 'id', 422);
  if (!deps.mailer.configured) {
    throw ApiError.invalid('email_not_configured', 'Email is not set up on this Shoutout server (SMTP_URL and EMAIL_FROM).', undefined, 422);
  }
  const link = await mintSignInLink(deps, { ...scope, creatorId: creator.id }, INVITATION_LINK_HOURS * 60 * MINUTE_MS);
  try {
    await deps.mailer.send(invitationEmail(org, creator, link, INVITATION_LINK_HOURS));
  } catch (error) {
    deps.logger.error({ err: error, org: org.id, creator: creator.id }, 'invitation not sent');
    throw new ApiError('api_error', 'email_not_sent', 'The SMTP server did not take the invitation; it was logged. Try again later.', { status: 502 });
  }
  deps.logger.info({ org: org.id, creator: creator.id }, 'creator invited to the portal');
  return { object: 'portal_invitation', creator: creator.id, sent: true };
}

