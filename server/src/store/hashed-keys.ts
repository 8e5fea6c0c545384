import { compareThings } from '@seald-io/nedb/lib/model.js';

interface Entry {
  key: unknown;
  data: object[];
}

/**
 * What NeDB's indexes keep their keys in, as a hash map instead of its AVL tree: the same five
 * operations NeDB calls on a tree (`insert`, `delete`, `search`, `betweenBounds`,
 * `executeOnEveryNode`), with the same results. The embedded store only indexes fields it looks up
 * by equality (range indexes are left to a scan, see `openEmbeddedDriver`), and at 100k keys a
 * tree walk cost 6–10 µs per insert and 3–6 µs per search, a map 1 µs and less than one.
 *
 * Keys NeDB considers equal must land in one entry: strings, numbers, booleans and null are their
 * own map keys; a date, and a compound index's key (an object holding each of its fields), are
 * written as one string that no id, code or hash starts with.
 */
export class HashedKeys {
  private readonly entries = new Map<unknown, Entry>();

  constructor(private readonly unique: boolean) {}

  insert(key: unknown, document: object): void {
    const hashed = hashOf(key);
    const entry = this.entries.get(hashed);
    if (!entry) {
      this.entries.set(hashed, { key, data: [document] });
      return;
    }
    if (this.unique) {
      // The error NeDB's tree throws, which NeDB turns into `uniqueViolated`.
      throw Object.assign(new Error(`Can't insert key ${JSON.stringify(key)}, it violates the unique constraint`), { key, errorType: 'uniqueViolated' });
    }
    entry.data.push(document);
  }

  /** As the tree: one document out of a shared key, or else the whole key. */
  delete(key: unknown, document?: object): void {
    const hashed = hashOf(key);
    const entry = this.entries.get(hashed);
    if (!entry) return;
    if (entry.data.length > 1 && document !== undefined) entry.data = entry.data.filter((candidate) => candidate !== document);
    else this.entries.delete(hashed);
  }

  search(key: unknown): object[] {
    return this.entries.get(hashOf(key))?.data ?? [];
  }

  /** The documents whose key is within `$gt`/`$gte`/`$lt`/`$lte`, ordered by key as the tree gives them. */
  betweenBounds(bounds: { $gt?: unknown; $gte?: unknown; $lt?: unknown; $lte?: unknown }): object[] {
    const within = (key: unknown) =>
      (!('$gt' in bounds) || compareThings(key, bounds.$gt) > 0) &&
      (!('$gte' in bounds) || compareThings(key, bounds.$gte) >= 0) &&
      (!('$lt' in bounds) || compareThings(key, bounds.$lt) < 0) &&
      (!('$lte' in bounds) || compareThings(key, bounds.$lte) <= 0);
    return [...this.entries.values()]
      .filter((entry) => within(entry.key))
      .sort((left, right) => compareThings(left.key, right.key))
      .flatMap((entry) => entry.data);
  }

  /** Every key's documents, in the order the keys were first inserted. */
  executeOnEveryNode(visit: (node: Entry) => void): void {
    for (const entry of this.entries.values()) visit(entry);
  }
}

// U+0000 starts no value the service stores as a key; it keeps encoded keys apart from strings.
const ENCODED = '\u0000';

function hashOf(key: unknown): unknown {
  if (key === null || typeof key !== 'object') return key;
  return ENCODED + JSON.stringify(encoded(key));
}

function encoded(value: unknown): unknown {
  // JSON would write a missing field as null, which NeDB orders apart from it.
  if (value === undefined) return { $undefined: true };
  if (value instanceof Date) return { $date: value.getTime() };
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(encoded);
  // compareThings compares objects field by field in sorted name order, so equal keys may list them in any order.
  return Object.keys(value)
    .sort()
    .map((field) => [field, encoded((value as Record<string, unknown>)[field])]);
}
