import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import { getDomain } from 'tldts';
import { REFERRAL_PARAMS } from '../../../pixel/src/params';
import { type CodeReferral, resolveActiveReferral } from '../catalog/service';
import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { mintReferralToken, verifyReferralToken } from '../referrals/token';
import type { Click, ClickSource, Heartbeat } from './repo';
import type { ClickWarning } from './schemas';
import { markCreated } from '../store/outbox';
import { listens } from '../webhooks/listening';

/** Who is asking: a backend with a `tracking` API key, or a browser vouched for only by its Origin/Referer. */
export type Caller = { kind: 'key'; org: Org; livemode: boolean } | { kind: 'browser'; origin: string | null };

export interface ClickRequest {
  orgId: string | undefined;
  code: string;
  pageUrl: string;
  referrer: string | null;
  /** true: the visitor agreed; false: they refused; undefined: the site asks for no consent. */
  consent: boolean | undefined;
  gpc: boolean | undefined;
  /** The visitor's current referral, which a first-click org keeps. */
  existingRef: string | undefined;
  userAgent: string | null;
  ip: string | null;
  source: ClickSource;
  /**
   * The pixel sends the first referral param it finds; the page's other referral params are
   * candidates too, so an unrelated `?ref=producthunt` does not hide a creator's `?via=ANNIE50`.
   */
  codeFromPage: boolean;
  /** Request field names, so refusals name what the caller actually sent. */
  params: { org: string; code: string };
}

export interface ClickOutcome {
  status: 'ok' | 'ignored';
  org: Org;
  /** The referral the visitor is attributed to: this click's, or the kept first click's. */
  referral: CodeReferral;
  ref: string | null;
  clickId: string | null;
  cookieDays: number;
  cookieDomain: string | null;
  cleanupParams: string[];
  /** The page's URL without them, for the pixel to show; null when nothing is to be cleaned. */
  cleanUrl: string | null;
  warnings: ClickWarning[];
}

// A reload of the landing page, or a second copy of the pixel, is the same visit, not another click.
const REPEAT_VISIT_MS = 60 * 60 * 1000;

/**
 * Records a click through a creator's link and returns the signed referral to keep. Visits that must
 * not be tracked (bots, no consent, Global Privacy Control when the org honours it) are answered
 * with the creator and discount, so the page can still show the offer, but nothing is recorded.
 */
