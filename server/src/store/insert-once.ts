import { type Collection, DuplicateKeyError, type Filter } from './driver';

/**
 * Inserts a document unless its unique key is taken, in which case the stored one is returned: the
 * unique index decides who wrote first, so redelivered events and retried calls write nothing twice.
 */
export async function insertOnce<T extends object>(collection: Collection<T>, doc: T, key: Filter<T>): Promise<{ doc: T; created: boolean }> {
  try {
    await collection.insertOne(doc);
    return { doc, created: true };
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
  }
  const stored = await collection.findOne(key, { fresh: true });
  if (!stored) throw new Error('insertOnce: the conflicting document disappeared');
  return { doc: stored, created: false };
}
