import { LRUCache } from 'lru-cache';

/**
 * How long a cached record may be served. Writes made through this process update the cache at
 * once; with several instances on one MongoDB, a change made elsewhere (a revoked key, a
 * deactivated code) is seen within this time.
 */
export const READ_CACHE_TTL_MS = 5_000;

/**
 * A read-through cache for the records nearly every request reads and that rarely change (API
 * keys, orgs, promo codes, creators, campaigns). Misses are not cached, so a record created
 * anywhere is visible at once. Cached records are shared: callers must not mutate them.
 */
export class ReadCache<T extends object> {
  private readonly entries = new LRUCache<string, T>({ max: 20_000, ttl: READ_CACHE_TTL_MS });

  async read(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const loaded = await load();
    if (loaded) this.entries.set(key, loaded);
    return loaded;
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
  }

  /** After a write whose effect on cached keys is not worth working out: writes here are rare. */
  clear(): void {
    this.entries.clear();
  }
}

/** Runs a write, then drops the cache, and returns what the write returned. */
export async function clearingAfter<R>(cache: { clear(): void }, write: Promise<R>): Promise<R> {
  try {
    return await write;
  } finally {
    cache.clear();
  }
}
