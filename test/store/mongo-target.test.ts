import { mongoTarget } from '../../server/src/store/mongo';

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
