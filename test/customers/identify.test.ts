import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT } from 'jose';
import { createOrgWithReferral, createTestReferral, mintTestRef } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const setup = (orgInput = {}) => createOrgWithReferral(server.deps, orgInput);

const identify = (key: string, body: unknown) => server.request('POST', '/api/customers/identify', { key, body });
const lookup = (key: string, externalId: string) =>
  server.request('GET', `/api/customers?externalId=${encodeURIComponent(externalId)}`, { key });

describe('POST /api/customers/identify', () => {
  it('binds the referral so lookup returns creator, campaign and discount', async () => {
    const { key, creator, campaign, promoCode } = await setup();
    const ref = await mintTestRef(server.deps, promoCode);

    const response = await identify(key, { externalId: 'user_42', ref });
    expect(response.status).toBe(204);

    const found = await (await lookup(key, 'user_42')).json();
    expect(found).toEqual({
      data: {
        creator: { id: creator.id, handle: creator.handle, avatar_url: null, name: 'Annie', customer_id: null, first_name: null, last_name: null },
        campaign: { id: campaign.id, title: 'Summer drop' },
        discount: {
          promotion_code: promoCode.code,
          stripe_promotion_code_id: null,
          stripe_coupon_id: null,
          discount_type: 'percent_off',
          discount_value: 20,
          currency: null,
          campaign_id: campaign.id,
        },
      },
    });
    const viaPost = await server.request('POST', '/api/customers/lookup', { key, body: { externalId: 'user_42' } });
    expect(await viaPost.json()).toEqual(found);
  });

  it('answers lookups as UTF-8 JSON with its length and request id, and HEAD without a body', async () => {
    const { key, promoCode } = await setup();
    await identify(key, { externalId: 'user_ü', ref: await mintTestRef(server.deps, promoCode) });
    const response = await lookup(key, 'user_ü');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    expect(JSON.parse(bytes.toString('utf8')).data.discount.promotion_code).toBe(promoCode.code);

    const head = await server.request('HEAD', `/api/customers?externalId=${encodeURIComponent('user_ü')}`, { key });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(await head.text()).toBe('');
  });

  it('returns data null for an unknown user and after the code is deactivated', async () => {
    const { key, promoCode } = await setup();
    expect(await (await lookup(key, 'nobody')).json()).toEqual({ data: null });

    await identify(key, { externalId: 'u1', ref: await mintTestRef(server.deps, promoCode) });
    const deactivate = await server.request('PATCH', `/api/promo_codes/${promoCode.id}`, { key, body: { active: false } });
    expect(deactivate.status).toBe(200);
    expect(await (await lookup(key, 'u1')).json()).toEqual({ data: null });
  });

  it('is idempotent and keeps the latest referral by default', async () => {
    const { key, scope } = await setup();
    const first = await createTestReferral(server.deps, scope);
    const second = await createTestReferral(server.deps, scope);
    const older = await mintTestRef(server.deps, first.promoCode, { issuedAt: new Date(Date.now() - 3_600_000) });
    const newer = await mintTestRef(server.deps, second.promoCode);

    for (const ref of [newer, older, newer]) expect((await identify(key, { externalId: 'u2', ref })).status).toBe(204);
    const body = await (await lookup(key, 'u2')).json();
    expect(body.data.discount.promotion_code).toBe(second.promoCode.code);
  });

  it('keeps the first referral when the org attributes to the first click', async () => {
    const { key, scope } = await setup({ attribution_model: 'first_click' });
    const first = await createTestReferral(server.deps, scope);
    const second = await createTestReferral(server.deps, scope);
    await identify(key, { externalId: 'u3', ref: await mintTestRef(server.deps, first.promoCode, { issuedAt: new Date(Date.now() - 60_000) }) });
    await identify(key, { externalId: 'u3', ref: await mintTestRef(server.deps, second.promoCode) });
    const body = await (await lookup(key, 'u3')).json();
    expect(body.data.discount.promotion_code).toBe(first.promoCode.code);
  });

  it('leaves exactly one binding when identify calls for one user race', async () => {
    const { key, scope, promoCode } = await setup();
    const refs = await Promise.all(
      Array.from({ length: 20 }, (_, index) => mintTestRef(server.deps, promoCode, { issuedAt: new Date(Date.now() - index * 1000) })),
    );
    const statuses = await Promise.all(refs.map(async (ref) => (await identify(key, { externalId: 'racer', ref })).status));
    expect(statuses.every((status) => status === 204)).toBe(true);
    const hash = server.deps.secrets.hashExternalId(scope.orgId, 'racer');
    expect(await server.deps.store.bindings.countCreated(scope, { from: new Date(0), to: new Date(Date.now() + 1000) }, { externalIdHash: hash })).toBe(1);
    const newest = await server.deps.store.bindings.get(scope, hash);
    const newestIssuedAt = JSON.parse(Buffer.from(refs[0].split('.')[1], 'base64url').toString()).iat * 1000;
    expect(newest?.referredAt.getTime()).toBe(newestIssuedAt);
  });

  it('never stores or logs the raw external id', async () => {
    const { key, promoCode } = await setup();
    const rawId = `jane.doe+${Date.now()}@example.com`;
    expect((await identify(key, { externalId: rawId, ref: await mintTestRef(server.deps, promoCode) })).status).toBe(204);
    expect((await lookup(key, rawId)).status).toBe(200);
    await server.request('POST', '/api/customers/lookup', { key, body: { externalId: rawId } });

    const files = await readdir(server.dataDir);
    const stored = (await Promise.all(files.map((file) => readFile(path.join(server.dataDir, file), 'utf8')))).join('\n');
    expect(stored).toContain(server.deps.secrets.hashExternalId(promoCode.orgId, rawId));
    expect(stored).not.toContain(rawId);
    expect(stored).not.toContain(encodeURIComponent(rawId));
    const logs = server.logs.join('\n');
    expect(logs).toContain('/api/customers?externalId=[redacted]');
    expect(logs).not.toContain(rawId);
    expect(logs).not.toContain(encodeURIComponent(rawId));
  });
});

