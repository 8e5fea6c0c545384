import type { OrgScope } from '../orgs/repo';
import { clearingAfter, ReadCache } from '../store/cache';
import { cond, type Driver, DuplicateKeyError, type Filter } from '../store/driver';
import { pageNewestFirst } from '../store/paging';
import type { EventType } from './schemas';

export interface SigningSecret {
  secret: string;
  /** A rolled secret keeps signing (a second `v1`) until then; null for the current one. */
  expiresAt: Date | null;
}

/** Where a brand wants events sent. */
export interface WebhookEndpoint extends OrgScope {
  id: string;
  url: string;
  description: string | null;
  enabledEvents: (EventType | '*')[];
  /** The current secret first. Kept as is: every delivery is signed with it. */
  secrets: SigningSecret[];
  status: 'enabled' | 'disabled';
  /** Why it is disabled: the brand said so, or deliveries kept failing for the retry window. */
  disabledReason: 'brand' | 'failing' | null;
  /** The first failure since the last success; null while deliveries succeed. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One thing that happened, as it was sent (or would have been) to every endpoint listening. */
export interface WebhookEvent extends OrgScope {
  /** Derived from the document and its version (`eventIdOf`), so the relay writes each once. */
  id: string;
  type: EventType;
  /** The object as the API presents it. */
  object: Record<string, unknown>;
  createdAt: Date;
}

/** One event for one endpoint: tried until it succeeds or the retry window ends. */
export interface WebhookDelivery extends OrgScope {
  /** Derived from the event and the endpoint: the relay fans out each event once. */
  id: string;
  endpointId: string;
  eventId: string;
  eventType: EventType;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  /** When it is due (pending only). */
  nextAttemptAt: Date | null;
  /** Retried until then (three days from the event, or from a resend), then failed. */
  retryUntil: Date;
  /** An instance holds it until then while it sends; an attempt is never made twice at once. */
  leaseUntil: Date;
  leaseHolder: string | null;
  lastAttemptAt: Date | null;
  responseStatus: number | null;
  latencyMs: number | null;
  /** The start of the endpoint's answer, or why there was none (timeout, refused address). */
  responseExcerpt: string | null;
  createdAt: Date;
}

/** The outcome of one attempt, written only by the lease holder. */
export type AttemptResult = Pick<WebhookDelivery, 'status' | 'attempts' | 'nextAttemptAt' | 'lastAttemptAt' | 'responseStatus' | 'latencyMs' | 'responseExcerpt'>;

const NO_LEASE = new Date(0);

const ignoringDuplicate = (write: Promise<void>) =>
  write.then(
    () => true,
    (error) => {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    },
  );

export async function openWebhookRepos(driver: Driver) {
  const endpoints = await driver.collection<WebhookEndpoint>({
    name: 'webhook_endpoints',
    indexes: [{ fields: ['id'], unique: true }, { fields: ['orgId', 'livemode'] }, { fields: ['status'] }],
  });
  const events = await driver.collection<WebhookEvent>({
    name: 'webhook_events',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'createdAt', 'id'] },
      { fields: ['orgId', 'livemode', 'type', 'createdAt', 'id'] },
      // The retention sweep, across orgs.
      { fields: ['createdAt'] },
    ],
  });
  const deliveries = await driver.collection<WebhookDelivery>({
    name: 'webhook_deliveries',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['endpointId', 'status', 'nextAttemptAt'] },
      { fields: ['orgId', 'livemode', 'endpointId', 'createdAt', 'id'] },
      { fields: ['status', 'createdAt'] },
    ],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });
  // Every eventful write asks whether anyone listens (`listening`), and the relay and the sender
  // read them on every pass: they change rarely.
  const scopeCache = new ReadCache<{ endpoints: WebhookEndpoint[] }>();
  const enabledCache = new ReadCache<{ endpoints: WebhookEndpoint[] }>();
  const scopeKey = ({ orgId, livemode }: OrgScope) => `${orgId}:${livemode}`;
  const writing = <R>(write: Promise<R>) => clearingAfter({ clear: () => (scopeCache.clear(), enabledCache.clear()) }, write);

  return {
    webhookEndpoints: {
      create: (endpoint: WebhookEndpoint) => writing(endpoints.insertOne(endpoint)),
      get: (scope: OrgScope, id: string) => endpoints.findOne({ ...byScope(scope), id }),
      /** The scope's endpoints, oldest first; cached, so callers must not change them. */
      inScope: async (scope: OrgScope) =>
        (await scopeCache.read(scopeKey(scope), async () => ({ endpoints: await endpoints.find(byScope(scope), { sort: { createdAt: 1, id: 1 } }) })))!.endpoints,
      /** Every enabled endpoint of every org, for the sender; cached. */
      enabled: async () => (await enabledCache.read('all', async () => ({ endpoints: await endpoints.find({ status: 'enabled' }) })))!.endpoints,
      update: (scope: OrgScope, id: string, changes: Partial<Omit<WebhookEndpoint, 'id' | 'orgId' | 'livemode'>>, where: Filter<WebhookEndpoint> = {}) =>
        writing(endpoints.updateOne({ ...where, ...byScope(scope), id }, { $set: changes })),
      remove: (scope: OrgScope, id: string) => writing(endpoints.deleteMany({ ...byScope(scope), id })),
    },
    webhookEvents: {
      /** False when the event was already written (a relay pass that did not finish, or another instance). */
      insertOnce: (event: WebhookEvent) => ignoringDuplicate(events.insertOne(event)),
      get: (scope: OrgScope, id: string) => events.findOne({ ...byScope(scope), id }),
      getById: (id: string) => events.findOne({ id }),
      page: (scope: OrgScope, type: EventType | undefined, options: { limit?: number; after?: WebhookEvent }) =>
        pageNewestFirst(events, { ...byScope(scope), ...(type && { type }) }, {}, options),
      /** The retention sweep: every org's events written before `cutoff`. */
      deleteBefore: (cutoff: Date) => events.deleteMany({ createdAt: cond({ $lt: cutoff }) }),
    },
    webhookDeliveries: {
      insertOnce: (delivery: Omit<WebhookDelivery, 'leaseUntil' | 'leaseHolder'>) =>
        ignoringDuplicate(deliveries.insertOne({ ...delivery, leaseUntil: NO_LEASE, leaseHolder: null })),
      get: (scope: OrgScope, id: string) => deliveries.findOne({ ...byScope(scope), id }),
      page: (scope: OrgScope, endpointId: string, options: { limit?: number; after?: WebhookDelivery }) =>
        pageNewestFirst(deliveries, { ...byScope(scope), endpointId }, {}, options),
      /** One endpoint's deliveries due by `now` and not held by anyone, soonest first. */
      due: (endpointId: string, now: Date, limit: number) =>
        deliveries.find({ endpointId, status: 'pending', nextAttemptAt: cond({ $lte: now }), leaseUntil: cond({ $lte: now }) }, { sort: { nextAttemptAt: 1, id: 1 }, limit }),
      /**
       * Takes a delivery for `holder` until `until` if it is still due and nobody holds it: one
       * conditional update, so of several instances one wins, and a copy read a while ago that
       * another instance has since tried is not taken early. An unfinished lease (a crashed
       * instance) ends on its own.
       */
      lease: (id: string, holder: string, now: Date, until: Date) =>
        deliveries.updateOne({ id, status: 'pending', nextAttemptAt: cond({ $lte: now }), leaseUntil: cond({ $lte: now }) }, { $set: { leaseUntil: until, leaseHolder: holder } }),
      /**
       * Ends every lease: at the start of a process that is the store's only user (the embedded
       * store locks its directory), any lease was held by a process that died mid-attempt.
       */
      releaseAll: () => deliveries.updateMany({ leaseHolder: cond({ $ne: null }) }, { $set: { leaseUntil: NO_LEASE, leaseHolder: null } }),
      /** Records an attempt's outcome and lets go, only if `holder` still holds the lease. */
      finish: (id: string, holder: string, result: AttemptResult) =>
        deliveries.updateOne({ id, leaseHolder: holder }, { $set: { ...result, leaseUntil: NO_LEASE, leaseHolder: null } }),
      /** Gives an abandoned attempt back (the process is stopping), for the next holder to make it at once. */
      release: (id: string, holder: string) => deliveries.updateOne({ id, leaseHolder: holder }, { $set: { leaseUntil: NO_LEASE, leaseHolder: null } }),
      /** Due again now, with a fresh retry window, whatever it came to. */
      resend: (scope: OrgScope, id: string, now: Date, retryUntil: Date) =>
        deliveries.updateOne({ ...byScope(scope), id }, { $set: { status: 'pending', nextAttemptAt: now, retryUntil } }),
      /** The retention sweep: every org's finished deliveries created before `cutoff`; one still tried stays. */
      deleteFinishedBefore: (cutoff: Date) => deliveries.deleteMany({ status: cond({ $in: ['succeeded', 'failed'] }), createdAt: cond({ $lt: cutoff }) }),
    },
  };
}
