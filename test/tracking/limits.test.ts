import { visitorKey } from '../../server/src/tracking/limits';
import { createTestOrg, createTestReferral } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let server: TestServer;
afterEach(() => server?.stop());

async function setup() {
  const { org, key, scope } = await createTestOrg(server.deps);
  const { promoCode } = await createTestReferral(server.deps, scope);
  // The service trusts the loopback proxy, so X-Forwarded-For stands in for distinct visitors.
  const click = (ip: string, orgId = org.id) =>
    server.request('POST', '/api/track/click', {
      body: JSON.stringify({ org: orgId, code: promoCode.code, pageUrl: 'https://www.brand.test/' }),
      headers: { 'content-type': 'text/plain', origin: 'https://www.brand.test', 'user-agent': BROWSER_UA, 'x-forwarded-for': ip },
    });
  return { org, key, promoCode, click };
}

describe('tracking rate limits', () => {
  it('answers 429 with Retry-After once an IP exceeds its limit, on every keyless route', async () => {
    server = await startTestServer({ TRACKING_RATE_LIMIT_PER_IP: '2' });
    const { org, key, promoCode, click } = await setup();
    expect((await click('198.51.100.1')).status).toBe(200);
    expect((await click('198.51.100.1')).status).toBe(200);
    const limited = await click('198.51.100.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    const validate = await server.request('GET', `/api/codes/${promoCode.code}/validate?org=${org.id}`, {
      headers: { origin: 'https://www.brand.test', 'x-forwarded-for': '198.51.100.1' },
    });
    expect(validate.status).toBe(429);

    expect((await click('198.51.100.2')).status).toBe(200);
    // A backend with a key sends every visitor's clicks from its own IP, so it is not limited per IP.
    for (let i = 0; i < 4; i++) {
      const viaKey = await server.request('POST', '/api/tracking/click', {
        key,
        body: { pageUrl: 'https://www.brand.test/', referralCode: promoCode.code },
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      expect(viaKey.status).toBe(200);
    }
  });

  it('limits each org separately, whatever the IP', async () => {
    server = await startTestServer({ TRACKING_RATE_LIMIT_PER_ORG: '3' });
    const busy = await setup();
    const quiet = await setup();
    for (let i = 0; i < 3; i++) expect((await busy.click(`203.0.113.${i}`)).status).toBe(200);
    const limited = await busy.click('203.0.113.50');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await quiet.click('203.0.113.50')).status).toBe(200);
  });

  it('exempts only a key that checks out, not any Authorization header', async () => {
    server = await startTestServer({ TRACKING_RATE_LIMIT_PER_IP: '2' });
    const { org, promoCode } = await setup();
    const clickWith = (authorization: string) =>
      server.request('POST', '/api/track/click', {
        body: JSON.stringify({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' }),
        headers: { 'content-type': 'text/plain', origin: 'https://www.brand.test', 'user-agent': BROWSER_UA, 'x-forwarded-for': '198.51.100.9', authorization },
      });
    expect((await clickWith('Bearer x')).status).toBe(200);
    expect((await clickWith('Bearer x')).status).toBe(200);
    expect((await clickWith('Bearer x')).status).toBe(429);

    const forged = await server.request('POST', '/api/tracking/click', {
      key: 'so_live_not_a_key',
      body: { programId: org.id, referralCode: promoCode.code, pageUrl: 'https://www.brand.test/' },
      headers: { origin: 'https://www.brand.test', 'user-agent': BROWSER_UA, 'x-forwarded-for': '198.51.100.10' },
    });
    expect(forged.status).toBe(401);
    // The two clicks let through are one visit (same visitor, same code); the forged one added none.
    expect(await server.deps.store.clicks.countCreated({ orgId: org.id, livemode: true }, { from: new Date(0), to: new Date(Date.now() + 60_000) })).toBe(1);
  });

  it('counts the org a request acts on, however its body names it', async () => {
    server = await startTestServer({ TRACKING_RATE_LIMIT_PER_ORG: '3' });
    const { org, promoCode } = await setup();
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const response = await server.request('POST', '/api/tracking/click', {
        body: { programId: org.id, org: `org_decoy${i}`, referralCode: promoCode.code, pageUrl: 'https://www.brand.test/' },
        headers: { origin: 'https://www.brand.test', 'user-agent': BROWSER_UA, 'x-forwarded-for': `203.0.113.${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('counts an org id with spaces around it as that org, as the handler reads it', async () => {
    server = await startTestServer({ TRACKING_RATE_LIMIT_PER_ORG: '3' });
    const { org, promoCode } = await setup();
    const spellings = [org.id, ` ${org.id}`, `${org.id} `, `\t${org.id}`, ` ${org.id} `];
    const statuses = [];
    for (const [i, programId] of spellings.entries()) {
      const response = await server.request('POST', '/api/tracking/click', {
        body: { programId, referralCode: promoCode.code, pageUrl: 'https://www.brand.test/' },
        headers: { origin: 'https://www.brand.test', 'user-agent': BROWSER_UA, 'x-forwarded-for': `203.0.113.${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('counts an IPv6 visitor by their /56 network, not by each address in it', async () => {
    server = await startTestServer({ TRACKING_RATE_LIMIT_PER_IP: '2' });
    const { click } = await setup();
    expect((await click('2001:db8:1:100::1')).status).toBe(200);
    expect((await click('2001:db8:1:1ff:abcd::2')).status).toBe(200);
    expect((await click('2001:db8:1:180::3')).status).toBe(429);
    expect((await click('2001:db8:1:200::1')).status).toBe(200);
  });

  it('keys IPv4 visitors by address, also when written as IPv4-mapped IPv6', () => {
    expect(visitorKey('198.51.100.7')).toBe('198.51.100.7');
    expect(visitorKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(visitorKey('2001:db8:1:1ff:abcd::2')).toBe('2001:db8:1:100::/56');
  });
});