describe('identify refusals', () => {
  const expectRefusal = async (response: Response, status: number, code: string, param: string) => {
    expect(response.status).toBe(status);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code, param });
    expect(body.error.request_id).toMatch(/^req_/);
  };

  it('names missing and oversized fields', async () => {
    const { key, promoCode } = await setup();
    const ref = await mintTestRef(server.deps, promoCode);
    await expectRefusal(await identify(key, { ref }), 400, 'parameter_missing', 'externalId');
    await expectRefusal(await identify(key, { externalId: 'u' }), 400, 'parameter_missing', 'ref');
    await expectRefusal(await identify(key, { externalId: 'x'.repeat(257), ref }), 400, 'parameter_invalid', 'externalId');
    await expectRefusal(await identify(key, { externalId: 42, ref }), 400, 'parameter_invalid', 'externalId');
    await expectRefusal(await identify(key, { externalId: 'u', ref: 'r'.repeat(2049) }), 400, 'parameter_invalid', 'ref');
  });

  it('refuses tampered, expired, unsigned and foreign referrals and stores nothing', async () => {
    const { key, scope, promoCode } = await setup();
    const other = await setup();
    const good = await mintTestRef(server.deps, promoCode);
    const [header, payload, signature] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), code: 'FREE100' })).toString('base64url');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    const wrongKey = await new SignJWT({ org: scope.orgId }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
    const expired = await mintTestRef(server.deps, promoCode, { issuedAt: new Date(Date.now() - 31 * 86_400_000), windowDays: 30 });
    const foreign = await mintTestRef(server.deps, other.promoCode);
    // Signed with the right key, but for another audience: not a referral.
    const { aud: _audience, ...claims } = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const otherAudience = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setAudience('elsewhere').sign(server.deps.secrets.referralSigningKey);

    await expectRefusal(await identify(key, { externalId: 'victim', ref: `${header}.${forged}.${signature}` }), 400, 'referral_invalid', 'ref');
    await expectRefusal(await identify(key, { externalId: 'victim', ref: unsigned }), 400, 'referral_invalid', 'ref');
    await expectRefusal(await identify(key, { externalId: 'victim', ref: wrongKey }), 400, 'referral_invalid', 'ref');
    await expectRefusal(await identify(key, { externalId: 'victim', ref: 'not-a-token' }), 400, 'referral_invalid', 'ref');
    // Base64url decoders skip characters outside their alphabet: a good token with junk around it is not that token.
    for (const padded of [`${good}!!`, `${good}==`, `${good}%20`, `${good}.x`, `${header}.${payload}.${signature.slice(0, 10)}*${signature.slice(10)}`]) {
      await expectRefusal(await identify(key, { externalId: 'victim', ref: padded }), 400, 'referral_invalid', 'ref');
    }
    await expectRefusal(await identify(key, { externalId: 'victim', ref: otherAudience }), 400, 'referral_invalid', 'ref');
    await expectRefusal(await identify(key, { externalId: 'victim', ref: expired }), 400, 'referral_expired', 'ref');
    await expectRefusal(await identify(key, { externalId: 'victim', ref: foreign }), 400, 'referral_org_mismatch', 'ref');

    expect(await server.deps.store.bindings.get(scope, server.deps.secrets.hashExternalId(scope.orgId, 'victim'))).toBeNull();
  });

  it('refuses a live referral with a test key, and a deactivated code with 422', async () => {
    const { org, promoCode, key } = await setup();
    const { createApiKey } = await import('../../server/src/orgs/service');
    const { secret: testKey } = await createApiKey(server.deps, org.id, { scopes: ['referrals'], livemode: false });
    await expectRefusal(await identify(testKey, { externalId: 'u', ref: await mintTestRef(server.deps, promoCode) }), 400, 'referral_mode_mismatch', 'ref');

    await server.request('PATCH', `/api/promo_codes/${promoCode.code}`, { key, body: { active: false } });
    await expectRefusal(await identify(key, { externalId: 'u', ref: await mintTestRef(server.deps, promoCode) }), 422, 'promo_code_inactive', 'ref');
  });
});
