import { toUnixSeconds } from '../http/validate';
import type { ApiKey, Org } from './repo';
import type { ApiKeyResponse, OrgResponse } from './schemas';

export function presentOrg(org: Org): OrgResponse {
  return {
    id: org.id,
    object: 'org',
    name: org.name,
    domains: org.domains,
    attribution_window_days: org.attributionWindowDays,
    referral_params: org.referralParams,
    attribution_model: org.attributionModel,
    code_beats_link: org.codeBeatsLink,
    respect_global_privacy_control: org.respectGlobalPrivacyControl,
    clean_url: org.cleanUrl,
    payout_hold_days: org.payoutHoldDays,
    trust_browser_reports: org.trustBrowserReports,
    brand_color: org.brandColor,
    email_first_conversion: org.emailFirstConversion,
    email_payout_recorded: org.emailPayoutRecorded,
    stripe_account_id: org.stripeAccountId,
    created: toUnixSeconds(org.createdAt),
  };
}

export function presentApiKey(key: ApiKey, secret?: string): ApiKeyResponse {
  return {
    id: key.id,
    object: 'api_key',
    name: key.name,
    livemode: key.livemode,
    scopes: key.scopes,
    redacted: key.redacted,
    ...(secret ? { secret } : {}),
    created: toUnixSeconds(key.createdAt),
    last_used: toUnixSeconds(key.lastUsedAt),
    revoked: toUnixSeconds(key.revokedAt),
  };
}
