import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { fixture } from './stripe-objects';

/**
 * A local stand-in for api.stripe.com that the real `stripe` SDK talks to (via STRIPE_API_BASE).
 * Responses are built by the typed builders in `stripe-objects.ts` with ids and fields taken from
 * the request; unknown parameters are refused as Stripe refuses them, and every request is recorded
 * with its `Stripe-Account` header so tests can assert what was sent.
 */

type Json = Record<string, unknown>;

export { fixture };

const stripeId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;

export interface RecordedRequest {
  method: string;
  path: string;
  params: Json;
  /** The `Stripe-Account` header: which connected account the call acted on. */
  account: string | null;
  livemode: boolean;
  idempotencyKey: string | null;
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Top-level parameters Stripe accepts here (`expand` always is). */
  params: string[];
  handle(request: RecordedRequest, match: RegExpMatchArray): { status?: number; body: unknown };
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** Decodes Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
export function decodeForm(body: string): Json {
  const root: Json = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const [head, ...rest] = rawKey.split('[');
    const keys = [head, ...rest.map((part) => part.replace(/\]$/, ''))];
    let node: Record<string, unknown> | unknown[] = root;
    keys.forEach((key, index) => {
      const last = index === keys.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(keys[index + 1]);
      const slot = Array.isArray(node) ? (key === '' ? node.length : Number(key)) : key;
      const container = node as Record<string | number, unknown>;
      if (last) container[slot] = value;
      else {
        container[slot] ??= nextIsIndex ? [] : {};
        node = container[slot] as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

// What a Checkout Session accepts that brands commonly send (Stripe accepts more).
const CHECKOUT_SESSION_PARAMS = [
  'mode', 'line_items', 'success_url', 'cancel_url', 'customer', 'customer_email', 'client_reference_id', 'discounts',
  'allow_promotion_codes', 'metadata', 'subscription_data', 'payment_intent_data', 'ui_mode', 'locale', 'automatic_tax',
];

const bearer = (req: IncomingMessage) => /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';

const toInt = (value: unknown) => (value === undefined || value === '' ? null : Number(value));
const toBool = (value: unknown) => value === true || value === 'true';

export class FakeStripe {
  /** The account of every key not declared with `ownKey`, as `GET /v1/account` answers for it. */
  static readonly PLATFORM_ACCOUNT = 'acct_fake_platform';
  readonly requests: RecordedRequest[] = [];
  private readonly objects = new Map<string, Json>();
  private readonly events = new Map<string, Json[]>();
  private readonly idempotent = new Map<string, { status?: number; body: unknown }>();
  private readonly failures: { method: string; path: RegExp; error: StripeApiError }[] = [];
  private readonly ownAccounts = new Map<string, string>();
  private readonly routes: Route[];
  url = '';
  private readonly server = createServer((req, res) => void this.serve(req, res));
  /** Where a created Checkout Session's `url` points: Stripe's hosted page unless a stand-in is set. */
  checkoutPage: (sessionId: string) => string = (id) => `https://checkout.stripe.com/c/pay/${id}`;

  constructor() {
    this.routes = [
      { method: 'POST', pattern: /^\/v1\/checkout\/sessions$/, params: CHECKOUT_SESSION_PARAMS, handle: (r) => this.createCheckoutSession(r) },
      { method: 'POST', pattern: /^\/v1\/coupons$/, params: ['id', 'name', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months', 'max_redemptions', 'redeem_by', 'metadata', 'applies_to', 'currency_options'], handle: (r) => this.createCoupon(r) },
      { method: 'DELETE', pattern: /^\/v1\/coupons\/([^/]+)$/, params: [], handle: (r, m) => this.deleteCoupon(r, m[1]) },
      { method: 'POST', pattern: /^\/v1\/promotion_codes$/, params: ['code', 'promotion', 'metadata', 'active', 'customer', 'customer_account', 'expires_at', 'max_redemptions', 'restrictions'], handle: (r) => this.createPromotionCode(r) },
      { method: 'POST', pattern: /^\/v1\/promotion_codes\/([^/]+)$/, params: ['active', 'metadata', 'restrictions'], handle: (r, m) => this.updatePromotionCode(r, m[1]) },
      { method: 'GET', pattern: /^\/v1\/checkout\/sessions$/, params: ['subscription', 'customer', 'payment_intent', 'limit', 'starting_after', 'ending_before', 'status', 'created'], handle: (r) => this.listSessions(r) },
      { method: 'GET', pattern: /^\/v1\/invoice_payments$/, params: ['invoice', 'payment', 'status', 'limit', 'starting_after', 'ending_before'], handle: (r) => this.listInvoicePayments(r) },
      { method: 'GET', pattern: /^\/v1\/promotion_codes$/, params: ['code', 'coupon', 'active', 'customer', 'created', 'limit', 'starting_after', 'ending_before'], handle: (r) => this.listPromotionCodes(r) },
      { method: 'GET', pattern: /^\/v1\/account$/, params: [], handle: (r) => this.retrieveAccount(r) },
      { method: 'GET', pattern: /^\/v1\/events$/, params: ['created', 'type', 'types', 'limit', 'starting_after', 'ending_before', 'delivery_success'], handle: (r) => this.listEvents(r) },
      ...['coupons', 'promotion_codes', 'checkout/sessions', 'invoices', 'charges', 'customers', 'payment_intents'].map((collection) => ({
        method: 'GET',
        pattern: new RegExp(`^/v1/${collection}/([^/]+)$`),
        params: [],
        handle: (r: RecordedRequest, m: RegExpMatchArray) => ({ body: this.expand(r, this.find(r.account, m[1])) }),
      })),
    ];
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await new Promise((resolve) => this.server.once('listening', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Puts an object (session, invoice, charge, customer…) on an account, as if it happened in Stripe. */
  seed<T extends { id: string }>(object: T, account: string | null = null): T {
    this.objects.set(this.key(account, object.id), structuredClone(object) as unknown as Json);
    return object;
  }

  /** The object as Stripe holds it now, or undefined. */
  get<T = Json>(id: string, account: string | null = null): T | undefined {
    return this.objects.get(this.key(account, id)) as T | undefined;
  }

  /** Makes an event listable by `GET /v1/events` on that account. */
  seedEvent(event: Json, account: string | null = null) {
    const list = this.events.get(account ?? '') ?? [];
    list.push(structuredClone(event));
    this.events.set(account ?? '', list);
  }

  /**
   * A brand's own secret key: its calls without `Stripe-Account` act on its account, the one a
   * platform reaches with `Stripe-Account` (a brand's storefront next to a Stripe App install).
   */
  ownKey(secretKey: string, account: string) {
    this.ownAccounts.set(secretKey, account);
  }

  /** The next matching request fails with this Stripe error. */
  failNext(method: string, pathPattern: RegExp, error: { status?: number; code: string; message: string; param?: string }) {
    this.failures.push({ method, path: pathPattern, error: new StripeApiError(error.status ?? 400, error.code, error.message, error.param) });
  }

  requestsTo(method: string, pathPattern: RegExp) {
    return this.requests.filter((request) => request.method === method && pathPattern.test(request.path));
  }

  private key(account: string | null, id: string) {
    return `${account ?? ''}|${id}`;
  }

  private find(account: string | null, id: string): Json {
    const object = this.objects.get(this.key(account, id));
    if (!object) throw new StripeApiError(404, 'resource_missing', `No such object: '${id}'`, 'id');
    return structuredClone(object);
  }

  private async serve(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stripe.test');
    const params = decodeForm(req.method === 'GET' || req.method === 'DELETE' ? url.search.slice(1) : Buffer.concat(chunks).toString('utf8'));
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      params,
      account: (req.headers['stripe-account'] as string | undefined) ?? this.ownAccounts.get(bearer(req)) ?? null,
      livemode: /^Bearer sk_live_/.test(req.headers.authorization ?? ''),
      idempotencyKey: (req.headers['idempotency-key'] as string | undefined) ?? null,
    };
    this.requests.push(request);
    let result: { status?: number; body: unknown };
    try {
      result = this.route(request);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      result = {
        status: error.status,
        body: { error: { type: 'invalid_request_error', code: error.code, message: error.message, ...(error.param && { param: error.param }) } },
      };
    }
    res.writeHead(result.status ?? 200, { 'content-type': 'application/json', 'request-id': stripeId('req') });
    res.end(JSON.stringify(result.body));
  }

  private route(request: RecordedRequest) {
    const failure = this.failures.findIndex((f) => f.method === request.method && f.path.test(request.path));
    if (failure >= 0) throw this.failures.splice(failure, 1)[0].error;
    for (const route of this.routes) {
      const match = request.path.match(route.pattern);
      if (!match || route.method !== request.method) continue;
      for (const param of Object.keys(request.params)) {
        if (param !== 'expand' && !route.params.includes(param)) {
          throw new StripeApiError(400, 'parameter_unknown', `Received unknown parameter: ${param}`, param);
        }
      }
      const replayKey = request.idempotencyKey && `${request.account ?? ''}|${request.idempotencyKey}`;
      if (replayKey && this.idempotent.has(replayKey)) return this.idempotent.get(replayKey)!;
      const result = route.handle(request, match);
      if (replayKey && request.method === 'POST') this.idempotent.set(replayKey, result);
      return result;
    }
    throw new StripeApiError(404, 'resource_missing', `Unrecognized request URL (${request.method}: ${request.path}).`);
  }

  /** Replaces ids named by `expand[]` paths with the objects they point to, as Stripe does. */
  private expand(request: RecordedRequest, object: Json): Json {
    const paths = Object.values((request.params.expand as Record<string, string> | string[] | undefined) ?? {});
    if (object.object === 'invoice' && !paths.some((p) => p === 'payments')) delete object.payments;
    const resolve = (value: unknown) =>
      typeof value === 'string' && this.objects.has(this.key(request.account, value)) ? this.find(request.account, value) : value;
    // Ids met on the way to the last key are expanded too, as Stripe does for nested paths.
    const walk = (node: unknown, keys: string[]): unknown => {
      if (!keys.length) return resolve(node);
      if (Array.isArray(node)) return node.map((item) => walk(resolve(item), keys));
      if (!node || typeof node !== 'object') return node;
      const [head, ...rest] = keys;
      const record = node as Json;
      record[head] = walk(rest.length ? resolve(record[head]) : record[head], rest);
      return record;
    };
    for (const expandPath of paths) walk(object, expandPath.split('.'));
    return object;
  }

  /**
   * What Stripe does when the buyer pays an open Checkout Session: totals from its line items and
   * redeemed promotion code, a payment intent, `payment_status: paid`. Returns the session as the
   * `checkout.session.completed` event carries it (discounts not expanded).
   */
  completeCheckoutSession(id: string, account: string | null = null, options: { email?: string } = {}): Stripe.Checkout.Session {
    const session = this.find(account, id);
    if (session.status !== 'open') throw new Error(`checkout session ${id} is ${String(session.status)}, not open`);
    const subtotal = (session.line_items as { amount: number }[]).reduce((total, item) => total + item.amount, 0);
    const discounts = (session.discounts as { promotion_code: string | null; coupon: string | null }[] | null) ?? [];
    const discount = discounts.reduce((total, entry) => {
      const couponId = entry.coupon ?? ((this.find(account, entry.promotion_code!).promotion as Json).coupon as string);
      const coupon = this.find(account, couponId);
      return total + (coupon.percent_off ? Math.round((subtotal * Number(coupon.percent_off)) / 100) : Number(coupon.amount_off));
    }, 0);
    const completed: Json & { id: string } = {
      ...session,
      id,
      status: 'complete',
      payment_status: 'paid',
      payment_intent: session.mode === 'payment' ? stripeId('pi') : null,
      amount_subtotal: subtotal,
      amount_total: Math.max(0, subtotal - discount),
      total_details: { amount_discount: Math.min(discount, subtotal), amount_shipping: 0, amount_tax: 0 },
      customer_details: { ...(session.customer_details as Json), email: options.email ?? session.customer_email ?? 'buyer@example.com' },
    };
    this.seed(completed, account);
    return completed as unknown as Stripe.Checkout.Session;
  }

  /**
   * A buyer paying through a Payment Link: Stripe makes a session carrying the link's
   * `client_reference_id` (what the pixel added) and completes it.
   */
  payPaymentLink(href: string, options: { amount: number; currency?: string; email?: string; account?: string | null; livemode?: boolean }) {
    const link = new URL(href);
    if (link.host !== 'buy.stripe.com') throw new Error(`${href} is not a Payment Link`);
    const session = fixture<Json & { id: string }>('checkout.session', {
      id: stripeId(options.livemode === false ? 'cs_test' : 'cs_live'),
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      currency: options.currency ?? 'usd',
      client_reference_id: link.searchParams.get('client_reference_id'),
      line_items: [{ amount: options.amount }],
      discounts: [],
      metadata: {},
      customer_email: null,
      payment_link: `plink_${link.pathname.slice(1)}`,
      livemode: options.livemode ?? true,
      created: Math.floor(Date.now() / 1000),
    });
    this.seed(session, options.account ?? null);
    return this.completeCheckoutSession(session.id, options.account ?? null, { email: options.email });
  }

  /** Refunds `amount` (default: all) of a payment and returns the charge `charge.refunded` carries. */
  refundPayment(paymentIntentId: string, amountPaid: number, amount = amountPaid, options: { account?: string | null; livemode?: boolean } = {}): Stripe.Charge {
    const charge = fixture<Json & { id: string }>('charge', {
      id: stripeId('ch'),
      payment_intent: paymentIntentId,
      amount: amountPaid,
      amount_captured: amountPaid,
      amount_refunded: amount,
      refunded: amount >= amountPaid,
      livemode: options.livemode ?? true,
    });
    return this.seed(charge, options.account ?? null) as unknown as Stripe.Charge;
  }

  private createCheckoutSession(request: RecordedRequest) {
    const p = request.params;
    for (const param of ['mode', 'success_url'] as const) {
      if (!p[param]) throw new StripeApiError(400, 'parameter_missing', `Missing required param: ${param}.`, param);
    }
    const discounts = Object.values((p.discounts as Record<string, Json> | undefined) ?? {});
    if (discounts.length && p.allow_promotion_codes !== undefined) {
      throw new StripeApiError(400, 'parameter_invalid', 'You may only specify one of these parameters: allow_promotion_codes, discounts.', 'discounts');
    }
    for (const [index, entry] of discounts.entries()) {
      if (entry.promotion_code) this.findParam(request.account, entry.promotion_code as string, `discounts[${index}][promotion_code]`);
      if (entry.coupon) this.findParam(request.account, entry.coupon as string, `discounts[${index}][coupon]`);
    }
    const lineItems = Object.values((p.line_items as Record<string, Json> | undefined) ?? {}).map((item, index) => {
      const price = item.price
        ? this.findParam(request.account, item.price as string, `line_items[${index}][price]`)
        : (item.price_data as Json | undefined);
      if (!price) throw new StripeApiError(400, 'parameter_missing', `Missing required param: line_items[${index}][price].`, `line_items[${index}][price]`);
      return { price: item.price ?? null, currency: price.currency, amount: Number(price.unit_amount) * Number(item.quantity ?? 1) };
    });
    if (!lineItems.length) throw new StripeApiError(400, 'parameter_missing', 'Missing required param: line_items.', 'line_items');
    const id = stripeId(request.livemode ? 'cs_live' : 'cs_test');
    const session = fixture<Json & { id: string }>('checkout.session', {
      id,
      url: this.checkoutPage(id),
      mode: p.mode,
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      currency: lineItems[0].currency,
      // The fake's own record of what to charge (Stripe keeps line items behind an expand).
      line_items: lineItems,
      amount_subtotal: null,
      amount_total: null,
      total_details: null,
      customer: p.customer ?? null,
      customer_email: p.customer_email ?? null,
      client_reference_id: p.client_reference_id ?? null,
      success_url: p.success_url,
      cancel_url: p.cancel_url ?? null,
      allow_promotion_codes: p.allow_promotion_codes === undefined ? null : toBool(p.allow_promotion_codes),
      discounts: discounts.map((entry) => ({ coupon: entry.coupon ?? null, promotion_code: entry.promotion_code ?? null })),
      metadata: p.metadata ?? {},
      livemode: request.livemode,
      created: Math.floor(Date.now() / 1000),
    });
    return { body: this.seed(session, request.account) };
  }

  /** An object a parameter names, or the 400 Stripe answers when it does not exist on the account. */
  private findParam(account: string | null, id: string, param: string): Json {
    const object = this.objects.get(this.key(account, id));
    if (!object) throw new StripeApiError(400, 'resource_missing', `No such object: '${id}'`, param);
    return object;
  }

  private createCoupon(request: RecordedRequest) {
    const p = request.params;
    if (!p.duration) throw new StripeApiError(400, 'parameter_missing', 'Missing required param: duration.', 'duration');
    if (!p.percent_off === !p.amount_off) {
      throw new StripeApiError(400, 'parameter_invalid', 'Coupons need exactly one of percent_off or amount_off.', 'percent_off');
    }
    if (p.amount_off && !p.currency) throw new StripeApiError(400, 'parameter_missing', 'Missing required param: currency.', 'currency');
    const coupon = fixture<Json & { id: string }>('coupon', {
      id: (p.id as string) ?? stripeId('cpn').slice(0, 12),
      name: p.name ?? null,
      percent_off: p.percent_off ? Number(p.percent_off) : null,
      amount_off: toInt(p.amount_off),
      currency: p.amount_off ? p.currency : null,
      duration: p.duration,
      duration_in_months: toInt(p.duration_in_months),
      redeem_by: toInt(p.redeem_by),
      metadata: p.metadata ?? {},
      livemode: request.livemode,
      created: Math.floor(Date.now() / 1000),
    });
    return { body: this.seed(coupon, request.account) };
  }

  private deleteCoupon(request: RecordedRequest, id: string) {
    this.find(request.account, id);
    this.objects.delete(this.key(request.account, id));
    return { body: fixture('deleted_coupon', { id }) };
  }

  private createPromotionCode(request: RecordedRequest) {
    const p = request.params;
    const promotion = p.promotion as Json | undefined;
    if (!promotion?.coupon || promotion.type !== 'coupon') {
      throw new StripeApiError(400, 'parameter_missing', 'Missing required param: promotion[coupon].', 'promotion');
    }
    for (const key of Object.keys(promotion)) {
      if (key !== 'type' && key !== 'coupon') throw new StripeApiError(400, 'parameter_unknown', `Received unknown parameter: promotion[${key}]`, `promotion[${key}]`);
    }
    const coupon = this.objects.get(this.key(request.account, promotion.coupon as string));
    if (!coupon) throw new StripeApiError(400, 'resource_missing', `No such coupon: '${promotion.coupon}'`, 'promotion[coupon]');
    const code = String(p.code ?? stripeId('').slice(1, 9)).toUpperCase();
    const clash = [...this.objects.entries()].some(
      ([key, object]) => key.startsWith(`${request.account ?? ''}|`) && object.object === 'promotion_code' && object.active && String(object.code).toUpperCase() === code,
    );
    if (clash) throw new StripeApiError(400, 'resource_already_exists', `An active promotion code with \`code: ${code}\` already exists.`, 'code');
    const restrictions = this.promotionCodeRestrictions(p);
    const promotionCode = fixture<Json & { id: string }>('promotion_code', {
      id: stripeId('promo'),
      code,
      active: p.active === undefined ? true : toBool(p.active),
      metadata: p.metadata ?? {},
      expires_at: toInt(p.expires_at),
      max_redemptions: toInt(p.max_redemptions),
      restrictions,
      promotion: { type: 'coupon', coupon: promotion.coupon },
      livemode: request.livemode,
      created: Math.floor(Date.now() / 1000),
    });
    return { body: this.seed(promotionCode, request.account) };
  }

  /** Stripe's checks on a new promotion code's limits, and the `restrictions` it then carries. */
  private promotionCodeRestrictions(p: Json): Json {
    const restrictions = (p.restrictions as Json | undefined) ?? {};
    for (const key of Object.keys(restrictions)) {
      if (!['first_time_transaction', 'minimum_amount', 'minimum_amount_currency', 'currency_options'].includes(key)) {
        throw new StripeApiError(400, 'parameter_unknown', `Received unknown parameter: restrictions[${key}]`, `restrictions[${key}]`);
      }
    }
    if (restrictions.minimum_amount !== undefined && !restrictions.minimum_amount_currency) {
      throw new StripeApiError(400, 'parameter_missing', 'Missing required param: restrictions[minimum_amount_currency].', 'restrictions[minimum_amount_currency]');
    }
    if (p.max_redemptions !== undefined && !(Number(p.max_redemptions) >= 1)) {
      throw new StripeApiError(400, 'parameter_invalid_integer', 'This value must be greater than or equal to 1.', 'max_redemptions');
    }
    if (p.expires_at !== undefined && Number(p.expires_at) <= Math.floor(Date.now() / 1000)) {
      throw new StripeApiError(400, 'parameter_invalid', 'The expires_at timestamp must be in the future.', 'expires_at');
    }
    return {
      first_time_transaction: toBool(restrictions.first_time_transaction),
      minimum_amount: toInt(restrictions.minimum_amount),
      minimum_amount_currency: restrictions.minimum_amount_currency ?? null,
    };
  }

  private listPromotionCodes(request: RecordedRequest) {
    const { code, coupon, active } = request.params;
    const data = [...this.objects.entries()]
      .filter(([key, object]) => key.startsWith(`${request.account ?? ''}|`) && object.object === 'promotion_code')
      .map(([, object]) => structuredClone(object))
      // Stripe matches the code without regard to case.
      .filter((entry) => code === undefined || String(entry.code).toUpperCase() === String(code).toUpperCase())
      .filter((entry) => coupon === undefined || (entry.promotion as Json | undefined)?.coupon === coupon)
      .filter((entry) => active === undefined || entry.active === toBool(active));
    const limit = Number(request.params.limit ?? 10);
    return { body: { object: 'list', url: '/v1/promotion_codes', has_more: data.length > limit, data: data.slice(0, limit) } };
  }

  private updatePromotionCode(request: RecordedRequest, id: string) {
    const promotionCode = this.find(request.account, id);
    if (request.params.active !== undefined) promotionCode.active = toBool(request.params.active);
    if (request.params.metadata) promotionCode.metadata = { ...(promotionCode.metadata as Json), ...(request.params.metadata as Json) };
    return { body: this.seed(promotionCode as Json & { id: string }, request.account) };
  }

  private listSessions(request: RecordedRequest) {
    const data = [...this.objects.entries()]
      .filter(([key, object]) => key.startsWith(`${request.account ?? ''}|`) && object.object === 'checkout.session')
      .map(([, object]) => structuredClone(object))
      .filter((session) => !request.params.subscription || session.subscription === request.params.subscription)
      .filter((session) => !request.params.payment_intent || session.payment_intent === request.params.payment_intent);
    return { body: { object: 'list', url: '/v1/checkout/sessions', has_more: false, data } };
  }

  /** The payments of the account's invoices (as `payments` holds them), by invoice or by payment intent. */
  private listInvoicePayments(request: RecordedRequest) {
    const { invoice, payment } = request.params as { invoice?: string; payment?: { payment_intent?: string } };
    const data = [...this.objects.entries()]
      .filter(([key, object]) => key.startsWith(`${request.account ?? ''}|`) && object.object === 'invoice')
      .filter(([, object]) => !invoice || object.id === invoice)
      .flatMap(([, object]) => ((object.payments as { data?: Json[] } | undefined)?.data ?? []).map((entry): Json => ({ ...structuredClone(entry), invoice: object.id })))
      .filter((entry) => !payment?.payment_intent || (entry.payment as Json | undefined)?.payment_intent === payment.payment_intent);
    return { body: { object: 'list', url: '/v1/invoice_payments', has_more: false, data } };
  }

  /** The account the key (or `Stripe-Account`) acts on: a key never declared with `ownKey` is the platform's. */
  private retrieveAccount(request: RecordedRequest) {
    const id = request.account ?? FakeStripe.PLATFORM_ACCOUNT;
    return { body: { id, object: 'account', type: 'standard', country: 'US', default_currency: 'usd', charges_enabled: true, payouts_enabled: true } };
  }

  private listEvents(request: RecordedRequest) {
    const created = (request.params.created as Json | undefined) ?? {};
    const types = Object.values((request.params.types as Record<string, string> | undefined) ?? {});
    const limit = Number(request.params.limit ?? 10);
    // Newest first; of two events in the same second, the one seeded later is the newer. A cursor
    // marks a place in the whole list, so it may be an event the filters leave out.
    let events = [...(this.events.get(request.account ?? '') ?? [])].reverse().sort((a, b) => (b.created as number) - (a.created as number));
    const cursor = (param: 'starting_after' | 'ending_before') => {
      const index = events.findIndex((event) => event.id === request.params[param]);
      if (index < 0) throw new StripeApiError(400, 'resource_missing', `No such event: '${request.params[param]}'`, param);
      return index;
    };
    if (request.params.ending_before) events = events.slice(0, cursor('ending_before'));
    if (request.params.starting_after) events = events.slice(cursor('starting_after') + 1);
    // A live key lists live events only, a test key test events only.
    events = events
      .filter((event) => event.livemode === request.livemode)
      .filter((event) => created.gte === undefined || (event.created as number) >= Number(created.gte))
      .filter((event) => created.lt === undefined || (event.created as number) < Number(created.lt))
      .filter((event) => !types.length || types.includes(event.type as string));
    // Towards newer events, the page is the one just newer than the cursor, still newest first.
    const data = request.params.ending_before ? events.slice(-limit) : events.slice(0, limit);
    return { body: { object: 'list', url: '/v1/events', has_more: events.length > limit, data } };
  }
}

export function startFakeStripe(): Promise<FakeStripe> {
  return new FakeStripe().start();
}

/** A Stripe event wrapping `object`, shaped like Stripe's example event. */
export function stripeEvent(type: string, object: unknown, options: { account?: string | null; livemode?: boolean; id?: string; created?: number } = {}): Stripe.Event {
  return fixture<Stripe.Event>('event', {
    id: options.id ?? stripeId('evt'),
    type,
    created: options.created ?? Math.floor(Date.now() / 1000),
    livemode: options.livemode ?? true,
    ...(options.account ? { account: options.account } : {}),
    api_version: '2026-10-28.endive',
    data: { object },
  });
}

const signer = new Stripe('sk_test_signer');

/** The body and `Stripe-Signature` header Stripe would send for this event. */
export function signWebhook(event: unknown, secret: string) {
  const body = JSON.stringify(event);
  return { body, signature: signer.webhooks.generateTestHeaderString({ payload: body, secret }) };
}

export const newStripeId = stripeId;

/** Delivers an event to a webhook endpoint the way Stripe does: signed with the endpoint's secret. */
export function deliverWebhook(endpoint: string, event: unknown, secret: string): Promise<Response> {
  const { body, signature } = signWebhook(event, secret);
  return fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
}
