import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Datastore from '@seald-io/nedb';
import { deepCopy } from '@seald-io/nedb/lib/model.js';
import { crashSafeWriteFileLinesAsync } from '@seald-io/nedb/lib/storage.js';
import { randomHex } from '../crypto';
import { AppendLog } from './append-log';
import { HashedKeys } from './hashed-keys';
import { checkedCollection, type Collection, type CollectionSpec, type Driver, DuplicateKeyError, type Filter, keyFieldsOf } from './driver';
import { acquireDataDirLock } from './lock';

const COMPACT_EVERY_MS = 60 * 60 * 1000;
const LINES_PER_WRITE = 4096;

/**
 * The default store: NeDB keeps every collection in memory with its indexes and appends each write
 * to `<DATA_DIR>/<collection>.db` before acknowledging it, so acknowledged writes survive a crash
 * or `kill -9` of the process (the OS holds the appended bytes). Files are compacted on start,
 * hourly and on close.
 *
 * NeDB runs one operation at a time per collection and would wait for each write's own
 * open-append-close before starting the next. Its persistence instead hands lines to an AppendLog
 * (group commit, one open file), and each write operation here waits for its lines to be in the
 * file before it returns.
 */
export async function openEmbeddedDriver(dataDir: string): Promise<Driver> {
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const releaseLock = await acquireDataDirLock(directory);
  const datastores: Datastore[] = [];

  return {
    kind: 'embedded',
    location: directory,
    async collection<T extends object>(spec: CollectionSpec<T>) {
      const filename = path.join(directory, `${spec.name}.db`);
      const datastore = new Datastore<T>({ filename });
      // Before loading, so the `_id` index is built once, hashed.
      hashKeys(indexesByField(datastore)._id, []);
      const log = new AppendLog(filename, 0o644);
      useAppendLog(datastore, log);
      await datastore.loadDatabaseAsync();
      const key = documentKeyOf(spec);
      if (key) await fileUnderKey(datastore, key);
      // The key's own index is NeDB's `_id`.
      for (const index of spec.indexes.filter((candidate) => !candidate.range && candidate.fields !== key?.fields)) {
        await datastore.ensureIndexAsync({ fieldName: index.fields, unique: index.unique ?? false });
      }
      const documents = datastore.getAllData();
      for (const index of indexesOf(datastore)) {
        if (index.fieldName === '_id') continue;
        if (leavesOutNullKeys(index)) leaveOutNullKeys(index);
        hashKeys(index, documents);
      }
      datastore.setAutocompactionInterval(COMPACT_EVERY_MS);
      datastores.push(datastore as Datastore);
      return checkedCollection(spec, wrap(spec.name, datastore, log, key));
    },
    async ping() {},
    async close() {
      for (const datastore of datastores) {
        datastore.stopAutocompaction();
        await datastore.compactDatafileAsync();
      }
      await releaseLock();
    },
  };
}

interface DocumentKey {
  fields: string[];
  /**
   * The `_id` for these key fields: a single field's value as it is (in a filter, its condition), a
   * compound key's values as a JSON array.
   */
  of(values: Record<string, unknown>): unknown;
}

/**
 * Documents are stored with their collection's key (`keyFieldsOf`) as NeDB's `_id`, whose unique
 * index NeDB always keeps. A unique index on the key fields would be a second index of the same keys,
 * updated on every insert and marked by every full collection: for bindings (org, mode, user),
 * dropping it cut an identify's CPU by a fifth (docs/performance.md, sixth round).
 */
function documentKeyOf<T>(spec: CollectionSpec<T>): DocumentKey | null {
  const fields = keyFieldsOf(spec);
  if (!fields) return null;
  const [only] = fields;
  return {
    fields,
    of: fields.length === 1 ? (values) => values[only] : (values) => JSON.stringify(fields.map((field) => values[field])),
  };
}

