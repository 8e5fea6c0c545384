import { type Document, MongoClient, MongoServerError } from 'mongodb';
import { ConnectionString, redactConnectionString } from 'mongodb-connection-string-url';
import { checkedCollection, type Collection, type CollectionSpec, Cond, type Driver, DuplicateKeyError, type Filter } from './driver';

const DUPLICATE_KEY = 11000;
const WITHOUT_ID = { projection: { _id: 0 } } as const;
// Every type a stored value may have but null: a missing field is null to MongoDB, so `$exists` would not do.
const NOT_NULL = { $type: ['string', 'number', 'bool', 'date', 'object', 'array'] };

/** A contract filter as MongoDB's: each `Cond` becomes its operators, every other value is compared as is. */
function mongoFilter<T>(filter: Filter<T>): Document {
  const translated: Document = {};
  for (const field in filter) {
    const condition = filter[field];
    translated[field] = condition instanceof Cond ? condition.operators : condition;
  }
  return translated;
}

/**
 * The production store. Each contract operation maps to exactly one driver call, and the atomic
 * ones (`updateOne`) use findOneAndUpdate so there is no read-modify-write window.
 */
export async function openMongoDriver(uri: string, dbName: string | undefined): Promise<Driver> {
  const target = mongoTarget(uri, dbName);
  // Reads right after writes (the re-read after a lost insert race) must see them, whatever the URI
  // prefers. A document's undefined field is left out, as the embedded store does, rather than stored as null;
  // filters and updates never carry one (`checkedCollection`).
  const client = new MongoClient(uri, { appName: 'shoutout', readPreference: 'primary', ignoreUndefined: true });
  await client.connect();
  const db = client.db(target.dbName);

  return {
    kind: 'mongodb',
    location: target.location,
    async collection<T extends object>(spec: CollectionSpec<T>) {
      const collection = db.collection<Document>(spec.name);
      for (const index of spec.indexes) {
        await collection.createIndex(Object.fromEntries(index.fields.map((field) => [field, 1])), {
          unique: index.unique ?? false,
          ...(index.notNull && { partialFilterExpression: Object.fromEntries(index.fields.map((field) => [field, NOT_NULL])) }),
        });
      }
      return checkedCollection(spec, wrap<T>(spec.name, collection));
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}

function wrap<T extends object>(name: string, collection: import('mongodb').Collection<Document>): Collection<T> {
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
    async findOne(filter) {
      return (await collection.findOne(mongoFilter(filter), WITHOUT_ID)) as T | null;
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
