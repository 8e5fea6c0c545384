import { isDeepStrictEqual } from 'node:util';
import type { Document, IndexDescription, IndexDescriptionInfo } from 'mongodb';
import type { IndexSpec } from './driver';

/**
 * Every BSON type but null (and undefined, minKey, maxKey): what `notNull` indexes. A partial
 * filter cannot say `$ne: null`, and `$exists: true` would still index an explicit null.
 */
const NOT_NULL = {
  $type: ['double', 'string', 'object', 'array', 'binData', 'objectId', 'bool', 'date', 'regex', 'int', 'timestamp', 'long', 'decimal'],
};

/** Options that change what an index holds or refuses; an index that differs in one is rebuilt. */
const OPTIONS = ['unique', 'partialFilterExpression', 'sparse', 'expireAfterSeconds', 'collation'] as const;

export interface IndexPlan {
  /** Existing indexes to drop first, and why (an index of the same name may be created again). */
  drop: { name: string; reason: 'undeclared' | 'options changed' }[];
  create: (IndexDescription & { name: string })[];
}

/**
 * What to change so a collection's indexes are exactly those its spec declares, from what
 * listIndexes returns. Names are the driver's defaults (`orgId_1_id_1`), so indexes made by earlier
 * releases are recognised. `_id_` is MongoDB's own and stays.
 */
export function planIndexes<T>(collection: string, existing: IndexDescriptionInfo[], specs: IndexSpec<T>[]): IndexPlan {
  const wanted = new Map<string, IndexDescription & { name: string }>();
  for (const spec of specs) {
    const index = describe(spec);
    const twin = wanted.get(index.name);
    if (twin && !isDeepStrictEqual(twin, index)) throw new Error(`${collection}: two indexes on ${spec.fields.join(', ')} with different options`);
    wanted.set(index.name, index);
  }
  const plan: IndexPlan = { drop: [], create: [] };
  const kept = new Set<string>();
  for (const index of existing) {
    if (index.name === '_id_') continue;
    const declared = wanted.get(index.name ?? '');
    if (!declared) plan.drop.push({ name: index.name ?? '', reason: 'undeclared' });
    else if (!sameIndex(index, declared)) plan.drop.push({ name: declared.name, reason: 'options changed' });
    else kept.add(declared.name);
  }
  plan.create = [...wanted.values()].filter((index) => !kept.has(index.name));
  return plan;
}

function describe<T>(spec: IndexSpec<T>): IndexDescription & { name: string } {
  return {
    name: spec.fields.map((field) => `${field}_1`).join('_'),
    key: Object.fromEntries(spec.fields.map((field) => [field, 1])),
    ...(spec.unique && { unique: true }),
    ...(spec.notNull && { partialFilterExpression: Object.fromEntries(spec.fields.map((field) => [field, NOT_NULL])) }),
  };
}

function sameIndex(existing: IndexDescriptionInfo, wanted: IndexDescription): boolean {
  const existingKey = Object.entries(existing.key).map(([field, direction]) => [field, Number(direction)]);
  if (!isDeepStrictEqual(existingKey, Object.entries(wanted.key))) return false;
  const options = (index: Document) => OPTIONS.map((option) => (option === 'unique' ? index.unique === true : (index[option] ?? null)));
  return isDeepStrictEqual(options(existing), options(wanted));
}