/**
 * Files written before documents were filed under their key (NeDB's random `_id`s, and an index on
 * the key fields) are rewritten once, on open: new `_id`s, the `_id` index rebuilt, the file
 * compacted. The other indexes key on fields that do not change. The unique index the file had
 * guarantees the new `_id`s are unique.
 */
async function fileUnderKey<T>(datastore: Datastore<T>, key: DocumentKey): Promise<void> {
  const keyIndex = [...key.fields].sort().join(',');
  if (keyIndex in indexesByField(datastore)) await datastore.removeIndexAsync(keyIndex);
  const documents = datastore.getAllData() as Record<string, unknown>[];
  if (documents.every((document) => document._id === key.of(document))) return;
  for (const document of documents) document._id = key.of(document);
  indexesByField(datastore)._id.reset(documents);
  await datastore.compactDatafileAsync();
}

interface NedbPersistence {
  filename: string;
  modes: { fileMode: number; dirMode: number };
  persistNewStateAsync(documents: unknown[]): Promise<void>;
  persistCachedDatabaseAsync(): Promise<void>;
}

function useAppendLog<T>(datastore: Datastore<T>, log: AppendLog): void {
  const persistence = datastore.persistence as unknown as NedbPersistence;
  persistence.persistNewStateAsync = async (documents) => {
    log.append(documents.map((document) => `${serializeDocument(document)}\n`).join(''));
  };
  // Compaction rewrites the file from memory and renames it into place: finish appending to the
  // old file first, and let the next append open the new one.
  persistence.persistCachedDatabaseAsync = async () => {
    await log.close();
    await rewriteDataFile(datastore, persistence);
  };
}

/**
 * NeDB's compaction, with its crash-safe steps (write a temporary file, flush it, rename it into
 * place, flush the directory), but given the file a few thousand lines at a time. NeDB streams
 * one write per document without waiting for any, so 100k bindings were 100k chunks buffered in
 * Node's stream code at once. V8 learns from such a burst to allocate objects from those sites
 * straight into the old generation (allocation-site pretenuring), and HTTP responses are written
 * through the same code: after a start on 100k bindings, a quarter of every request's allocations
 * reached the old generation and lived until a full collection (docs/performance.md, fifth round).
 */
async function rewriteDataFile<T>(datastore: Datastore<T>, persistence: NedbPersistence): Promise<void> {
  const lines = datastore.getAllData().map(serializeDocument);
  for (const { fieldName, unique, sparse } of indexesOf(datastore)) {
    if (fieldName !== '_id') lines.push(serializeDocument({ $$indexCreated: { fieldName, unique, sparse } }));
  }
  // NeDB ends each "line" it is given with a newline, so the file is the same as one line per document.
  // Batches rather than one string: V8 strings stop at 512 MB, some million bindings.
  const batches: string[] = [];
  for (let start = 0; start < lines.length; start += LINES_PER_WRITE) {
    batches.push(lines.slice(start, start + LINES_PER_WRITE).join('\n'));
  }
  await crashSafeWriteFileLinesAsync(persistence.filename, batches, persistence.modes);
  datastore.emit('compaction.done');
}

/**
 * A document as a line of NeDB's data file: JSON with each date as `{"$$date": <ms>}`. NeDB's own
 * `serialize` gets there through a replacer function called for every key, which made it the
 * largest single cost of a write; tagging the dates first and stringifying once is twice as fast.
 * NeDB checked the keys when the document was inserted or updated.
 */
export function serializeDocument(document: unknown): string {
  return JSON.stringify(withTaggedDates(document));
}

function withTaggedDates(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return { $$date: value.getTime() };
  if (Array.isArray(value)) return value.map(withTaggedDates);
  // Anything else with a prototype of its own (a URL, say) is left to its toJSON, as NeDB does.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const tagged: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) tagged[key] = withTaggedDates(field);
  return tagged;
}

interface NedbIndex {
  fieldName: string;
  unique: boolean;
  sparse: boolean;
  insert(documents: unknown): void;
  remove(documents: unknown): void;
  getMatching(key: unknown): object[];
  tree: unknown;
  reset(documents?: unknown[]): void;
}