export async function recordClick(deps: Deps, caller: Caller, input: ClickRequest): Promise<ClickOutcome> {
  const org = await resolveOrg(deps, caller, input.orgId, input.params.org);
  const pageUrl = new URL(input.pageUrl);
  const pageParams = acceptedParams(org).map((name) => [name, pageUrl.searchParams.get(name)] as const);
  const candidates = input.codeFromPage ? [input.code, ...pageParams.map(([, value]) => value)] : [input.code];
  const clicked = await findClickedReferral(deps, org, caller.kind === 'key' ? [caller.livemode] : [true, false], candidates);
  if (!clicked) {
    throw new ApiError('invalid_request_error', 'promo_code_not_found', `No active code ${input.code} for this org.`, {
      param: input.params.code,
      status: 404,
    });
  }
  const warnings: ClickWarning[] = [];
  if (!clicked.promoCode.livemode) warnings.push('test_mode');
  if (!isAllowedHost(org, pageUrl.hostname)) warnings.push('page_url_outside_domains');
  // Only the params that carry this code: the page's other params are the brand's business.
  const cleanupParams = org.cleanUrl ? pageParams.filter(([, value]) => normalizedCode(value) === clicked.promoCode.code).map(([name]) => name) : [];
  const outcome = {
    org,
    cookieDays: org.attributionWindowDays,
    // Private suffixes too (brand.myshopify.com, not myshopify.com): browsers refuse a cookie there.
    cookieDomain: getDomain(pageUrl.hostname, { allowPrivateDomains: true }) ?? null,
    cleanupParams,
    cleanUrl: cleanupParams.length ? withoutParams(pageUrl, cleanupParams) : null,
    warnings,
  };

  const skip = untrackedReason(org, input);
  if (skip) {
    warnings.push(skip);
    return { ...outcome, status: 'ignored', referral: clicked, ref: null, clickId: null };
  }

  const now = deps.now();
  const ipHash = input.ip ? deps.secrets.hashIp(org.id, input.ip) : null;
  const userAgent = input.userAgent?.slice(0, 512) ?? null;
  const scope: OrgScope = { orgId: org.id, livemode: clicked.promoCode.livemode };
  const repeated = ipHash
    ? await deps.store.clicks.findRepeat(scope, { promoCodeId: clicked.promoCode.id, ipHash, userAgent }, new Date(now.getTime() - REPEAT_VISIT_MS))
    : null;
  const click: Click = repeated ?? {
    id: newId('clk'),
    orgId: org.id,
    livemode: clicked.promoCode.livemode,
    code: clicked.promoCode.code,
    promoCodeId: clicked.promoCode.id,
    creatorId: clicked.creator.id,
    campaignId: clicked.campaign.id,
    landingUrl: input.pageUrl,
    referrer: input.referrer,
    userAgent,
    ipHash,
    source: input.source,
    createdAt: now,
  };
  // The click is counted for the creator whose link was followed even when an earlier referral is kept.
  if (!repeated) await deps.store.clicks.create({ ...click, ...markCreated(await listens(deps, scope, 'referral.clicked')) });

  const kept = org.attributionModel === 'first_click' && input.existingRef ? await keepableReferral(deps, org, input.existingRef) : null;
  if (kept) {
    warnings.push('first_click_kept');
    return { ...outcome, status: 'ok', referral: kept.referral, ref: input.existingRef!, clickId: kept.clickId };
  }
  const ref = await mintReferralToken(
    deps.secrets.referralSigningKey,
    { orgId: org.id, livemode: click.livemode, code: click.code, promoCodeId: click.promoCodeId, clickId: click.id },
    { issuedAt: click.createdAt, windowDays: org.attributionWindowDays },
  );
  return { ...outcome, status: 'ok', referral: clicked, ref, clickId: click.id };
}

/** A code typed by hand: whether it is usable right now, and for whom. */
export async function validateCode(deps: Deps, caller: Caller, orgId: string | undefined, code: string) {
  const org = await resolveOrg(deps, caller, orgId, 'org');
  return findActiveReferral(deps, org, caller.kind === 'key' ? [caller.livemode] : [true, false], code);
}

/** The install check: a page on one of the org's domains ran the pixel. */
export async function recordHeartbeat(deps: Deps, caller: Caller, orgId: string | undefined, orgParam: string, pageUrl: string): Promise<Heartbeat> {
  const org = await resolveOrg(deps, caller, orgId, orgParam);
  const url = new URL(pageUrl);
  if (!isAllowedHost(org, url.hostname)) throw originNotAllowed(url.hostname, 'pageUrl');
  // Query strings can hold personal data; the path is enough to say where the pixel runs.
  const { doc } = await deps.store.heartbeats.record(org.id, url.hostname, url.origin + url.pathname, deps.now());
  return doc;
}

/** The org a call acts on: the key's, or for a browser the one it names, if the page is on its domains. */
export async function resolveOrg(deps: Deps, caller: Caller, orgId: string | undefined, param: string): Promise<Org> {
  if (caller.kind === 'key') {
    if (orgId && orgId !== caller.org.id) {
      throw new ApiError('permission_error', 'org_mismatch', `The API key belongs to another org than ${orgId}.`, { param });
    }
    return caller.org;
  }
  if (!orgId) throw ApiError.invalid('parameter_missing', `Missing required param: ${param}.`, param);
  const org = await deps.store.orgs.get(orgId);
  if (!org || org.uninstalledAt) throw ApiError.notFound('org', param);
  let host: string | undefined;
  try {
    host = caller.origin ? new URL(caller.origin).hostname : undefined;
  } catch {
    host = undefined;
  }
  if (!host || !isAllowedHost(org, host)) throw originNotAllowed(caller.origin ?? 'a page with no Origin or Referer', 'origin');
  return org;
}

