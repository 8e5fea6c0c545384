import { createStore } from '../../server/src/store';
import { type Collection, ContractError, cond, type Driver, DuplicateKeyError, type Filter, insertOrUpdate } from '../../server/src/store/driver';
import { adaptersUnderTest, mongodbUri } from '../helpers/store';

interface Row {
  id: string;
  tenant: string;
  live: boolean;
  n: number;
  tag: string | null;
  at: Date;
}

console.info(
  `storage contract: covering ${adaptersUnderTest.map((adapter) => adapter.name).join(' and ')}` +
    (mongodbUri ? '' : ' (set MONGODB_URI to cover MongoDB too)'),
);

describe.each(adaptersUnderTest)('storage contract on $name', (adapter) => {
  let driver: Driver;
  let reopen: () => Promise<Driver>;
  let destroy: () => Promise<void>;
  let rows: Collection<Row>;
  let counter = 0;
  const spec = () => ({
    name: `rows_${(counter += 1)}`,
    indexes: [{ fields: ['id' as const], unique: true }, { fields: ['tenant' as const, 'live' as const, 'tag' as const], unique: true, notNull: true }],
  });
  const row = (id: string, extra: Partial<Row> = {}): Row => ({ id, tenant: 't1', live: true, n: 0, tag: id, at: new Date('2026-01-01T00:00:00Z'), ...extra });

  beforeAll(async () => {
    ({ driver, reopen, destroy } = await adapter.open());
  });
  afterAll(async () => {
    // Unset when the adapter could not be opened: that failure is the one to read.
    await driver?.close();
    await destroy?.();
  });
  beforeEach(async () => {
    rows = await driver.collection<Row>(spec());
  });

  it('round-trips documents with dates, booleans and nulls, without adapter ids', async () => {
    const doc = row('a', { tag: null, n: 1.5 });
    await rows.insertOne(doc);
    expect(doc).not.toHaveProperty('_id');
    const found = await rows.findOne({ id: 'a' });
    expect(found).toEqual(doc);
    expect(found?.at).toBeInstanceOf(Date);
    expect(await rows.findOne({ id: 'missing' })).toBeNull();
  });

  it('enforces unique indexes, including compound ones', async () => {
    await rows.insertOne(row('a'));
    await expect(rows.insertOne(row('a', { tag: 'other' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(rows.insertOne(row('b', { tag: 'a' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    await rows.insertOne(row('c', { tag: 'a', live: false }));
    expect(await rows.count({})).toBe(2);
  });

  it('filters with equality, $in, $ne and ranges, sorts and limits', async () => {
    for (let index = 0; index < 5; index += 1) await rows.insertOne(row(`r${index}`, { n: index, at: new Date(Date.UTC(2026, 0, index + 1)) }));
    expect((await rows.find({ n: cond({ $gte: 1, $lt: 3 }) }, { sort: { n: 1, id: 1 } })).map((doc) => doc.id)).toEqual(['r1', 'r2']);
    expect((await rows.find({ id: cond({ $in: ['r0', 'r4', 'zz'] }) }, { sort: { n: -1, id: 1 } })).map((doc) => doc.id)).toEqual(['r4', 'r0']);
    expect(await rows.count({ id: cond({ $ne: 'r0' }) })).toBe(4);
    expect(await rows.count({ at: cond({ $gte: new Date(Date.UTC(2026, 0, 3)) }) })).toBe(3);
    expect((await rows.find({}, { sort: { n: -1, id: -1 }, limit: 2 })).map((doc) => doc.n)).toEqual([4, 3]);
  });

  it('sorts on two fields and matches a date by equality and strings by range, as keyset paging needs', async () => {
    const early = new Date('2026-01-01T00:00:00.001Z');
    const late = new Date('2026-01-01T00:00:00.002Z');
    for (const [id, at] of [['a', early], ['b', late], ['c', early], ['d', late], ['e', early]] as const) await rows.insertOne(row(id, { at }));
    const newestFirst = { sort: { at: -1, id: -1 } } as const;
    expect((await rows.find({}, newestFirst)).map((doc) => doc.id)).toEqual(['d', 'b', 'e', 'c', 'a']);
    expect((await rows.find({ at: new Date(early), id: cond({ $lt: 'e' }) }, newestFirst)).map((doc) => doc.id)).toEqual(['c', 'a']);
    expect((await rows.find({ at: cond({ $lt: late }) }, { ...newestFirst, limit: 2 })).map((doc) => doc.id)).toEqual(['e', 'c']);
  });

  it('refuses undefined in a filter or update, and keeps an undefined field out of a document, across a restart', async () => {
    const name = `undefined_${counter}`;
    const indexes = [{ fields: ['id' as const], unique: true }];
    const stored = await driver.collection<Row>({ name, indexes });
    await stored.insertOne({ ...row('a'), tag: undefined as unknown as string });
    await expect(stored.find({ tag: undefined })).rejects.toThrow(`${name}: filter.tag is undefined`);
    await expect(stored.findOne({ id: 'a', n: cond<number>({ $gt: undefined }) })).rejects.toThrow('filter.n.$gt is undefined');
    await expect(stored.count({ tag: undefined })).rejects.toThrow('filter.tag is undefined');
    await expect(stored.deleteMany({ tag: undefined })).rejects.toThrow('filter.tag is undefined');
    await expect(stored.updateOne({ id: 'a' }, { $set: { n: undefined } })).rejects.toThrow('update.$set.n is undefined');
    await expect(stored.updateMany({ id: 'a' }, { $set: { n: undefined } })).rejects.toThrow('update.$set.n is undefined');
    expect(await stored.findOne({ id: 'a' })).toMatchObject({ id: 'a', n: 0 });
    await driver.close();
    driver = await reopen();
    const again = await driver.collection<Row>({ name, indexes });
    const reread = await again.findOne({ id: 'a' });
    expect(reread).toMatchObject({ id: 'a', n: 0 });
    expect(reread).not.toHaveProperty('tag');
  });

  it('counts matches per value of a field in one query', async () => {
    for (const [id, tenant, n] of [['a', 't1', 1], ['b', 't1', 2], ['c', 't2', 3], ['d', 't1', 9]] as const) {
      await rows.insertOne(row(id, { tenant, n }));
    }
    const counts = await rows.countBy({ n: cond({ $lt: 5 }) }, 'tenant');
    expect(counts).toEqual(new Map([['t1', 2], ['t2', 1]]));
    expect(await rows.countBy({ n: cond({ $gt: 100 }) }, 'tenant')).toEqual(new Map());
  });

  it('updates atomically and returns the stored document afterwards', async () => {
    await rows.insertOne(row('a'));
    const updated = await rows.updateOne({ id: 'a' }, { $set: { tag: 'x' }, $inc: { n: 2 } });
    expect(updated).toEqual({ ...row('a'), tag: 'x', n: 2 });
    expect(await rows.updateOne({ id: 'nope' }, { $set: { tag: 'y' } })).toBeNull();
    await Promise.all(Array.from({ length: 50 }, () => rows.updateOne({ id: 'a' }, { $inc: { n: 1 } })));
    expect((await rows.findOne({ id: 'a' }))?.n).toBe(52);
  });

  it('refuses an update that would break a unique index', async () => {
    await rows.insertOne(row('a'));
    await rows.insertOne(row('b'));
    await expect(rows.updateOne({ id: 'b' }, { $set: { tag: 'a' } })).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await rows.findOne({ id: 'b' }))?.tag).toBe('b');
  });

  it('updates and deletes many', async () => {
    for (const id of ['a', 'b', 'c']) await rows.insertOne(row(id, { live: id !== 'c' }));
    expect(await rows.updateMany({ live: true }, { $set: { n: 7 } })).toBe(2);
    expect(await rows.count({ n: 7 })).toBe(2);
    expect(await rows.deleteMany({ live: true })).toBe(2);
    expect((await rows.find({})).map((doc) => doc.id)).toEqual(['c']);
  });

  it('insertOrUpdate settles concurrent writers on one document, keeping the newest by condition', async () => {
    const key = { tenant: 't1', live: true, tag: 'k' };
    const writes = Array.from({ length: 25 }, (_, index) =>
      insertOrUpdate(rows, row(`w${index}`, { tag: 'k', n: index }), key, { $set: { n: index } }, { ...key, n: cond({ $lte: index }) }),
    );
    const results = await Promise.all(writes);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const stored = await rows.find(key);
    expect(stored).toHaveLength(1);
    expect(stored[0].n).toBe(24);
  });

  it('finds one document by every field of a compound unique index, through updates and deletes, as a copy', async () => {
    await Promise.all(['a', 'b', 'c'].map((id) => rows.insertOne(row(id, { live: id !== 'b' }))));
    expect((await rows.findOne({ tag: 'a', tenant: 't1', live: true }))?.id).toBe('a');
    expect(await rows.findOne({ tenant: 't1', live: true, tag: 'b' })).toBeNull();
    expect((await rows.findOne({ tenant: 't1', live: false, tag: 'b' }))?.id).toBe('b');
    expect(await rows.findOne({ tenant: 't1', live: true, tag: null })).toBeNull();

    await rows.updateOne({ id: 'a' }, { $set: { tag: 'renamed' } });
    expect(await rows.findOne({ tenant: 't1', live: true, tag: 'a' })).toBeNull();
    const found = await rows.findOne({ tenant: 't1', live: true, tag: 'renamed' });
    expect(found?.id).toBe('a');
    found!.n = 99;
    expect(await rows.findOne({ id: 'a' })).toEqual(row('a', { tag: 'renamed' }));

    await rows.deleteMany({ id: 'c' });
    expect(await rows.findOne({ tenant: 't1', live: true, tag: 'c' })).toBeNull();
    // A condition other than plain equality is a query, not a key.
    expect((await rows.findOne({ tenant: 't1', live: true, tag: cond({ $ne: 'renamed' }) }))).toBeNull();
    expect((await rows.findOne({ tenant: 't1', live: cond({ $in: [false] }), tag: 'b' }))?.id).toBe('b');
  });

  it('answers equality, null and $in on non-unique indexes whose fields are often null, through updates, deletes and a restart', async () => {
    const spec = {
      name: `nullable_${(counter += 1)}`,
      indexes: [{ fields: ['id' as const], unique: true }, { fields: ['tenant' as const, 'live' as const, 'tag' as const] }, { fields: ['tag' as const] }],
    };
    const nullable = await driver.collection<Row>(spec);
    for (const [id, tag, live] of [['a', null, true], ['b', null, true], ['c', 'x', true], ['d', 'x', false]] as const) {
      await nullable.insertOne(row(id, { tag, live }));
    }
    const ids = async (filter: Parameters<typeof nullable.find>[0]) => (await nullable.find(filter, { sort: { id: 1 } })).map((doc) => doc.id);
    expect(await ids({ tenant: 't1', live: true, tag: null })).toEqual(['a', 'b']);
    expect(await ids({ tag: null })).toEqual(['a', 'b']);
    expect(await ids({ tag: cond({ $in: [null, 'x'] }) })).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids({ tenant: 't1', live: true, tag: 'x' })).toEqual(['c']);

    expect((await nullable.updateOne({ id: 'a' }, { $set: { tag: 'x' } }))?.tag).toBe('x');
    expect((await nullable.updateOne({ tenant: 't1', live: true, tag: 'x', id: 'c' }, { $set: { tag: null } }))?.tag).toBeNull();
    expect(await ids({ tenant: 't1', live: true, tag: 'x' })).toEqual(['a']);
    expect(await ids({ tenant: 't1', live: true, tag: null })).toEqual(['b', 'c']);
    expect(await nullable.count({ tag: cond({ $ne: null }) })).toBe(2);

    await driver.close();
    driver = await reopen();
    const again = await driver.collection<Row>(spec);
    expect(await again.deleteMany({ tag: null })).toBe(2);
    expect((await again.find({ tag: 'x' }, { sort: { id: 1 } })).map((doc) => doc.id)).toEqual(['a', 'd']);
    expect(await again.count({ tenant: 't1', live: true, tag: null })).toBe(0);
    expect(await again.count({ tag: cond({ $in: [null] }) })).toBe(0);
  });

  it('answers findOne on the same fields by each call’s own values, null and operators, in any field order', async () => {
    const march = new Date('2026-03-01T00:00:00Z');
    await rows.insertOne(row('a', { tag: null, live: false }));
    await rows.insertOne(row('b', { tag: 'x', at: march }));
    await rows.insertOne(row('c', { tag: 'y', tenant: 't2' }));
    const idOf = async (filter: Filter<Row>) => (await rows.findOne(filter))?.id ?? null;
    expect(await idOf({ tenant: 't1', tag: 'x' })).toBe('b');
    expect(await idOf({ tenant: 't2', tag: 'y' })).toBe('c');
    expect(await idOf({ tenant: 't1', tag: 'y' })).toBeNull();
    expect(await idOf({ tenant: 't1', tag: null })).toBe('a');
    expect(await idOf({ tenant: 't2', tag: cond({ $ne: null }) })).toBe('c');
    expect(await idOf({ tenant: 't1', tag: cond({ $in: ['x', 'z'] }) })).toBe('b');
    expect(await idOf({ tag: 'x', tenant: 't1' })).toBe('b');
    expect(await idOf({ live: false })).toBe('a');
    expect(await idOf({ live: true, tenant: 't2' })).toBe('c');
    expect(await idOf({ at: march })).toBe('b');
    expect(await idOf({ at: new Date('2026-01-01T00:00:00Z'), tenant: 't2' })).toBe('c');
  });

  it('keeps compound unique indexes working across a restart', async () => {
    const name = `compound_${counter}`;
    const indexes = spec().indexes;
    const persisted = await driver.collection<Row>({ name, indexes });
    await Promise.all(Array.from({ length: 50 }, (_, index) => persisted.insertOne(row(`r${index}`, { live: index % 2 === 0 }))));
    await driver.close();
    driver = await reopen();
    const again = await driver.collection<Row>({ name, indexes });
    expect((await again.findOne({ tenant: 't1', live: false, tag: 'r7' }))?.id).toBe('r7');
    expect(await again.findOne({ tenant: 't1', live: true, tag: 'r7' })).toBeNull();
    await expect(again.insertOne(row('other', { tag: 'r8' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    await again.insertOne(row('other', { tag: 'r8', live: false }));
  });

  it('keeps acknowledged writes across a restart', async () => {
    const name = `persist_${counter}`;
    const persisted = await driver.collection<Row>({ name, indexes: [{ fields: ['id'], unique: true }] });
    await persisted.insertOne(row('kept', { n: 1 }));
    await persisted.updateOne({ id: 'kept' }, { $inc: { n: 1 } });
    await driver.close();
    driver = await reopen();
    const again = await driver.collection<Row>({ name, indexes: [{ fields: ['id'], unique: true }] });
    expect(await again.findOne({ id: 'kept' })).toEqual(row('kept', { n: 2 }));
    await expect(again.insertOne(row('kept'))).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('works on a collection whose only unique index is compound, or on another field than id', async () => {
    const keyed = await driver.collection<Row>({ name: `keyed_${(counter += 1)}`, indexes: [{ fields: ['tenant', 'live', 'tag'], unique: true }] });
    await keyed.insertOne(row('a'));
    await keyed.insertOne(row('b', { tag: 'a', live: false }));
    await expect(keyed.insertOne(row('c', { tag: 'a' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await keyed.findOne({ live: false, tag: 'a', tenant: 't1' }))?.id).toBe('b');
    expect((await keyed.find({ tenant: 't1', tag: 'a' }, { sort: { live: -1 } })).map((doc) => doc.id)).toEqual(['a', 'b']);

    const key = { tenant: 't1', live: true, tag: 'a' };
    expect((await keyed.updateOne({ ...key, n: cond({ $lt: 0 }) }, { $set: { n: 5 } }))).toBeNull();
    expect((await keyed.updateOne({ ...key, n: cond({ $gte: 0 }) }, { $set: { n: 5, tenant: 't1' } }))?.n).toBe(5);
    expect(await keyed.updateMany({ tenant: 't1' }, { $inc: { n: 1 } })).toBe(2);
    expect(await keyed.findOne(key)).toEqual(row('a', { n: 6 }));
    expect(await keyed.deleteMany({ ...key, id: 'a' })).toBe(1);
    expect(await keyed.findOne(key)).toBeNull();

    const events = await driver.collection<{ eventId: string; n: number }>({ name: `events_${counter}`, indexes: [{ fields: ['eventId'], unique: true }] });
    await events.insertOne({ eventId: 'evt_1', n: 1 });
    await expect(events.insertOne({ eventId: 'evt_1', n: 2 })).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await events.find({ eventId: cond({ $in: ['evt_1', 'evt_2'] }) })).toEqual([{ eventId: 'evt_1', n: 1 }]);
  });

  it('keeps a compound-keyed collection across a restart', async () => {
    const spec = { name: `keyed_${(counter += 1)}`, indexes: [{ fields: ['tenant' as const, 'live' as const, 'tag' as const], unique: true }] };
    const keyed = await driver.collection<Row>(spec);
    await Promise.all(Array.from({ length: 20 }, (_, index) => keyed.insertOne(row(`r${index}`, { live: index % 2 === 0 }))));
    await keyed.updateOne({ tenant: 't1', live: false, tag: 'r3' }, { $inc: { n: 3 } });
    await driver.close();
    driver = await reopen();
    const again = await driver.collection<Row>(spec);
    expect(await again.findOne({ tenant: 't1', live: false, tag: 'r3' })).toEqual(row('r3', { live: false, n: 3 }));
    expect(await again.findOne({ tenant: 't1', live: true, tag: 'r3' })).toBeNull();
    await expect(again.insertOne(row('other', { tag: 'r4' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await again.count({})).toBe(20);
  });

  it('leases a document to one of many concurrent claimers, until the lease ends (conditional updateOne on a date)', async () => {
    await rows.insertOne(row('job', { at: new Date(0), tag: null }));
    const now = new Date('2026-06-01T12:00:00Z');
    const until = new Date(now.getTime() + 30_000);
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, claimer) => rows.updateOne({ id: 'job', at: cond({ $lte: now }) }, { $set: { at: until, tag: `holder${claimer}` } })),
    );
    const won = claims.filter((claim) => claim !== null);
    expect(won).toHaveLength(1);
    expect(await rows.findOne({ id: 'job' })).toEqual(won[0]);
    expect(await rows.updateOne({ id: 'job', at: cond({ $lte: new Date(until.getTime() - 1) }) }, { $set: { tag: 'early' } })).toBeNull();
    expect(await rows.updateOne({ id: 'job', at: cond({ $lte: until }) }, { $set: { tag: 'next' } })).toMatchObject({ tag: 'next' });
  });

  it('leases a webhook delivery to one instance at a time, and lets only the holder finish it', async () => {
    const store = await createStore(driver);
    const scope = { orgId: `org_lease${(counter += 1)}`, livemode: false };
    const now = new Date('2026-06-01T12:00:00Z');
    const id = `whd_${counter}`;
    await store.webhookDeliveries.insertOnce({
      ...scope,
      id,
      endpointId: `we_${counter}`,
      eventId: 'evt_1',
      eventType: 'creator.created',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      retryUntil: new Date(now.getTime() + 86_400_000),
      lastAttemptAt: null,
      responseStatus: null,
      latencyMs: null,
      responseExcerpt: null,
      createdAt: now,
    });
    expect((await store.webhookDeliveries.due(`we_${counter}`, now, 10)).map((due) => due.id)).toEqual([id]);
    const until = new Date(now.getTime() + 40_000);
    const leases = await Promise.all(['a', 'b', 'c', 'd'].map((holder) => store.webhookDeliveries.lease(id, holder, now, until)));
    const holders = leases.filter((lease) => lease !== null).map((lease) => lease!.leaseHolder);
    expect(holders).toHaveLength(1);
    expect(await store.webhookDeliveries.due(`we_${counter}`, now, 10)).toEqual([]);
    // A restart of the embedded store's one process ends every lease at once.
    expect(await store.webhookDeliveries.releaseAll()).toBeGreaterThanOrEqual(1);
    expect((await store.webhookDeliveries.due(`we_${counter}`, now, 10)).map((due) => due.id)).toEqual([id]);
    // A copy read before the delivery was put off is not leased before it is due again.
    expect(await store.webhookDeliveries.lease(id, 'a', new Date(now.getTime() - 1000), until)).toBeNull();
    expect(await store.webhookDeliveries.lease(id, holders[0]!, now, until)).toMatchObject({ leaseHolder: holders[0] });

    const result = { status: 'succeeded' as const, attempts: 1, nextAttemptAt: null, lastAttemptAt: now, responseStatus: 200, latencyMs: 5, responseExcerpt: 'ok' };
    const other = ['a', 'b', 'c', 'd'].find((holder) => holder !== holders[0])!;
    expect(await store.webhookDeliveries.finish(id, other, result)).toBeNull();
    // A holder that died: once its lease has ended, another instance takes the delivery over.
    expect(await store.webhookDeliveries.lease(id, other, until, new Date(until.getTime() + 40_000))).toMatchObject({ leaseHolder: other });
    expect(await store.webhookDeliveries.finish(id, holders[0]!, result)).toBeNull();
    expect(await store.webhookDeliveries.finish(id, other, result)).toMatchObject({ status: 'succeeded', leaseHolder: null });
    // Retention deletes a finished delivery, and only once it is older than the cutoff.
    expect(await store.webhookDeliveries.deleteFinishedBefore(now)).toBe(0);
    expect(await store.webhookDeliveries.deleteFinishedBefore(new Date(now.getTime() + 1))).toBeGreaterThanOrEqual(1);
    expect(await store.webhookDeliveries.get(scope, id)).toBeNull();
  });

  it('takes operators only from cond(): an operator-shaped value anywhere in a filter or update is refused, and changes nothing', async () => {
    await rows.insertOne(row('a'));
    await rows.insertOne(row('b'));
    // As an event's `"id": {"$ne": "x"}` would arrive: a value, never a condition.
    const fromOutside = JSON.parse('{"$ne": "x"}');
    const refused = [
      rows.find({ id: fromOutside }),
      rows.findOne({ id: fromOutside }),
      rows.count({ tag: JSON.parse('{"$in": ["a", "b"]}') }),
      rows.countBy({ id: fromOutside }, 'tenant'),
      rows.updateMany({ id: fromOutside }, { $set: { n: 9 } }),
      rows.updateOne({ id: fromOutside }, { $set: { n: 9 } }),
      rows.deleteMany({ id: fromOutside }),
      rows.find({ id: cond({ $in: [fromOutside] }) }),
      rows.find(JSON.parse('{"$where": "true"}')),
      rows.updateOne({ id: 'a' }, { $set: { tag: fromOutside } }),
      rows.updateOne({ id: 'a' }, { $set: { meta: { nested: [{ $gt: 1 }] } } as never }),
      rows.updateOne({ id: 'a' }, { $set: { tag: cond({ $ne: 'x' }) } as never }),
      rows.updateOne({ id: 'a' }, { $unset: { tag: 1 } } as never),
    ];
    for (const attempt of refused) await expect(attempt).rejects.toBeInstanceOf(ContractError);
    await expect(rows.find({ id: fromOutside })).rejects.toThrow(/filter\.id is an object with operators; conditions are made with cond\(\)/);
    await expect(rows.find({ tag: ['a'] } as never)).rejects.toThrow(/filter\.tag is an array/);
    expect(await rows.find({}, { sort: { id: 1 } })).toEqual([row('a'), row('b')]);
  });

  it('holds null and a missing field the same in equality, $ne, $in, $nin and countBy', async () => {
    const spec = { name: `missing_${(counter += 1)}`, indexes: [{ fields: ['id' as const], unique: true }, { fields: ['tag' as const] }] };
    const loose = await driver.collection<Row>(spec);
    await loose.insertOne(row('null', { tag: null }));
    const { tag: _left, ...withoutTag } = row('missing');
    await loose.insertOne(withoutTag as Row);
    await loose.insertOne(row('x', { tag: 'x' }));
    const ids = async (filter: Filter<Row>) => (await loose.find(filter, { sort: { id: 1 } })).map((doc) => doc.id);
    expect(await ids({ tag: null })).toEqual(['missing', 'null']);
    expect(await loose.count({ tag: null })).toBe(2);
    expect(await ids({ tag: cond({ $in: [null] }) })).toEqual(['missing', 'null']);
    expect(await ids({ tag: cond({ $ne: null }) })).toEqual(['x']);
    expect(await ids({ tag: cond({ $nin: [null] }) })).toEqual(['x']);
    expect(await ids({ tag: cond({ $ne: 'x' }) })).toEqual(['missing', 'null']);
    expect(await ids({ tag: cond({ $nin: ['x'] }) })).toEqual(['missing', 'null']);
    expect(await loose.countBy({}, 'tag')).toEqual(new Map([[null, 2], ['x', 1]]));
    expect(await loose.updateMany({ tag: null }, { $set: { n: 1 } })).toBe(2);
    expect(await loose.deleteMany({ tag: null })).toBe(2);
    expect(await ids({})).toEqual(['x']);
  });

  it('refuses null or a missing field in a unique index, unless the index leaves nulls out (notNull)', async () => {
    const strict = await driver.collection<Row>({ name: `strict_${(counter += 1)}`, indexes: [{ fields: ['id'], unique: true }, { fields: ['tenant', 'tag'], unique: true }] });
    await expect(strict.insertOne(row('a', { tag: null }))).rejects.toThrow(/document\.tag is null, but a unique index holds it/);
    const { tag: _left, ...withoutTag } = row('b');
    await expect(strict.insertOne(withoutTag as Row)).rejects.toBeInstanceOf(ContractError);
    await strict.insertOne(row('c'));
    await expect(strict.updateOne({ id: 'c' }, { $set: { tag: null } })).rejects.toThrow(/update\.\$set\.tag is null/);
    expect(await strict.find({}, { sort: { id: 1 } })).toEqual([row('c')]);

    const sparse = await driver.collection<Row>({
      name: `sparse_${(counter += 1)}`,
      indexes: [{ fields: ['id'], unique: true }, { fields: ['tenant', 'tag'], unique: true, notNull: true }],
    });
    await sparse.insertOne(row('a', { tag: null }));
    await sparse.insertOne(row('b', { tag: null }));
    await sparse.insertOne({ ...withoutTag, id: 'missing' } as Row);
    await sparse.insertOne(row('c', { tag: 'c' }));
    await expect(sparse.insertOne(row('d', { tag: 'c' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await sparse.updateOne({ id: 'c' }, { $set: { tag: null } })).toMatchObject({ id: 'c', tag: null });
    expect(await sparse.count({ tenant: 't1', tag: null })).toBe(4);
    await sparse.insertOne(row('d', { tag: 'c' }));
  });

  it('sorts only in a total order: the sort ends with the fields of a unique index the filter leaves open', async () => {
    await rows.insertOne(row('a', { n: 1 }));
    await rows.insertOne(row('b', { n: 1 }));
    await expect(rows.find({}, { sort: { n: 1 } })).rejects.toThrow(/does not end with the fields of a unique index/);
    await expect(rows.find({}, { sort: { id: 1, n: 1 } })).rejects.toBeInstanceOf(ContractError);
    // A notNull index does not order the documents it leaves out.
    await expect(rows.find({}, { sort: { tenant: 1, live: 1, tag: 1 } })).rejects.toBeInstanceOf(ContractError);
    expect((await rows.find({}, { sort: { n: 1, id: -1 } })).map((doc) => doc.id)).toEqual(['b', 'a']);
    const keyed = await driver.collection<Row>({ name: `keyed_${(counter += 1)}`, indexes: [{ fields: ['tenant', 'live', 'tag'], unique: true }] });
    await keyed.insertOne(row('x', { tag: 'k', live: true }));
    await keyed.insertOne(row('y', { tag: 'k', live: false }));
    expect((await keyed.find({ tenant: 't1', tag: 'k' }, { sort: { live: 1 } })).map((doc) => doc.id)).toEqual(['y', 'x']);
    await expect(keyed.find({ tenant: 't1' }, { sort: { live: 1 } })).rejects.toBeInstanceOf(ContractError);
    expect((await keyed.find({ tenant: 't1' }, { sort: { n: 1, live: 1, tag: 1 } })).map((doc) => doc.id)).toEqual(['y', 'x']);
  });

  it('refuses empty updates, invalid dates and non-finite numbers before the store', async () => {
    await rows.insertOne(row('a'));
    for (const update of [{}, { $set: {} }, { $inc: {} }, { $set: { n: 1 }, $inc: {} }]) {
      await expect(rows.updateOne({ id: 'a' }, update)).rejects.toThrow(/update(\.\$set|\.\$inc)? is empty|the update is empty/);
      await expect(rows.updateMany({ id: 'a' }, update)).rejects.toBeInstanceOf(ContractError);
    }
    const invalid = new Date(Number.NaN);
    await expect(rows.insertOne(row('b', { at: invalid }))).rejects.toThrow(/document\.at is an invalid date/);
    await expect(rows.insertOne(row('b', { at: new Date(Date.UTC(10000, 0, 1)) }))).rejects.toBeInstanceOf(ContractError);
    await expect(rows.insertOne(row('b', { n: Number.POSITIVE_INFINITY }))).rejects.toThrow(/document\.n is Infinity/);
    await expect(rows.insertOne(row('b', { n: Number.NaN }))).rejects.toBeInstanceOf(ContractError);
    await expect(rows.find({ at: invalid })).rejects.toThrow(/filter\.at is an invalid date/);
    await expect(rows.count({ at: cond({ $lt: invalid }) })).rejects.toBeInstanceOf(ContractError);
    await expect(rows.count({ n: cond({ $gt: Number.NaN }) })).rejects.toBeInstanceOf(ContractError);
    await expect(rows.updateOne({ id: 'a' }, { $set: { at: invalid } })).rejects.toBeInstanceOf(ContractError);
    await expect(rows.updateOne({ id: 'a' }, { $inc: { n: Number.POSITIVE_INFINITY } })).rejects.toBeInstanceOf(ContractError);
    expect(await rows.find({}, { sort: { id: 1 } })).toEqual([row('a')]);
  });

  it('compares and sorts dates across centuries, to the millisecond, and keeps strings that look like encodings as strings', async () => {
    const dates = ['0100-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '9999-12-31T23:59:59.999Z'];
    for (const [index, iso] of [...dates].reverse().entries()) await rows.insertOne(row(`d${index}`, { at: new Date(iso), tag: `\u0001${iso}` }));
    const sorted = await rows.find({}, { sort: { at: 1, id: 1 } });
    expect(sorted.map((doc) => doc.at.toISOString())).toEqual(dates);
    expect(sorted.map((doc) => doc.tag)).toEqual(dates.map((iso) => `\u0001${iso}`));
    expect(await rows.count({ at: cond({ $gte: new Date('1970-01-01T00:00:00.000Z'), $lt: new Date('9999-12-31T23:59:59.999Z') }) })).toBe(2);
    expect(await rows.count({ tag: `\u0001${dates[0]}` })).toBe(1);
    expect(await rows.count({ at: new Date(dates[0]) })).toBe(1);
  });

  it('assembles every domain repository over the adapter and answers ping', async () => {
    const store = await createStore(driver);
    await expect(store.ping()).resolves.toBeUndefined();
    expect(store.kind).toBe(adapter.name);
  });
});
