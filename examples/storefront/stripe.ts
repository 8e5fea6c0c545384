import Stripe from 'stripe';

let client: Stripe | undefined;

/**
 * The shop's Stripe client, made on first use rather than when the module loads: `next build` loads
 * route modules without the run-time secrets, and `new Stripe(undefined)` throws. The only line a
 * brand would not write is the host override: the demo and the tests set STRIPE_API_BASE to send
 * Stripe calls to a local fake Stripe, so nothing here needs a Stripe account.
 */
export function stripe(): Stripe {
  const fake = process.env.STRIPE_API_BASE ? new URL(process.env.STRIPE_API_BASE) : null;
  client ??= new Stripe(
    process.env.STRIPE_SECRET_KEY!,
    fake ? { host: fake.hostname, port: Number(fake.port), protocol: 'http', maxNetworkRetries: 0 } : {},
  );
  return client;
}
