import { createHmac } from 'node:crypto';
import { randomHex } from '../crypto';
import type { SigningSecret } from './repo';

export const SIGNATURE_HEADER = 'Shoutout-Signature';

/** `whsec_` as Stripe's: stripe-node's `webhooks.constructEvent` verifies Shoutout's deliveries as they are. */
export const newSigningSecret = () => `whsec_${randomHex(24)}`;

/** The secrets that sign now: the current one and any rolled one not yet expired. */
export const signingSecrets = (secrets: SigningSecret[], now: Date) =>
  secrets.filter((entry) => entry.expiresAt === null || entry.expiresAt > now).map((entry) => entry.secret);

/**
 * Stripe's scheme (`Stripe-Signature`), under Shoutout's name: `t=<unix seconds>,v1=<hex>`, the
 * HMAC-SHA256 of `<t>.<body>` with the endpoint's secret, and one more `v1` per rolled secret
 * still in use, so a receiver holding either secret accepts the delivery.
 */
export function signatureHeader(secrets: string[], payload: string, now: Date): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}
