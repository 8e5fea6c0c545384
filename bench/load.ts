import { readFile, writeFile } from 'node:fs/promises';
import autocannon, { type Request } from 'autocannon';
import { FakeStripe, signWebhook, stripeEvent } from '../test/helpers/fake-stripe';
import { seedPaidSession } from '../test/stripe/setup';

/**
 * The load generator, run as its own process by bench/run.ts so that the server's event loop is
 * the only thing measured in the server process. Every request is valid and distinct where the
 * route stores something: request i is built by `requestAt(i)` from a shared counter, because
 * autocannon would otherwise replay the same list from the start on each of its connections.
 */

export type RequestPlan =
  | { kind: 'constant'; path: string }
  | { kind: 'get'; path: string; apiKey: string }
  | { kind: 'lookup'; apiKey: string; prefix: string; users: number }
  | { kind: 'identify'; apiKey: string; prefix: string; refs: string[] }
  /** `network`: the first octet of the visitors' addresses, so a warm-up's visitors never come back in the measured pass. */
  | { kind: 'click'; org: string; codes: string[]; network: number }
  | { kind: 'webhook'; secret: string; promotionCodeIds: string[] };

export interface LoadPlan {
  url: string;
  connections: number;
  /** Seconds to run, or a fixed number of requests. */
  duration?: number;
  amount?: number;
  /** A response body must contain this, else the request counts as failed (a lookup that found nobody). */
  expect?: string;
  requests: RequestPlan;
  resultFile: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** non-2xx responses, socket errors, timeouts and bodies without `expect`. */
  failed: number;
  /** The first failing response, to say why loudly. */
  firstFailure: string | null;
}

const json = { 'content-type': 'application/json' };
// isbot refuses autocannon's own user agent, and a bot's click is answered but not recorded.
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function requestBuilder({ requests: plan, amount, connections }: LoadPlan): ((i: number) => Request) | null {
  switch (plan.kind) {
    case 'constant':
      return null;
    case 'get': {
      const request = { method: 'GET' as const, path: plan.path, headers: { authorization: `Bearer ${plan.apiKey}` } };
      return () => request;
    }
    case 'lookup': {
      const headers = { authorization: `Bearer ${plan.apiKey}` };
      return (i) => ({ method: 'GET', path: `/api/customers?externalId=${plan.prefix}${i % plan.users}`, headers });
    }
    case 'identify': {
      const headers = { ...json, authorization: `Bearer ${plan.apiKey}` };
      return (i) => ({
        method: 'POST',
        path: '/api/customers/identify',
        headers,
        body: JSON.stringify({ externalId: `${plan.prefix}${i}`, ref: plan.refs[i % plan.refs.length] }),
      });
    }
    case 'click': {
      // What the pixel sends: text/plain (no preflight) from a page on the org's domain.
      const headers = { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://brand.test', 'user-agent': BROWSER };
      return (i) => {
        const code = plan.codes[i % plan.codes.length];
        const body = { org: plan.org, code, pageUrl: `https://brand.test/products/${i}?infl=${code}`, referrer: 'https://social.example/' };
        // A visitor of their own each (the service trusts the loopback proxy), so no click is a repeat visit.
        const visitor = { 'x-forwarded-for': `${plan.network}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
        return { method: 'POST', path: '/api/track/click', headers: { ...headers, ...visitor }, body: JSON.stringify(body) };
      };
    }
    case 'webhook': {
      // Signed up front so that the generator's signing is not in the measured loop. The sessions are
      // Stripe-shaped paid checkouts redeeming a promotion code; the fake only lends its session builder.
      if (!amount) throw new Error('webhook load needs a fixed amount of events');
      const sessions = new FakeStripe();
      // autocannon builds a request per connection ahead of time, so some built ones are never sent.
      const signed = Array.from({ length: amount + 2 * connections }, (_, i) => {
        const promotionCode = plan.promotionCodeIds[i % plan.promotionCodeIds.length];
        const session = seedPaidSession(sessions, null, { amount: 8000, discount: 2000, promotionCode });
        return signWebhook(stripeEvent('checkout.session.completed', session), plan.secret);
      });
      return (i) => {
        // Past the end an event repeats, is answered "duplicate" and fails the run loudly.
        const { body, signature } = signed[i % signed.length];
        return { method: 'POST', path: '/api/stripe/webhooks', headers: { ...json, 'stripe-signature': signature }, body };
      };
    }
  }
}

async function main() {
  const plan = JSON.parse(await readFile(process.argv[2], 'utf8')) as LoadPlan;
  const requestAt = requestBuilder(plan);
  let next = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  // autocannon counts non-2xx itself; reading bodies costs the generator, so only where they are checked.
  const expect = plan.expect;
  const onResponse = expect
    ? (status: number, body: string) => {
        if (status >= 200 && status < 300 && body.includes(expect)) return;
        failed += 1;
        firstFailure ??= `${status} ${body.slice(0, 500)}`;
      }
    : undefined;
  const result = await autocannon({
    url: plan.url,
    connections: plan.connections,
    // autocannon refuses an explicit undefined. It notices that a fixed amount is done only at its
    // next sample tick (every second by default), and that wait counts in the run's duration: 10,000
    // events answered in 10.1 s read as 909/s. Ticking every 100 ms bounds that error to 1%.
    ...(plan.amount ? { amount: plan.amount, sampleInt: 100 } : { duration: plan.duration }),
    requests: [
      requestAt
        ? { setupRequest: (request) => ({ ...request, ...requestAt(next++) }), onResponse }
        : { method: 'GET', path: plan.requests.kind === 'constant' ? plan.requests.path : '/', onResponse },
    ],
  });
  const report: LoadResult = {
    requests: result.requests.total,
    seconds: result.duration,
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: Math.max(failed, result.non2xx) + result.errors + result.timeouts,
    firstFailure: firstFailure ?? (result.non2xx ? 'a non-2xx response (bodies are not read on this route)' : null),
  };
  await writeFile(plan.resultFile, JSON.stringify(report));
}

await main();
