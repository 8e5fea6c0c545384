import http from 'node:http';
import https from 'node:https';
import { newId } from '../crypto';
import type { Deps } from '../deps';
import { publicOnlyLookup, refusedLiteral } from './address';
import { presentEvent } from './present';
import { RETRY_WINDOW_MS } from './relay';
import type { AttemptResult, WebhookDelivery, WebhookEndpoint } from './repo';
import { SIGNATURE_HEADER, signatureHeader, signingSecrets } from './signature';
import { cond } from '../store/driver';

/** At most this many deliveries in flight per endpoint: a slow one holds its own slots, not the others'. */
export const PER_ENDPOINT_CONCURRENCY = 8;
/**
 * Due deliveries read per endpoint at a time. A backlog is then worked through from memory, one
 * lease per attempt, and the store is read again only when the batch runs out: not on every
 * attempt's end. Each is leased only as it is sent (the lease re-checks it is still due), so a
 * batch can wait longer than a lease lasts.
 */
const DUE_BATCH = 100;
const EXCERPT_CHARS = 500;
const MAX_RESPONSE_BYTES = 64 * 1024;
const LONGEST_RETRY_DELAY_MS = 12 * 3_600_000;
// Held a little past the attempt's timeout, so the lease never ends while the attempt still runs.
const LEASE_MARGIN_MS = 30_000;

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

interface Answer {
  status: number | null;
  excerpt: string | null;
}

/** POSTs the payload; resolves with the answer or why there was none, never rejects. */
function post(deps: Deps, url: URL, headers: Record<string, string>, payload: string, signal: AbortSignal): Promise<Answer> {
  const allowPrivate = deps.config.WEBHOOK_ALLOW_PRIVATE_URLS;
  const literal = allowPrivate ? null : refusedLiteral(url);
  if (literal) return Promise.resolve({ status: null, excerpt: `refused to connect to ${literal}: not a public address` });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(url, {
      method: 'POST',
      agent: agents[url.protocol as keyof typeof agents],
      headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) },
      signal,
      ...(!allowPrivate && { lookup: publicOnlyLookup }),
    });
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_RESPONSE_BYTES) body += chunk;
        else response.destroy();
      });
      const done = () => resolve({ status: response.statusCode ?? null, excerpt: body.slice(0, EXCERPT_CHARS) || null });
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = signal.aborted ? `no answer within ${deps.config.WEBHOOK_TIMEOUT_MS} ms` : error.message || error.code || 'connection failed';
      resolve({ status: null, excerpt: reason.slice(0, EXCERPT_CHARS) });
    });
    request.end(payload);
  });
}

/** Exponential backoff from WEBHOOK_RETRY_BASE_MS, ±10%, capped at 12 hours and at the retry window's end. */
function nextAttempt(deps: Deps, delivery: WebhookDelivery, attempts: number, now: Date): Date | null {
  if (now >= delivery.retryUntil) return null;
  const delay = Math.min(deps.config.WEBHOOK_RETRY_BASE_MS * 2 ** (attempts - 1), LONGEST_RETRY_DELAY_MS) * (0.9 + Math.random() * 0.2);
  return new Date(Math.min(now.getTime() + delay, delivery.retryUntil.getTime()));
}

/**
 * Sends due deliveries, each under a lease in the store (`webhookDeliveries.lease`), so that with
 * several instances on one MongoDB an attempt is made by one at a time. Attempts run side by side,
 * never awaited by the pass that started them, and at most PER_ENDPOINT_CONCURRENCY per endpoint:
 * an endpoint that answers slowly or not at all (WEBHOOK_TIMEOUT_MS) delays only its own deliveries.
 */
