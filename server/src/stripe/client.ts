import Stripe from 'stripe';
import type { Config } from '../config';
import { ApiError } from '../http/errors';
import type { Org } from '../orgs/repo';

/** A Stripe client bound to one brand's account in one mode; pass `options` on every call. */
export interface OrgStripe {
  stripe: Stripe;
  /** `{stripeAccount}` for installed orgs (Connect), empty when the key is the brand's own. */
  options: Stripe.RequestOptions;
  livemode: boolean;
}

export interface StripeClients {
  /** The client acting on the org's account in that mode, or null when no key is configured for the mode. */
  forOrg(org: Pick<Org, 'stripeAccountId'>, livemode: boolean): OrgStripe | null;
  /** Webhook signing secrets to try, live first, each with the mode its events must be in. */
  webhookSecrets: { secret: string; livemode: boolean }[];
  /** For signature checks only (needs no key). */
  webhooks: Stripe['webhooks'];
}

/**
 * One place that knows which key acts on which account: the platform key (or the single brand's
 * own key) per mode, plus `Stripe-Account` for orgs that came from a Stripe App install. A live
 * STRIPE_SECRET_KEY never serves test mode and vice versa, so ids and data stay per mode.
 */
export function createStripeClients(config: Config): StripeClients {
  const endpoint = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : null;
  const settings: Stripe.StripeConfig = {
    maxNetworkRetries: endpoint ? 0 : 2,
    appInfo: { name: 'Shoutout' },
    ...(endpoint && {
      host: endpoint.hostname,
      port: endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80),
      protocol: endpoint.protocol === 'https:' ? 'https' : 'http',
    }),
  };
  const liveKey = config.STRIPE_SECRET_KEY?.startsWith('sk_live_') ? config.STRIPE_SECRET_KEY : undefined;
  const testKey = config.STRIPE_TEST_SECRET_KEY ?? (config.STRIPE_SECRET_KEY?.startsWith('sk_test_') ? config.STRIPE_SECRET_KEY : undefined);
  const live = liveKey ? new Stripe(liveKey, settings) : null;
  const test = testKey ? new Stripe(testKey, settings) : null;
  const unkeyed = live ?? test ?? new Stripe('sk_test_signature_checks_only', settings);

  return {
    forOrg(org, livemode) {
      const stripe = livemode ? live : test;
      if (!stripe) return null;
      return { stripe, livemode, options: org.stripeAccountId ? { stripeAccount: org.stripeAccountId } : {} };
    },
    webhookSecrets: [
      { secret: config.STRIPE_WEBHOOK_SECRET, livemode: true },
      { secret: config.STRIPE_TEST_WEBHOOK_SECRET, livemode: false },
    ].filter((entry): entry is { secret: string; livemode: boolean } => !!entry.secret),
    webhooks: unkeyed.webhooks,
  };
}

/** Turns a failed Stripe call into a clear API error naming Stripe's reason. */
export function stripeFailure(error: unknown, action: string): ApiError {
  if (error instanceof ApiError) return error;
  const stripeError = error as { type?: string; code?: string; message?: string; statusCode?: number };
  if (stripeError?.type?.startsWith('Stripe')) {
    return new ApiError('api_error', 'stripe_error', `Stripe refused to ${action}: ${stripeError.message ?? stripeError.code ?? 'unknown error'}`, {
      status: 502,
    });
  }
  throw error;
}
