import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Datastore from '@seald-io/nedb';
import { deserialize, serialize } from '@seald-io/nedb/lib/model.js';
import { DuplicateKeyError } from '../../server/src/store/driver';
import { openEmbeddedDriver, serializeDocument } from '../../server/src/store/embedded';

describe('embedded store data-file lines', () => {
  const document = {
    _id: 'conv_0123456789abcdef01234567',
    orgId: 'org_8632b536efc43daea4ee4694',
    livemode: true,
    amount: 8000,
    ratio: 0.25,
    flag: null,
    skipped: undefined,
    createdAt: new Date('2026-11-22T01:02:03.456Z'),
    metadata: { note: 'a "quoted" line\nbreak', nested: { at: new Date(0), list: [1, 'two', null, undefined, new Date(5), { deep: new Date(7) }] } },
    tags: [],
    empty: {},
  };

  it('writes exactly the line NeDB itself writes, dates included', () => {
    expect(serializeDocument(document)).toBe(serialize(document));
    const withToJson = { _id: 'x', site: new URL('https://brand.test/a?b=1'), bare: Object.assign(Object.create(null), { at: new Date(9) }) };
    expect(serializeDocument(withToJson)).toBe(serialize(withToJson));
  });

  it('reads back through NeDB as the same document, with real dates', () => {
    const read = deserialize(serializeDocument(document)) as typeof document;
    // toEqual treats the dropped `skipped` as equal; inside an array, JSON turns undefined into null.
    const list = [1, 'two', null, null, new Date(5), { deep: new Date(7) }];
    expect(read).toEqual({ ...document, metadata: { ...document.metadata, nested: { ...document.metadata.nested, list } } });
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(read)).not.toContain('skipped');
  });
});

describe('embedded store files from earlier versions', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'shoutout-legacy-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  // Compaction writes documents in `_id` order.
  const linesOf = async (file: string) =>
    (await readFile(file, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => deserialize(line) as { _id: string })
      .sort((a, b) => (a._id < b._id ? -1 : 1));

  it('files documents with NeDB-generated keys under their id, once, and keeps ids unique', async () => {
    const file = path.join(directory, 'things.db');
    const legacy = [
      { $$indexCreated: { fieldName: 'id', unique: true, sparse: false } },
      { _id: 'nedbGeneratedKey1', id: 'thing_1', n: 1 },
      { _id: 'nedbGeneratedKey2', id: 'thing_2', n: 2 },
    ];
    await writeFile(file, legacy.map((doc) => `${serialize(doc)}\n`).join(''));
    const driver = await openEmbeddedDriver(directory);
    try {
      const things = await driver.collection<{ id: string; n: number }>({ name: 'things', indexes: [{ fields: ['id'], unique: true }] });
      expect(await linesOf(file)).toEqual([
        { _id: 'thing_1', id: 'thing_1', n: 1 },
        { _id: 'thing_2', id: 'thing_2', n: 2 },
      ]);
      expect(await things.findOne({ id: 'thing_2' })).toEqual({ id: 'thing_2', n: 2 });
      await expect(things.insertOne({ id: 'thing_1', n: 9 })).rejects.toBeInstanceOf(DuplicateKeyError);
      await things.insertOne({ id: 'thing_3', n: 3 });
      expect(await things.find({ id: { $in: ['thing_1', 'thing_3'] } }, { sort: { n: 1 } })).toEqual([
        { id: 'thing_1', n: 1 },
        { id: 'thing_3', n: 3 },
      ]);
      expect(await things.updateOne({ id: 'thing_1' }, { $inc: { n: 10 } })).toEqual({ id: 'thing_1', n: 11 });
    } finally {
      await driver.close();
    }
  });

  it('files a compound-keyed collection under its key and drops the index the file lists', async () => {
    const file = path.join(directory, 'bindings.db');
    const legacy = [
      { _id: 'nedbGeneratedKey1', orgId: 'org_1', livemode: true, user: 'u1', code: 'A' },
      { _id: 'nedbGeneratedKey2', orgId: 'org_1', livemode: false, user: 'u1', code: 'B' },
      { $$indexCreated: { fieldName: 'livemode,orgId,user', unique: true, sparse: false } },
    ];
    await writeFile(file, legacy.map((doc) => `${serialize(doc)}\n`).join(''));
    const spec = { name: 'bindings', indexes: [{ fields: ['orgId' as const, 'livemode' as const, 'user' as const], unique: true }] };
    type Binding = { orgId: string; livemode: boolean; user: string; code: string };
    const driver = await openEmbeddedDriver(directory);
    const bindings = await driver.collection<Binding>(spec);
    expect(await linesOf(file)).toEqual([
      { _id: '["org_1",false,"u1"]', orgId: 'org_1', livemode: false, user: 'u1', code: 'B' },
      { _id: '["org_1",true,"u1"]', orgId: 'org_1', livemode: true, user: 'u1', code: 'A' },
    ]);
    expect(await bindings.findOne({ orgId: 'org_1', livemode: false, user: 'u1' })).toEqual({ orgId: 'org_1', livemode: false, user: 'u1', code: 'B' });
    await expect(bindings.insertOne({ orgId: 'org_1', livemode: true, user: 'u1', code: 'C' })).rejects.toBeInstanceOf(DuplicateKeyError);
    await driver.close();

    // Opened again, nothing is left to rewrite.
    const before = await readFile(file, 'utf8');
    const reopened = await openEmbeddedDriver(directory);
    const again = await reopened.collection<Binding>(spec);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await again.count({ orgId: 'org_1' })).toBe(2);
    await reopened.close();
  });

  it('drops the index on id that a file lists when every id is already the NeDB key', async () => {
    const file = path.join(directory, 'things.db');
    const lines = [{ $$indexCreated: { fieldName: 'id', unique: true, sparse: false } }, { _id: 'thing_1', id: 'thing_1', n: 1 }];
    await writeFile(file, lines.map((line) => `${serialize(line)}\n`).join(''));
    const driver = await openEmbeddedDriver(directory);
    const things = await driver.collection<{ id: string; n: number }>({ name: 'things', indexes: [{ fields: ['id'], unique: true }] });
    expect(await things.findOne({ id: 'thing_1' })).toEqual({ id: 'thing_1', n: 1 });
    await expect(things.insertOne({ id: 'thing_1', n: 2 })).rejects.toBeInstanceOf(DuplicateKeyError);
    await driver.close();
    // Compacted on close: the file lists only the indexes that exist.
    expect(await readFile(file, 'utf8')).toBe(`${serialize({ _id: 'thing_1', id: 'thing_1', n: 1 })}\n`);
  });
});

