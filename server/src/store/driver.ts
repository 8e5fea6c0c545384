import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * The storage contract every adapter implements: a deliberately small, MongoDB-shaped subset of
 * operations, each atomic on one document. Domain repositories (`<domain>/repo.ts`) are written
 * once against it, so the MongoDB and embedded adapters cannot drift apart in behaviour.
 */

/** The conditions other than equality, on one field. */
export interface Operators<V> {
  $in?: readonly (V | null)[];
  $nin?: readonly (V | null)[];
  $ne?: V | null;
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
}

/**
 * A condition other than equality, made only by `cond`. Filters hold field values as they come
 * (ids from a request, a Stripe event), so a plain object can never act as an operator: an event's
 * `"id": {"$ne": "x"}` is refused rather than matching every document.
 */
export class Cond<V> {
  declare private readonly brand: never;
  constructor(readonly operators: Operators<V>) {}
}

export const cond = <V>(operators: Operators<V>): Cond<V> => new Cond(operators);

export type Condition<V> = V | null | Cond<V>;
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
   * Documents with null (or missing) in any of the fields are left out of the index. A unique index
   * without it refuses such documents, since adapters disagree on whether nulls collide. For a field
   * most documents lack, and that reads only ever look up by value, it keeps the index small and
   * spares those documents' writes; a read for null in it cannot use the index.
   */
  notNull?: boolean;
}

export interface CollectionSpec<T> {
  name: string;
  indexes: IndexSpec<T>[];
}

/**
 * The rules every adapter's collection is held to, checked here once so adapters cannot differ:
 * - null and missing are the same: documents never store undefined (an undefined field is left
 *   out), `{f: null}` matches a missing field, and a filter or update never holds undefined;
 * - operators come only from `cond`: a plain object with `$`-prefixed keys anywhere in a filter or
 *   an update is refused, and a filter compares fields with strings, numbers, booleans, dates and null;
 * - dates are valid (years 0–9999) and numbers finite, wherever they are stored or compared;
 * - the fields of a unique index are never null, unless it is declared `notNull`;
 * - an update changes something: `{}` or an empty `$set` is refused (MongoDB 4.4 fails on it);
 * - a sort is a total order: it ends with the fields of a unique index (less those the filter pins
 *   by equality), so ties never come back in an order an adapter happens to choose.
 */
export class ContractError extends Error {
  constructor(collection: string, message: string) {
    super(`${collection}: ${message}`);
  }
}

const UPDATE_OPERATORS = new Set(['$set', '$inc']);
const FILTER_OPERATORS = new Set(['$in', '$nin', '$ne', '$gt', '$gte', '$lt', '$lte']);
const EARLIEST_DATE = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST_DATE = Date.parse('9999-12-31T23:59:59.999Z');

/** What is wrong with a value at `path` (an update's, or a document's when `document`), or null. */
function problemOf(value: unknown, path: string, document: boolean): string | null {
  if (value === undefined) return document ? null : `${path} is undefined; leave the field out or use null`;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is ${value}, not a finite number`;
  if (value === null || typeof value !== 'object') return null;
  if (value instanceof Date) {
    const time = value.getTime();
    return time >= EARLIEST_DATE && time <= LATEST_DATE ? null : `${path} is an invalid date (or outside years 0–9999)`;
  }
  if (value instanceof Cond) return `${path} is a condition, which only a filter's field may be`;
  const isArray = Array.isArray(value);
  for (const key in value) {
    if (!isArray && !document && key.startsWith('$')) return `${path}.${key} is an operator; conditions are made with cond()`;
    const problem = problemOf((value as Record<string, unknown>)[key], isArray ? `${path}[${key}]` : `${path}.${key}`, document);
    if (problem) return problem;
  }
  return null;
}

/** What is wrong with a value a filter compares a field with, or null. */
function comparandProblem(value: unknown, path: string): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number' || value instanceof Date) return problemOf(value, path, false);
  if (value === undefined) return `${path} is undefined; leave the field out or use null`;
  if (typeof value === 'object' && Object.keys(value).some((key) => key.startsWith('$'))) {
    return `${path} is an object with operators; conditions are made with cond()`;
  }
  return `${path} is ${Array.isArray(value) ? 'an array' : 'an object'}; a filter compares with strings, numbers, booleans, dates and null`;
}

