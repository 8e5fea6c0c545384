import { ConfigError, loadConfig } from '../../server/src/config';

const base = { DATA_DIR: '/tmp/unused' };

describe('config', () => {
  it('reads TRUST_PROXY as Express understands it', () => {
    expect(loadConfig(base).TRUST_PROXY).toEqual(['loopback']);
    expect(loadConfig({ ...base, TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8, ::1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', '::1']);
  });

  it('names every bad key at once', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, TRUST_PROXY: 'my-balancer', PORT: '-1', PUBLIC_URL: 'ftp://x', STRIPE_WEBHOOK_SECRET: 'secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.key).sort()).toEqual(['PORT', 'PUBLIC_URL', 'STRIPE_WEBHOOK_SECRET', 'TRUST_PROXY']);
    expect((error as ConfigError).message).toContain('TRUST_PROXY ("my-balancer" is not true/false, a hop count');
  });

  it('treats empty values as unset and trims PUBLIC_URL', () => {
    const config = loadConfig({ ...base, MONGODB_URI: '', SHOUTOUT_SECRET: ' ', PUBLIC_URL: 'https://shoutout.example.com/' });
    expect(config.MONGODB_URI).toBeUndefined();
    expect(config.SHOUTOUT_SECRET).toBeUndefined();
    expect(config.PUBLIC_URL).toBe('https://shoutout.example.com');
  });

  it('takes SMTP only with a sender and a public URL for the links in emails', () => {
    const keysRefused = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => issue.key).sort();
      }
    };
    expect(keysRefused({ SMTP_URL: 'smtp://mail.test:587' })).toEqual(['EMAIL_FROM', 'PUBLIC_URL']);
    expect(keysRefused({ SMTP_URL: 'http://mail.test', EMAIL_FROM: 'not an address', PUBLIC_URL: 'https://refer.brand.test' })).toEqual(['EMAIL_FROM', 'SMTP_URL']);
    expect(keysRefused({ SMTP_URL: 'smtps://u:p@mail.test:465', EMAIL_FROM: 'Brand <creators@brand.test>', PUBLIC_URL: 'https://refer.brand.test' })).toEqual([]);
  });

  it('keeps webhook events 30 days by default, within 4 days (past the retries) and a year', () => {
    expect(loadConfig(base).WEBHOOK_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ ...base, WEBHOOK_RETENTION_DAYS: '90' }).WEBHOOK_RETENTION_DAYS).toBe(90);
    for (const days of ['3', '366', '7.5', 'forever']) {
      expect(() => loadConfig({ ...base, WEBHOOK_RETENTION_DAYS: days }), days).toThrow(/WEBHOOK_RETENTION_DAYS/);
    }
  });
});