describe('embedded store compaction', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'shoutout-compact-'));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  interface Row {
    id: string;
    orgId: string;
    livemode: boolean;
    code: string;
    at: Date;
    note: string | null;
  }
  const spec = {
    name: 'rows',
    indexes: [{ fields: ['id'], unique: true }, { fields: ['orgId', 'livemode', 'code'], unique: true }, { fields: ['note'] }],
  } as const satisfies { name: string; indexes: { fields: (keyof Row)[]; unique?: boolean }[] };

  it('writes the very lines NeDB’s own compaction writes, and reopens to the same documents', async () => {
    const driver = await openEmbeddedDriver(directory);
    const rows = await driver.collection<Row>({ ...spec, indexes: [...spec.indexes] });
    // More rows than one write of the rewrite carries (4,096 lines).
    await Promise.all(
      Array.from({ length: 5000 }, (_, i) => {
        const note = i % 3 ? null : 'a "note"\n';
        return rows.insertOne({ id: `row_${i}`, orgId: 'org_1', livemode: i % 2 === 0, code: `CODE${i}`, at: new Date(i * 1000), note });
      }),
    );
    await rows.updateOne({ id: 'row_7' }, { $set: { code: 'RENAMED' } });
    await rows.deleteMany({ id: { $in: ['row_8', 'row_9'] } });
    await driver.close();
    const ours = await readFile(path.join(directory, 'rows.db'), 'utf8');

    // NeDB, unpatched, loading that file and compacting it with its own writer.
    const copy = path.join(directory, 'copy.db');
    await writeFile(copy, ours);
    const stock = new Datastore({ filename: copy });
    await stock.loadDatabaseAsync();
    await stock.compactDatafileAsync();
    // NeDB writes documents in its tree's key order, the embedded store in its map's insertion order.
    const lines = (file: string) => file.split('\n').sort();
    expect(lines(ours)).toEqual(lines(await readFile(copy, 'utf8')));
    expect(ours.split('\n').filter((line) => line.includes('$$indexCreated'))).toHaveLength(2);

    const reopened = await openEmbeddedDriver(directory);
    const again = await reopened.collection<Row>({ ...spec, indexes: [...spec.indexes] });
    expect(await again.count({})).toBe(4998);
    expect(await again.findOne({ orgId: 'org_1', livemode: false, code: 'RENAMED' })).toEqual({
      id: 'row_7',
      orgId: 'org_1',
      livemode: false,
      code: 'RENAMED',
      at: new Date(7000),
      note: null,
    });
    await reopened.close();
  });

  it('writes an empty collection as a file that reopens empty', async () => {
    const driver = await openEmbeddedDriver(directory);
    await driver.collection<Row>({ name: 'rows', indexes: [] });
    await driver.close();
    expect(await readFile(path.join(directory, 'rows.db'), 'utf8')).toBe('');
    const reopened = await openEmbeddedDriver(directory);
    const rows = await reopened.collection<Row>({ name: 'rows', indexes: [] });
    expect(await rows.find({})).toEqual([]);
    await reopened.close();
  });
});
