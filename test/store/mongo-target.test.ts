import { type Collection, Db, MongoClient, ReadPreference } from 'mongodb';
import { RateLimiterMemory, RateLimiterMongo } from 'rate-limiter-flexible';
import { mongoClientOptions, mongoRateLimiter, mongoTarget, RATE_LIMITS } from '../../server/src/store/mongo';

/** The client the service would make: the driver parses URI and options without connecting. */
const clientFor = (uri: string) => new MongoClient(uri, mongoClientOptions(uri));

// Runs without a MongoDB server: what the service would connect to, and what its logs would show.
describe('mongoTarget', () => {
  it('uses MONGODB_DB, else the database the URI names, else shoutout', () => {
    expect(mongoTarget('mongodb+srv://app:pw@cluster0.example.net/brand_prod?retryWrites=true', undefined).dbName).toBe('brand_prod');
    expect(mongoTarget('mongodb+srv://app:pw@cluster0.example.net/brand_prod', 'other').dbName).toBe('other');
    expect(mongoTarget('mongodb://localhost:27017', undefined).dbName).toBe('shoutout');
    expect(mongoTarget('mongodb://localhost:27017/?replicaSet=rs0', undefined).dbName).toBe('shoutout');
    expect(mongoTarget('mongodb://localhost/my%20db', undefined).dbName).toBe('my db');
  });

  it('shows where the data is without the password or options that carry secrets', () => {
    const { location } = mongoTarget(
      'mongodb://app:s3cret@db1:27017,db2:27017/brand?tls=true&tlsCertificateKeyFilePassword=keypass&authMechanismProperties=AWS_SESSION_TOKEN:tok3n-value',
      undefined,
    );
    expect(location).toContain('db1:27017,db2:27017/brand');
    for (const secret of ['s3cret', 'keypass', 'tok3n-value']) expect(location).not.toContain(secret);
  });
});

describe('the MongoDB client', () => {
  it('reads where the URI says, primary unless it says otherwise', () => {
    const stale = clientFor('mongodb://db1,db2/brand?replicaSet=rs0&readPreference=secondaryPreferred&maxStalenessSeconds=120');
    expect(stale.readPreference.mode).toBe(ReadPreference.SECONDARY_PREFERRED);
    expect(stale.readPreference.maxStalenessSeconds).toBe(120);
    expect(clientFor('mongodb://db1/brand').readPreference.mode).toBe(ReadPreference.PRIMARY);
  });

  it('waits for a majority to acknowledge a write unless the URI sets w, keeping the URI\'s other write concern options', () => {
    expect(clientFor('mongodb://db1/brand').options.writeConcern).toMatchObject({ w: 'majority' });
    expect(clientFor('mongodb://db1/brand?journal=true&wtimeoutMS=5000').options.writeConcern).toMatchObject({ w: 'majority', journal: true, wtimeoutMS: 5000 });
    expect(clientFor('mongodb://db1/brand?w=1').options.writeConcern).toMatchObject({ w: 1 });
    expect(clientFor('mongodb://db1/brand?W=2').options.writeConcern).toMatchObject({ w: 2 });
  });

  it('shares rate-limit counters through the rate_limits collection, written with w:1, falling back to counts in this process', async () => {
    const client = clientFor('mongodb://db1/brand');
    const limiter = mongoRateLimiter(client, 'brand', { keyPrefix: 'tracking_ip', points: 120, duration: 60 });
    expect(limiter).toBeInstanceOf(RateLimiterMongo);
    expect(limiter).toMatchObject({ points: 120, duration: 60, keyPrefix: 'tracking_ip', tableName: RATE_LIMITS });
    // Where the library will count, as it resolved it (private, so read from the instance).
    const { client: db, _collection: counters } = limiter as unknown as { client: Db; _collection: Collection };
    expect(db).toBeInstanceOf(Db);
    expect(counters.namespace).toBe(`brand.${RATE_LIMITS}`);
    expect(counters.writeConcern).toMatchObject({ w: 1 });
    // Set at runtime, missing from the library's types.
    const { insuranceLimiter } = limiter as unknown as { insuranceLimiter: unknown };
    expect(insuranceLimiter).toBeInstanceOf(RateLimiterMemory);
    expect(insuranceLimiter).toMatchObject({ points: 120, duration: 60, keyPrefix: 'tracking_ip' });
    await client.close();
  });
});

describe('a test other than the storage contract suite', () => {
  // Meaningful when vitest runs with MONGODB_URI set (test/store/mongo-isolation.test.ts does that).
  it('sees neither MONGODB_URI nor MONGODB_DB, however vitest was started', () => {
    expect(process.env).not.toHaveProperty('MONGODB_URI');
    expect(process.env).not.toHaveProperty('MONGODB_DB');
  });
});
