import type { IndexDescriptionInfo } from 'mongodb';
import { createStore } from '../../server/src/store';
import type { CollectionSpec, Driver } from '../../server/src/store/driver';
import { planIndexes } from '../../server/src/store/mongo-indexes';

// What listIndexes answers (mongod 5–8), as the driver deserialises it.
const ID_INDEX: IndexDescriptionInfo = { v: 2, key: { _id: 1 }, name: '_id_' };
const index = (name: string, key: Record<string, number>, options: Partial<IndexDescriptionInfo> = {}): IndexDescriptionInfo => ({ v: 2, key, name, ...options });

interface Row {
  id: string;
  orgId: string;
  email: string | null;
  createdAt: Date;
}

describe('planIndexes', () => {
  it('creates every declared index on a new collection, named as the driver names them', () => {
    const plan = planIndexes<Row>('rows', [], [{ fields: ['id'], unique: true }, { fields: ['orgId', 'createdAt'] }]);
    expect(plan).toEqual({
      drop: [],
      create: [
        { name: 'id_1', key: { id: 1 }, unique: true },
        { name: 'orgId_1_createdAt_1', key: { orgId: 1, createdAt: 1 } },
      ],
    });
  });

  it('leaves indexes that match their spec, and _id_, alone', () => {
    const existing = [ID_INDEX, index('id_1', { id: 1 }, { unique: true }), index('orgId_1_createdAt_1', { orgId: 1, createdAt: 1 })];
    expect(planIndexes<Row>('rows', existing, [{ fields: ['id'], unique: true }, { fields: ['orgId', 'createdAt'] }])).toEqual({ drop: [], create: [] });
  });

  it('drops indexes no spec names any more', () => {
    const existing = [ID_INDEX, index('id_1', { id: 1 }, { unique: true }), index('email_1', { email: 1 }), index('by_hand', { orgId: -1 })];
    expect(planIndexes<Row>('rows', existing, [{ fields: ['id'], unique: true }])).toEqual({
      drop: [
        { name: 'email_1', reason: 'undeclared' },
        { name: 'by_hand', reason: 'undeclared' },
      ],
      create: [],
    });
  });

  it('rebuilds an index whose options changed: unique, partial, or made by hand with others', () => {
    const notNull = { partialFilterExpression: { orgId: { $type: expect.any(Array) }, email: { $type: expect.any(Array) } } };
    const specs = [{ fields: ['id' as const] }, { fields: ['orgId' as const, 'email' as const], unique: true, notNull: true }, { fields: ['createdAt' as const] }];
    const existing = [ID_INDEX, index('id_1', { id: 1 }, { unique: true }), index('orgId_1_email_1', { orgId: 1, email: 1 }, { unique: true }), index('createdAt_1', { createdAt: 1 }, { expireAfterSeconds: 60 })];
    const plan = planIndexes<Row>('rows', existing, specs);
    expect(plan.drop).toEqual([
      { name: 'id_1', reason: 'options changed' },
      { name: 'orgId_1_email_1', reason: 'options changed' },
      { name: 'createdAt_1', reason: 'options changed' },
    ]);
    expect(plan.create).toEqual([
      { name: 'id_1', key: { id: 1 } },
      { name: 'orgId_1_email_1', key: { orgId: 1, email: 1 }, unique: true, ...notNull },
      { name: 'createdAt_1', key: { createdAt: 1 } },
    ]);
    // Once built, the partial index is recognised as it comes back from listIndexes.
    const built = plan.create.map(({ name, key, ...options }) => index(name, key as Record<string, number>, options as Partial<IndexDescriptionInfo>));
    expect(planIndexes<Row>('rows', [ID_INDEX, ...built], specs)).toEqual({ drop: [], create: [] });
  });

  it('indexes under notNull only documents whose fields all hold a value', () => {
    const [created] = planIndexes<Row>('rows', [], [{ fields: ['email'], unique: true, notNull: true }]).create;
    const types = (created.partialFilterExpression as { email: { $type: string[] } }).email.$type;
    expect(types).not.toContain('null');
    expect(types).toEqual(expect.arrayContaining(['string', 'double', 'int', 'long', 'decimal', 'bool', 'date', 'object', 'array']));
  });

  it('rebuilds an index of the same name on other fields or in another order', () => {
    const plan = planIndexes<Row>('rows', [index('orgId_1_email_1', { email: 1, orgId: 1 })], [{ fields: ['orgId', 'email'] }]);
    expect(plan.drop).toEqual([{ name: 'orgId_1_email_1', reason: 'options changed' }]);
    expect(plan.create).toEqual([{ name: 'orgId_1_email_1', key: { orgId: 1, email: 1 } }]);
  });

  it('refuses two specs on the same fields with different options, and merges identical ones', () => {
    expect(() => planIndexes<Row>('rows', [], [{ fields: ['email'] }, { fields: ['email'], unique: true }])).toThrow('rows: two indexes on email with different options');
    expect(planIndexes<Row>('rows', [], [{ fields: ['email'] }, { fields: ['email'] }]).create).toEqual([{ name: 'email_1', key: { email: 1 } }]);
  });

  it('plans every collection the repositories declare', async () => {
    const specs: CollectionSpec<object>[] = [];
    const recording = {
      kind: 'mongodb',
      location: 'nowhere',
      async collection(spec: CollectionSpec<object>) {
        specs.push(spec);
        return {} as never;
      },
      ping: async () => {},
      close: async () => {},
    } as Driver;
    await createStore(recording);
    expect(specs.length).toBeGreaterThan(10);
    // Each collection's indexes are reconciled against one spec: a second would drop the first's.
    expect(new Set(specs.map((spec) => spec.name)).size).toBe(specs.length);
    for (const spec of specs) {
      const { create } = planIndexes(spec.name, [], spec.indexes);
      expect(create.length).toBeGreaterThan(0);
      expect(planIndexes(spec.name, [ID_INDEX, ...create.map(({ name, key, ...options }) => index(name, key as Record<string, number>, options))], spec.indexes)).toEqual({ drop: [], create: [] });
    }
  });
});
