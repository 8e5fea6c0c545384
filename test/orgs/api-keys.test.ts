import { createApiKey } from '../../server/src/orgs/service';
import { createTestOrg } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const errorOf = async (response: Response) => ((await response.json()) as { error: Record<string, string> }).error;

describe('API keys', () => {
  it('answers 401 for a missing, unknown or revoked key and 403 for a missing scope', async () => {
    const { org, key } = await createTestOrg(server.deps);
    const missing = await server.request('GET', '/api/customers?externalId=u');
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toMatchObject({ type: 'authentication_error', code: 'api_key_missing' });

    const unknown = await server.request('GET', '/api/customers?externalId=u', { key: 'so_live_nope' });
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('api_key_invalid');

    const { secret: referralsOnly } = await createApiKey(server.deps, org.id, { scopes: ['referrals'] });
    const forbidden = await server.request('GET', '/api/creators', { key: referralsOnly });
    expect(forbidden.status).toBe(403);
    expect(await errorOf(forbidden)).toMatchObject({ type: 'permission_error', code: 'api_key_scope_missing' });
    expect((await server.request('GET', '/api/customers?externalId=u', { key: referralsOnly })).status).toBe(200);

    const created = await (await server.request('POST', '/api/keys', { key, body: { name: 'ci', scopes: ['referrals'] } })).json();
    expect((await server.request('GET', '/api/customers?externalId=u', { key: created.secret })).status).toBe(200);
    const revoked = await server.request('DELETE', `/api/keys/${created.id}`, { key });
    expect((await revoked.json()).revoked).toEqual(expect.any(Number));
    const afterRevoke = await server.request('GET', '/api/customers?externalId=u', { key: created.secret });
    expect(afterRevoke.status).toBe(401);
    expect((await errorOf(afterRevoke)).code).toBe('api_key_revoked');
  });

  it('shows a secret once, stores only its hash, and tells live from test by prefix', async () => {
    const { org, key } = await createTestOrg(server.deps);
    const live = await (await server.request('POST', '/api/keys', { key, body: { scopes: ['referrals', 'admin'] } })).json();
    const { secret: testAdmin } = await createApiKey(server.deps, org.id, { scopes: ['admin'], livemode: false });
    const test = await (await server.request('POST', '/api/keys', { key: testAdmin, body: { name: 'staging' } })).json();
    expect(live.secret).toMatch(/^so_live_[A-Za-z0-9_-]{32}$/);
    expect(test).toMatchObject({ livemode: false, secret: expect.stringMatching(/^so_test_/) });
    expect(live.redacted).toBe(`${live.secret.slice(0, 8)}…${live.secret.slice(-4)}`);

    const listed = await (await server.request('GET', '/api/keys', { key })).json();
    expect(listed.data.map((entry: { id: string }) => entry.id)).toEqual(expect.arrayContaining([live.id]));
    expect(JSON.stringify(listed)).not.toContain(live.secret);
    const stored = await server.deps.store.apiKeys.list(org.id);
    expect(stored).toHaveLength(4);
    expect(JSON.stringify(stored)).not.toContain(live.secret);
    expect(stored.find((entry) => entry.id === live.id)?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets a key manage only the keys of its own mode', async () => {
    const { org, key: liveAdmin } = await createTestOrg(server.deps);
    const { secret: testAdmin, key: testAdminRecord } = await createApiKey(server.deps, org.id, { scopes: ['admin'], livemode: false });

    // A test key, handed to more people and machines, must not lead to live data.
    const escalation = await server.request('POST', '/api/keys', { key: testAdmin, body: { scopes: ['admin', 'referrals'], livemode: true } });
    expect(escalation.status).toBe(403);
    expect(await errorOf(escalation)).toMatchObject({ type: 'permission_error', code: 'api_key_mode_mismatch', param: 'livemode' });
    expect((await server.request('POST', '/api/keys', { key: liveAdmin, body: { livemode: false } })).status).toBe(403);
    expect(await server.deps.store.apiKeys.list(org.id)).toHaveLength(2);

    const modesSeen = async (key: string) =>
      ((await (await server.request('GET', '/api/keys', { key })).json()).data as { livemode: boolean }[]).map((entry) => entry.livemode);
    expect(await modesSeen(testAdmin)).toEqual([false]);
    expect(await modesSeen(liveAdmin)).toEqual([true]);

    const liveKeyId = (await server.deps.store.apiKeys.list(org.id)).find((entry) => entry.livemode)!.id;
    const crossRevoke = await server.request('DELETE', `/api/keys/${liveKeyId}`, { key: testAdmin });
    expect(crossRevoke.status).toBe(404);
    expect((await server.request('GET', '/api/keys', { key: liveAdmin })).status).toBe(200);
    expect((await server.request('DELETE', `/api/keys/${testAdminRecord.id}`, { key: liveAdmin })).status).toBe(404);
  });

  it('names the offending field when creating a key with bad input', async () => {
    const { key } = await createTestOrg(server.deps);
    const response = await server.request('POST', '/api/keys', { key, body: { scopes: ['everything'] } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'parameter_invalid', param: 'scopes.0' });
  });
});

describe('org settings', () => {
  it('reads and changes settings, refusing unknown or invalid fields', async () => {
    const { key } = await createTestOrg(server.deps);
    const patched = await server.request('PATCH', '/api/org', {
      key,
      body: { domains: ['https://Shop.Brand.test/path', 'brand.test'], attribution_model: 'first_click', referral_params: ['infl', 'via'] },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ domains: ['shop.brand.test', 'brand.test'], attribution_model: 'first_click', referral_params: ['infl', 'via'] });

    const bad = await server.request('PATCH', '/api/org', { key, body: { attribution_window_days: 0 } });
    expect(await errorOf(bad)).toMatchObject({ code: 'parameter_invalid', param: 'attribution_window_days' });
    const unknown = await server.request('PATCH', '/api/org', { key, body: { plan: 'free' } });
    expect(unknown.status).toBe(400);
    // An empty patch changes nothing (and never reaches the store as an empty update).
    const empty = await server.request('PATCH', '/api/org', { key, body: {} });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ domains: ['shop.brand.test', 'brand.test'], attribution_model: 'first_click' });
    expect((await (await server.request('GET', '/api/org', { key })).json()).attribution_window_days).toBe(30);
  });
});
