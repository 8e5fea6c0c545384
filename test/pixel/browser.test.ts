import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createOrgWithReferral, createTestReferral } from '../helpers/fixtures';
import { launchBrowser, startTestSite, type TestSite } from '../helpers/browser';
import { startTestServer, type TestServer } from '../helpers/server';

const HOSTS = ['brand.co.uk', '*.brand.co.uk', 'www.other.co.uk'];
// Headless Chromium announces itself as HeadlessChrome, which the click route rightly drops as a bot.
const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let server: TestServer;
let browser: Browser;
let site: TestSite;
let secureSite: TestSite;
let proxiedSite: TestSite;
let context: BrowserContext;
let pageErrors: Error[];

beforeAll(async () => {
  [server, browser, site, secureSite] = await Promise.all([
    startTestServer(),
    launchBrowser(HOSTS),
    startTestSite(),
    startTestSite({ https: true }),
  ]);
  proxiedSite = await startTestSite({ apiUrl: server.url });
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.stop(), site?.stop(), secureSite?.stop(), proxiedSite?.stop()]);
});
afterEach(() => context?.close());

const setup = (orgInput = {}) => createOrgWithReferral(server.deps, { domains: ['brand.co.uk'], ...orgInput });

async function newPage(options: { https?: boolean; userAgent?: string } = {}): Promise<Page> {
  context = await browser.newContext({ ignoreHTTPSErrors: options.https ?? false, userAgent: options.userAgent ?? DESKTOP_CHROME });
  const page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  return page;
}

/** A page of the brand's site with the install snippet, as docs/pixel.md gives it. */
function pixelPage(orgId: string, options: { attributes?: string; head?: string; body?: string; on?: TestSite; src?: string } = {}) {
  return (options.on ?? site).page(
    `<!doctype html><html><head>${options.head ?? ''}<script src="${options.src ?? `${server.url}/api/script.js`}" data-org="${orgId}" ${
      options.attributes ?? ''
    } defer></script></head><body><h1>Brand</h1>${options.body ?? ''}</body></html>`,
  );
}

/** window.Shoutout once the pixel has done its work for this page view. */
function shoutoutState(page: Page) {
  return page.evaluate(async () => {
    type Api = { ready: Promise<unknown>; ref?: string; code?: string; clickId?: string | null; creator?: object | null; discount?: object | null };
    const api = (window as unknown as { Shoutout: Api }).Shoutout;
    await api.ready;
    return { ref: api.ref ?? null, code: api.code ?? null, clickId: api.clickId ?? null, creator: api.creator ?? null, discount: api.discount ?? null };
  });
}

async function refCookies() {
  return (await context.cookies()).filter((cookie) => cookie.name === 'shoutout_ref');
}

