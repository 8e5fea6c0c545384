import { type Collection, cond, type Filter, type Sort } from './driver';

/** Documents that page newest first: by `createdAt`, ties by `id`. */
interface Timestamped {
  id: string;
  createdAt: Date;
}

const NEWEST_FIRST = { createdAt: -1, id: -1 } as const;

/**
 * One page of `where`, created in `[from, to)`, newest first (ties by id), from just after `after`
 * when given: a cursor that stays right while new documents arrive. The contract has no `$or`, so a
 * page that continues one is two queries: the rest of the cursor's own instant, then everything older.
 */
export async function pageNewestFirst<T extends Timestamped>(
  collection: Collection<T>,
  where: Filter<T>,
  { from, to }: { from?: Date; to?: Date },
  { limit, after }: { limit?: number; after?: T },
): Promise<T[]> {
  const sort = NEWEST_FIRST as Partial<Record<keyof T, 1 | -1>>;
  const createdIn = (start: Date | undefined, end: Date | undefined): Filter<T> =>
    (start || end ? { createdAt: cond({ ...(start && { $gte: start }), ...(end && { $lt: end }) }) } : {}) as Filter<T>;
  if (!after) return collection.find({ ...where, ...createdIn(from, to) }, { sort, limit });
  const cursorInRange = (!from || after.createdAt >= from) && (!to || after.createdAt < to);
  // By id alone: the instant is pinned, and SQLite would sort by it anyway rather than read in index order.
  const tieOrder = { id: -1 } as Sort<T>;
  const ties = cursorInRange ? await collection.find({ ...where, createdAt: after.createdAt, id: cond({ $lt: after.id }) } as Filter<T>, { sort: tieOrder, limit }) : [];
  if (limit !== undefined && ties.length >= limit) return ties;
  const olderThan = to && to < after.createdAt ? to : after.createdAt;
  const older = await collection.find({ ...where, ...createdIn(from, olderThan) }, { sort, limit: limit === undefined ? undefined : limit - ties.length });
  return [...ties, ...older];
}
