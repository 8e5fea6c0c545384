import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { isProcessAlive, readJsonFile } from '../running';
import type { Collection, CollectionSpec, Driver } from './driver';
import { exists, syncPath } from './files';
import { DATA_FILE } from './sqlite';

const STAGING_DIR = 'nedb-import.tmp';
const NEDB_SUFFIX = '.db';
// NeDB writes a compacted file as `<file>~` and renames it into place: a crash between the two leaves only that.
const NEDB_STAGED_SUFFIX = '.db~';
// NeDB refused to load a file with more than a tenth of its lines unreadable; a torn last line is the usual one.
const CORRUPT_LINES_TOLERATED = 0.1;
const INSERTS_AT_ONCE = 512;

interface ImportTarget {
  /** Opens the SQLite store in an empty directory (its `DATA_FILE`). */
  open(directory: string): Promise<Driver>;
  /** Declares every collection the service uses on a driver (the repos, `createStore`), so each gets its indexes. */
  declare(driver: Driver): Promise<unknown>;
}

/**
 * A data dir of a release before SQLite holds one NeDB file per collection. On the first start of
 * this release it is imported once: into a store in a staging folder that is renamed into place
 * only when complete (a crash halfway leaves no `DATA_FILE`, so the next start imports again from
 * the start), then the NeDB files are moved, never deleted, into `nedb-imported-<time>/`.
 */
export async function importNedbDataDir(dataDir: string, target: ImportTarget, logger: Logger): Promise<void> {
  const directory = path.resolve(dataDir);
  const staging = path.join(directory, STAGING_DIR);
  if (await exists(path.join(directory, DATA_FILE))) {
    // The rename is the import's commit: a staging folder left beside the store means the process
    // died after it, before the NeDB files were moved aside. Finish that, or they would stay forever.
    if (await exists(staging)) {
      const aside = await moveAside(directory, await nedbFilesOf(directory), staging);
      logger.info({ aside }, `Finished an import of the NeDB data dir that was interrupted; the NeDB files are kept in ${aside}`);
    }
    return;
  }
  const files = await nedbFilesOf(directory);
  if (!files.size) return;
  await refuseWhileOldReleaseRuns(directory);

  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  const collections = new Map<string, Collection<object>>();
  const driver = await target.open(staging);
  const counts: Record<string, number> = {};
  const unknown: string[] = [];
  try {
    await target.declare({
      ...driver,
      async collection<T extends object>(spec: CollectionSpec<T>) {
        const collection = await driver.collection(spec);
        collections.set(spec.name, collection as unknown as Collection<object>);
        return collection;
      },
    });
    for (const [name, file] of files) {
      const documents = await readNedbFile(path.join(directory, file));
      const collection = collections.get(name);
      if (!collection) {
        // A collection no release declares any more: kept in the aside folder, not imported.
        if (documents.length) unknown.push(name);
        continue;
      }
      for (let start = 0; start < documents.length; start += INSERTS_AT_ONCE) {
        await Promise.all(documents.slice(start, start + INSERTS_AT_ONCE).map((document) => collection.insertOne(document)));
      }
      if (documents.length) counts[name] = documents.length;
    }
  } finally {
    await driver.close();
  }
  await rename(path.join(staging, DATA_FILE), path.join(directory, DATA_FILE));
  await syncPath(directory);

  const aside = await moveAside(directory, files, staging);
  logger.info(
    { imported: counts, documents: Object.values(counts).reduce((sum, count) => sum + count, 0), not_imported: unknown, aside },
    `Imported the NeDB data dir into ${DATA_FILE}; the NeDB files are kept in ${aside}`,
  );
}

/** Moves the NeDB files (and the old release's `LOCK`) into a new `nedb-imported-<time>/`, then drops the staging folder. */
async function moveAside(directory: string, files: Map<string, string>, staging: string): Promise<string> {
  const aside = path.join(directory, `nedb-imported-${new Date().toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}`);
  await mkdir(aside, { mode: 0o700 });
  for (const file of [...files.values(), ...((await exists(path.join(directory, 'LOCK'))) ? ['LOCK'] : [])]) {
    await rename(path.join(directory, file), path.join(aside, file));
  }
  await rm(staging, { recursive: true, force: true });
  return aside;
}

/** Collection name to file: `<name>.db`, or the `<name>.db~` a crash left in its place. */
async function nedbFilesOf(directory: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = (await readdir(directory)).sort();
  } catch (error) {
    // A first start: the store creates the data dir.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const files = new Map<string, string>();
  for (const name of names) {
    if (name.endsWith(NEDB_SUFFIX)) files.set(name.slice(0, -NEDB_SUFFIX.length), name);
  }
  for (const name of names) {
    const collection = name.slice(0, -NEDB_STAGED_SUFFIX.length);
    if (name.endsWith(NEDB_STAGED_SUFFIX) && !files.has(collection)) files.set(collection, name);
  }
  return files;
}

/**
 * The old release held its data dir with a `LOCK` file naming its process. Importing files that
 * process still appends to would lose its later writes.
 */
async function refuseWhileOldReleaseRuns(directory: string): Promise<void> {
  const owner = await readJsonFile<{ pid?: number }>(path.join(directory, 'LOCK'));
  if (owner?.pid && owner.pid !== process.pid && isProcessAlive(owner.pid)) {
    throw new Error(`The data dir ${directory} is in use by process ${owner.pid} (an earlier release). Stop it before starting this one, which imports its data.`);
  }
}

/**
 * A NeDB data file's documents as NeDB loaded them: one JSON document per line, appended on every
 * write, so the last line for an `_id` wins and a `{$$deleted: true}` line removes it; index lines
 * (`$$indexCreated`, `$$indexRemoved`) are NeDB's own. Dates are `{"$$date": <ms>}`. `_id` is the
 * NeDB store's own key (the document's key fields, or a random id) and is dropped.
 */
async function readNedbFile(file: string): Promise<object[]> {
  const byId = new Map<unknown, Record<string, unknown>>();
  let lines = 0;
  let corrupt = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (!line) continue;
    lines += 1;
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(line, reviveDate) as Record<string, unknown>;
    } catch {
      corrupt += 1;
      continue;
    }
    if ('$$indexCreated' in document || '$$indexRemoved' in document) continue;
    const { _id: id, ...fields } = document;
    if (id === undefined) {
      corrupt += 1;
      continue;
    }
    if (fields.$$deleted === true) byId.delete(id);
    else byId.set(id, fields);
  }
  if (corrupt > lines * CORRUPT_LINES_TOLERATED) {
    throw new Error(`${file}: ${corrupt} of ${lines} lines are not NeDB documents; not importing it (the NeDB store would not have loaded it either)`);
  }
  return [...byId.values()];
}

function reviveDate(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$$date') return new Date((value as { $$date: number }).$$date);
  }
  return value;
}