function originNotAllowed(what: string, param: string) {
  return new ApiError(
    'permission_error',
    'origin_not_allowed',
    `Tracking requests from ${what} are not allowed for this org; add the site's domain to the org's domains.`,
    { param },
  );
}

function isAllowedHost(org: Org, host: string): boolean {
  return org.domains.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

function acceptedParams(org: Org): string[] {
  return [...new Set([...org.referralParams, ...REFERRAL_PARAMS])];
}

const normalizedCode = (value: string | null) => value?.trim().toUpperCase() || null;

function withoutParams(url: URL, names: string[]): string {
  const cleaned = new URL(url);
  for (const name of names) cleaned.searchParams.delete(name);
  return cleaned.href;
}

/** The first candidate naming an active code; the same code is looked up once. */
async function findClickedReferral(deps: Deps, org: Org, modes: boolean[], candidates: (string | null)[]): Promise<CodeReferral | null> {
  for (const code of new Set(candidates.map(normalizedCode))) {
    const found = code && code.length <= 64 ? await findActiveReferral(deps, org, modes, code) : null;
    if (found) return found;
  }
  return null;
}

// The browser route has no key, so a code is looked up in live mode first, then test mode.
export async function findActiveReferral(deps: Deps, org: Org, modes: boolean[], code: string): Promise<CodeReferral | null> {
  for (const livemode of modes) {
    const scope: OrgScope = { orgId: org.id, livemode };
    const active = await resolveActiveReferral(deps, scope, await deps.store.promoCodes.getByCode(scope, code));
    if (active) return active;
  }
  return null;
}

// isbot tests a user agent against one long pattern, some 7 µs of a click's 200; visitors share a
// few hundred user agents between them, so each verdict is kept for the next visitor who sends it.
// Bounded by characters too: a user agent is whatever the caller sends, up to the header limit.
const botVerdicts = new LRUCache<string, boolean>({ max: 2_000, maxSize: 1_000_000, sizeCalculation: (_verdict, userAgent) => userAgent.length || 1 });

function isBotAgent(userAgent: string): boolean {
  let verdict = botVerdicts.get(userAgent);
  if (verdict === undefined) {
    verdict = isbot(userAgent);
    botVerdicts.set(userAgent, verdict);
  }
  return verdict;
}

function untrackedReason(org: Org, input: ClickRequest): ClickWarning | null {
  // A browser always sends a user agent; a backend may not know its visitor's.
  if (input.source === 'pixel' ? !input.userAgent || isBotAgent(input.userAgent) : input.userAgent && isBotAgent(input.userAgent)) {
    return 'bot_ignored';
  }
  if (input.consent === false) return 'consent_not_granted';
  // An explicit opt-in on the site beats the browser-wide signal.
  if (input.gpc && org.respectGlobalPrivacyControl && input.consent !== true) return 'global_privacy_control';
  return null;
}

/** The visitor's earlier referral if it is ours, unexpired and its code still usable. */
async function keepableReferral(deps: Deps, org: Org, token: string) {
  const existing = await verifyReferralToken(deps.secrets.referralSigningKey, token, deps.now()).catch(() => null);
  if (!existing || existing.orgId !== org.id) return null;
  const scope: OrgScope = { orgId: org.id, livemode: existing.livemode };
  const referral = await resolveActiveReferral(deps, scope, await deps.store.promoCodes.get(scope, existing.promoCodeId));
  return referral ? { referral, clickId: existing.clickId } : null;
}