export class Sender {
  private readonly holder = newId('lease');
  private readonly inFlight = new Map<string, number>();
  /** Due deliveries read in a batch and not yet started, per endpoint. */
  private readonly queued = new Map<string, WebhookDelivery[]>();
  private readonly attempts = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly deps: Deps,
    /** Called when an attempt ends, so a backlog is worked through without waiting for the next poll. */
    private readonly onAttemptEnd: () => void,
  ) {}

  /** Starts up to `limit` attempts of what is due now; returns how many it started. */
  async pass(limit: number): Promise<number> {
    let started = 0;
    const enabled = await this.deps.store.webhookEndpoints.enabled();
    // A disabled or deleted endpoint's batch is dropped.
    for (const endpointId of this.queued.keys()) if (!enabled.some((endpoint) => endpoint.id === endpointId)) this.queued.delete(endpointId);
    for (const endpoint of enabled) {
      let free = Math.min(PER_ENDPOINT_CONCURRENCY - (this.inFlight.get(endpoint.id) ?? 0), limit - started);
      if (free <= 0 || this.abort.signal.aborted) continue;
      const now = this.deps.now();
      let queue = this.queued.get(endpoint.id) ?? [];
      // Attempts in flight are leased, so a fresh batch never holds them.
      if (queue.length === 0) queue = await this.deps.store.webhookDeliveries.due(endpoint.id, now, DUE_BATCH);
      const until = new Date(now.getTime() + this.deps.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
      while (free > 0 && queue.length > 0) {
        // Leased side by side, so the leases of a pass share the store's commits.
        const leases = await Promise.all(queue.splice(0, free).map((due) => this.deps.store.webhookDeliveries.lease(due.id, this.holder, now, until)));
        for (const leased of leases) {
          if (!leased) continue;
          this.track(endpoint.id, this.attempt(endpoint, leased));
          started += 1;
          free -= 1;
        }
      }
      this.queued.set(endpoint.id, queue);
    }
    return started;
  }

  /** Stops sending: attempts under way are abandoned and their leases given back; a crash's leases end on their own. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.attempts);
  }

  private track(endpointId: string, attempt: Promise<void>) {
    this.inFlight.set(endpointId, (this.inFlight.get(endpointId) ?? 0) + 1);
    const tracked = attempt
      .catch((error) => this.deps.logger.error({ err: error, endpoint: endpointId }, 'webhook delivery attempt failed unexpectedly'))
      .finally(() => {
        this.inFlight.set(endpointId, (this.inFlight.get(endpointId) ?? 1) - 1);
        this.attempts.delete(tracked);
        if (!this.abort.signal.aborted) this.onAttemptEnd();
      });
    this.attempts.add(tracked);
  }

  private async attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<void> {
    const { deps } = this;
    const event = await deps.store.webhookEvents.get(delivery, delivery.eventId);
    const startedAt = deps.now();
    const attempts = delivery.attempts + 1;
    let answer: Answer;
    let latencyMs: number | null = null;
    if (!event) {
      answer = { status: null, excerpt: 'the event no longer exists' };
    } else {
      const payload = JSON.stringify(presentEvent(event));
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Shoutout-Webhooks/1.0',
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(signingSecrets(endpoint.secrets, startedAt), payload, startedAt),
      };
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(deps.config.WEBHOOK_TIMEOUT_MS)]);
      const started = performance.now();
      answer = await post(deps, new URL(endpoint.url), headers, payload, signal);
      latencyMs = Math.round(performance.now() - started);
      // Stopping mid-attempt: the delivery is tried again at once by the next holder (at least once).
      if (this.abort.signal.aborted) {
        await deps.store.webhookDeliveries.release(delivery.id, this.holder);
        return;
      }
    }
    const succeeded = answer.status !== null && answer.status >= 200 && answer.status < 300;
    const now = deps.now();
    const next = succeeded || !event ? null : nextAttempt(deps, delivery, attempts, now);
    const result: AttemptResult = {
      status: succeeded ? 'succeeded' : next ? 'pending' : 'failed',
      attempts,
      nextAttemptAt: next,
      lastAttemptAt: startedAt,
      responseStatus: answer.status,
      latencyMs,
      responseExcerpt: answer.excerpt,
    };
    await deps.store.webhookDeliveries.finish(delivery.id, this.holder, result);
    await this.recordHealth(endpoint, succeeded, now);
  }

  /** An endpoint failing for the whole retry window is disabled; the brand sees it in the App and the API. */
  private async recordHealth(endpoint: WebhookEndpoint, succeeded: boolean, now: Date): Promise<void> {
    const endpoints = this.deps.store.webhookEndpoints;
    if (succeeded) {
      if (endpoint.failingSince) await endpoints.update(endpoint, endpoint.id, { failingSince: null });
      return;
    }
    if (!endpoint.failingSince) {
      await endpoints.update(endpoint, endpoint.id, { failingSince: now }, { failingSince: null });
      return;
    }
    const disabled = await endpoints.update(
      endpoint,
      endpoint.id,
      { status: 'disabled', disabledReason: 'failing', updatedAt: now },
      { status: 'enabled', failingSince: cond({ $lte: new Date(now.getTime() - RETRY_WINDOW_MS) }) },
    );
    if (disabled) this.deps.logger.warn({ endpoint: endpoint.id, org: endpoint.orgId, url: endpoint.url }, 'webhook endpoint disabled: failing for three days');
  }
}
