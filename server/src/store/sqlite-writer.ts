import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Update } from './driver';

/**
 * The SQLite store's writer: a worker thread with the one connection that writes. A write's
 * statements, its commit and the commit's sync, and SQLite's checkpoints (which copy the WAL back
 * into the database and sync both) cost a click some 75 µs of the thread they run on; here they run
 * beside the event loop that answers requests rather than on it. The reading connection builds the
 * SQL (table names quoted, filters as a WHERE clause with its parameters); this side only runs it.
 */

/** One write of a batch; an update's `$set` holds values as stored (sqlite.ts's encoding), applied to the stored document. */
export type WriteOp =
  | { kind: 'insert'; table: string; doc: string }
  | { kind: 'update'; table: string; where: string; params: unknown[]; update: Update<object>; many: boolean }
  | { kind: 'delete'; table: string; where: string; params: unknown[] };

/** An insert gives null, an update of one the document as stored now (or null), the others a count. */
export type WriteValue = string | number | null;
export interface WriteFailure {
  code?: string;
  message: string;
}
export type WriteOutcome = { ok: true; value: WriteValue } | ({ ok: false } & WriteFailure);

export type WriterRequest = { id: number; writes: WriteOp[] } | { id: number; backup: string } | { id: number; close: true };
/** `outcomes` per write when the batch committed; `failure` when nothing of it (or of the backup) was done. */
export type WriterReply = { id: number; outcomes?: WriteOutcome[]; failure?: WriteFailure } | { ready: true } | { openFailure: WriteFailure };

export interface WriterData {
  file: string;
  busyTimeoutMs: number;
  /**
   * Past this size the WAL is checkpointed and truncated, waiting if need be for the reading
   * connection's snapshot to end (one turn of its event loop). Under a steady load the passive
   * checkpoints SQLite runs after commits, which never wait, can miss every moment the reader holds
   * no snapshot, and the WAL would only grow.
   */
  walLimitBytes: number;
}

const failureOf = (error: unknown): WriteFailure => ({ code: (error as { code?: string }).code, message: error instanceof Error ? error.message : String(error) });

function serve(port: NonNullable<typeof parentPort>, { file, busyTimeoutMs, walLimitBytes }: WriterData): void {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    // A commit returns once the WAL holding it is synced: an acknowledged write survives a power loss.
    db.pragma('synchronous = FULL');
  } catch (error) {
    port.postMessage({ openFailure: failureOf(error) } satisfies WriterReply);
    return;
  }
  const statements = new Map<string, Database.Statement>();
  const statement = (sql: string) => {
    let prepared = statements.get(sql);
    if (!prepared) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  const rewrite = (table: string, row: { rowid: number; doc: string }, update: Update<object>): string => {
    const doc = JSON.parse(row.doc) as Record<string, unknown>;
    applyUpdate(doc, update);
    const json = JSON.stringify(doc);
    statement(`UPDATE ${table} SET doc = ? WHERE rowid = ?`).run(json, row.rowid);
    return json;
  };
  const matching = (op: Extract<WriteOp, { kind: 'update' }>, limit: string) =>
    statement(`SELECT rowid, doc FROM ${op.table}${op.where}${limit}`).all(...op.params) as { rowid: number; doc: string }[];
  // All or nothing, as one statement would be: a savepoint undoes the rows already changed.
  const updateAll = db.transaction((op: Extract<WriteOp, { kind: 'update' }>) => {
    const rows = matching(op, '');
    for (const row of rows) rewrite(op.table, row, op.update);
    return rows.length;
  });

  const apply = (op: WriteOp): WriteValue => {
    switch (op.kind) {
      case 'insert':
        statement(`INSERT INTO ${op.table} (doc) VALUES (?)`).run(op.doc);
        return null;
      case 'delete':
        return statement(`DELETE FROM ${op.table}${op.where}`).run(...op.params).changes;
      case 'update': {
        if (op.many) return updateAll(op);
        const [row] = matching(op, ' LIMIT 1');
        return row ? rewrite(op.table, row, op.update) : null;
      }
    }
  };

  /**
   * One transaction, one commit: a write that fails on its own (a duplicate key) is undone by
   * SQLite alone and fails alone; a failure of the transaction itself fails the whole batch, none
   * of which was kept.
   */
  const commitBatch = (writes: WriteOp[]): Omit<WriterReply & { id: number }, 'id'> => {
    const outcomes: WriteOutcome[] = [];
    try {
      begin.run();
      for (const op of writes) {
        try {
          outcomes.push({ ok: true, value: apply(op) });
        } catch (error) {
          if (!db.inTransaction) throw error;
          outcomes.push({ ok: false, ...failureOf(error) });
        }
      }
      commit.run();
      return { outcomes };
    } catch (error) {
      if (db.inTransaction) rollback.run();
      return { failure: failureOf(error) };
    }
  };

  // After a batch's answer, so that no write waits for it; the batch is committed either way.
  const keepWalWithinLimit = () => {
    if ((statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) <= walLimitBytes) return;
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy past the timeout (the reader's turn outlasted it): the next commit tries again.
    }
  };

  port.on('message', (request: WriterRequest) => {
    if ('writes' in request) {
      port.postMessage({ id: request.id, ...commitBatch(request.writes) } satisfies WriterReply);
      return keepWalWithinLimit();
    }
    if ('close' in request) {
      db.close();
      port.postMessage({ id: request.id, outcomes: [] } satisfies WriterReply);
      return port.close();
    }
    // From this connection, so that batches committed between the backup's steps are copied as
    // well; from another, each of them would restart it.
    db.backup(request.backup).then(
      () => port.postMessage({ id: request.id, outcomes: [] } satisfies WriterReply),
      (error: unknown) => port.postMessage({ id: request.id, failure: failureOf(error) } satisfies WriterReply),
    );
  });
  port.postMessage({ ready: true } satisfies WriterReply);
}

/** Applies `$set` and `$inc` to a stored document. */
function applyUpdate(doc: Record<string, unknown>, update: Update<object>): void {
  // The contract refuses undefined in an update: a field is set to a value or to null.
  Object.assign(doc, update.$set);
  for (const [field, step] of Object.entries(update.$inc ?? {})) {
    const current = doc[field] ?? 0;
    if (typeof current !== 'number') throw new Error(`cannot $inc ${field}: it holds ${JSON.stringify(current)}`);
    doc[field] = current + (step as number);
  }
}

if (parentPort) serve(parentPort, workerData as WriterData);
