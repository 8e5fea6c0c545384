import { createApiKey } from '../../server/src/orgs/service';
import { verifyReferralToken } from '../../server/src/referrals/token';
import { createTestOrg, createTestReferral } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const everything = { from: new Date(0), to: new Date(Date.now() + 86_400_000) };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function setup(orgInput = {}, options: { livemode?: boolean } = {}) {
  const { org, key, scope } = await createTestOrg(server.deps, { domains: ['yourapp.co.uk'], ...orgInput }, options);
  const referral = await createTestReferral(server.deps, scope);
  return { org, key, scope, ...referral };
}

describe('POST /api/tracking/click (seed 003)', () => {
  it('records a server-side click with a tracking key and answers in seed 003’s shape', async () => {
    const { org, key, scope, promoCode, creator } = await setup({ clean_url: true, attribution_window_days: 60 });
    const response = await server.request('POST', '/api/tracking/click', {
      key,
      body: {
        programId: org.id,
        pageUrl: `https://www.shop.yourapp.co.uk/?ref=${promoCode.code}`,
        referralCode: promoCode.code,
        referrer: 'https://blog.example.com/review',
        consentGranted: true,
        userAgent: BROWSER_UA,
        ipAddress: '203.0.113.9',
      },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      status: 'ok',
      affiliateCode: promoCode.code,
      programId: org.id,
      clickToken: expect.stringMatching(/^clk_[a-z0-9]+$/),
      ref: expect.any(String),
      cookieDurationDays: 60,
      cookieDomain: 'yourapp.co.uk',
      cleanupParams: ['ref'],
      warnings: [],
    });
    expect(await server.deps.store.clicks.get(scope, body.clickToken)).toMatchObject({
      source: 'server',
      creatorId: creator.id,
      userAgent: BROWSER_UA,
      ipHash: server.deps.secrets.hashIp(org.id, '203.0.113.9'),
    });
    const referral = await verifyReferralToken(server.deps.secrets.referralSigningKey, body.ref, new Date());
    expect(referral.clickId).toBe(body.clickToken);

    // The ref it returns binds through identify like a pixel cookie.
    expect((await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'app_user_1', ref: body.ref } })).status).toBe(204);
  });

  it('works without a key when the Origin is the brand’s, taking `org` as well as `programId`', async () => {
    const { org, scope, promoCode } = await setup();
    const response = await server.request('POST', '/api/tracking/click', {
      body: { org: org.id, pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code },
      headers: { origin: 'https://yourapp.co.uk', 'user-agent': BROWSER_UA },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(await server.deps.store.clicks.get(scope, body.clickToken)).toMatchObject({ source: 'pixel', ipHash: server.deps.secrets.hashIp(org.id, '127.0.0.1') });

    const refused = await server.request('POST', '/api/tracking/click', {
      body: { programId: org.id, pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code },
      headers: { origin: 'https://elsewhere.test', 'user-agent': BROWSER_UA },
    });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({ code: 'origin_not_allowed', param: 'origin' });
  });

  it('follows seed 003’s keyless backend recipe: the visitor’s user agent from the body, the IP from the request', async () => {
    const { org, scope, promoCode } = await setup();
    // Node's fetch says `node` in its own User-Agent header, which alone would be dropped as a bot.
    const response = await server.request('POST', '/api/tracking/click', {
      body: { programId: org.id, pageUrl: 'https://yourapp.co.uk/?via=annie', referralCode: promoCode.code, userAgent: BROWSER_UA, ipAddress: '198.51.100.77' },
      headers: { origin: 'https://yourapp.co.uk' },
    });
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', clickToken: expect.stringMatching(/^clk_/), warnings: [] });
    expect(await server.deps.store.clicks.get(scope, body.clickToken)).toMatchObject({ userAgent: BROWSER_UA, ipHash: server.deps.secrets.hashIp(org.id, '127.0.0.1') });

    const crawler = await server.request('POST', '/api/tracking/click', {
      body: { programId: org.id, pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code, userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
      headers: { origin: 'https://yourapp.co.uk', 'user-agent': BROWSER_UA },
    });
    expect(await crawler.json()).toMatchObject({ status: 'ignored', clickToken: null, warnings: ['bot_ignored'] });
  });

  it('reports warnings and ignores refused consent', async () => {
    const { org, key, scope, promoCode } = await setup({}, { livemode: false });
    const outside = await (
      await server.request('POST', '/api/tracking/click', {
        key,
        body: { pageUrl: 'https://other.test/', referralCode: promoCode.code },
      })
    ).json();
    expect(outside.warnings).toEqual(['test_mode', 'page_url_outside_domains']);
    expect(outside.cookieDomain).toBe('other.test');
    // A private suffix is a registry too: browsers refuse a cookie on myshopify.com itself.
    const shopify = await (
      await server.request('POST', '/api/tracking/click', { key, body: { pageUrl: 'https://brand.myshopify.com/', referralCode: promoCode.code } })
    ).json();
    expect(shopify.cookieDomain).toBe('brand.myshopify.com');

    const declined = await (
      await server.request('POST', '/api/tracking/click', {
        key,
        body: { programId: org.id, pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code, consentGranted: false },
      })
    ).json();
    expect(declined).toMatchObject({ status: 'ignored', clickToken: null, ref: null, warnings: ['test_mode', 'consent_not_granted'] });

    const bot = await (
      await server.request('POST', '/api/tracking/click', {
        key,
        body: { pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code, userAgent: 'curl/8.5.0' },
      })
    ).json();
    expect(bot).toMatchObject({ status: 'ignored', warnings: ['test_mode', 'bot_ignored'] });
    // The clicks on other.test and on the Shopify store.
    expect(await server.deps.store.clicks.countCreated(scope, everything)).toBe(2);
  });

  it('refuses a key of another org, a key without the tracking scope, and a code of the other mode', async () => {
    const { org, key, promoCode } = await setup();
    const other = await setup();
    const mismatch = await server.request('POST', '/api/tracking/click', {
      key,
      body: { programId: other.org.id, pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code },
    });
    expect(mismatch.status).toBe(403);
    expect((await mismatch.json()).error).toMatchObject({ code: 'org_mismatch', param: 'programId' });

    const { secret: referralsOnly } = await createApiKey(server.deps, org.id, { scopes: ['referrals'] });
    const noScope = await server.request('POST', '/api/tracking/click', {
      key: referralsOnly,
      body: { pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code },
    });
    expect(noScope.status).toBe(403);
    expect((await noScope.json()).error.code).toBe('api_key_scope_missing');

    const { secret: testKey } = await createApiKey(server.deps, org.id, { scopes: ['tracking'], livemode: false });
    const wrongMode = await server.request('POST', '/api/tracking/click', {
      key: testKey,
      body: { pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code },
    });
    expect(wrongMode.status).toBe(404);
    expect((await wrongMode.json()).error).toMatchObject({ code: 'promo_code_not_found', param: 'referralCode' });

    const badIp = await server.request('POST', '/api/tracking/click', {
      key,
      body: { pageUrl: 'https://yourapp.co.uk/', referralCode: promoCode.code, ipAddress: 'not-an-ip' },
    });
    expect((await badIp.json()).error).toMatchObject({ code: 'parameter_invalid', param: 'ipAddress' });
  });

  it('answers CORS preflights for browser callers sending JSON', async () => {
    const response = await server.request('OPTIONS', '/api/tracking/click', {
      headers: { origin: 'https://yourapp.co.uk', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('Content-Type');
  });
});

describe('POST /api/tracking/verify', () => {
  it('keeps one heartbeat per org and domain with the last time it was seen', async () => {
    const { org } = await setup();
    const beat = (pageUrl: string, origin = 'https://www.yourapp.co.uk') =>
      server.request('POST', '/api/tracking/verify', {
        body: JSON.stringify({ org: org.id, pageUrl }),
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin },
      });
    const first = await beat('https://www.yourapp.co.uk/pricing?email=jane@example.com');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: 'ok', programId: org.id, domain: 'www.yourapp.co.uk' });
    expect((await beat('https://www.yourapp.co.uk/about')).status).toBe(200);
    expect((await beat('https://shop.yourapp.co.uk/')).status).toBe(200);

    const heartbeats = await server.deps.store.heartbeats.list(org.id);
    expect(heartbeats.map((heartbeat) => heartbeat.domain).sort()).toEqual(['shop.yourapp.co.uk', 'www.yourapp.co.uk']);
    const www = heartbeats.find((heartbeat) => heartbeat.domain === 'www.yourapp.co.uk')!;
    expect(www.pageUrl).toBe('https://www.yourapp.co.uk/pricing');
    expect(www.lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 60_000);

    const foreignPage = await beat('https://evil.test/');
    expect(foreignPage.status).toBe(403);
    expect((await foreignPage.json()).error).toMatchObject({ code: 'origin_not_allowed', param: 'pageUrl' });
    expect((await beat('https://www.yourapp.co.uk/', 'https://evil.test')).status).toBe(403);
    expect(await server.deps.store.heartbeats.list(org.id)).toHaveLength(2);
  });

  it('moves lastSeenAt forward once the previous beat is over a minute old', async () => {
    let now = new Date('2026-03-01T10:00:00Z');
    const clocked = await startTestServer({}, { now: () => now });
    try {
      const { org, key } = await createTestOrg(clocked.deps, { domains: ['yourapp.co.uk'] });
      const beat = () => clocked.request('POST', '/api/tracking/verify', { key, body: { programId: org.id, pageUrl: 'https://yourapp.co.uk/' } });
      await beat();
      now = new Date('2026-03-01T10:00:30Z');
      await beat();
      expect((await clocked.deps.store.heartbeats.list(org.id))[0].lastSeenAt).toEqual(new Date('2026-03-01T10:00:00Z'));
      now = new Date('2026-03-01T10:05:00Z');
      await beat();
      const [heartbeat] = await clocked.deps.store.heartbeats.list(org.id);
      expect(heartbeat).toMatchObject({ firstSeenAt: new Date('2026-03-01T10:00:00Z'), lastSeenAt: new Date('2026-03-01T10:05:00Z') });
    } finally {
      await clocked.stop();
    }
  });
});

describe('GET /api/codes/:code/validate', () => {
  it('says whether a typed code is usable, with its creator and discount', async () => {
    const { org, key, promoCode, creator, campaign } = await setup();
    const headers = { origin: 'https://yourapp.co.uk' };
    const valid = await server.request('GET', `/api/codes/${promoCode.code.toLowerCase()}/validate?org=${org.id}`, { headers });
    expect(valid.status).toBe(200);
    expect(await valid.json()).toEqual({
      valid: true,
      creator: { id: creator.id, handle: creator.handle, avatar_url: null },
      discount: expect.objectContaining({ promotion_code: promoCode.code, campaign_id: campaign.id }),
    });
    expect(await (await server.request('GET', `/api/codes/NOPE/validate?org=${org.id}`, { headers })).json()).toEqual({
      valid: false,
      creator: null,
      discount: null,
    });
    const withKey = await server.request('GET', `/api/codes/${promoCode.code}/validate`, { key });
    expect((await withKey.json()).valid).toBe(true);

    await server.request('PATCH', `/api/promo_codes/${promoCode.id}`, { key, body: { active: false } });
    expect((await (await server.request('GET', `/api/codes/${promoCode.code}/validate?org=${org.id}`, { headers })).json()).valid).toBe(false);
  });

  it('refuses foreign origins and a missing org', async () => {
    const { org, promoCode } = await setup();
    const foreign = await server.request('GET', `/api/codes/${promoCode.code}/validate?org=${org.id}`, { headers: { origin: 'https://evil.test' } });
    expect(foreign.status).toBe(403);
    const noOrg = await server.request('GET', `/api/codes/${promoCode.code}/validate`, { headers: { origin: 'https://yourapp.co.uk' } });
    expect(noOrg.status).toBe(400);
    expect((await noOrg.json()).error).toMatchObject({ code: 'parameter_missing', param: 'org' });
  });
});
