import { verifyReferralToken } from '../../server/src/referrals/token';
import { createOrgWithReferral, createTestReferral, mintTestRef } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ORIGIN = 'https://www.brand.test';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const setup = (orgInput = {}) => createOrgWithReferral(server.deps, orgInput);

/** The pixel's request: text/plain JSON from a page on the brand's site. */
const click = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  server.request('POST', '/api/track/click', {
    body: JSON.stringify(body),
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': BROWSER_UA, ...headers },
  });

const everything = { from: new Date(0), to: new Date(Date.now() + 86_400_000) };

describe('POST /api/track/click', () => {
  it('records the click and answers with a signed referral carrying the click id', async () => {
    const { org, scope, creator, campaign, promoCode } = await setup({ attribution_window_days: 45 });
    const before = Date.now();
    const response = await click({
      org: org.id,
      code: promoCode.code.toLowerCase(),
      pageUrl: `https://www.brand.test/?infl=${promoCode.code}`,
      referrer: 'https://blog.example.com/review',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = await response.json();
    expect(body).toEqual({
      ref: expect.any(String),
      clickId: expect.stringMatching(/^clk_[a-z0-9]+$/),
      cookieDays: 45,
      cleanupParams: [],
      cleanUrl: null,
      creator: { id: creator.id, handle: creator.handle, avatar_url: null },
      discount: expect.objectContaining({ promotion_code: promoCode.code, discount_type: 'percent_off', discount_value: 20, campaign_id: campaign.id }),
    });

    const stored = await server.deps.store.clicks.get(scope, body.clickId);
    expect(stored).toMatchObject({
      id: body.clickId,
      orgId: org.id,
      livemode: true,
      code: promoCode.code,
      promoCodeId: promoCode.id,
      creatorId: creator.id,
      campaignId: campaign.id,
      landingUrl: `https://www.brand.test/?infl=${promoCode.code}`,
      referrer: 'https://blog.example.com/review',
      userAgent: BROWSER_UA,
      ipHash: server.deps.secrets.hashIp(org.id, '127.0.0.1'),
      source: 'pixel',
    });
    expect(stored!.createdAt.getTime()).toBeGreaterThanOrEqual(before);

    const referral = await verifyReferralToken(server.deps.secrets.referralSigningKey, body.ref, new Date());
    expect(referral).toMatchObject({ orgId: org.id, livemode: true, code: promoCode.code, promoCodeId: promoCode.id, clickId: body.clickId });
    expect(referral.issuedAt.getTime()).toBe(Math.floor(stored!.createdAt.getTime() / 1000) * 1000);
    expect(referral.expiresAt.getTime() - referral.issuedAt.getTime()).toBe(45 * 86_400_000);

    expect(await server.deps.store.clicks.countCreated(scope, everything, { creatorId: creator.id })).toBe(1);
    expect(await server.deps.store.clicks.countCreated(scope, everything, { campaignId: campaign.id })).toBe(1);
    expect(await server.deps.store.clicks.countCreated(scope, everything, { creatorId: 'cr_other' })).toBe(0);
  });

  it('accepts a subdomain of an allowed domain, and the Referer when there is no Origin', async () => {
    const { org, promoCode } = await setup({ domains: ['brand.co.uk'] });
    const base = { org: org.id, code: promoCode.code, pageUrl: 'https://shop.brand.co.uk/?via=x' };
    expect((await click(base, { origin: 'https://www.shop.brand.co.uk' })).status).toBe(200);
    expect((await click(base, { origin: 'https://brand.co.uk' })).status).toBe(200);
    const viaReferer = await server.request('POST', '/api/track/click', {
      body: JSON.stringify(base),
      headers: { 'content-type': 'text/plain', referer: 'https://shop.brand.co.uk/landing?x=1', 'user-agent': BROWSER_UA },
    });
    expect(viaReferer.status).toBe(200);
  });

  it('refuses other origins with 403 and records nothing', async () => {
    const { org, scope, promoCode } = await setup();
    const base = { org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/?infl=x' };
    for (const origin of ['https://evil.test', 'https://notbrand.test', 'https://brand.test.evil.test', 'null']) {
      const response = await click(base, { origin });
      expect(response.status).toBe(403);
      expect((await response.json()).error).toMatchObject({ type: 'permission_error', code: 'origin_not_allowed', param: 'origin' });
    }
    const noOrigin = await server.request('POST', '/api/track/click', {
      body: JSON.stringify(base),
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
    });
    expect(noOrigin.status).toBe(403);
    const noDomains = await setup({ domains: [] });
    expect((await click({ ...base, org: noDomains.org.id, code: noDomains.promoCode.code })).status).toBe(403);
    expect(await server.deps.store.clicks.countCreated(scope, everything)).toBe(0);
  });

  it('answers 404 for an unknown org, an unknown code and an inactive code', async () => {
    const { org, key, scope, promoCode } = await setup();
    const unknownOrg = await click({ org: 'org_nope', code: promoCode.code, pageUrl: 'https://www.brand.test/' });
    expect(unknownOrg.status).toBe(404);
    expect((await unknownOrg.json()).error).toMatchObject({ code: 'resource_missing', param: 'org' });

    const unknownCode = await click({ org: org.id, code: 'NOPE123', pageUrl: 'https://www.brand.test/' });
    expect(unknownCode.status).toBe(404);
    expect((await unknownCode.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'promo_code_not_found', param: 'code' });

    await server.request('PATCH', `/api/promo_codes/${promoCode.id}`, { key, body: { active: false } });
    expect((await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' })).status).toBe(404);
    expect(await server.deps.store.clicks.countCreated(scope, everything)).toBe(0);
  });

  it('finds a test-mode code when there is no live one, and prefers live when both exist', async () => {
    const { org, promoCode } = await setup();
    const testScope = { orgId: org.id, livemode: false };
    const testOnly = await createTestReferral(server.deps, testScope);
    const both = await createTestReferral(server.deps, testScope, { code: promoCode.code });

    const testClick = await (await click({ org: org.id, code: testOnly.promoCode.code, pageUrl: 'https://www.brand.test/' })).json();
    expect(await server.deps.store.clicks.get(testScope, testClick.clickId)).toMatchObject({ livemode: false, promoCodeId: testOnly.promoCode.id });
    expect((await verifyReferralToken(server.deps.secrets.referralSigningKey, testClick.ref, new Date())).livemode).toBe(false);

    const liveClick = await (await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' })).json();
    expect(liveClick.discount.promotion_code).toBe(promoCode.code);
    expect(await server.deps.store.clicks.get({ orgId: org.id, livemode: true }, liveClick.clickId)).toMatchObject({ promoCodeId: promoCode.id });
    expect(both.promoCode.livemode).toBe(false);
  });

  it('drops bots and visitors without consent but still shows the offer', async () => {
    const { org, scope, promoCode } = await setup({ respect_global_privacy_control: true });
    const base = { org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' };
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [base, { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' }],
      [base, { 'user-agent': '' }],
      [{ ...base, consent: false }, {}],
      [{ ...base, gpc: true }, {}],
    ];
    for (const [body, headers] of cases) {
      const response = await click(body, headers);
      expect(response.status).toBe(200);
      const answer = await response.json();
      expect(answer).toMatchObject({ ref: null, clickId: null, discount: { promotion_code: promoCode.code } });
    }
    expect(await server.deps.store.clicks.countCreated(scope, everything)).toBe(0);

    // An explicit opt-in on the site beats the browser-wide signal.
    expect((await (await click({ ...base, gpc: true, consent: true })).json()).ref).toEqual(expect.any(String));
    expect(await server.deps.store.clicks.countCreated(scope, everything)).toBe(1);
  });

  it('records GPC visitors when the org does not honour the signal', async () => {
    const { org, scope, promoCode } = await setup();
    const answer = await (await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/', gpc: true })).json();
    expect(answer.ref).toEqual(expect.any(String));
    expect(await server.deps.store.clicks.countCreated(scope, everything)).toBe(1);
  });

  it('keeps a valid earlier referral for first-click orgs but still counts the click', async () => {
    const { org, scope, promoCode, creator } = await setup({ attribution_model: 'first_click' });
    const second = await createTestReferral(server.deps, scope);
    const first = await (await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' })).json();

    const again = await (await click({ org: org.id, code: second.promoCode.code, pageUrl: 'https://www.brand.test/', ref: first.ref })).json();
    expect(again).toMatchObject({ ref: first.ref, clickId: first.clickId, creator: { id: creator.id }, discount: { promotion_code: promoCode.code } });
    expect(await server.deps.store.clicks.countCreated(scope, everything, { creatorId: second.creator.id })).toBe(1);

    // Expired, foreign or garbage cookies are replaced.
    const other = await setup();
    for (const stale of [
      await mintTestRef(server.deps, promoCode, { issuedAt: new Date(Date.now() - 40 * 86_400_000) }),
      await mintTestRef(server.deps, other.promoCode),
      'garbage',
    ]) {
      const replaced = await (await click({ org: org.id, code: second.promoCode.code, pageUrl: 'https://www.brand.test/', ref: stale })).json();
      expect(replaced.ref).not.toBe(stale);
      expect(replaced.discount.promotion_code).toBe(second.promoCode.code);
    }
  });

  it('replaces the referral for last-click orgs', async () => {
    const { org, scope, promoCode } = await setup();
    const second = await createTestReferral(server.deps, scope);
    const first = await (await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' })).json();
    const latest = await (await click({ org: org.id, code: second.promoCode.code, pageUrl: 'https://www.brand.test/', ref: first.ref })).json();
    expect(latest.ref).not.toBe(first.ref);
    expect(latest.discount.promotion_code).toBe(second.promoCode.code);
  });

  it('cleans, when the org asks, only the params that carry the code, and gives the cleaned URL', async () => {
    const { org, promoCode } = await setup({ clean_url: true, referral_params: ['partner'] });
    const pageUrl = `https://www.brand.test/p?partner=${promoCode.code.toLowerCase()}&ref=newsletter&utm_source=y&infl=${promoCode.code}#reviews`;
    const answer = await (await click({ org: org.id, code: promoCode.code, pageUrl })).json();
    expect(answer.cleanupParams.sort()).toEqual(['infl', 'partner']);
    expect(answer.cleanUrl).toBe('https://www.brand.test/p?ref=newsletter&utm_source=y#reviews');
  });

  it('finds the creator’s code behind an unrelated referral param the pixel read first', async () => {
    const { org, scope, creator, promoCode } = await setup();
    // Product Hunt and newsletters add `ref=`, which the pixel reads before `via`.
    const response = await click({ org: org.id, code: 'producthunt', pageUrl: `https://www.brand.test/?via=${promoCode.code}&ref=producthunt` });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.creator.id).toBe(creator.id);
    expect(await server.deps.store.clicks.get(scope, body.clickId)).toMatchObject({ code: promoCode.code, creatorId: creator.id });

    const nothing = await click({ org: org.id, code: 'producthunt', pageUrl: 'https://www.brand.test/?ref=producthunt&via=nobody' });
    expect(nothing.status).toBe(404);
    expect((await nothing.json()).error).toMatchObject({ code: 'promo_code_not_found', param: 'code' });
  });

  it('counts a reload or a second pixel on the page as the same visit, for an hour', async () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const clock = await startTestServer({}, { now: () => now });
    try {
      const { org, scope, promoCode } = await createOrgWithReferral(clock.deps);
      const visit = (ip: string, userAgent = BROWSER_UA) =>
        clock
          .request('POST', '/api/track/click', {
            body: JSON.stringify({ org: org.id, code: promoCode.code, pageUrl: `https://www.brand.test/?infl=${promoCode.code}` }),
            headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': userAgent, 'x-forwarded-for': ip },
          })
          .then((response) => response.json());
      const first = await visit('198.51.100.20');
      now = new Date('2026-11-22T10:40:00Z');
      const reload = await visit('198.51.100.20');
      expect(reload.clickId).toBe(first.clickId);
      // The same referral: a reload does not move a last-click attribution forward.
      const [firstRef, reloadRef] = await Promise.all([first.ref, reload.ref].map((ref) => verifyReferralToken(clock.deps.secrets.referralSigningKey, ref, now)));
      expect(reloadRef.issuedAt).toEqual(firstRef.issuedAt);

      const otherVisitor = await visit('198.51.100.21');
      const otherBrowser = await visit('198.51.100.20', BROWSER_UA.replace('Chrome/131', 'Chrome/132'));
      now = new Date('2026-11-22T11:00:01Z');
      const nextHour = await visit('198.51.100.20');
      expect(new Set([first.clickId, otherVisitor.clickId, otherBrowser.clickId, nextHour.clickId]).size).toBe(4);
      expect(await clock.deps.store.clicks.countCreated(scope, everything)).toBe(4);
    } finally {
      await clock.stop();
    }
  });

  it('names bad fields, refuses bad JSON and caps the body', async () => {
    const { org, promoCode } = await setup();
    const missing = await click({ org: org.id, pageUrl: 'https://www.brand.test/' });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({ code: 'parameter_missing', param: 'code' });
    const badUrl = await click({ org: org.id, code: promoCode.code, pageUrl: 'javascript:alert(1)' });
    expect((await badUrl.json()).error).toMatchObject({ code: 'parameter_invalid', param: 'pageUrl' });
    const badJson = await server.request('POST', '/api/track/click', { body: '{nope', headers: { 'content-type': 'text/plain', origin: ORIGIN } });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error.code).toBe('body_invalid_json');
    const huge = await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/', referrer: 'x'.repeat(9000) });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('body_too_large');
    const hugeJson = await server.request('POST', '/api/track/click', {
      body: { org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/', referrer: 'x'.repeat(9000) },
      headers: { origin: ORIGIN },
    });
    expect(hugeJson.status).toBe(413);
    const unknownCharset = await click({ org: org.id, code: promoCode.code, pageUrl: 'https://www.brand.test/' }, { 'content-type': 'text/plain;charset=klingon' });
    expect(unknownCharset.status).toBe(415);
    expect((await unknownCharset.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'request_invalid', message: 'unsupported charset "KLINGON"' });
  });
});
