import type { KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { ApiError } from '../http/errors';
import { toUnixSeconds } from '../http/validate';
import type { OrgScope } from '../orgs/repo';
import type { ConversionFilters } from './schemas';

const AUDIENCE = 'shoutout:conversions-download';
/** Long enough to click through from the Dashboard, short enough that a leaked link soon stops working. */
const LIFETIME_SECONDS = 15 * 60;

// Fractional seconds where the range has milliseconds, so the sheet holds exactly what the list showed.
const exactSeconds = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);
const dateOf = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(Math.round(seconds * 1000)));

const claimsSchema = z.object({
  org: z.string(),
  lm: z.boolean(),
  creator: z.string().optional(),
  campaign: z.string().optional(),
  from: z.number().optional(),
  to: z.number().optional(),
  commission_currency: z.string().optional(),
});

/**
 * A link to the CSV export that a browser can open without an API key, for the Stripe App (whose
 * views cannot save files): a short-lived token signed with a key of its own, naming the org, mode
 * and filters it is good for and nothing else.
 */
export async function mintDownloadToken(key: KeyObject, scope: OrgScope, filters: ConversionFilters, now: Date): Promise<string> {
  const issuedAt = toUnixSeconds(now)!;
  return new SignJWT({
    org: scope.orgId,
    lm: scope.livemode,
    creator: filters.creator,
    campaign: filters.campaign,
    from: exactSeconds(filters.from),
    to: exactSeconds(filters.to),
    commission_currency: filters.commission_currency,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + LIFETIME_SECONDS)
    .sign(key);
}

export async function readDownloadToken(key: KeyObject, token: string, now: Date): Promise<{ scope: OrgScope; filters: ConversionFilters }> {
  let claims: z.infer<typeof claimsSchema>;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: now });
    claims = claimsSchema.parse(payload);
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new ApiError('authentication_error', 'download_link_expired', 'This download link has expired: open the conversions in the Stripe App again for a new one.');
    }
    throw new ApiError('authentication_error', 'download_link_invalid', 'This download link is not valid: open the conversions in the Stripe App again for a new one.');
  }
  return {
    scope: { orgId: claims.org, livemode: claims.lm },
    filters: { creator: claims.creator, campaign: claims.campaign, from: dateOf(claims.from), to: dateOf(claims.to), commission_currency: claims.commission_currency },
  };
}
