import { presentReferral } from '../catalog/present';
import type { CodeReferral } from '../catalog/service';
import { toUnixSeconds } from '../http/validate';
import type { Click } from './repo';
import type { BrowserClickResponse, CodeValidationResponse, ServerClickResponse } from './schemas';
import type { ClickOutcome } from './service';

/** What the pixel reads: the referral to keep, and the creator and discount for page code. */
export function presentBrowserClick(outcome: ClickOutcome): BrowserClickResponse {
  const { creator, discount } = presentReferral(outcome.referral);
  return {
    ref: outcome.ref,
    clickId: outcome.clickId,
    cookieDays: outcome.cookieDays,
    cleanupParams: outcome.cleanupParams,
    cleanUrl: outcome.cleanUrl,
    creator,
    discount,
  };
}

/** Seed 003's response shape; `ref` is added so a backend can also call identify with it. */
export function presentServerClick(outcome: ClickOutcome): ServerClickResponse {
  return {
    status: outcome.status,
    affiliateCode: outcome.referral.promoCode.code,
    programId: outcome.org.id,
    clickToken: outcome.clickId,
    ref: outcome.ref,
    cookieDurationDays: outcome.cookieDays,
    cookieDomain: outcome.cookieDomain,
    cleanupParams: outcome.cleanupParams,
    warnings: outcome.warnings,
  };
}

export function presentCodeValidation(referral: CodeReferral | null): CodeValidationResponse {
  if (!referral) return { valid: false, creator: null, discount: null };
  const { creator, discount } = presentReferral(referral);
  return { valid: true, creator, discount };
}

/** A click as `referral.clicked` events carry it; the visitor's hashed IP and user agent stay out. */
export function presentClick(click: Click) {
  return {
    id: click.id,
    object: 'click',
    livemode: click.livemode,
    code: click.code,
    promo_code: click.promoCodeId,
    creator: click.creatorId,
    campaign: click.campaignId,
    landing_url: click.landingUrl,
    referrer: click.referrer,
    source: click.source,
    created: toUnixSeconds(click.createdAt),
  };
}
