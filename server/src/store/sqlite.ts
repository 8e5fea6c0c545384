import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { checkedCollection, type Collection, Cond, type CollectionSpec, type Driver, DuplicateKeyError, type Filter, type IndexSpec, type Sort, type Update } from './driver';

/** The one file the embedded store keeps under `DATA_DIR` (with its `-wal` beside it while open). */
export const DATA_FILE = 'shoutout.sqlite';

export class DataDirLockedError extends Error {
  constructor(readonly directory: string) {
    super(`The data dir ${directory} is in use by another Shoutout process. Stop it first, or run CLI commands while it runs (they are sent to it).`);
  }
}

/**
 * The default store: SQLite, one file, one table per collection holding each document as JSON,
 * and every index of the collection's spec as an index on `json_extract` expressions, so reads are
 * index reads and nothing is held in memory beyond SQLite's page cache.
 *
 * - One writer: the connection takes SQLite's exclusive lock at start (WAL without shared memory),
 *   so a second process on the same data dir is refused at once, whatever its PID.
 * - Durability: writes that arrive in one turn of the event loop run in one transaction, committed
 *   once; each write's promise resolves only after the WAL holding that commit has been synced to
 *   disk (fdatasync, off the event loop), so an acknowledged write survives a power loss. This is
 *   SQLite's `synchronous=FULL` with the sync moved to a worker thread and shared by the batch.
 * - No reader ever sees an uncommitted write: a batch runs in one synchronous step.
 */
export async function openSqliteDriver(dataDir: string, options: { trace?: (sql: string) => void } = {}): Promise<Driver> {
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, DATA_FILE);
  const db = lockedDatabase(file, directory, options.trace);
  const writes = new GroupCommit(db, new WalSync(`${file}-wal`, directory));

  return {
    kind: 'embedded',
    location: directory,
    async collection<T extends object>(spec: CollectionSpec<T>) {
      const table = quoteName(spec.name);
      db.exec(`CREATE TABLE IF NOT EXISTS ${table} (doc TEXT NOT NULL)`);
      syncIndexes(db, spec);
      return checkedCollection(spec, new SqliteCollection<T>(db, spec.name, writes));
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      await writes.drain();
      writes.close();
      db.close();
    },
    async backup(target: string) {
      await writes.drain();
      await db.backup(target);
    },
  };
}

/** Opens the file and takes its lock; `trace` sees every statement run, values inlined (the query plan test reads it). */
function lockedDatabase(file: string, directory: string, trace?: (sql: string) => void): Database.Database {
  // No busy wait: the lock is held for the other process's lifetime, so waiting only delays the refusal.
  const db = new Database(file, { timeout: 0, verbose: trace as ((message?: unknown) => void) | undefined });
  try {
    // Exclusive before WAL: SQLite then keeps the WAL index in this process's memory (no -shm file)
    // and holds the file lock until close.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // The commit's sync is ours (WalSync); checkpoints still sync as SQLite's NORMAL does.
    db.pragma('synchronous = NORMAL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
    return db;
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(directory);
    throw error;
  }
}

interface QueuedWrite {
  write(): unknown;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the writes queued during one turn of the event loop run together in one
 * transaction at the end of the turn, then wait for one sync. While that sync runs, new writes
 * wait and are committed together once it ends: under load a commit then carries every write of a
 * sync's duration, and each page they share is written to the WAL once rather than once per turn.
 * A write that fails on its own (a duplicate key) is undone by SQLite alone and rejects alone; a
 * failure of the transaction itself rejects the whole batch, none of which was kept.
 */
class GroupCommit {
  private batch: QueuedWrite[] | null = null;
  private syncing = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(private readonly db: Database.Database, private readonly sync: WalSync) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  run<R>(write: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (!this.batch) {
        this.batch = [];
        if (!this.syncing) this.scheduleFlush();
      }
      this.batch.push({ write, resolve: resolve as (result: unknown) => void, reject });
    });
  }

  /** Resolves once every write queued so far is committed and on disk. */
  async drain(): Promise<void> {
    if (this.batch) await this.run(() => undefined);
    await this.sync.synced();
  }

  close(): void {
    this.sync.close();
  }

  private scheduleFlush(): void {
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.batch!;
    this.batch = null;
    const settled: (() => void)[] = [];
    try {
      this.begin.run();
      for (const queued of batch) {
        try {
          const result = queued.write();
          settled.push(() => queued.resolve(result));
        } catch (error) {
          // SQLite rolls a failed statement back alone, unless the failure ended the transaction.
          if (!this.db.inTransaction) throw error;
          settled.push(() => queued.reject(error));
        }
      }
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const queued of batch) queued.reject(error);
      return;
    }
    this.syncing = true;
    this.sync
      .synced()
      .then(
        () => settled.forEach((settle) => settle()),
        (error) => batch.forEach((queued) => queued.reject(error)),
      )
      .finally(() => {
        this.syncing = false;
        if (this.batch) this.scheduleFlush();
      });
  }
}

