import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import { inject } from 'vitest';
import { createLogger } from '../../server/src/logger';
import type { Driver } from '../../server/src/store/driver';
import { openMongoDriver } from '../../server/src/store/mongo';
import { openSqliteDriver } from '../../server/src/store/sqlite';

export interface AdapterUnderTest {
  name: 'embedded' | 'mongodb';
  /** A fresh, empty database; `reopen` opens the same data again, as after a restart. */
  open(): Promise<{ driver: Driver; reopen(): Promise<Driver>; destroy(): Promise<void> }>;
}

const embedded: AdapterUnderTest = {
  name: 'embedded',
  async open() {
    const directory = await mkdtemp(path.join(tmpdir(), 'shoutout-store-'));
    return {
      driver: await openSqliteDriver(directory),
      reopen: () => openSqliteDriver(directory),
      destroy: () => rm(directory, { recursive: true, force: true }),
    };
  },
};

declare module 'vitest' {
  export interface ProvidedContext {
    /** MONGODB_URI as `vitest` was started with it, which vitest.config.ts keeps from every other test. */
    mongodbUri: string | null;
  }
}

/** An unreachable server fails the suite in seconds, not after the driver's 30 s; the URI may say otherwise. */
function withTestTimeout(uri: string): string {
  const parsed = new ConnectionString(uri);
  const options = [...parsed.searchParams.keys()].map((option) => option.toLowerCase());
  if (!options.includes('serverselectiontimeoutms')) parsed.searchParams.set('serverSelectionTimeoutMS', '5000');
  return parsed.toString();
}

const mongodb = (givenUri: string): AdapterUnderTest => ({
  name: 'mongodb',
  async open() {
    const uri = withTestTimeout(givenUri);
    const database = `shoutout_test_${randomBytes(4).toString('hex')}`;
    const logger = createLogger('silent');
    return {
      driver: await openMongoDriver(uri, database, logger),
      reopen: () => openMongoDriver(uri, database, logger),
      async destroy() {
        const client = await MongoClient.connect(uri);
        await client.db(database).dropDatabase();
        await client.close();
      },
    };
  },
});

/** The URI the contract suites cover MongoDB at, when vitest was started with MONGODB_URI. */
export const mongodbUri = inject('mongodbUri');

/** The embedded store always; MongoDB too whenever vitest was started with MONGODB_URI. */
export const adaptersUnderTest: AdapterUnderTest[] = mongodbUri ? [embedded, mongodb(mongodbUri)] : [embedded];
