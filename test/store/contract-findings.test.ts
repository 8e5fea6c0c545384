import { type Collection, ContractError, cond, type Driver, DuplicateKeyError, type IndexSpec, insertOrUpdate } from '../../server/src/store/driver';
import { insertOnce } from '../../server/src/store/insert-once';
import { adaptersUnderTest } from '../helpers/store';

/**
 * What a reading of the MongoDB adapter against MongoDB's documented behaviour found (issue 29),
 * each as a case both adapters must answer alike: run with MONGODB_URI set, these say at once
 * whether a real server does what the contract promises.
 */
interface Row {
  id: string;
  tenant: string;
  n: number;
  tag: string | null;
}

const row = (id: string, extra: Partial<Row> = {}): Row => ({ id, tenant: 't1', n: 0, tag: null, ...extra });
/** A row stored without `tag` at all, as a document written before the field existed would be. */
const rowWithoutTag = (id: string): Row => ({ id, tenant: 't1', n: 0 }) as Row;

function onEachAdapter(title: string, body: (collection: (indexes?: IndexSpec<Row>[]) => Promise<Collection<Row>>) => void) {
  describe.each(adaptersUnderTest)(`${title} on $name`, (adapter) => {
    let driver: Driver;
    let destroy: () => Promise<void>;
    let counter = 0;
    beforeAll(async () => {
      ({ driver, destroy } = await adapter.open());
    });
    afterAll(async () => {
      await driver?.close();
      await destroy?.();
    });
    body((indexes = []) => driver.collection<Row>({ name: `findings_${(counter += 1)}`, indexes: [{ fields: ['id'], unique: true }, ...indexes] }));
  });
}

const idsOf = (rows: Row[]) => rows.map((doc) => doc.id);

