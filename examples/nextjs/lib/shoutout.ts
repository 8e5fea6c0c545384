import { stripe } from './stripe';

// Your Shoutout server, and an API key with the `referrals` scope (keep it on the server).
const SHOUTOUT_URL = process.env.SHOUTOUT_URL!;
const SHOUTOUT_API_KEY = process.env.SHOUTOUT_API_KEY!;

// Shoutout must never break or hold up your own pages: each call gives up after two seconds.
const TIMEOUT_MS = 2000;

// Step 2: call from your signup handler once the user exists, with the raw shoutout_ref cookie.
export async function bindReferral(userId: string, shoutoutRef: string | undefined) {
  if (!shoutoutRef) return;
  try {
    const response = await fetch(`${SHOUTOUT_URL}/api/customers/identify`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SHOUTOUT_API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ externalId: userId, ref: shoutoutRef }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // 204 when bound.
    if (response.status !== 204) console.warn('Shoutout identify failed', response.status, await response.text());
  } catch (error) {
    // Unreachable or too slow: logged, never shown. Signup must not fail because of a referral.
    console.warn('Shoutout identify failed', error);
  }
}

// Step 3: call from your checkout handler; redirect the buyer to the returned session's url.
export async function createCheckoutForUser(userId: string, userEmail: string) {
  const lookup = await fetch(`${SHOUTOUT_URL}/api/customers/lookup`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${SHOUTOUT_API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ externalId: userId }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  })
    .then((response) => response.json())
    .catch(() => null); // if Shoutout is unreachable or too slow, sell without the discount
  const discount = lookup?.data?.discount;

  return stripe().checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price: process.env.STRIPE_PRICE_ID!, quantity: 1 }],
    customer_email: userEmail,
    success_url: `${process.env.SITE_URL}/thanks`,
    cancel_url: `${process.env.SITE_URL}/account`,
    // Stripe refuses discounts together with allow_promotion_codes: one or the other.
    ...(discount?.stripe_promotion_code_id
      ? { discounts: [{ promotion_code: discount.stripe_promotion_code_id }] }
      : { allow_promotion_codes: true }),
    // Credits the creator even when the code is not redeemed (see docs/stripe.md, attribution order).
    metadata: { shoutout_external_id: userId },
  });
}
