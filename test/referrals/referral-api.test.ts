import { createOrgWithReferral, createTestReferral, mintTestRef } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const deps = () => server.deps;
const browser = { origin: 'https://www.brand.test', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36' };
const SIGNUP_POINTS = { rewards: [{ recipient: 'advocate', trigger: 'signup', points: 100 }, { recipient: 'friend', trigger: 'purchase', points: 5 }] };

async function setup(orgInput = {}) {
  const base = await createOrgWithReferral(deps(), orgInput);
  const rewarded = await createTestReferral(deps(), base.scope, { campaign: { commission: { type: 'percent', value: 10 }, ...SIGNUP_POINTS } as never });
  return { ...base, ...rewarded };
}

const post = (path: string, body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
  server.request('POST', `/api/referral/${path}`, { body, ...options });

describe('Blitz Rocket’s referral API', () => {
  it('track-visit records a click as the server-side click API does, taking campaignId as the org', async () => {
    const { org, promoCode, scope } = await setup();
    const response = await post('track-visit', { campaignId: org.id, referralCode: promoCode.code, pageUrl: `https://www.brand.test/?ref=${promoCode.code}` }, { headers: browser });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ success: true, status: 'ok', affiliateCode: promoCode.code, programId: org.id, clickToken: expect.stringMatching(/^clk_/) });
    expect(await deps().store.clicks.get(scope, body.clickToken)).toMatchObject({ promoCodeId: promoCode.id });
  });

  it('validate-code answers whether a code is usable', async () => {
    const { org, promoCode, creator } = await setup();
    const valid = await server.request('GET', `/api/referral/validate-code?campaignId=${org.id}&code=${promoCode.code.toLowerCase()}`, { headers: browser });
    expect(await valid.json()).toMatchObject({ valid: true, referralCode: promoCode.code, creator: { id: creator.id } });
    const invalid = await server.request('GET', `/api/referral/validate-code?org=${org.id}&referralCode=NOPE123`, { headers: browser });
    expect(await invalid.json()).toMatchObject({ valid: false, creator: null });
  });

  it('keeps a browser’s signup as reported, earning nothing, and a server’s call confirms and rewards it', async () => {
    const { org, key, scope, promoCode, creator } = await setup();
    const ref = await mintTestRef(deps(), promoCode);
    const reported = await post('track-signup', { org: org.id, ref, email: 'friend@example.com' }, { headers: browser });
    expect(reported.status).toBe(200);
    expect(await reported.json()).toMatchObject({ success: true, object: 'referral_report', kind: 'signup', status: 'reported', reported_by: 'browser', confirmed: false, rewards: [] });
    const hash = deps().secrets.hashExternalId(org.id, 'friend@example.com');
    expect(await deps().store.bindings.get(scope, hash)).toBeNull();
    expect(await deps().store.rewardEntries.listFor(scope, `creator:${creator.id}`)).toEqual([]);

    const confirmed = await post('track-signup', { ref, email: 'friend@example.com' }, { key });
    expect(await confirmed.json()).toMatchObject({ status: 'recorded', reported_by: 'server', confirmed: true, rewards: [expect.objectContaining({ amount: 100, trigger: 'signup' })] });
    expect(await deps().store.bindings.get(scope, hash)).toMatchObject({ creatorId: creator.id });

    const reports = await (await server.request('GET', '/api/referral/reports?kind=signup', { key })).json();
    expect(reports.data).toEqual([expect.objectContaining({ status: 'recorded', confirmed: true, referralCode: promoCode.code })]);
    expect(JSON.stringify(reports)).not.toContain('friend@example.com');
  });

  it('credits a browser’s purchase only when the org trusts browser reports, and shows it as reported', async () => {
    for (const trust of [false, true]) {
      const { org, scope, promoCode } = await setup({ trust_browser_reports: trust });
      const ref = await mintTestRef(deps(), promoCode);
      const response = await post('track-purchase', { org: org.id, ref, orderId: 'order-123', amount: 49.99, currency: 'USD', email: 'friend@example.com' }, { headers: browser });
      expect(response.status).toBe(200);
      const body = await response.json();
      const conversions = await deps().store.conversions.list(scope);
      if (!trust) {
        expect(body).toMatchObject({ status: 'reported', amount: 4999, currency: 'usd', conversion: null, commission: null });
        expect(conversions).toEqual([]);
      } else {
        expect(body).toMatchObject({ status: 'recorded', reported_by: 'browser', confirmed: false, commission: { amount: 500, currency: 'usd' }, rewards: [expect.objectContaining({ amount: 5 })] });
        expect(conversions).toEqual([expect.objectContaining({ kind: 'reported', orderId: 'order-123', amount: 4999 })]);
      }
    }
  });

  it('credits a server’s purchase in the currency’s own minor units, once per orderId', async () => {
    const { key, scope, promoCode } = await setup();
    const body = { orderId: 'jp-1', amount: 5000, currency: 'jpy', referralCode: promoCode.code, email: 'friend@example.com' };
    expect(await (await post('track-purchase', body, { key })).json()).toMatchObject({ status: 'recorded', amount: 5000, commission: { amount: 500 } });
    await post('track-purchase', body, { key });
    expect(await deps().store.conversions.list(scope)).toEqual([expect.objectContaining({ kind: 'offline', amount: 5000, currency: 'jpy' })]);
  });

  it('refuses a browser on another site, and a call naming nobody, writing nothing', async () => {
    const { org, scope, promoCode } = await setup();
    const ref = await mintTestRef(deps(), promoCode);
    const foreign = await post('track-signup', { org: org.id, ref, email: 'x@example.com' }, { headers: { ...browser, origin: 'https://evil.test' } });
    expect(foreign.status).toBe(403);
    const nobody = await post('track-signup', { org: org.id, ref }, { headers: browser });
    expect(nobody.status).toBe(400);
    expect((await nobody.json()).error).toMatchObject({ param: 'externalId' });
    expect((await deps().store.referralReports.page(scope, undefined, {})).length).toBe(0);
  });
});
