import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
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

const mongodb = (uri: string): AdapterUnderTest => ({
  name: 'mongodb',
  async open() {
    const database = `shoutout_test_${randomBytes(4).toString('hex')}`;
    return {
      driver: await openMongoDriver(uri, database),
      reopen: () => openMongoDriver(uri, database),
      async destroy() {
        const client = await MongoClient.connect(uri);
        await client.db(database).dropDatabase();
        await client.close();
      },
    };
  },
});

/** The embedded store always; MongoDB too whenever MONGODB_URI is set. */
export const adaptersUnderTest: AdapterUnderTest[] = process.env.MONGODB_URI ? [embedded, mongodb(process.env.MONGODB_URI)] : [embedded];
