import { isDeepStrictEqual } from 'node:util';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * The storage contract every adapter implements: a deliberately small, MongoDB-shaped subset of
 * operations, each atomic on one document. Domain repositories (`<domain>/repo.ts`) are written
 * once against it, so the MongoDB and embedded adapters cannot drift apart in behaviour.
 */

type Comparable<V> = { $in?: V[]; $nin?: V[]; $ne?: V | null; $gt?: V; $gte?: V; $lt?: V; $lte?: V };
export type Condition<V> = V | null | Comparable<V>;
export type Filter<T> = { [K in keyof T]?: Condition<T[K]> };
export type Sort<T> = { [K in keyof T]?: 1 | -1 };
export type Update<T> = {
  $set?: Partial<T>;
  $inc?: { [K in keyof T]?: number };
};

export interface IndexSpec<T> {
  fields: (keyof T & string)[];
  unique?: boolean;
  /**
   * Serves range queries and sorts after its equality fields (reports counting by `createdAt`,
   * conversions paged newest first). NeDB uses an index only when a query gives every field by
   * equality, so the embedded store does not build these: they would cost an insert on every write
   * and serve no query.
   */
  range?: boolean;
  /** Holds only documents whose indexed fields are all set (not null, not missing): a unique one lets any number of documents leave them unset. */
  notNull?: boolean;
}

export interface CollectionSpec<T> {
  name: string;
  /** The unique `id` index, or else the first unique index, is the collection's key (`keyFieldsOf`). */
  indexes: IndexSpec<T>[];
}

const isIdIndex = (index: { fields: string[]; unique?: boolean }) =>
  index.unique === true && index.fields.length === 1 && index.fields[0] === 'id';

/**
 * The fields that identify a document for good: those of the collection's unique `id` index, or
 * else of its first unique index (a binding's org, mode and user). The embedded store files each
 * document under them, so no update may change them (`assertKeyUnchanged`), on either adapter.
 */
export function keyFieldsOf<T>(spec: CollectionSpec<T>): (keyof T & string)[] | null {
  const index = spec.indexes.find(isIdIndex) ?? spec.indexes.find((candidate) => candidate.unique);
  return index ? index.fields : null;
}

/** Throws when an update would change a key field; setting one to the value the filter pins it to changes nothing. */
function assertKeyUnchanged<T>(collection: string, keyFields: string[] | null, filter: Filter<T>, update: Update<T>): void {
  const set = update.$set as Record<string, unknown> | undefined;
  const pinned = filter as Record<string, unknown>;
  for (const field of keyFields ?? []) {
    const changed = (update.$inc && field in update.$inc) || (set && field in set && !isDeepStrictEqual(set[field], pinned[field]));
    if (changed) throw new Error(`${collection}.${field} is part of the collection's key and cannot be updated`);
  }
}

/**
 * Refuses `undefined` anywhere in a filter or update. MongoDB's driver, told to leave undefined out
 * (so that a document's undefined field is absent, as in NeDB), would turn `{field: undefined}` into
 * no condition at all and `$set: {field: undefined}` into no change, where NeDB matches and sets it:
 * always a caller's mistake, so it is refused on both adapters alike. Leave the field out, or say null.
 */
function assertNoUndefined(collection: string, what: string, value: unknown): void {
  const path = undefinedAt(value);
  if (path !== null) throw new Error(`${collection}: ${what}${path} is undefined; leave the field out or use null`);
}

/** Where the first undefined is (`''` for the value itself, `.a.$gt` deeper), or null: strings are built only for one. */
function undefinedAt(value: unknown): string | null {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object' || value instanceof Date) return null;
  for (const key in value) {
    const inner = undefinedAt((value as Record<string, unknown>)[key]);
    if (inner !== null) return Array.isArray(value) ? `[${key}]${inner}` : `.${key}${inner}`;
  }
  return null;
}

/**
 * The checks every adapter's collection gets, in one place: no `undefined` in a filter or update,
 * and no update that changes a key field. A refusal is a rejected promise, like the adapters' own; otherwise the call
 * goes straight through.
 */