describe('the pixel in Chromium', () => {
  it('stores the referral on the registrable domain, shares it across subdomains, and identify accepts it', async () => {
    const { org, key, scope, promoCode, creator } = await setup({ attribution_window_days: 30 });
    const page = await newPage();
    const landing = pixelPage(org.id);
    await page.goto(`${site.origin('www.shop.brand.co.uk')}${landing}?infl=${promoCode.code}&utm_source=ig`);
    const state = await shoutoutState(page);
    expect(state).toMatchObject({
      ref: expect.any(String),
      code: promoCode.code,
      clickId: expect.stringMatching(/^clk_[a-z0-9]+$/),
      creator: { id: creator.id, handle: creator.handle, avatar_url: null },
      discount: { promotion_code: promoCode.code, discount_type: 'percent_off', discount_value: 20 },
    });

    const [cookie] = await refCookies();
    expect(await refCookies()).toHaveLength(1);
    expect(cookie).toMatchObject({ value: state.ref, domain: '.brand.co.uk', path: '/', sameSite: 'Lax', secure: false, httpOnly: false });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000 + 30 * 86_400 - 120);
    expect(cookie.expires).toBeLessThan(Date.now() / 1000 + 30 * 86_400 + 120);
    expect(await server.deps.store.clicks.get(scope, state.clickId!)).toMatchObject({
      creatorId: creator.id,
      landingUrl: `${site.origin('www.shop.brand.co.uk')}${landing}?infl=${promoCode.code}&utm_source=ig`,
      source: 'pixel',
    });
    // Without clean_url the address bar is left alone.
    expect(new URL(page.url()).searchParams.get('infl')).toBe(promoCode.code);

    // Another subdomain of the brand sees the same referral without a param.
    await page.goto(`${site.origin('brand.co.uk')}${pixelPage(org.id)}`);
    expect(await shoutoutState(page)).toMatchObject({ ref: state.ref, code: promoCode.code, clickId: state.clickId });

    expect((await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'browser_user', ref: cookie.value } })).status).toBe(204);
    const lookup = await (await server.request('GET', '/api/customers?externalId=browser_user', { key })).json();
    expect(lookup.data.creator.id).toBe(creator.id);
    expect(pageErrors).toEqual([]);
  });

  it('talks to the API next to the script, so a first-party proxy works', async () => {
    const { org, scope, promoCode } = await setup();
    const page = await newPage();
    const sent: string[] = [];
    page.on('request', (request) => sent.push(request.url()));
    const origin = proxiedSite.origin('www.brand.co.uk');
    await page.goto(`${origin}${pixelPage(org.id, { on: proxiedSite, src: `${proxiedSite.proxyPrefix}script.js` })}?infl=${promoCode.code}`);
    const state = await shoutoutState(page);
    expect(state.code).toBe(promoCode.code);
    expect(sent).toContain(`${origin}${proxiedSite.proxyPrefix}track/click`);
    expect(sent.some((url) => url.startsWith(server.url))).toBe(false);
    expect(await server.deps.store.clicks.get(scope, state.clickId!)).not.toBeNull();
  });

  it('marks the cookie Secure on https', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage({ https: true });
    await page.goto(`${secureSite.origin('www.brand.co.uk')}${pixelPage(org.id, { on: secureSite })}?via=${promoCode.code}`);
    const state = await shoutoutState(page);
    expect(await refCookies()).toEqual([expect.objectContaining({ value: state.ref, domain: '.brand.co.uk', secure: true, sameSite: 'Lax' })]);
  });

  it('keeps the first referral for first-click orgs and replaces it for last-click orgs', async () => {
    for (const [model, keeps] of [
      ['first_click', true],
      ['last_click', false],
    ] as const) {
      const { org, scope, promoCode } = await setup({ attribution_model: model });
      const second = await createTestReferral(server.deps, scope);
      const page = await newPage();
      const landing = pixelPage(org.id);
      await page.goto(`${site.origin('www.brand.co.uk')}${landing}?infl=${promoCode.code}`);
      const first = await shoutoutState(page);
      await page.goto(`${site.origin('shop.brand.co.uk')}${landing}?ref=${second.promoCode.code}`);
      const after = await shoutoutState(page);
      const cookies = await refCookies();
      expect(cookies).toHaveLength(1);
      if (keeps) {
        expect(after).toMatchObject({ ref: first.ref, code: promoCode.code, discount: { promotion_code: promoCode.code } });
        expect(cookies[0].value).toBe(first.ref);
      } else {
        expect(after).toMatchObject({ code: second.promoCode.code, discount: { promotion_code: second.promoCode.code } });
        expect(cookies[0].value).toBe(after.ref);
        expect(after.ref).not.toBe(first.ref);
      }
      await context.close();
    }
  });

  it('sends and stores nothing until the page grants consent', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage();
    const sent: string[] = [];
    page.on('request', (request) => sent.push(request.url()));
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id, { attributes: 'data-consent="required"' })}?infl=${promoCode.code}`);
    expect(await shoutoutState(page)).toMatchObject({ ref: null, code: null });
    expect(sent.filter((url) => url.startsWith(server.url) && !url.endsWith('/api/script.js'))).toEqual([]);
    expect(await refCookies()).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);

    const granted = await page.evaluate(async () => {
      const api = (window as unknown as { Shoutout: { consent(granted: boolean): Promise<{ code?: string }> } }).Shoutout;
      return (await api.consent(true)).code;
    });
    expect(granted).toBe(promoCode.code);
    expect(sent.some((url) => url === `${server.url}/api/track/click`)).toBe(true);
    expect(await refCookies()).toHaveLength(1);
  });

  it('runs a consent call queued before the script loaded, exactly once', async () => {
    const { org, scope, promoCode } = await setup();
    const page = await newPage();
    // Page code that runs before the pixel: grant consent, and wait for the referral.
    const queue = `<script>window.Shoutout = [
      function (S) { S.consent(true).then(function (state) { document.title = state.code; }); },
    ];</script>`;
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id, { attributes: 'data-consent="required"', head: queue })}?infl=${promoCode.code}`);
    await expect.poll(async () => (await refCookies()).length).toBe(1);
    const range = { from: new Date(0), to: new Date(Date.now() + 60_000) };
    expect(await server.deps.store.clicks.countCreated(scope, range)).toBe(1);
    await expect.poll(() => page.title()).toBe(promoCode.code);
    // push() after load runs at once with the API.
    expect(await page.evaluate(() => new Promise((resolve) => (window as unknown as { Shoutout: { push(f: (s: unknown) => void): void } }).Shoutout.push((api) => resolve(typeof api))))).toBe('object');
  });

  it('sends one click when a consent tool grants consent while the page’s click is under way', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage();
    const clicks: string[] = [];
    page.on('request', (request) => request.url().endsWith('/api/track/click') && clicks.push(request.url()));
    // No data-consent: the click goes at once, and the queued consent arrives before its answer.
    const queue = `<script>window.Shoutout = [function (S) { S.consent(true); }];</script>`;
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id, { head: queue })}?infl=${promoCode.code}`);
    expect((await shoutoutState(page)).code).toBe(promoCode.code);
    expect(clicks).toHaveLength(1);
  });

  it('drops headless browsers as bots but still exposes the offer', async () => {
    const { org, scope, promoCode } = await setup();
    const page = await newPage({ userAgent: await browser.newBrowserCDPSession().then(async (cdp) => (await cdp.send('Browser.getVersion')).userAgent) });
    expect(await page.evaluate(() => navigator.userAgent)).toContain('HeadlessChrome');
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?infl=${promoCode.code}`);
    expect(await shoutoutState(page)).toMatchObject({ ref: null, discount: { promotion_code: promoCode.code } });
    expect(await refCookies()).toEqual([]);
    expect(await server.deps.store.clicks.countCreated(scope, { from: new Date(0), to: new Date(Date.now() + 60_000) })).toBe(0);
  });

  it('honours Global Privacy Control when the org says so, until the visitor consents on the site', async () => {
    const { org, scope, promoCode } = await setup({ respect_global_privacy_control: true });
    const page = await newPage();
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?infl=${promoCode.code}`);
    expect(await shoutoutState(page)).toMatchObject({ ref: null, discount: { promotion_code: promoCode.code } });
    expect(await refCookies()).toEqual([]);
    const range = { from: new Date(0), to: new Date(Date.now() + 60_000) };
    expect(await server.deps.store.clicks.countCreated(scope, range)).toBe(0);

    // A consent banner's opt-in outweighs the browser-wide signal, with or without data-consent.
    await page.evaluate(() => (window as unknown as { Shoutout: { consent(granted: boolean): void } }).Shoutout.consent(true));
    expect((await shoutoutState(page)).code).toBe(promoCode.code);
    expect(await refCookies()).toHaveLength(1);
    expect(await server.deps.store.clicks.countCreated(scope, range)).toBe(1);
    // A second consent has nothing more to record.
    await page.evaluate(() => (window as unknown as { Shoutout: { consent(granted: boolean): Promise<unknown> } }).Shoutout.consent(true));
    expect(await server.deps.store.clicks.countCreated(scope, range)).toBe(1);
  });

  it('resolves `ready` with the discount once consent lets the click through', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage();
    // docs/pixel.md's queue snippet: show the discount when it is known.
    const queue = `<script>window.Shoutout = [function (S) { S.ready.then(function (s) { document.title = s.discount ? s.discount.promotion_code : 'none'; }); }];</script>`;
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id, { attributes: 'data-consent="required"', head: queue })}?infl=${promoCode.code}`);
    await expect.poll(() => page.title()).toBe('none');
    await page.evaluate(() => {
      const S = (window as unknown as { Shoutout: { consent(granted: boolean): void; ready: Promise<{ discount?: { promotion_code: string } }> } }).Shoutout;
      S.consent(true);
      S.ready.then((state) => (document.title = state.discount!.promotion_code));
    });
    await expect.poll(() => page.title()).toBe(promoCode.code);
  });

  it('leaves the page untouched for an unknown code, a blocked origin, an unknown org and a network failure', async () => {
    const { org, promoCode } = await setup({ clean_url: true });
    const cases = [
      `${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?infl=NOSUCHCODE`,
      `${site.origin('www.other.co.uk')}${pixelPage(org.id)}?infl=${promoCode.code}`,
      `${site.origin('www.brand.co.uk')}${pixelPage('org_unknown')}?infl=${promoCode.code}`,
    ];
    for (const url of cases) {
      const page = await newPage();
      await page.goto(url);
      expect(await shoutoutState(page)).toEqual({ ref: null, code: null, clickId: null, creator: null, discount: null });
      expect(await refCookies()).toEqual([]);
      expect(page.url()).toBe(url);
      expect(await page.textContent('h1')).toBe('Brand');
      expect(pageErrors).toEqual([]);
      await context.close();
    }
    const page = await newPage();
    await page.route('**/api/track/click', (route) => route.abort('connectionrefused'));
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?infl=${promoCode.code}`);
    expect((await shoutoutState(page)).ref).toBeNull();
    expect(await refCookies()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('replaces a mangled cookie with the new referral', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage();
    await context.addCookies([{ name: 'shoutout_ref', value: 'not.a-token', domain: '.brand.co.uk', path: '/' }]);
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?infl=${promoCode.code}`);
    const state = await shoutoutState(page);
    expect(state.code).toBe(promoCode.code);
    expect(await refCookies()).toEqual([expect.objectContaining({ value: state.ref, domain: '.brand.co.uk' })]);
    expect(pageErrors).toEqual([]);
  });

  it('removes the referral params from the address bar when the org cleans URLs', async () => {
    const { org, promoCode } = await setup({ clean_url: true, referral_params: ['partner'] });
    const page = await newPage();
    const landing = pixelPage(org.id, { attributes: 'data-params="partner"' });
    await page.goto(`${site.origin('www.brand.co.uk')}${landing}?partner=${promoCode.code}&utm_source=ig#pricing`);
    expect((await shoutoutState(page)).code).toBe(promoCode.code);
    expect(page.url()).toBe(`${site.origin('www.brand.co.uk')}${landing}?utm_source=ig#pricing`);
    expect(await refCookies()).toHaveLength(1);
  });

  it('reads data-params written with spaces, and gets past an unrelated ref param to the creator’s code', async () => {
    const { org, promoCode } = await setup({ clean_url: true, referral_params: ['partner'] });
    const page = await newPage();
    const landing = pixelPage(org.id, { attributes: 'data-params="code, partner"' });
    await page.goto(`${site.origin('www.brand.co.uk')}${landing}?partner=${promoCode.code}`);
    expect((await shoutoutState(page)).code).toBe(promoCode.code);
    await context.close();

    const next = await newPage();
    await next.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?ref=producthunt&via=${promoCode.code}`);
    expect((await shoutoutState(next)).code).toBe(promoCode.code);
    // Only the param that carried the code is cleaned away.
    expect(new URL(next.url()).search).toBe('?ref=producthunt');
  });

  it('adds the click id to Stripe Payment Links, buy buttons and pricing tables, including ones added later', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage();
    const body = `
      <a id="link" href="https://buy.stripe.com/test_abc?prefilled_email=a%40b.c">Buy</a>
      <a id="own" href="https://buy.stripe.com/test_def?client_reference_id=user_7">Buy (brand's own id)</a>
      <a id="other" href="https://example.com/buy.stripe.com/x">Not Stripe</a>
      <stripe-buy-button id="button" buy-button-id="buy_btn_1"></stripe-buy-button>
      <stripe-pricing-table id="table" pricing-table-id="prctbl_1"></stripe-pricing-table>`;
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id, { attributes: 'data-stripe="auto"', body })}?infl=${promoCode.code}`);
    const { clickId } = await shoutoutState(page);
    expect(clickId).toMatch(/^clk_[a-z0-9]+$/);
    const href = (selector: string) => page.getAttribute(selector, 'href');
    expect(await href('#link')).toBe(`https://buy.stripe.com/test_abc?prefilled_email=a%40b.c&client_reference_id=${clickId}`);
    expect(await href('#own')).toBe('https://buy.stripe.com/test_def?client_reference_id=user_7');
    expect(await href('#other')).toBe('https://example.com/buy.stripe.com/x');
    expect(await page.getAttribute('#button', 'client-reference-id')).toBe(clickId);
    expect(await page.getAttribute('#table', 'client-reference-id')).toBe(clickId);

    await page.evaluate(() => {
      const late = document.createElement('div');
      late.innerHTML = '<a id="late" href="https://buy.stripe.com/test_late">Late</a><stripe-buy-button id="late-button"></stripe-buy-button>';
      document.body.append(late);
    });
    await expect.poll(() => href('#late')).toBe(`https://buy.stripe.com/test_late?client_reference_id=${clickId}`);
    await expect.poll(() => page.getAttribute('#late-button', 'client-reference-id')).toBe(clickId);

    // A pricing toggle rewrites a link in place; an SVG link (whose href is not a string) stops nothing.
    await page.evaluate(() => {
      document.querySelector('#link')!.setAttribute('href', 'https://buy.stripe.com/test_yearly');
      document.body.insertAdjacentHTML(
        'afterbegin',
        '<svg><a id="svg" href="https://buy.stripe.com/test_svg"><text>Buy</text></a></svg><a id="after" href="https://buy.stripe.com/test_after">After</a>',
      );
    });
    await expect.poll(() => href('#link')).toBe(`https://buy.stripe.com/test_yearly?client_reference_id=${clickId}`);
    await expect.poll(() => href('#after')).toBe(`https://buy.stripe.com/test_after?client_reference_id=${clickId}`);
    await expect.poll(() => href('#svg')).toBe(`https://buy.stripe.com/test_svg?client_reference_id=${clickId}`);

    // A later page without the param decorates from the cookie.
    await page.goto(`${site.origin('shop.brand.co.uk')}${pixelPage(org.id, { attributes: 'data-stripe="auto"', body })}`);
    await shoutoutState(page);
    expect(await href('#link')).toBe(`https://buy.stripe.com/test_abc?prefilled_email=a%40b.c&client_reference_id=${clickId}`);
    expect(pageErrors).toEqual([]);
  });

  it('leaves Payment Links alone without data-stripe="auto"', async () => {
    const { org, promoCode } = await setup();
    const page = await newPage();
    const body = '<a id="link" href="https://buy.stripe.com/test_abc">Buy</a>';
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id, { body })}?infl=${promoCode.code}`);
    await shoutoutState(page);
    expect(await page.getAttribute('#link', 'href')).toBe('https://buy.stripe.com/test_abc');
  });

  it('sends an install heartbeat once per browser session', async () => {
    const { org } = await setup();
    const page = await newPage();
    const beats: string[] = [];
    page.on('request', (request) => request.url().endsWith('/api/tracking/verify') && beats.push(request.url()));
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}?utm_source=newsletter`);
    await shoutoutState(page);
    await expect.poll(async () => (await server.deps.store.heartbeats.list(org.id)).map((beat) => beat.domain)).toEqual(['www.brand.co.uk']);
    const [heartbeat] = await server.deps.store.heartbeats.list(org.id);
    expect(heartbeat.pageUrl).toMatch(/^http:\/\/www\.brand\.co\.uk:\d+\/p\/[a-f0-9]+$/);
    await page.goto(`${site.origin('www.brand.co.uk')}${pixelPage(org.id)}`);
    await shoutoutState(page);
    expect(beats).toHaveLength(1);
  });
});