/**
 * Keeps an index's keys in a hash map (`HashedKeys`) rather than NeDB's AVL tree, whose every
 * insert and search compared keys at some 17 nodes among 100k bindings (docs/performance.md, ninth
 * round). The store only keeps indexes it looks up by equality, so order is needed only by a range
 * condition on an indexed field, which the map answers by sorting. The index keeps the map across
 * NeDB's rebuilds (`reset`).
 */
function hashKeys(index: NedbIndex, documents: unknown[]): void {
  index.reset = (newData) => {
    index.tree = new HashedKeys(index.unique);
    if (newData) index.insert(newData);
  };
  index.reset(documents);
}

// Which indexes `leaveOutNullKeys` applies to: a unique index holds at most one document per key, null or not.
const leavesOutNullKeys = (index: NedbIndex) => !index.unique;

/**
 * Keeps documents with a null (or missing) field out of a non-unique index, as a MongoDB partial
 * index would. NeDB files every document sharing a key in one list, and takes one out by copying
 * the rest of that list: with every unrefunded conversion under `chargeId: null`, every one-off
 * payment under `subscriptionId: null`, each refund's update took time in proportion to the number
 * of conversions (24 ms at 100k; docs/performance.md, seventh round). Lookups never need those
 * lists: `queryPlanner` keeps a null condition on such a field away from the index.
 *
 * NeDB routes every change to an index (insert, remove, update, revert, rebuild) through the
 * index's own `insert` and `remove` one document at a time, so these two are all there is to wrap.
 */
function leaveOutNullKeys(index: NedbIndex): void {
  const fields = index.fieldName.split(',');
  // An array is handed back to NeDB, which comes back here for each of its documents.
  const indexed = (document: unknown) => Array.isArray(document) || fields.every((field) => (document as Record<string, unknown>)[field] != null);
  const insert = index.insert.bind(index);
  const remove = index.remove.bind(index);
  index.insert = (document) => {
    if (indexed(document)) insert(document);
  };
  index.remove = (document) => {
    if (indexed(document)) remove(document);
  };
}

const indexesByField = <T>(datastore: Datastore<T>) => (datastore as unknown as { indexes: Record<string, NedbIndex> }).indexes;
const indexesOf = <T>(datastore: Datastore<T>) => Object.values(indexesByField(datastore));

const isPlainValue = (value: unknown) => value === null || (value !== undefined && (typeof value !== 'object' || value instanceof Date));

/**
 * The documents a unique index holds for a filter that gives each of its fields by plain equality
 * (a binding by its key as `_id`, a promo code by its code), or undefined for any other filter.
 * Reading the index directly skips NeDB's queue, cursor and re-matching, which cost several times
 * the search itself; it is safe because NeDB applies every write to its indexes in one synchronous
 * step.
 */
function uniqueIndexReader<T>(datastore: Datastore<T>) {
  const byFields = new Map(indexesOf(datastore).filter((index) => index.unique).map((index) => [index.fieldName, index]));
  return (filter: Record<string, unknown>): object[] | undefined => {
    const fields = Object.keys(filter);
    const index = byFields.get(fields.sort().join(','));
    if (!index || !fields.every((field) => isPlainValue(filter[field]))) return undefined;
    // A compound index's key is an object of its fields, which the filter then is exactly.
    return index.getMatching(fields.length === 1 ? filter[fields[0]] : filter);
  };
}

const mayMatchNull = (condition: unknown) =>
  condition === null || (typeof condition === 'object' && !(condition instanceof Date) && ((condition as { $in?: unknown[] }).$in ?? []).includes(null));

/**
 * Filters as NeDB runs them fastest, and right:
 * - key fields become `_id`, so NeDB answers from its `_id` index. A single-field key is renamed
 *   whatever its condition; a compound key only when each of its fields is given by plain
 *   equality, which pins one document;
 * - a condition that may match null on a field of an index that leaves nulls out
 *   (`leaveOutNullKeys`) moves under `$and`, where NeDB never looks for an index, so it scans.
 */
