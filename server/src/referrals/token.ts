import type { KeyObject } from 'node:crypto';
import { compactVerify, errors, SignJWT } from 'jose';
import { z } from 'zod';
import { ApiError } from '../http/errors';

const AUDIENCE = 'shoutout:referral';

/**
 * The referral the pixel keeps in the `shoutout_ref` cookie and the brand's backend hands back at
 * signup: a compact HS256 JWT, so the value is tamper-evident and carries its own expiry. jose
 * checks the signature; the claims, audience and expiry included, are checked here.
 */
const claimsSchema = z.object({
  aud: z.literal(AUDIENCE),
  org: z.string(),
  code: z.string(),
  pc: z.string(),
  click: z.string().nullable(),
  lm: z.boolean(),
  iat: z.number(),
  exp: z.number(),
});

export interface Referral {
  orgId: string;
  livemode: boolean;
  code: string;
  promoCodeId: string;
  clickId: string | null;
  issuedAt: Date;
  expiresAt: Date;
}

export async function mintReferralToken(
  key: KeyObject,
  referral: Omit<Referral, 'issuedAt' | 'expiresAt'>,
  options: { issuedAt: Date; windowDays: number },
): Promise<string> {
  const iat = Math.floor(options.issuedAt.getTime() / 1000);
  return new SignJWT({
    org: referral.orgId,
    code: referral.code,
    pc: referral.promoCodeId,
    click: referral.clickId,
    lm: referral.livemode,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + options.windowDays * 86_400)
    .sign(key);
}

const payloadDecoder = new TextDecoder();
/**
 * A compact JWS: three base64url parts. Checked first because base64url decoders skip what is not
 * in their alphabet, so junk appended to a valid token would otherwise verify as that token.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Verifies a raw cookie value; every refusal is a 400 on `param` saying what is wrong. */
export async function verifyReferralToken(key: KeyObject, token: string, now: Date, param = 'ref'): Promise<Referral> {
  let claims: z.infer<typeof claimsSchema>;
  const notIssued = () => ApiError.invalid('referral_invalid', 'The referral is not a value issued by the Shoutout pixel; pass the raw shoutout_ref cookie value.', param);
  if (!COMPACT_JWS.test(token)) throw notIssued();
  try {
    // compactVerify rather than jwtVerify: its generic claim checks would parse and validate the
    // payload a second time, a sixth of a referral check's cost.
    const { payload } = await compactVerify(token, key, { algorithms: ['HS256'] });
    claims = claimsSchema.parse(JSON.parse(payloadDecoder.decode(payload)));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
      throw ApiError.invalid('referral_invalid', 'The referral signature is not valid; pass the raw shoutout_ref cookie value unchanged.', param);
    }
    throw notIssued();
  }
  if (claims.exp <= Math.floor(now.getTime() / 1000)) {
    throw ApiError.invalid('referral_expired', 'The referral has expired (older than the attribution window).', param);
  }
  return {
    orgId: claims.org,
    livemode: claims.lm,
    code: claims.code,
    promoCodeId: claims.pc,
    clickId: claims.click,
    issuedAt: new Date(claims.iat * 1000),
    expiresAt: new Date(claims.exp * 1000),
  };
}