describe('the Blitz Rocket-compatible tracker in Chromium', () => {
  /** A page with Blitz Rocket's tag: settings in the script's query string, no data attributes. */
  const trackerPage = (query: string, body = '') =>
    site.page(`<!doctype html><html><head><script src="${server.url}/api/referral-tracker.js?${query}" async></script></head><body>${body}</body></html>`);

  it('reads its settings from its query string, and reports a signup and a purchase as reported', async () => {
    const { org, scope, promoCode } = await setup();
    const page = await newPage();
    const landing = trackerPage(`campaignId=${org.id}&autoInject=stripe`, '<a id="buy" href="https://buy.stripe.com/test_123">Buy</a>');
    await page.goto(`${site.origin('www.brand.co.uk')}${landing}?ref=${promoCode.code}`);
    await page.waitForFunction(() => (window as unknown as { Shoutout?: { ready?: unknown } }).Shoutout?.ready);
    const result = await page.evaluate(async () => {
      type Tracker = { ready: Promise<unknown>; getReferralCode(): string | null; trackSignup(email: string): Promise<unknown>; trackPurchase(...args: unknown[]): Promise<unknown> };
      const tracker = (window as unknown as { Shoutout: Tracker }).Shoutout;
      await tracker.ready;
      return {
        code: tracker.getReferralCode(),
        href: document.getElementById('buy')!.getAttribute('href'),
        signup: await tracker.trackSignup('friend@example.com'),
        purchase: await tracker.trackPurchase('order-123', 49.99, 'USD', 'friend@example.com'),
      };
    });
    expect(result.code).toBe(promoCode.code);
    expect(result.href).toMatch(/client_reference_id=clk_/);
    expect(result.signup).toMatchObject({ success: true, kind: 'signup', status: 'reported', reported_by: 'browser', referralCode: promoCode.code });
    expect(result.purchase).toMatchObject({ success: true, kind: 'purchase', status: 'reported', orderId: 'order-123', amount: 4999, currency: 'usd' });
    // Reported, not counted: no binding and no conversion, however the browser insists.
    expect(await server.deps.store.bindings.get(scope, server.deps.secrets.hashExternalId(org.id, 'friend@example.com'))).toBeNull();
    expect(await server.deps.store.conversions.list(scope)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('credits a reported purchase when the org trusts browser reports, and reports nothing for a visitor with no referral', async () => {
    const { org, scope, promoCode } = await setup({ trust_browser_reports: true });
    const page = await newPage();
    const landing = trackerPage(`org=${org.id}`);
    await page.goto(`${site.origin('www.brand.co.uk')}${landing}?ref=${promoCode.code}`);
    await page.waitForFunction(() => (window as unknown as { Shoutout?: { ready?: unknown } }).Shoutout?.ready);
    const purchase = await page.evaluate(async () => {
      const tracker = (window as unknown as { Shoutout: { ready: Promise<unknown>; trackPurchase(...args: unknown[]): Promise<unknown> } }).Shoutout;
      await tracker.ready;
      return tracker.trackPurchase('order-9', 20, 'usd', 'buyer@example.com');
    });
    expect(purchase).toMatchObject({ status: 'recorded', conversion: expect.stringMatching(/^conv_/) });
    expect(await server.deps.store.conversions.list(scope)).toEqual([expect.objectContaining({ kind: 'reported', amount: 2000 })]);

    const unreferred = await newPage();
    await unreferred.goto(`${site.origin('www.brand.co.uk')}${trackerPage(`org=${org.id}`)}`);
    await unreferred.waitForFunction(() => (window as unknown as { Shoutout?: { ready?: unknown } }).Shoutout?.ready);
    expect(await unreferred.evaluate(() => (window as unknown as { Shoutout: { trackSignup(email: string): Promise<unknown> } }).Shoutout.trackSignup('x@example.com'))).toBeNull();
  });
});