function queryPlanner<T>(datastore: Datastore<T>, key: DocumentKey | null) {
  const nullableIndexFields = new Set(indexesOf(datastore).flatMap((index) => (leavesOutNullKeys(index) ? index.fieldName.split(',') : [])));
  return (filter: Record<string, unknown>): Record<string, unknown> => {
    const pinsKey = key && (key.fields.length === 1 ? key.fields[0] in filter : key.fields.every((field) => isPlainValue(filter[field])));
    const query: Record<string, unknown> = {};
    const scanned: Record<string, unknown>[] = [];
    for (const field in filter) {
      if (pinsKey && key.fields.includes(field)) continue;
      if (nullableIndexFields.has(field) && mayMatchNull(filter[field])) scanned.push({ [field]: filter[field] });
      else query[field] = filter[field];
    }
    if (scanned.length) query.$and = scanned;
    // Last, because NeDB uses the last single-field index a query names.
    if (pinsKey) query._id = key.of(filter);
    return query;
  };
}

function wrap<T extends object>(name: string, datastore: Datastore<T>, log: AppendLog, key: DocumentKey | null): Collection<T> {
  const plan = queryPlanner(datastore, key);
  const query = (filter: Filter<T>) => plan(filter as Record<string, unknown>);
  const readUnique = uniqueIndexReader(datastore);
  // NeDB returns copies, so dropping its `_id` here is cheaper than its projection (another copy).
  const stripId = (doc: unknown) => {
    const { _id, ...rest } = doc as T & { _id?: string };
    return rest as T;
  };
  return {
    async insertOne(doc) {
      try {
        // Without a key, a pooled random `_id` spares NeDB drawing 16 random bytes from OpenSSL per document.
        await datastore.insertAsync({ _id: key ? key.of(doc as Record<string, unknown>) : randomHex(12), ...doc });
        await log.durable();
      } catch (error) {
        if ((error as { errorType?: string }).errorType === 'uniqueViolated') throw new DuplicateKeyError(name);
        throw error;
      }
    },
    async findOne(filter) {
      const indexed = readUnique(query(filter));
      // Copied like NeDB's own results, so no caller can change the stored document.
      if (indexed) return indexed.length ? stripId(deepCopy(indexed[0])) : null;
      const found = await datastore.findOneAsync(query(filter));
      return found ? stripId(found) : null;
    },
    async find(filter, options = {}) {
      let cursor = datastore.findAsync(query(filter));
      if (options.sort) cursor = cursor.sort(options.sort as Record<string, number>);
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor).map(stripId);
    },
    async count(filter) {
      return datastore.countAsync(query(filter));
    },
    async countBy(filter, field) {
      // Projected to the one field, so NeDB copies only that of each match.
      const matches = (await datastore.findAsync(query(filter), { [field]: 1, _id: 0 })) as Record<string, unknown>[];
      const counts = new Map();
      for (const match of matches) counts.set(match[field], (counts.get(match[field]) ?? 0) + 1);
      return counts;
    },
    async updateOne(filter, update) {
      try {
        const { affectedDocuments } = await datastore.updateAsync(query(filter), update, { returnUpdatedDocs: true });
        await log.durable();
        return affectedDocuments ? stripId(affectedDocuments) : null;
      } catch (error) {
        if ((error as { errorType?: string }).errorType === 'uniqueViolated') throw new DuplicateKeyError(name);
        throw error;
      }
    },
    async updateMany(filter, update) {
      const { numAffected } = await datastore.updateAsync(query(filter), update, { multi: true });
      await log.durable();
      return numAffected;
    },
    async deleteMany(filter) {
      const removed = await datastore.removeAsync(query(filter), { multi: true });
      await log.durable();
      return removed;
    },
  };
}
