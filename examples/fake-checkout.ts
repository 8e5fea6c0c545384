import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type Stripe from 'stripe';
// The test suite's fake Stripe: it keeps the demo free of any Stripe account (see examples/demo.ts).
import { deliverWebhook, type FakeStripe, stripeEvent } from '../test/helpers/fake-stripe';

/**
 * Stand-ins for the Stripe pages a buyer sees, on top of the fake Stripe API: the hosted Checkout
 * page (Pay), a Payment Link's checkout, and a refund button. Each does what Stripe does next: it
 * sends the signed webhook (`checkout.session.completed`, `charge.refunded`) to Shoutout.
 */
export interface FakeCheckoutOptions {
  stripe: FakeStripe;
  /** Shoutout's webhook endpoint and its signing secret. */
  webhookUrl: string;
  webhookSecret: string;
  livemode: boolean;
  /** The Stripe account the shop sells on, when Shoutout reaches it through Connect (a Stripe App install). */
  account?: string | null;
  /** What a Payment Link charges (the fake has no Payment Link objects). */
  paymentLinkAmount: number;
  /** Shoutout's report, served at /report and linked from every receipt, so a person sees the credit arrive. */
  report?: () => Promise<unknown>;
  host?: string;
  port?: number;
  /** The host name in links, when it differs from the listening address (`localhost`). */
  publicHost?: string;
}

export interface RunningFakeCheckout {
  url: string;
  close(): Promise<void>;
}

const money = (minor: number | null | undefined, currency = 'usd') => `${((minor ?? 0) / 100).toFixed(2)} ${currency.toUpperCase()}`;
const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
const layout = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto">` +
  `<p style="background:#fff3cd;padding:.5em">Fake Stripe for the Shoutout demo: no money moves, nothing reaches stripe.com.</p>` +
  `<h1>${title}</h1>${body}</body></html>`;

export async function startFakeCheckout(options: FakeCheckoutOptions): Promise<RunningFakeCheckout> {
  const { stripe, livemode } = options;
  const account = options.account ?? null;
  const app = express();
  app.use(express.urlencoded({ extended: false }));

  const deliver = async (type: string, object: unknown) => {
    const response = await deliverWebhook(options.webhookUrl, stripeEvent(type, object, { livemode, account }), options.webhookSecret);
    return `${type} → Shoutout answered ${response.status} ${await response.text()}`;
  };
  const receipt = (session: Stripe.Checkout.Session, delivered: string) =>
    layout(
      'Paid',
      `<p>${money(session.amount_total, session.currency ?? 'usd')} paid (discount ${money(session.total_details?.amount_discount, session.currency ?? 'usd')}).</p>` +
        `<p id="webhook"><code>${escapeHtml(delivered)}</code></p>` +
        `<form method="post" action="/refunds/${session.id}"><button type="submit">Refund this payment</button></form>` +
        `<p><a href="${escapeHtml(session.success_url ?? '/')}">Back to the shop</a>` +
        (options.report ? ' · <a href="/report">See the report</a>' : '') +
        '</p>',
    );

  // GET /c/pay/:id – the hosted Checkout page a session's url points to
  app.get('/c/pay/:id', (req, res) => {
    const session = stripe.get<Stripe.Checkout.Session & { line_items: { amount: number }[] }>(req.params.id, account);
    if (!session) return void res.status(404).send(layout('No such checkout', ''));
    const codes = (session.discounts ?? []).map((discount) => stripe.get<Stripe.PromotionCode>(String(discount.promotion_code), account)?.code).filter(Boolean);
    res.send(
      layout(
        'Checkout',
        `<p>${money(session.line_items.reduce((total, item) => total + item.amount, 0), session.currency ?? 'usd')} for ${escapeHtml(session.customer_email ?? 'a guest')}.</p>` +
          `<p>Promotion code: <strong id="promotion-code">${codes.length ? escapeHtml(codes.join(', ')) : 'none'}</strong></p>` +
          (session.status === 'open' ? `<form method="post"><button type="submit">Pay</button></form>` : '<p>Already paid.</p>'),
      ),
    );
  });

  // POST /c/pay/:id – the buyer pays: the session completes and Stripe sends the webhook
  app.post('/c/pay/:id', async (req, res) => {
    const session = stripe.completeCheckoutSession(req.params.id, account);
    res.send(receipt(session, await deliver('checkout.session.completed', session)));
  });

  // POST /payment-link – the buyer pays a Payment Link (href as the pixel left it)
  app.post('/payment-link', async (req, res) => {
    const session = stripe.payPaymentLink(String(req.body.href ?? ''), { amount: options.paymentLinkAmount, livemode, account });
    res.send(receipt(session, await deliver('checkout.session.completed', session)));
  });

  // POST /refunds/:id – the brand refunds the session's payment in full
  app.post('/refunds/:id', async (req, res) => {
    const session = stripe.get<Stripe.Checkout.Session>(req.params.id, account);
    if (!session?.payment_intent) return void res.status(404).send(layout('Nothing to refund', ''));
    const charge = stripe.refundPayment(String(session.payment_intent), session.amount_total ?? 0, session.amount_total ?? 0, { livemode, account });
    const delivered = await deliver('charge.refunded', charge);
    res.send(
      layout(
        'Refunded',
        `<p id="webhook"><code>${escapeHtml(delivered)}</code></p>` + (options.report ? '<p><a href="/report">See the report</a></p>' : ''),
      ),
    );
  });

  // GET /report – what GET /api/reports answers right now
  app.get('/report', async (_req, res) => {
    if (!options.report) return void res.status(404).send(layout('No report', ''));
    res.send(layout('Shoutout report', `<pre>${escapeHtml(JSON.stringify(await options.report(), null, 2))}</pre>`));
  });

  const server: Server = app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const url = `http://${options.publicHost ?? options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  stripe.checkoutPage = (id) => `${url}/c/pay/${id}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