/**
 * Syncs the WAL after commits, one fdatasync at a time in the thread pool: callers that arrive
 * while one runs share the next, which starts after their commits and so covers them.
 */
class WalSync {
  private fd: number | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly walFile: string, private readonly directory: string) {}

  synced(): Promise<void> {
    if (!this.running) return (this.running = this.start());
    // One more sync after the running one; everyone who asks meanwhile shares it.
    this.next ??= this.running.then(
      () => this.synced(),
      () => this.synced(),
    );
    return this.next;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private start(): Promise<void> {
    this.next = null;
    // In the executor, so that a failure to open the WAL rejects rather than throws.
    return new Promise<void>((resolve, reject) => {
      const fd = this.walDescriptor();
      if (fd === null) resolve();
      else fdatasync(fd, (error) => (error ? reject(error) : resolve()));
    }).finally(() => {
      this.running = null;
    });
  }

  /** The WAL, opened once; null while SQLite has not created it, when nothing is committed in it to sync. */
  private walDescriptor(): number | null {
    if (this.fd !== null) return this.fd;
    try {
      this.fd = openSync(this.walFile, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    // The WAL was just created: its directory entry must be on disk too.
    const dir = openSync(this.directory, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return this.fd;
  }
}

// Dates are stored in the JSON as a marked ISO-8601 string, which SQLite compares and sorts in time
// order (years 0–9999, as the contract allows); a stored string that begins with a mark is escaped.
const DATE_MARK = '\u0001';
const ESCAPE_MARK = '\u0002';
const startsWithMark = (text: string) => {
  const first = text.charCodeAt(0);
  return first === 1 || first === 2;
};

function encodeValue(value: unknown): unknown {
  if (typeof value === 'string') return startsWithMark(value) ? ESCAPE_MARK + value : value;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return DATE_MARK + value.toISOString();
  if (Array.isArray(value)) return value.map(encodeValue);
  // Anything else with a prototype of its own (a URL, say) is left to its toJSON.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const encoded: Record<string, unknown> = {};
  for (const key in value) encoded[key] = encodeValue((value as Record<string, unknown>)[key]);
  return encoded;
}

const encodeDocument = (doc: unknown) => JSON.stringify(encodeValue(doc));

function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'string' || !startsWithMark(value)) return value;
  return value.charCodeAt(0) === 1 ? new Date(value.slice(1)) : value.slice(1);
}

const decodeDocument = <T>(json: string) => JSON.parse(json, revive) as T;

/**
 * A filter's value as SQLite compares it with `json_extract`, which gives JSON booleans as 1 and 0.
 * The contract (`checkedCollection`) lets only strings, numbers, booleans, dates and null get here.
 */
const parameter = (value: unknown): unknown => (typeof value === 'boolean' ? Number(value) : encodeValue(value));

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The expression a field is read, indexed and sorted by; indexes are used only by this exact text. */
function fieldExpression(field: string): string {
  if (!FIELD_NAME.test(field)) throw new Error(`the embedded store does not support the field name ${JSON.stringify(field)}`);
  return `json_extract(doc, '$.${field}')`;
}

function indexSql(collection: string, index: IndexSpec<unknown>): { name: string; sql: string } {
  const name = `${collection}(${index.fields.join(',')})`;
  const columns = index.fields.map(fieldExpression);
  // A partial index: SQLite uses it for any condition on these fields that null cannot satisfy.
  const where = index.notNull ? ` WHERE ${columns.map((column) => `${column} IS NOT NULL`).join(' AND ')}` : '';
  return { name, sql: `CREATE ${index.unique ? 'UNIQUE INDEX' : 'INDEX'} ${quoteName(name)} ON ${quoteName(collection)} (${columns.join(', ')})${where}` };
}

/**
 * Makes the collection's indexes exactly those of its spec: an index the spec no longer names, or
 * names with other options, is dropped (and rebuilt as the spec says).
 */
function syncIndexes<T>(db: Database.Database, spec: CollectionSpec<T>): void {
  const wanted = new Map(spec.indexes.map((index) => indexSql(spec.name, index as IndexSpec<unknown>)).map(({ name, sql }) => [name, sql]));
  const existing = db.prepare<[string], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").all(spec.name);
  const kept = new Set<string>();
  for (const { name, sql } of existing) {
    if (wanted.get(name) === sql) kept.add(name);
    else db.exec(`DROP INDEX ${quoteName(name)}`);
  }
  for (const [name, sql] of wanted) if (!kept.has(name)) db.exec(sql);
}

const operatorsOf = (condition: unknown) => (condition instanceof Cond ? (condition.operators as Record<string, unknown>) : null);

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** One field's condition as SQL. Null and a missing field are the same: `json_extract` gives NULL for both. */
function conditionSql(field: string, condition: unknown, params: unknown[]): string {
  const expression = fieldExpression(field);
  const operators = operatorsOf(condition);
  if (!operators) {
    if (condition === null) return `${expression} IS NULL`;
    params.push(parameter(condition));
    return `${expression} = ?`;
  }
  const terms: string[] = [];
  for (const [operator, operand] of Object.entries(operators)) {
    switch (operator) {
      case '$in':
      case '$nin': {
        const values = operand as unknown[];
        const listed = values.filter((value) => value !== null);
        params.push(...listed.map(parameter));
        const inList = `${expression} IN (${placeholders(listed.length)})`;
        const withNull = listed.length < values.length;
        if (operator === '$in') terms.push(listed.length ? (withNull ? `(${expression} IS NULL OR ${inList})` : inList) : withNull ? `${expression} IS NULL` : '0');
        else terms.push(listed.length ? (withNull ? `(${expression} IS NOT NULL AND NOT ${inList})` : `(${expression} IS NULL OR NOT ${inList})`) : withNull ? `${expression} IS NOT NULL` : '1');
        break;
      }
      case '$ne':
        if (operand === null) terms.push(`${expression} IS NOT NULL`);
        else {
          params.push(parameter(operand));
          terms.push(`${expression} IS NOT ?`);
        }
        break;
      // The contract refuses any other operator, and null for these.
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        params.push(parameter(operand));
        terms.push(`${expression} ${RANGE_OPERATORS[operator]} ?`);
        break;
    }
  }
  return terms.length ? terms.join(' AND ') : '1';
}

const RANGE_OPERATORS = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' } as const;

function whereSql(filter: object, params: unknown[]): string {
  const terms = Object.entries(filter).map(([field, condition]) => conditionSql(field, condition, params));
  return terms.length ? ` WHERE ${terms.join(' AND ')}` : '';
}

function orderSql(sort: object | undefined): string {
  const keys = Object.entries(sort ?? {});
  return keys.length ? ` ORDER BY ${keys.map(([field, direction]) => `${fieldExpression(field)} ${direction === -1 ? 'DESC' : 'ASC'}`).join(', ')}` : '';
}

/** Applies `$set` and `$inc` to a document (decoded, so the caller gets it back as stored). */
function applyUpdate<T>(doc: Record<string, unknown>, update: Update<T>): void {
  // The contract refuses undefined in an update: a field is set to a value or to null.
  Object.assign(doc, update.$set);
  for (const [field, step] of Object.entries(update.$inc ?? {})) {
    const current = doc[field] ?? 0;
    if (typeof current !== 'number') throw new Error(`cannot $inc ${field}: it holds ${JSON.stringify(current)}`);
    doc[field] = current + (step as number);
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

class SqliteCollection<T extends object> implements Collection<T> {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly table: string;

  constructor(private readonly db: Database.Database, private readonly name: string, private readonly writes: GroupCommit) {
    this.table = quoteName(name);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private duplicateKey = (error: unknown): never => {
    throw isUniqueViolation(error) ? new DuplicateKeyError(this.name) : error;
  };

  /** Matching rows' ids and documents, for the updates: SQLite's own statements run inside the batch's transaction. */
  private matching(filter: Filter<T>, limit?: number): { rowid: number; doc: string }[] {
    const params: unknown[] = [];
    const sql = `SELECT rowid, doc FROM ${this.table}${whereSql(filter, params)}${limit ? ` LIMIT ${limit}` : ''}`;
    return this.statement(sql).all(...params) as { rowid: number; doc: string }[];
  }

  async insertOne(doc: T): Promise<void> {
    const json = encodeDocument(doc);
    const insert = this.statement(`INSERT INTO ${this.table} (doc) VALUES (?)`);
    await this.writes.run(() => insert.run(json)).catch(this.duplicateKey);
  }

  async findOne(filter: Filter<T>): Promise<T | null> {
    const params: unknown[] = [];
    const json = this.statement(`SELECT doc FROM ${this.table}${whereSql(filter, params)} LIMIT 1`).pluck().get(...params) as string | undefined;
    return json === undefined ? null : decodeDocument<T>(json);
  }

  async find(filter: Filter<T>, options: { sort?: Sort<T>; limit?: number } = {}): Promise<T[]> {
    const params: unknown[] = [];
    let sql = `SELECT doc FROM ${this.table}${whereSql(filter, params)}${orderSql(options.sort)}`;
    if (options.limit) {
      sql += ' LIMIT ?';
      params.push(options.limit);
    }
    return (this.statement(sql).pluck().all(...params) as string[]).map((json) => decodeDocument<T>(json));
  }

  async count(filter: Filter<T>): Promise<number> {
    const params: unknown[] = [];
    return this.statement(`SELECT count(*) FROM ${this.table}${whereSql(filter, params)}`).pluck().get(...params) as number;
  }

  async countBy<K extends keyof T & string>(filter: Filter<T>, field: K): Promise<Map<T[K], number>> {
    fieldExpression(field);
    const params: unknown[] = [];
    // `->` gives the value as JSON (booleans stay booleans), NULL when the field is missing.
    const sql = `SELECT doc -> '$.${field}' AS value, count(*) AS n FROM ${this.table}${whereSql(filter, params)} GROUP BY value`;
    const counts = new Map<T[K], number>();
    for (const { value, n } of this.statement(sql).all(...params) as { value: string | null; n: number }[]) {
      const key = (value === null ? null : JSON.parse(value, revive)) as T[K];
      counts.set(key, (counts.get(key) ?? 0) + n);
    }
    return counts;
  }

  /** Stores a matching row with the update applied; returns the document as stored. */
  private rewrite(row: { rowid: number; doc: string }, update: Update<T>): T {
    const doc = decodeDocument<Record<string, unknown>>(row.doc);
    applyUpdate(doc, update);
    this.statement(`UPDATE ${this.table} SET doc = ? WHERE rowid = ?`).run(encodeDocument(doc), row.rowid);
    return doc as T;
  }

  async updateOne(filter: Filter<T>, update: Update<T>): Promise<T | null> {
    return this.writes
      .run(() => {
        const [row] = this.matching(filter, 1);
        return row ? this.rewrite(row, update) : null;
      })
      .catch(this.duplicateKey);
  }

  async updateMany(filter: Filter<T>, update: Update<T>): Promise<number> {
    // All or nothing, as one statement would be: a savepoint undoes the rows already changed.
    return this.writes
      .run(
        this.db.transaction(() => {
          const rows = this.matching(filter);
          for (const row of rows) this.rewrite(row, update);
          return rows.length;
        }),
      )
      .catch(this.duplicateKey);
  }

  async deleteMany(filter: Filter<T>): Promise<number> {
    const params: unknown[] = [];
    const remove = this.statement(`DELETE FROM ${this.table}${whereSql(filter, params)}`);
    return this.writes.run(() => remove.run(...params).changes);
  }
}