function filterProblem(filter: Record<string, unknown>): string | null {
  for (const field in filter) {
    const path = `filter.${field}`;
    if (field.startsWith('$')) return `${path} is an operator; the contract has none at the top of a filter`;
    const condition = filter[field];
    if (!(condition instanceof Cond)) {
      const problem = comparandProblem(condition, path);
      if (problem) return problem;
      continue;
    }
    for (const operator in condition.operators) {
      const operand = (condition.operators as Record<string, unknown>)[operator];
      const at = `${path}.${operator}`;
      if (!FILTER_OPERATORS.has(operator)) return `${at} is not an operator of the contract`;
      if (operator === '$in' || operator === '$nin') {
        if (!Array.isArray(operand)) return `${at} is not an array`;
        for (const [index, value] of operand.entries()) {
          const problem = comparandProblem(value, `${at}[${index}]`);
          if (problem) return problem;
        }
        continue;
      }
      if (operand === null && operator !== '$ne') return `${at} is null; only equality, $ne, $in and $nin compare with null`;
      const problem = comparandProblem(operand, at);
      if (problem) return problem;
    }
  }
  return null;
}

const pins = (condition: unknown) => condition !== null && condition !== undefined && !(condition instanceof Cond);

/**
 * The checks every adapter's collection gets, in one place (the rules above `ContractError`). A
 * refusal is a rejected promise, like the adapters' own; otherwise the call goes straight through.
 */
export function checkedCollection<T extends object>(spec: CollectionSpec<T>, collection: Collection<T>): Collection<T> {
  // Unique indexes that hold every document: their fields are never null, and a sort ending with them is total.
  const totalOrders = spec.indexes.filter((index) => index.unique && !index.notNull).map((index) => index.fields as string[]);
  const neverNull = [...new Set(totalOrders.flat())];
  const refuse = (message: string) => Promise.reject(new ContractError(spec.name, message));

  const documentProblem = (doc: Record<string, unknown>): string | null => {
    for (const field of neverNull) {
      if (doc[field] === null || doc[field] === undefined) return `document.${field} is ${doc[field]}, but a unique index holds it`;
    }
    // MongoDB reads such names as operators or paths; nested values (metadata, say) may hold them.
    const badName = Object.keys(doc).find((field) => field.startsWith('$') || field.includes('.'));
    if (badName !== undefined) return `document.${badName} is not a field name`;
    return problemOf(doc, 'document', true);
  };
  const updateProblem = (update: Update<T>): string | null => {
    const operators = Object.keys(update);
    if (!operators.length) return 'the update is empty';
    for (const operator of operators) {
      if (!UPDATE_OPERATORS.has(operator)) return `update.${operator} is not an update operator of the contract`;
      const fields = (update as Record<string, Record<string, unknown> | undefined>)[operator];
      if (!fields || typeof fields !== 'object' || !Object.keys(fields).length) return `update.${operator} is empty`;
      for (const field in fields) {
        if (field.startsWith('$') || field.includes('.')) return `update.${operator}.${field} is not a field name`;
        if (operator === '$inc' && typeof fields[field] !== 'number') return `update.$inc.${field} is not a number`;
        if (fields[field] === null && neverNull.includes(field)) return `update.${operator}.${field} is null, but a unique index holds it`;
      }
      const problem = problemOf(fields, `update.${operator}`, false);
      if (problem) return problem;
    }
    return null;
  };
  const sortProblem = (filter: Filter<T>, sort: Sort<T>): string | null => {
    const keys = Object.keys(sort);
    const pinned = filter as Record<string, unknown>;
    const total = totalOrders.some((fields) => {
      const open = fields.filter((field) => !pins(pinned[field]));
      const tail = keys.slice(keys.length - open.length);
      return open.length <= keys.length && open.every((field) => tail.includes(field));
    });
    return total ? null : `sort ${JSON.stringify(sort)} does not end with the fields of a unique index, so ties would come back in any order`;
  };

  // Each returns the refusal, or undefined to go ahead: no closure per call on the hot paths.
  const checkFilter = (filter: Filter<T>, update?: Update<T>): Promise<never> | undefined => {
    const problem = filterProblem(filter as Record<string, unknown>) ?? (update ? updateProblem(update) : null);
    return problem ? refuse(problem) : undefined;
  };
  return {
    insertOne: (doc) => {
      const problem = documentProblem(doc as Record<string, unknown>);
      return problem ? refuse(problem) : collection.insertOne(doc);
    },
    findOne: (filter, options) => checkFilter(filter) ?? collection.findOne(filter, options),
    find: (filter, options) => {
      const problem = filterProblem(filter as Record<string, unknown>) ?? (options?.sort ? sortProblem(filter, options.sort) : null);
      return problem ? refuse(problem) : collection.find(filter, options);
    },
    count: (filter) => checkFilter(filter) ?? collection.count(filter),
    countBy: (filter, field) => checkFilter(filter) ?? collection.countBy(filter, field),
    updateOne: (filter, update) => checkFilter(filter, update) ?? collection.updateOne(filter, update),
    updateMany: (filter, update) => checkFilter(filter, update) ?? collection.updateMany(filter, update),
    deleteMany: (filter) => checkFilter(filter) ?? collection.deleteMany(filter),
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
  /** Copies the whole store, consistent as of one moment, into `file` while the service runs (embedded only). */
  backup?(file: string): Promise<void>;
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