export function checkedCollection<T extends object>(spec: CollectionSpec<T>, collection: Collection<T>): Collection<T> {
  const keyFields = keyFieldsOf(spec);
  // Returns the refusal, or undefined to go ahead: no closure per call on the hot paths.
  const refusal = (filter: Filter<T>, update?: Update<T>): Promise<never> | undefined => {
    try {
      assertNoUndefined(spec.name, 'filter', filter);
      if (update) {
        assertNoUndefined(spec.name, 'update', update);
        assertKeyUnchanged(spec.name, keyFields, filter, update);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return undefined;
  };
  return {
    insertOne: (doc) => collection.insertOne(doc),
    findOne: (filter, options) => refusal(filter) ?? collection.findOne(filter, options),
    find: (filter, options) => refusal(filter) ?? collection.find(filter, options),
    count: (filter) => refusal(filter) ?? collection.count(filter),
    countBy: (filter, field) => refusal(filter) ?? collection.countBy(filter, field),
    updateOne: (filter, update) => refusal(filter, update) ?? collection.updateOne(filter, update),
    updateMany: (filter, update) => refusal(filter, update) ?? collection.updateMany(filter, update),
    deleteMany: (filter) => refusal(filter) ?? collection.deleteMany(filter),
  };
}

export interface Collection<T extends object> {
  /** Throws DuplicateKeyError when a unique index already holds the key. */
  insertOne(doc: T): Promise<void>;
  /** `fresh`: the read must see every write acknowledged before it, whatever replica reads prefer (the re-read after a lost insert race). */
  findOne(filter: Filter<T>, options?: { fresh?: boolean }): Promise<T | null>;
  find(filter: Filter<T>, options?: { sort?: Sort<T>; limit?: number }): Promise<T[]>;
  count(filter: Filter<T>): Promise<number>;
  /** How many documents match, per value of `field` (one query, for reports grouped by creator or campaign). */
  countBy<K extends keyof T & string>(filter: Filter<T>, field: K): Promise<Map<T[K], number>>;
  /** Applies the update to the first match and returns it as stored afterwards, or null if none matched. */
  updateOne(filter: Filter<T>, update: Update<T>): Promise<T | null>;
  updateMany(filter: Filter<T>, update: Update<T>): Promise<number>;
  deleteMany(filter: Filter<T>): Promise<number>;
}

export interface Driver {
  readonly kind: 'embedded' | 'mongodb';
  /** Where the data lives, for the startup banner (a directory or a redacted URI). */
  readonly location: string;
  collection<T extends object>(spec: CollectionSpec<T>): Promise<Collection<T>>;
  ping(): Promise<void>;
  /** Waits for acknowledged writes to be on disk (embedded) or the connection to drain (MongoDB). */
  close(): Promise<void>;
  /** Rate-limit counters every instance on this database shares; without it each process counts its own. */
  sharedRateLimiter?(limit: RateLimit): RateLimiterAbstract;
}

/** `points` per `duration` seconds for each key; `keyPrefix` keeps limiters apart. */
export interface RateLimit {
  keyPrefix: string;
  points: number;
  duration: number;
}

export class DuplicateKeyError extends Error {
  constructor(collection: string) {
    super(`duplicate key in ${collection}`);
  }
}

/**
 * Insert-or-update without a read-modify-write race: the unique index decides who inserts, and
 * everyone else applies their update atomically. `updateFilter` may add conditions to the key (for
 * example "only if newer"); when it does not match, the stored document wins and is returned as is.
 */
export async function insertOrUpdate<T extends object>(
  collection: Collection<T>,
  doc: T,
  key: Filter<T>,
  update: Update<T>,
  updateFilter: Filter<T> = key,
): Promise<{ doc: T; created: boolean }> {
  try {
    await collection.insertOne(doc);
    return { doc, created: true };
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
  }
  const updated = (await collection.updateOne(updateFilter, update)) ?? (await collection.findOne(key, { fresh: true }));
  if (!updated) throw new Error('insertOrUpdate: the conflicting document disappeared');
  return { doc: updated, created: false };
}
