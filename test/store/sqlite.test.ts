import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Conversion } from '../../server/src/conversions/repo';
import { createStore } from '../../server/src/store';
import { cond } from '../../server/src/store/driver';
import { DATA_FILE, DataDirLockedError, openSqliteDriver } from '../../server/src/store/sqlite';
import { ROOT } from '../helpers/process';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-sqlite-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

interface Row {
  id: string;
  n: number;
  tag: string | null;
  at: Date;
}

/** What another process sees when it opens the data dir: the error's class and message, or "opened". */
function openInAnotherProcess(directory: string): Promise<string> {
  const script = `
    const { openSqliteDriver } = await import(${JSON.stringify(path.join(ROOT, 'server/src/store/sqlite.ts'))});
    try { const driver = await openSqliteDriver(${JSON.stringify(directory)}); await driver.close(); console.log('opened'); }
    catch (error) { console.log(error.constructor.name + ': ' + error.message); }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('exit', () => resolve(output.trim())));
}

/**
 * How many commits the write-ahead log holds: a frame's header gives the database's size in pages
 * after a commit, 0 for the other frames of a transaction (sqlite.org/fileformat.html#walformat).
 */
async function walCommits(walFile: string): Promise<number> {
  const wal = await readFile(walFile);
  const pageSize = wal.readUInt32BE(8);
  let commits = 0;
  for (let frame = 32; frame + 24 + pageSize <= wal.length; frame += 24 + pageSize) if (wal.readUInt32BE(frame + 4) !== 0) commits += 1;
  return commits;
}

describe('the SQLite store', () => {
  it('refuses a second opener of the data dir, in this process or another, until the first closes', { timeout: 120_000 }, async () => {
    const driver = await openSqliteDriver(dataDir);
    await expect(openSqliteDriver(dataDir)).rejects.toBeInstanceOf(DataDirLockedError);
    expect(await openInAnotherProcess(dataDir)).toBe(
      `DataDirLockedError: The data dir ${dataDir} is in use by another Shoutout process. Stop it first, or run CLI commands while it runs (they are sent to it).`,
    );
    await driver.close();
    expect(await openInAnotherProcess(dataDir)).toBe('opened');
  });

  it('answers the hot reads and the admin reads from indexes, with the real repositories', async () => {
    const statements: string[] = [];
    const driver = await openSqliteDriver(dataDir, { trace: (sql) => statements.push(sql) });
    const store = await createStore(driver);
    const scope = { orgId: 'org_1', livemode: true };
    const traced = async (read: () => Promise<unknown>) => {
      const from = statements.length;
      await read();
      const selects = statements.slice(from).filter((sql) => sql.startsWith('SELECT'));
      expect(selects.length).toBeGreaterThan(0);
      return selects;
    };
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-02-01T00:00:00Z');
    const after = { id: 'cv_5', createdAt: new Date('2026-01-15T00:00:00Z') } as Conversion;
    const hot = [
      ...(await traced(() => store.promoCodes.getByCode(scope, 'ANNIE10'))),
      ...(await traced(() => store.bindings.get(scope, 'user-hash'))),
    ];
    const repeatVisit = await traced(() => store.clicks.findRepeat(scope, { promoCodeId: 'pc_1', ipHash: 'visitor-hash', userAgent: 'ua' }, from));
    // The conversions page newest first, its next page, a creator's; the export; the payout balances' reads.
    const ordered = [
      ...(await traced(() => store.conversions.page(scope, {}, { limit: 26 }))),
      ...(await traced(() => store.conversions.page(scope, { from, to }, { limit: 26, after }))),
      ...(await traced(() => store.conversions.page(scope, { creatorId: 'cr_1' }, { limit: 26, after }))),
      ...(await traced(() => store.conversions.page(scope, { from, to }))),
      ...(await traced(() => store.conversions.list(scope, { creatorId: 'cr_1' }))),
      ...(await traced(() => store.conversions.list(scope))),
    ];
    const balances = await traced(() => store.payouts.list(scope, { creatorId: 'cr_1', currency: cond({ $in: ['usd'] }) }));
    // Indexes that leave out documents without the field (notNull) still serve the reads by value.
    const partial = [
      ...(await traced(() => store.conversions.outbox.pending(200))),
      ...(await traced(() => store.clicks.outbox.pending(200))),
      ...(await traced(() => store.conversions.findOne(scope, { chargeId: 'ch_1' }))),
    ];
    await driver.close();

    const db = new Database(path.join(dataDir, DATA_FILE), { readonly: true });
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((step) => step.detail);
    try {
      // Through the visitor's own clicks, not every recent click of the org (a range on createdAt alone).
      for (const sql of repeatVisit) expect(plan(sql).join('\n'), sql).toMatch(/USING INDEX clicks\(orgId,livemode,ipHash,createdAt\)/);
      for (const sql of partial) expect(plan(sql).join('\n'), sql).toMatch(/USING INDEX \S+\((eventPending|orgId,livemode,chargeId)\)/);
      for (const sql of [...hot, ...repeatVisit, ...ordered, ...balances, ...partial]) {
        const steps = plan(sql);
        expect(steps.some((step) => /^SEARCH \S+ USING (COVERING )?INDEX/.test(step)), `${sql}\n${steps.join('\n')}`).toBe(true);
        expect(steps.filter((step) => step.startsWith('SCAN')), sql).toEqual([]);
      }
      // In index order: no sort of the matches before the first page can be answered.
      for (const sql of ordered) expect(plan(sql).filter((step) => step.includes('TEMP B-TREE')), sql).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('acknowledges concurrent writes once committed together, and keeps them all across a restart', async () => {
    const statements: string[] = [];
    const spec = { name: 'rows', indexes: [{ fields: ['id' as const], unique: true }] };
    const driver = await openSqliteDriver(dataDir, { trace: (sql) => statements.push(sql) });
    const rows = await driver.collection<Row>(spec);
    const at = new Date('2026-03-01T00:00:00.123Z');
    await Promise.all(Array.from({ length: 500 }, (_, index) => rows.insertOne({ id: `r${index}`, n: index, tag: null, at })));
    const settled = await Promise.allSettled([
      ...Array.from({ length: 200 }, (_, index) => rows.updateOne({ id: `r${index}` }, { $inc: { n: 1000 } })),
      rows.insertOne({ id: 'r1', n: -1, tag: null, at }),
      rows.deleteMany({ id: cond({ $gte: 'r9' }) }),
    ]);
    expect(settled.filter((result) => result.status === 'rejected')).toHaveLength(1);
    // Two batches, not 702 transactions (and the table's and its index's creation before them).
    expect(await walCommits(path.join(dataDir, `${DATA_FILE}-wal`))).toBeLessThanOrEqual(4);
    // The writes ran on the writer thread's connection, none on the one that serves reads.
    expect(statements.filter((sql) => /^(INSERT|UPDATE|DELETE|BEGIN|COMMIT)\b/.test(sql))).toEqual([]);
    await driver.close();

    const again = await (await openSqliteDriver(dataDir)).collection<Row>(spec);
    expect(await again.count({})).toBe(500 - 11);
    expect(await again.findOne({ id: 'r1' })).toEqual({ id: 'r1', n: 1001, tag: null, at });
    expect(await again.count({ n: cond({ $gte: 1000 }) })).toBe(200 - 11);
  });

  it('shows an acknowledged write to the next read, even in a turn whose reads began before it landed', async () => {
    const driver = await openSqliteDriver(dataDir);
    const rows = await driver.collection<Row>({ name: 'rows', indexes: [{ fields: ['id'], unique: true }] });
    // A read in the timers phase of every turn opens that turn's snapshot before the writer's answers arrive.
    const reading = setInterval(() => void rows.findOne({ id: 'nobody' }), 0);
    try {
      const at = new Date('2026-03-01T00:00:00Z');
      for (let index = 0; index < 100; index += 1) {
        await rows.insertOne({ id: `w${index}`, n: index, tag: null, at });
        expect(await rows.findOne({ id: `w${index}` })).toEqual({ id: `w${index}`, n: index, tag: null, at });
      }
    } finally {
      clearInterval(reading);
      await driver.close();
    }
  });

  it('keeps the WAL within its limit while reads hold a snapshot nearly all the time', async () => {
    const limit = 256 * 1024;
    const driver = await openSqliteDriver(dataDir, { walLimitBytes: limit });
    const rows = await driver.collection<Row>({ name: 'rows', indexes: [{ fields: ['id'], unique: true }] });
    // A read in every turn of the event loop: a snapshot from the first read of a turn to its end.
    let writing = true;
    const reads = (async () => {
      while (writing) {
        await rows.findOne({ id: 'r0-0' });
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const at = new Date('2026-03-01T00:00:00Z');
    let largest = 0;
    for (let round = 0; round < 40; round += 1) {
      await Promise.all(Array.from({ length: 100 }, (_, index) => rows.insertOne({ id: `r${round}-${index}`, n: index, tag: 'x'.repeat(500), at })));
      largest = Math.max(largest, (await stat(path.join(dataDir, `${DATA_FILE}-wal`))).size);
    }
    writing = false;
    await reads;
    expect(await rows.count({})).toBe(4_000);
    // At most one batch past the limit: 100 rows of half a kilobyte, and their index entries.
    expect(largest).toBeLessThan(limit + 512 * 1024);
    await driver.close();
  });

  it('keeps exactly the indexes the specs name, rebuilding one whose options changed', async () => {
    const indexesOf = (db: Database.Database) =>
      (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rows' ORDER BY name").all() as { name: string; sql: string }[]).map(
        ({ name, sql }) => `${name} ${/UNIQUE/.test(sql) ? 'unique' : ''}${/WHERE/.test(sql) ? 'partial' : ''}`.trim(),
      );
    const first = await openSqliteDriver(dataDir);
    await first.collection<Row>({ name: 'rows', indexes: [{ fields: ['id'], unique: true }, { fields: ['tag'] }, { fields: ['n', 'at'] }] });
    await first.close();
    const second = await openSqliteDriver(dataDir);
    const rows = await second.collection<Row>({ name: 'rows', indexes: [{ fields: ['id'], unique: true }, { fields: ['tag'], unique: true, notNull: true }] });
    await rows.insertOne({ id: 'a', n: 1, tag: null, at: new Date() });
    await rows.insertOne({ id: 'b', n: 1, tag: null, at: new Date() });
    await second.close();
    const db = new Database(path.join(dataDir, DATA_FILE), { readonly: true });
    expect(indexesOf(db)).toEqual(['rows(id) unique', 'rows(tag) uniquepartial']);
    db.close();
  });

  it('backs up while open into a file that opens as a data dir', async () => {
    const driver = await openSqliteDriver(dataDir);
    const rows = await driver.collection<Row>({ name: 'rows', indexes: [{ fields: ['id'], unique: true }] });
    const at = new Date('2026-03-01T00:00:00Z');
    await rows.insertOne({ id: 'a', n: 1, tag: '\u0001not a date', at });
    const copy = await mkdtemp(path.join(tmpdir(), 'shoutout-sqlite-copy-'));
    try {
      await driver.backup!(path.join(copy, 'backup.sqlite'));
      await rows.insertOne({ id: 'b', n: 2, tag: null, at });
      await driver.close();
      await rename(path.join(copy, 'backup.sqlite'), path.join(copy, DATA_FILE));
      const restored = await openSqliteDriver(copy);
      const again = await restored.collection<Row>({ name: 'rows', indexes: [{ fields: ['id'], unique: true }] });
      expect(await again.find({}, { sort: { id: 1 } })).toEqual([{ id: 'a', n: 1, tag: '\u0001not a date', at }]);
      await restored.close();
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