onEachAdapter('contract findings', (collection) => {
  it('matches explicit nulls alike with equality, $in, $ne, $nin and countBy', async () => {
    const rows = await collection([{ fields: ['tag'] }]);
    for (const [id, tag] of [['a', null], ['b', 'x'], ['c', null], ['d', 'y']] as const) await rows.insertOne(row(id, { tag }));
    const sorted = { sort: { id: 1 } } as const;
    expect(idsOf(await rows.find({ tag: null }, sorted))).toEqual(['a', 'c']);
    expect(idsOf(await rows.find({ tag: cond({ $in: [null, 'y'] }) }, sorted))).toEqual(['a', 'c', 'd']);
    expect(idsOf(await rows.find({ tag: cond({ $ne: null }) }, sorted))).toEqual(['b', 'd']);
    expect(idsOf(await rows.find({ tag: cond({ $nin: [null, 'x'] }) }, sorted))).toEqual(['d']);
    expect(await rows.countBy({}, 'tag')).toEqual(new Map([[null, 2], ['x', 1], ['y', 1]]));
  });

  it('refuses null under a unique index that is not notNull, and a second equal key', async () => {
    const rows = await collection([{ fields: ['tenant', 'tag'], unique: true }]);
    await expect(rows.insertOne(row('a', { tag: null }))).rejects.toBeInstanceOf(ContractError);
    await rows.insertOne(row('a', { tag: 'x' }));
    await expect(rows.insertOne(row('b', { tag: 'x' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    await rows.insertOne(row('c', { tenant: 't2', tag: 'x' }));
    await expect(rows.updateOne({ id: 'c' }, { $set: { tenant: 't1' } })).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(rows.updateOne({ id: 'c' }, { $set: { tag: null } })).rejects.toBeInstanceOf(ContractError);
  });

  it('refuses an empty update before the store (MongoDB 4.4 fails on an empty $set) and changes nothing', async () => {
    const rows = await collection();
    await rows.insertOne(row('a', { n: 3, tag: 'x' }));
    await expect(rows.updateOne({ id: 'a' }, { $set: {} })).rejects.toBeInstanceOf(ContractError);
    await expect(rows.updateMany({ tenant: 't1' }, {})).rejects.toBeInstanceOf(ContractError);
    expect(await rows.findOne({ id: 'a' })).toEqual(row('a', { n: 3, tag: 'x' }));
  });

  it('reads a write back at once, and the winner of an insert race from the loser', async () => {
    const rows = await collection([{ fields: ['tenant', 'tag'], unique: true }]);
    await rows.insertOne(row('a', { tag: 'k' }));
    expect(await rows.findOne({ id: 'a' }, { fresh: true })).toEqual(row('a', { tag: 'k' }));
    expect(await rows.updateOne({ id: 'a' }, { $inc: { n: 1 } })).toMatchObject({ n: 1 });
    expect(await rows.findOne({ id: 'a' })).toMatchObject({ n: 1 });

    const key = { tenant: 't1', tag: 'race' };
    const racers = Array.from({ length: 10 }, (_, index) => row(`r${index}`, { tag: 'race', n: index }));
    const once = await Promise.all(racers.map((racer) => insertOnce(rows, racer, key)));
    const winner = once.find((result) => result.created)!.doc;
    expect(once.filter((result) => result.created)).toHaveLength(1);
    for (const result of once) expect(result.doc).toEqual(winner);
    // A loser whose condition does not match gets the stored document from its re-read.
    const lost = await insertOrUpdate(rows, row('late', { tag: 'race' }), key, { $set: { n: 99 } }, { ...key, n: cond({ $lt: -1 }) });
    expect(lost).toEqual({ doc: winner, created: false });
  });
});

// Rules the storage contract gained with the SQLite store (issue 24): one answer on every adapter.
onEachAdapter('contract findings, rules of the new store', (collection) => {
  it('treats a missing field as null in filters, countBy and unique indexes', async () => {
    const rows = await collection([{ fields: ['tag'] }]);
    await rows.insertOne(row('a'));
    await rows.insertOne(rowWithoutTag('b'));
    await rows.insertOne(row('c', { tag: 'x' }));
    expect(await rows.count({ tag: null })).toBe(2);
    expect(await rows.count({ tag: cond({ $in: [null] }) })).toBe(2);
    expect(await rows.count({ tag: cond({ $ne: null }) })).toBe(1);
    expect(await rows.count({ tag: cond({ $nin: [null] }) })).toBe(1);
    expect(await rows.countBy({}, 'tag')).toEqual(new Map([[null, 2], ['x', 1]]));

    const unique = await collection([{ fields: ['tenant', 'tag'], unique: true }]);
    await expect(unique.insertOne(rowWithoutTag('b'))).rejects.toBeInstanceOf(ContractError);
  });

  it('lets a notNull unique index hold any number of unset documents, and refuses a second set value', async () => {
    const rows = await collection([{ fields: ['tenant', 'tag'], unique: true, notNull: true }]);
    await rows.insertOne(row('a'));
    await rows.insertOne(row('b'));
    await rows.insertOne(rowWithoutTag('c'));
    await rows.insertOne(row('d', { tag: 'x' }));
    await expect(rows.insertOne(row('e', { tag: 'x' }))).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(rows.updateOne({ id: 'a' }, { $set: { tag: 'x' } })).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await rows.findOne({ tenant: 't1', tag: 'x' })).toEqual(row('d', { tag: 'x' }));
  });

  it('refuses a sort that does not end with a unique field, whose ties each adapter would order its own way', async () => {
    const rows = await collection();
    await rows.insertOne(row('a'));
    await expect(rows.find({}, { sort: { n: 1 } })).rejects.toThrow();
    await expect(rows.find({}, { sort: { n: 1, id: 1 } })).resolves.toHaveLength(1);
  });

  it('refuses field names MongoDB reads as operators or paths', async () => {
    const rows = await collection();
    await expect(rows.insertOne({ ...row('a'), $where: 1 } as Row)).rejects.toThrow();
    await expect(rows.insertOne({ ...row('b'), 'a.b': 1 } as Row)).rejects.toThrow();
    await rows.insertOne(row('c'));
    await expect(rows.updateOne({ id: 'c' }, { $set: { 'tag.x': 'y' } as Partial<Row> })).rejects.toThrow();
    expect(await rows.count({})).toBe(1);
  });
});
