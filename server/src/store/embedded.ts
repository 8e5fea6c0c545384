import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Datastore from '@seald-io/nedb';
import { type Collection, type CollectionSpec, type Driver, DuplicateKeyError, type Filter } from './driver';
import { acquireDataDirLock } from './lock';

const HIDE_NEDB_ID = { _id: 0 } as const;
const COMPACT_EVERY_MS = 60 * 60 * 1000;

/**
 * The default store: NeDB keeps every collection in memory with its indexes and appends each write
 * to `<DATA_DIR>/<collection>.db` before acknowledging it, so acknowledged writes survive a crash
 * or `kill -9` of the process (the OS holds the appended bytes). Files are compacted on start,
 * hourly and on close.
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
      const datastore = new Datastore<T>({ filename: path.join(directory, `${spec.name}.db`) });
      await datastore.loadDatabaseAsync();
      for (const index of spec.indexes) {
        await datastore.ensureIndexAsync({ fieldName: index.fields, unique: index.unique ?? false });
      }
      datastore.setAutocompactionInterval(COMPACT_EVERY_MS);
      datastores.push(datastore as Datastore);
      return wrap(spec.name, datastore);
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

function wrap<T extends object>(name: string, datastore: Datastore<T>): Collection<T> {
  const query = (filter: Filter<T>) => filter as Record<string, unknown>;
  const stripId = (doc: unknown) => {
    const { _id, ...rest } = doc as T & { _id?: string };
    return rest as T;
  };
  return {
    async insertOne(doc) {
      try {
        await datastore.insertAsync({ ...doc });
      } catch (error) {
        if ((error as { errorType?: string }).errorType === 'uniqueViolated') throw new DuplicateKeyError(name);
        throw error;
      }
    },
    async findOne(filter) {
      return datastore.findOneAsync(query(filter), HIDE_NEDB_ID) as Promise<T | null>;
    },
    async find(filter, options = {}) {
      let cursor = datastore.findAsync(query(filter), HIDE_NEDB_ID);
      if (options.sort) cursor = cursor.sort(options.sort as Record<string, number>);
      if (options.limit) cursor = cursor.limit(options.limit);
      return (await cursor) as T[];
    },
    async count(filter) {
      return datastore.countAsync(query(filter));
    },
    async updateOne(filter, update) {
      try {
        const { affectedDocuments } = await datastore.updateAsync(query(filter), update, { returnUpdatedDocs: true });
        return affectedDocuments ? stripId(affectedDocuments) : null;
      } catch (error) {
        if ((error as { errorType?: string }).errorType === 'uniqueViolated') throw new DuplicateKeyError(name);
        throw error;
      }
    },
    async updateMany(filter, update) {
      const { numAffected } = await datastore.updateAsync(query(filter), update, { multi: true });
      return numAffected;
    },
    async deleteMany(filter) {
      return datastore.removeAsync(query(filter), { multi: true });
    },
  };
}
