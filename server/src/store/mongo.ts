import { type Document, type Collection as MongoCollection, MongoClient, type MongoClientOptions, MongoServerError } from 'mongodb';
import { ConnectionString, redactConnectionString } from 'mongodb-connection-string-url';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterMongo } from 'rate-limiter-flexible';
import { checkedCollection, type Collection, type CollectionSpec, Cond, type Driver, DuplicateKeyError, type Filter, type RateLimit } from './driver';
import { InFlight } from './in-flight';
import { planIndexes } from './mongo-indexes';

const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
const WITHOUT_ID = { projection: { _id: 0 } } as const;

/** A contract filter as MongoDB's: each `Cond` becomes its operators, every other value is compared as is. */
function mongoFilter<T>(filter: Filter<T>): Document {
  const translated: Document = {};
  for (const field in filter) {
    const condition = filter[field];
    translated[field] = condition instanceof Cond ? condition.operators : condition;
  }
  return translated;
}

/** The collection rate-limiter-flexible keeps its counters in, shared by every instance. */
export const RATE_LIMITS = 'rate_limits';

/**
 * The production store. Each contract operation maps to exactly one driver call, and the atomic
 * ones (`updateOne`) use findOneAndUpdate so there is no read-modify-write window.
 */
export async function openMongoDriver(uri: string, dbName: string | undefined, logger: Logger): Promise<Driver> {
  const target = mongoTarget(uri, dbName);
  const client = new MongoClient(uri, mongoClientOptions(uri));
  await client.connect().catch((error: unknown) => {
    throw new Error(`cannot reach MongoDB at ${target.location}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  const db = client.db(target.dbName);
  // The counters expire by themselves (a TTL index on `expire`), indexed as the library would.
  await db
    .collection(RATE_LIMITS)
    .createIndexes([
      { key: { expire: -1 }, name: 'expire_-1', expireAfterSeconds: 0 },
      { key: { key: 1 }, name: 'key_1', unique: true },
    ])
    .catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
  const inFlight = new InFlight();

  return {
    kind: 'mongodb',
    location: target.location,
    async collection<T extends object>(spec: CollectionSpec<T>) {
      const collection = db.collection<Document>(spec.name);
      const existing = await collection.indexes().catch((error: unknown) => {
        if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
        throw error;
      });
      const plan = planIndexes(spec.name, existing, spec.indexes);
      for (const { name, reason } of plan.drop) {
        logger.warn({ collection: spec.name, index: name, reason }, 'dropping a MongoDB index');
        // Another instance starting at the same time may have dropped it already.
        await collection.dropIndex(name).catch((error: unknown) => {
          if (!(error instanceof MongoServerError && error.code === INDEX_NOT_FOUND)) throw error;
        });
      }
      if (plan.create.length > 0) await collection.createIndexes(plan.create);
      return checkedCollection(spec, tracked(wrap<T>(spec.name, collection), inFlight));
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await inFlight.drained();
      await client.close();
    },
    sharedRateLimiter: (limit) => mongoRateLimiter(client, target.dbName, limit),
  };
}

/**
 * The URI decides where reads go and how writes are acknowledged. Unless it sets `w`, a write is
 * acknowledged once a majority of a replica set has it: the server's own default is `w: 1` on a
 * primary–secondary–arbiter set, where an acknowledged write could be rolled back. A document's
 * undefined field is left out, as the embedded store does, rather than stored as null; filters
 * and updates never carry one (`checkedCollection`).
 */
export function mongoClientOptions(uri: string): MongoClientOptions {
  const setsW = [...new ConnectionString(uri).searchParams.keys()].some((option) => option.toLowerCase() === 'w');
  return { appName: 'shoutout', ignoreUndefined: true, ...(!setsW && { writeConcern: { w: 'majority' } }) };
}

/**
 * Counters in the shared `rate_limits` collection. They are written with `w: 1`: a count lost in a
 * failover costs a visitor a few extra requests, while a majority would add a replication round
 * trip to every tracking request. When MongoDB cannot answer, this process's own counters decide,
 * so that a database hiccup neither refuses nor fails tracking requests.
 */
export function mongoRateLimiter(client: MongoClient, dbName: string, limit: RateLimit): RateLimiterMongo {
  return new RateLimiterMongo({
    ...limit,
    // Given a database rather than a client, the library uses it as is.
    storeClient: client.db(dbName, { writeConcern: { w: 1 } }),
    tableName: RATE_LIMITS,
    disableIndexesCreation: true,
    insuranceLimiter: new RateLimiterMemory(limit),
  });
}

/** Counts every operation in flight, for `close` to wait on. */
function tracked<T extends object>(collection: Collection<T>, inFlight: InFlight): Collection<T> {
  const methods = Object.entries(collection) as [string, (...args: unknown[]) => Promise<unknown>][];
  return Object.fromEntries(methods.map(([name, method]) => [name, (...args: unknown[]) => inFlight.track(method(...args))])) as unknown as Collection<T>;
}

function wrap<T extends object>(name: string, collection: MongoCollection<Document>): Collection<T> {
  const asDocument = (value: unknown) => value as Document;
  const rethrowDuplicate = (error: unknown): never => {
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw new DuplicateKeyError(name);
    throw error;
  };
  return {
    async insertOne(doc) {
      // The driver adds `_id` to the object it is given; keep the caller's object clean.
      await collection.insertOne({ ...doc }).catch(rethrowDuplicate);
    },
    async findOne(filter, options) {
      const read = options?.fresh ? { ...WITHOUT_ID, readPreference: 'primary' as const } : WITHOUT_ID;
      return (await collection.findOne(mongoFilter(filter), read)) as T | null;
    },
    async find(filter, options = {}) {
      let cursor = collection.find(mongoFilter(filter), WITHOUT_ID);
      if (options.sort) cursor = cursor.sort(asDocument(options.sort));
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor.toArray()) as T[];
    },
    async count(filter) {
      return collection.countDocuments(mongoFilter(filter));
    },
    async countBy(filter, field) {
      const groups = await collection
        .aggregate<{ _id: never; count: number }>([{ $match: mongoFilter(filter) }, { $group: { _id: `$${field}`, count: { $sum: 1 } } }])
        .toArray();
      return new Map(groups.map((group) => [group._id, group.count]));
    },
    async updateOne(filter, update) {
      const updated = await collection
        .findOneAndUpdate(mongoFilter(filter), asDocument(update), { ...WITHOUT_ID, returnDocument: 'after' })
        .catch(rethrowDuplicate);
      return updated as T | null;
    },
    async updateMany(filter, update) {
      const result = await collection.updateMany(mongoFilter(filter), asDocument(update));
      return result.matchedCount;
    },
    async deleteMany(filter) {
      const result = await collection.deleteMany(mongoFilter(filter));
      return result.deletedCount;
    },
  };
}

/**
 * The database (`MONGODB_DB`, else the one the URI names, else `shoutout`) and where it is, for the
 * logs: the URI without its password or any option that carries a secret (TLS key passwords, AWS
 * session tokens).
 */
export function mongoTarget(uri: string, dbName: string | undefined) {
  const named = decodeURIComponent(new ConnectionString(uri).pathname.slice(1));
  return { dbName: dbName ?? (named || 'shoutout'), location: redactConnectionString(uri) };
}
