import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { createStore } from '../../server/src/store';
import type { CollectionSpec, Driver, RateLimit } from '../../server/src/store/driver';
import { openSqliteDriver } from '../../server/src/store/sqlite';

const limit: RateLimit = { keyPrefix: 'tracking_ip', points: 2, duration: 60 };

describe('store.rateLimiter', () => {
  it('counts in this process on the embedded store', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'shoutout-limits-'));
    const store = await createStore(await openSqliteDriver(directory));
    const limiter = store.rateLimiter(limit);
    expect(limiter).toBeInstanceOf(RateLimiterMemory);
    await limiter.consume('1.2.3.4');
    await limiter.consume('1.2.3.4');
    await expect(limiter.consume('1.2.3.4')).rejects.toBeInstanceOf(RateLimiterRes);
    await expect(store.rateLimiter(limit).consume('1.2.3.4')).resolves.toMatchObject({ consumedPoints: 1 });
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('uses the counters a driver shares between instances when it has them', async () => {
    const asked: RateLimit[] = [];
    const shared = new RateLimiterMemory(limit);
    const driver: Driver = {
      kind: 'mongodb',
      location: 'mongodb://db1/brand',
      collection: async (_spec: CollectionSpec<object>) => ({}) as never,
      ping: async () => {},
      close: async () => {},
      sharedRateLimiter: (given) => (asked.push(given), shared),
    };
    const store = await createStore(driver);
    expect(store.rateLimiter(limit)).toBe(shared);
    expect(asked).toEqual([limit]);
  });
});
