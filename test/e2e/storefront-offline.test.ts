import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RunningStorefront } from '../../examples/storefront/server';
import { type FakeStripe, fixture, startFakeStripe } from '../helpers/fake-stripe';

/**
 * The integration code of docs/getting-started.md with Shoutout down or hanging: the brand's signup
 * and checkout still work, without the referral, as its comments promise.
 */

const PRICE_ID = 'price_offline_tee';

let stripe: FakeStripe;
let storefront: RunningStorefront;
// A Shoutout that accepts connections and never answers; closed, nothing listens on its port.
const sockets = new Set<Socket>();
const hanging = createServer((socket) => void sockets.add(socket));

beforeAll(async () => {
  stripe = await startFakeStripe();
  stripe.seed(fixture<{ id: string }>('price', { id: PRICE_ID, type: 'one_time', recurring: null, unit_amount: 4000, currency: 'usd', livemode: false }));
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  // The integration reads its settings when it is loaded, as a brand's server does at start.
  Object.assign(process.env, {
    SHOUTOUT_URL: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
    SHOUTOUT_API_KEY: 'so_test_unused',
    STRIPE_SECRET_KEY: 'sk_test_offline',
    STRIPE_API_BASE: stripe.url,
    STRIPE_PRICE_ID: PRICE_ID,
    SITE_URL: 'http://shop.test',
  });
  const { startStorefront } = await import('../../examples/storefront/server');
  storefront = await startStorefront();
});
afterAll(async () => {
  await storefront?.close();
  await stripe?.close();
  for (const socket of sockets) socket.destroy();
  if (hanging.listening) await new Promise((resolve) => hanging.close(resolve));
});

/** Signs up a referred visitor and checks out; returns where each step sent the browser. */
async function signUpAndBuy(email: string) {
  const signup = await fetch(`${storefront.url}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'shoutout_ref=v1.clk_referred.signature' },
    body: new URLSearchParams({ email, password: 'correct horse battery' }),
  });
  const session = signup.headers.get('set-cookie')?.split(';')[0] ?? '';
  const checkout = await fetch(`${storefront.url}/checkout`, { method: 'POST', redirect: 'manual', headers: { cookie: session } });
  return { signup: [signup.status, signup.headers.get('location')], checkout: [checkout.status, checkout.headers.get('location')] };
}

describe('the storefront with Shoutout unavailable', () => {
  it('signs the user up and sells without the discount when Shoutout hangs, after the timeout', { timeout: 20_000 }, async () => {
    const started = Date.now();
    const result = await signUpAndBuy('hanging@example.com');
    expect(result.signup).toEqual([303, '/account']);
    expect(result.checkout).toEqual([303, expect.stringMatching(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/)]);
    // Two calls, each given up after its two seconds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    const [created] = stripe.requestsTo('POST', /^\/v1\/checkout\/sessions$/).slice(-1);
    expect(created.params).toMatchObject({ allow_promotion_codes: 'true', metadata: { shoutout_external_id: expect.stringMatching(/^user_/) } });
    expect(created.params.discounts).toBeUndefined();
  });

  it('signs the user up and sells without the discount when Shoutout is down', async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hanging.close(resolve));
    const result = await signUpAndBuy('down@example.com');
    expect(result.signup).toEqual([303, '/account']);
    expect(result.checkout).toEqual([303, expect.stringMatching(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/)]);
  });
});
