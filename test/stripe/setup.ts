import Stripe from 'stripe';
import type { Deps } from '../../server/src/deps';
import { createTestOrg, createTestReferral } from '../helpers/fixtures';
import { type FakeStripe, fixture, newStripeId, signWebhook, startFakeStripe, stripeEvent } from '../helpers/fake-stripe';
import { startTestServer, type TestServer } from '../helpers/server';

export const LIVE_WEBHOOK_SECRET = 'whsec_live_endpoint_secret';
export const TEST_WEBHOOK_SECRET = 'whsec_test_endpoint_secret';

/** A service whose Stripe calls go to a fresh fake Stripe, with live and test keys and webhook secrets. */
export async function startStripeStack(env: Record<string, string> = {}, options: Parameters<typeof startTestServer>[1] = {}) {
  const stripe = await startFakeStripe();
  const server = await startTestServer({
    STRIPE_SECRET_KEY: 'sk_live_platform',
    STRIPE_TEST_SECRET_KEY: 'sk_test_platform',
    STRIPE_WEBHOOK_SECRET: LIVE_WEBHOOK_SECRET,
    STRIPE_TEST_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
    ...env,
  }, options);
  return {
    stripe,
    server,
    async stop() {
      await server.stop();
      await stripe.close();
    },
  };
}

/** One stack for a test file: started before its tests, stopped after them. */
export function stripeStackPerFile() {
  let stack: Awaited<ReturnType<typeof startStripeStack>>;
  beforeAll(async () => {
    stack = await startStripeStack();
  });
  afterAll(() => stack.stop());
  return () => stack;
}

/** An org that came from a Stripe App install on a fresh connected account. */
export async function createInstalledOrg(deps: Deps, options: Parameters<typeof createTestOrg>[1] = {}, livemode = true) {
  const account = newStripeId('acct');
  const created = await createTestOrg(deps, options, { livemode });
  const org = (await deps.store.orgs.update(created.org.id, { stripeAccountId: account }))!;
  return { ...created, org, account };
}

/** Posts a signed event to the webhook endpoint. */
export function deliver(server: TestServer, event: Stripe.Event, secret = event.livemode ? LIVE_WEBHOOK_SECRET : TEST_WEBHOOK_SECRET) {
  const { body, signature } = signWebhook(event, secret);
  return server.request('POST', '/api/stripe/webhooks', { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
}

/** Posts a body signed as Stripe signs, whatever it holds (not JSON, not an event). */
export function deliverRaw(server: TestServer, body: string, secret = LIVE_WEBHOOK_SECRET) {
  const signature = signer.webhooks.generateTestHeaderString({ payload: body, secret });
  return server.request('POST', '/api/stripe/webhooks', { body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
}

const signer = new Stripe('sk_test_signer');

/** A paid one-off Checkout Session on the account, as Stripe would hold it after payment. */
export function seedPaidSession(
  stripe: FakeStripe,
  account: string | null,
  options: {
    amount?: number;
    discount?: number;
    promotionCode?: string | null;
    coupon?: string | null;
    clientReferenceId?: string | null;
    metadata?: Record<string, string>;
    email?: string;
    customer?: string | null;
    livemode?: boolean;
    paymentStatus?: 'paid' | 'unpaid' | 'no_payment_required';
  } = {},
) {
  const session = fixture<Stripe.Checkout.Session>('checkout.session', {
    id: newStripeId('cs'),
    mode: 'payment',
    status: 'complete',
    payment_status: options.paymentStatus ?? 'paid',
    amount_total: options.amount ?? 8000,
    amount_subtotal: (options.amount ?? 8000) + (options.discount ?? 0),
    currency: 'usd',
    total_details: { amount_discount: options.discount ?? 0, amount_shipping: 0, amount_tax: 0 },
    discounts: options.promotionCode || options.coupon ? [{ coupon: options.coupon ?? null, promotion_code: options.promotionCode ?? null }] : [],
    client_reference_id: options.clientReferenceId ?? null,
    metadata: options.metadata ?? {},
    customer: options.customer ?? null,
    customer_details: { ...fixture<Stripe.Checkout.Session>('checkout.session').customer_details!, email: options.email ?? 'buyer@example.com' },
    payment_intent: newStripeId('pi'),
    subscription: null,
    invoice: null,
    livemode: options.livemode ?? true,
    created: Math.floor(Date.now() / 1000),
  });
  return stripe.seed(session, account);
}

/** A charge for a payment intent with `amount_refunded` so far. */
export function chargeFor(paymentIntent: string, amount: number, amountRefunded: number, livemode = true) {
  return fixture<Stripe.Charge>('charge', {
    id: newStripeId('ch'),
    payment_intent: paymentIntent,
    amount,
    amount_captured: amount,
    amount_refunded: amountRefunded,
    refunded: amountRefunded >= amount,
    livemode,
  });
}

export { createTestReferral, fixture, newStripeId, stripeEvent };

/** A paid subscription invoice with its payment (and promotion code discount, if any) on the account. */
export function seedPaidInvoice(
  stripe: FakeStripe,
  account: string,
  options: {
    subscription: string;
    billingReason: 'subscription_create' | 'subscription_cycle';
    amount?: number;
    promotionCode?: string | null;
    coupon?: string | null;
    customer?: string;
    created?: number;
    /** When it was paid, if later than created (a retried renewal). */
    paidAt?: number;
    livemode?: boolean;
  },
) {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const discountIds: string[] = [];
  if (options.promotionCode) {
    const discount = fixture<Stripe.Discount>('discount', {
      id: newStripeId('di'),
      promotion_code: options.promotionCode,
      source: { type: 'coupon', coupon: options.coupon ?? null },
    });
    discountIds.push(stripe.seed(discount, account).id);
  }
  const invoice = fixture<Stripe.Invoice>('invoice', {
    id: newStripeId('in'),
    status: 'paid',
    billing_reason: options.billingReason,
    amount_due: options.amount ?? 3000,
    amount_paid: options.amount ?? 3000,
    amount_remaining: 0,
    currency: 'usd',
    customer: options.customer ?? newStripeId('cus'),
    customer_email: 'subscriber@example.com',
    discounts: discountIds,
    total_discount_amounts: discountIds.length ? [{ amount: 750, discount: discountIds[0] }] : [],
    total_taxes: [],
    parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: {}, subscription: options.subscription } },
    payments: {
      object: 'list',
      has_more: false,
      url: '/v1/invoice_payments',
      data: [fixture('invoice_payment', { id: newStripeId('inpay'), payment: { type: 'payment_intent', payment_intent: newStripeId('pi') } })],
    },
    livemode: options.livemode ?? true,
    created,
  });
  invoice.status_transitions = { ...invoice.status_transitions, finalized_at: created, paid_at: options.paidAt ?? created };
  return stripe.seed(invoice, account);
}

/** The invoice's payment intent, where refunds point. */
export const paymentIntentOfInvoice = (invoice: Stripe.Invoice) => invoice.payments!.data[0].payment.payment_intent as string;

/** An API call answering its status and parsed JSON body. */
export const jsonApi = (server: TestServer) => async (method: string, path: string, key: string, body?: unknown) => {
  const response = await server.request(method, path, { key, body });
  return { status: response.status, body: await response.json() };
};
