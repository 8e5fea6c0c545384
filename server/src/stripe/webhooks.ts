import type Stripe from 'stripe';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';

/** Checks the signature against the live and the test endpoint secrets; refuses anything else. */
export function verifyStripeEvent(deps: Deps, rawBody: Buffer, signature: string | undefined): Stripe.Event {
  if (!signature) throw ApiError.invalid('signature_missing', 'Missing Stripe-Signature header.');
  if (deps.stripe.webhookSecrets.length === 0) {
    throw ApiError.invalid('webhooks_not_configured', 'No webhook signing secret is configured (STRIPE_WEBHOOK_SECRET).');
  }
  for (const secret of deps.stripe.webhookSecrets) {
    try {
      return deps.stripe.webhooks.constructEvent(rawBody, signature, secret);
    } catch {
      // Try the other mode's secret before refusing.
    }
  }
  throw ApiError.invalid('signature_invalid', 'The Stripe-Signature header does not match the body for any configured webhook secret.');
}
