import type { Deps } from '../deps';
import { ApiError } from '../http/errors';

/** A body whose signature holds, and the mode of the endpoint secret that signed it. */
export interface SignedBody {
  body: unknown;
  livemode: boolean;
}

/**
 * Checks the signature against the live and the test endpoint secrets; refuses anything else. A
 * body that is signed but not JSON is refused as such: its secret is right, so saying "signature"
 * would send the operator to recopy it.
 */
export function verifyStripeSignature(deps: Deps, rawBody: Buffer, signature: string | undefined): SignedBody {
  if (!signature) throw ApiError.invalid('signature_missing', 'Missing Stripe-Signature header.');
  if (deps.stripe.webhookSecrets.length === 0) {
    throw ApiError.invalid('webhooks_not_configured', 'No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).');
  }
  const checker = deps.stripe.webhooks.signature;
  if (!checker) throw new Error('stripe-node came without its webhook signature helper');
  const signer = deps.stripe.webhookSecrets.find(({ secret }) => {
    try {
      return checker.verifyHeader(rawBody, signature, secret);
    } catch {
      return false;
    }
  });
  if (!signer) throw ApiError.invalid('signature_invalid', 'The Stripe-Signature header does not match the body for any configured webhook secret.');
  try {
    return { body: JSON.parse(rawBody.toString('utf8')), livemode: signer.livemode };
  } catch {
    throw ApiError.invalid('event_invalid', 'The body is signed correctly but is not JSON, so it is not a Stripe event.');
  }
}

/**
 * Each endpoint secret binds its mode: the test secret, shared on laptops and in CI, must never
 * move live data, and the live endpoint takes only live events.
 */
export function assertModeOfSecret(signed: SignedBody): void {
  const claimed = (signed.body as { livemode?: unknown } | null)?.livemode;
  if (typeof claimed !== 'boolean' || claimed === signed.livemode) return;
  const [secret, mode] = signed.livemode ? ['STRIPE_WEBHOOK_SECRET (live)', 'a test-mode'] : ['STRIPE_TEST_WEBHOOK_SECRET', 'a live'];
  throw ApiError.invalid('livemode_mismatch', `${mode} event was signed with ${secret}: each secret takes only events of its own mode. Nothing was stored.`);
}
