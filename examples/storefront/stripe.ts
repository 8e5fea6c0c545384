import Stripe from 'stripe';

/**
 * The storefront's Stripe client, as any app has one. The only line a brand would not write is the
 * host override: `npm run demo` and the end-to-end test set STRIPE_API_BASE to send Stripe calls to a
 * local fake Stripe, so nothing here needs a Stripe account. Without it the client talks to Stripe.
 */
const fake = process.env.STRIPE_API_BASE ? new URL(process.env.STRIPE_API_BASE) : null;

export const stripe = new Stripe(
  process.env.STRIPE_SECRET_KEY!,
  fake ? { host: fake.hostname, port: Number(fake.port), protocol: 'http', maxNetworkRetries: 0 } : {},
);
