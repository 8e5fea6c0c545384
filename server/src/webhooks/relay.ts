import { sha256Hex } from '../crypto';
import type { Deps } from '../deps';
import type { OrgScope } from '../orgs/repo';
import type { Outboxed } from '../store/outbox';
import { wants } from './listening';
import type { WebhookEvent } from './repo';
import type { EventType } from './schemas';
import { type AnySource, SOURCES } from './sources';

/** Deliveries are retried for three days; an endpoint failing that long is disabled. */
export const RETRY_WINDOW_MS = 3 * 86_400_000;

/** The same document and version always give the same event id: a second write of it is a duplicate. */
export const eventIdOf = (source: string, key: string, kind: 'created' | 'updated', version: number) =>
  `evt_${sha256Hex(`${source}\u0000${key}\u0000${kind}\u0000${version}`).slice(0, 24)}`;

const deliveryIdOf = (eventId: string, endpointId: string) => `whd_${sha256Hex(`${eventId}\u0000${endpointId}`).slice(0, 24)}`;

/** Which events a marked document stands for (store/outbox.ts): its creation, if not yet told, and its latest change. */
function eventsOf(source: AnySource, doc: Outboxed): { type: EventType; kind: 'created' | 'updated'; version: number }[] {
  const version = doc.eventVersion ?? 0;
  const creationPending = doc.eventRelayed === 0;
  const found: { type: EventType; kind: 'created' | 'updated'; version: number }[] = [];
  if (creationPending && source.created) found.push({ type: source.created, kind: 'created', version: 1 });
  if ((!creationPending || version > 1) && source.updated) found.push({ type: source.updated, kind: 'updated', version });
  return found;
}

/** One delivery per enabled endpoint that wants the event; an endpoint already given it keeps its own. */
export async function fanOut(deps: Deps, event: WebhookEvent): Promise<void> {
  const scope: OrgScope = { orgId: event.orgId, livemode: event.livemode };
  const now = deps.now();
  for (const endpoint of await deps.store.webhookEndpoints.inScope(scope)) {
    if (endpoint.status !== 'enabled' || !wants(endpoint, event.type)) continue;
    await deps.store.webhookDeliveries.insertOnce({
      ...scope,
      id: deliveryIdOf(event.id, endpoint.id),
      endpointId: endpoint.id,
      eventId: event.id,
      eventType: event.type,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      retryUntil: new Date(event.createdAt.getTime() + RETRY_WINDOW_MS),
      lastAttemptAt: null,
      responseStatus: null,
      latencyMs: null,
      responseExcerpt: null,
      createdAt: now,
    });
  }
}

async function relayDocument(deps: Deps, source: AnySource, doc: Outboxed & OrgScope): Promise<void> {
  const scope: OrgScope = { orgId: doc.orgId, livemode: doc.livemode };
  const object = await source.present(deps, doc);
  for (const { type, kind, version } of eventsOf(source, doc)) {
    const event: WebhookEvent = { ...scope, id: eventIdOf(source.name, source.key(doc), kind, version), type, object, createdAt: deps.now() };
    // Already written by a pass that died before clearing the mark: its deliveries may not all be.
    if (!(await deps.store.webhookEvents.insertOnce(event))) {
      const stored = await deps.store.webhookEvents.get(scope, event.id);
      if (stored) await fanOut(deps, stored);
      continue;
    }
    await fanOut(deps, event);
  }
  await source.outbox(deps.store).relayed(doc);
}

/**
 * Turns up to `limit` marked documents into events and deliveries; how many documents it relayed.
 * A batch's documents are relayed side by side: their writes then share the store's commits (one
 * fsync'd transaction for a step of the whole batch on the embedded store) instead of one each.
 */
export async function relayPending(deps: Deps, limit: number): Promise<number> {
  let relayed = 0;
  for (const source of SOURCES) {
    if (relayed >= limit) break;
    const pending = await source.outbox(deps.store).pending(limit - relayed);
    await Promise.all(pending.map((doc) => relayDocument(deps, source, doc)));
    relayed += pending.length;
  }
  return relayed;
}
