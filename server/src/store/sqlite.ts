import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { checkedCollection, type Collection, Cond, type CollectionSpec, type Driver, DuplicateKeyError, type Filter, type IndexSpec, type Sort, type Update } from './driver';
import type { WriteFailure, WriteOp, WriteOutcome, WriterData, WriterReply, WriterRequest, WriteValue } from './sqlite-writer';

/** The one file the embedded store keeps under `DATA_DIR` (with its `-wal` and `-shm` beside it while open). */
export const DATA_FILE = 'shoutout.sqlite';
/** An empty SQLite file whose lock, held while the store is open, is the data dir's. */
const LOCK_FILE = 'shoutout.lock';
// The reading connection and the writer wait this long for each other's locks; only schema
// changes at start and WAL housekeeping ever make one wait.
const BUSY_TIMEOUT_MS = 5_000;
// Sixteen times the WAL SQLite's passive checkpoints keep to (1,000 pages).
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
// The reading connection's page cache: room for the interior pages of the largest indexes at 1M
// bindings (~5 MB) beside the leaves a load passes through. With SQLite's default 2 MB a lookup at
// 1M read interior pages from the file again and ran 10–18% slower than at 100k.
const READ_CACHE_KIB = 16 * 1024;

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
 * - One process: the data dir's lock file is held in SQLite's exclusive locking mode while the
 *   store is open, so a second process on the same data dir is refused at once, whatever its PID.
 * - Reads run on this thread's connection; writes run in a worker thread on a connection of their
 *   own (sqlite-writer.ts), in WAL mode, so a reader never waits for a write nor sees one half done.
 * - Durability: writes that arrive while the writer is busy, or in one turn of the event loop, are
 *   committed together in one transaction with `synchronous=FULL`; each write's promise resolves
 *   once that commit is synced to disk, so an acknowledged write survives a power loss.
 *
 * `trace` sees every statement the reading connection runs, values inlined (the query plan test
 * reads it); `walLimitBytes` is for tests (sqlite-writer.ts says what it bounds).
 */
export async function openSqliteDriver(dataDir: string, options: { trace?: (sql: string) => void; walLimitBytes?: number } = {}): Promise<Driver> {
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const file = path.join(directory, DATA_FILE);
  const lock = lockDataDir(directory);
  let db: Database.Database | undefined;
  let writer: WriterThread;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS, verbose: options.trace as ((message?: unknown) => void) | undefined });
    db.pragma('journal_mode = WAL');
    db.pragma(`cache_size = -${READ_CACHE_KIB}`);
    writer = await WriterThread.start({ file, busyTimeoutMs: BUSY_TIMEOUT_MS, walLimitBytes: options.walLimitBytes ?? WAL_LIMIT_BYTES });
  } catch (error) {
    db?.close();
    lock.close();
    throw error;
  }
  const reader = db;
  const snapshot = new ReadSnapshot(reader);
  const writes = new GroupCommit(writer, snapshot);

  return {
    kind: 'embedded',
    location: directory,
    async collection<T extends object>(spec: CollectionSpec<T>) {
      const table = quoteName(spec.name);
      snapshot.end();
      reader.exec(`CREATE TABLE IF NOT EXISTS ${table} (doc TEXT NOT NULL)`);
      syncIndexes(reader, spec);
      return checkedCollection(spec, new SqliteCollection<T>(reader, spec.name, writes, snapshot));
    },
    async ping() {
      reader.prepare('SELECT 1').get();
      writer.check();
    },
    async close() {
      await writes.drain();
      await writer.close();
      snapshot.end();
      reader.close();
      lock.close();
    },
    async backup(target: string) {
      await writes.drain();
      await writer.backup(target);
    },
  };
}

/** Takes the data dir's lock: SQLite's exclusive lock on the lock file, held until the connection closes. */
function lockDataDir(directory: string): Database.Database {
  // No busy wait: the lock is held for the other process's lifetime, so waiting only delays the refusal.
  const lock = new Database(path.join(directory, LOCK_FILE), { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE; COMMIT');
    return lock;
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirLockedError(directory);
    throw error;
  }
}

const writeError = (failure: WriteFailure) => Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});

/**
 * The writer thread, seen from here: each request is numbered and answered by its number (a backup
 * answers after batches sent later). Its worker keeps the process alive only while something
 * waits on it.
 */
class WriterThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(outcomes: WriteOutcome[]): void; reject(error: unknown): void }>();
  private broken: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WriterReply) => {
      if (!('id' in reply)) return;
      const waiter = this.waiting.get(reply.id)!;
      this.waiting.delete(reply.id);
      if (!this.waiting.size) worker.unref();
      if (reply.failure) waiter.reject(writeError(reply.failure));
      else waiter.resolve(reply.outcomes!);
    });
    const fail = (error: Error) => {
      this.broken ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread has stopped (exit code ${code})`)));
  }

  /** Throws what stopped the writer, if it has stopped: /healthz then fails rather than every write. */
  check(): void {
    if (this.broken) throw this.broken;
  }

  static async start(data: WriterData): Promise<WriterThread> {
    const worker = startWorker(data);
    // `once` rejects if the worker fails to load first ('error'), and leaves no listener behind.
    const [first] = (await once(worker, 'message')) as [WriterReply];
    if ('openFailure' in first) {
      await worker.terminate();
      throw writeError(first.openFailure);
    }
    worker.unref();
    return new WriterThread(worker);
  }

  commit(writes: WriteOp[]): Promise<WriteOutcome[]> {
    return this.send({ writes });
  }

  async backup(target: string): Promise<void> {
    await this.send({ backup: path.resolve(target) });
  }

  async close(): Promise<void> {
    if (this.broken) return;
    const exited = once(this.worker, 'exit');
    await this.send({ close: true });
    // Kept alive until it has gone: nothing waits on it any more.
    this.worker.ref();
    await exited;
  }

  private send(request: Omit<WriterRequest, 'id'>): Promise<WriteOutcome[]> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    this.worker.ref();
    this.worker.postMessage({ id, ...request } as WriterRequest);
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }
}

/**
 * The writer as the bundle ships it (dist/sqlite-writer.js, beside the service), or from the
 * TypeScript sources, which a worker can load only through tsx's API.
 */
function startWorker(workerData: WriterData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sqlite-writer.js', import.meta.url), { workerData });
  const source = new URL('./sqlite-writer.ts', import.meta.url).href;
  const load = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(load, { eval: true, workerData });
}

/**
 * The reading connection's snapshot: the reads of one turn of the event loop share one read
 * transaction, so SQLite takes and releases its WAL read lock (a system call each) once per turn
 * rather than once per statement. It ends at the end of the turn, and before the outcome of any
 * write is handed out, so a read made once a write is acknowledged always sees it.
 */
class ReadSnapshot {
  private open = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;

  constructor(db: Database.Database) {
    this.begin = db.prepare('BEGIN');
    this.commit = db.prepare('COMMIT');
  }

  enter(): void {
    if (this.open) return;
    this.begin.run();
    this.open = true;
    setImmediate(this.end);
  }

  readonly end = (): void => {
    if (!this.open) return;
    this.open = false;
    this.commit.run();
  };
}

interface QueuedWrite {
  op: WriteOp;
  resolve(value: WriteValue): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the writes queued during one turn of the event loop go to the writer together, as
 * one transaction. While it commits, new writes wait and go together once it is done: under load a
 * commit then carries every write of a commit's duration, and each page they share is written to
 * the WAL once rather than once per write.
 */
class GroupCommit {
  private batch: QueuedWrite[] | null = null;
  private committing: Promise<void> | null = null;

  constructor(private readonly writer: WriterThread, private readonly snapshot: ReadSnapshot) {}

  run(op: WriteOp): Promise<WriteValue> {
    return new Promise((resolve, reject) => {
      if (!this.batch) {
        this.batch = [];
        if (!this.committing) this.scheduleFlush();
      }
      this.batch.push({ op, resolve, reject });
    });
  }

  /** Resolves once every write queued so far is committed and on disk. */
  async drain(): Promise<void> {
    while (this.batch || this.committing) await (this.committing ?? new Promise((resolve) => setImmediate(resolve)));
  }

  private scheduleFlush(): void {
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.batch!;
    this.batch = null;
    this.committing = this.writer
      .commit(batch.map((queued) => queued.op))
      .finally(this.snapshot.end)
      .then(
        (outcomes) => outcomes.forEach((outcome, i) => (outcome.ok ? batch[i].resolve(outcome.value) : batch[i].reject(writeError(outcome)))),
        (error) => batch.forEach((queued) => queued.reject(error)),
      )
      .finally(() => {
        this.committing = null;
        if (this.batch) this.scheduleFlush();
      });
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

/**
 * The stored form back to the document, in place. A walk after a plain `JSON.parse` rather than a
 * reviver: V8 calls a reviver for every value through a slow path, and decoding took 5 µs of a
 * lookup instead of 2.
 */
function decodeValue(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!startsWithMark(value)) return value;
    return value.charCodeAt(0) === 1 ? new Date(value.slice(1)) : value.slice(1);
  }
  if (value === null || typeof value !== 'object') return value;
  const container = value as Record<string, unknown>;
  for (const key in container) {
    const decoded = decodeValue(container[key]);
    if (decoded !== container[key]) container[key] = decoded;
  }
  return value;
}

const decodeDocument = <T>(json: string) => decodeValue(JSON.parse(json)) as T;

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

/**
 * The fields of a filter whose every condition is equality with a value, as one key, with the values
 * pushed to `params` as `whereSql` pushes them; null for any other filter (`params` then holds
 * whatever was pushed before the first other condition). The reads by id or key that nearly every
 * request makes are such filters, and their statements are found by this key instead of by SQL
 * built and hashed on every read.
 */
function equalityShape(filter: object, params: unknown[]): string | null {
  let shape = '';
  for (const [field, condition] of Object.entries(filter)) {
    if (condition === null || condition instanceof Cond) return null;
    params.push(parameter(condition));
    shape += `${field},`;
  }
  return shape;
}

function whereSql(filter: object, params: unknown[]): string {
  const terms = Object.entries(filter).map(([field, condition]) => conditionSql(field, condition, params));
  return terms.length ? ` WHERE ${terms.join(' AND ')}` : '';
}

function orderSql(sort: object | undefined): string {
  const keys = Object.entries(sort ?? {});
  return keys.length ? ` ORDER BY ${keys.map(([field, direction]) => `${fieldExpression(field)} ${direction === -1 ? 'DESC' : 'ASC'}`).join(', ')}` : '';
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

class SqliteCollection<T extends object> implements Collection<T> {
  private readonly statements = new Map<string, Database.Statement>();
  /** findOne's statements for equality filters, by `equalityShape`. */
  private readonly findOneByShape = new Map<string, Database.Statement>();
  private readonly table: string;

  constructor(
    private readonly db: Database.Database,
    private readonly name: string,
    private readonly writes: GroupCommit,
    private readonly snapshot: ReadSnapshot,
  ) {
    this.table = quoteName(name);
  }

  /** A read statement, run in this turn's snapshot. */
  private statement(sql: string): Database.Statement {
    this.snapshot.enter();
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

  async insertOne(doc: T): Promise<void> {
    await this.writes.run({ kind: 'insert', table: this.table, doc: encodeDocument(doc) }).catch(this.duplicateKey);
  }

  async findOne(filter: Filter<T>): Promise<T | null> {
    const params: unknown[] = [];
    const shape = equalityShape(filter, params);
    let statement = shape === null ? undefined : this.findOneByShape.get(shape);
    if (statement) this.snapshot.enter();
    else {
      // whereSql pushes every value itself.
      params.length = 0;
      statement = this.statement(`SELECT doc FROM ${this.table}${whereSql(filter, params)} LIMIT 1`).pluck();
      if (shape !== null) this.findOneByShape.set(shape, statement);
    }
    const json = statement.get(...params) as string | undefined;
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
      const key = (value === null ? null : decodeDocument(value)) as T[K];
      counts.set(key, (counts.get(key) ?? 0) + n);
    }
    return counts;
  }

  /** An update as the writer applies it: to the stored form of the document, values already encoded. */
  private updateOp(filter: Filter<T>, update: Update<T>, many: boolean): WriteOp {
    const params: unknown[] = [];
    const where = whereSql(filter, params);
    return { kind: 'update', table: this.table, where, params, update: { $set: encodeValue(update.$set ?? {}) as object, $inc: update.$inc }, many };
  }

  async updateOne(filter: Filter<T>, update: Update<T>): Promise<T | null> {
    const stored = await this.writes.run(this.updateOp(filter, update, false)).catch(this.duplicateKey);
    return stored === null ? null : decodeDocument<T>(stored as string);
  }

  async updateMany(filter: Filter<T>, update: Update<T>): Promise<number> {
    return (await this.writes.run(this.updateOp(filter, update, true)).catch(this.duplicateKey)) as number;
  }

  async deleteMany(filter: Filter<T>): Promise<number> {
    const params: unknown[] = [];
    const where = whereSql(filter, params);
    return (await this.writes.run({ kind: 'delete', table: this.table, where, params })) as number;
  }
}
