import { createApiKey } from '../../server/src/orgs/service';
import { createTestOrg } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const json = async (response: Response) => ({ status: response.status, body: await response.json() });

describe('catalog admin API', () => {
  it('creates a creator, a campaign and an upper-cased code, and lists them', async () => {
    const { key } = await createTestOrg(server.deps);
    const creator = await json(await server.request('POST', '/api/creators', { key, body: { handle: 'Annie', name: 'Annie A', avatar_url: 'https://cdn.test/a.png' } }));
    expect(creator).toMatchObject({ status: 201, body: { object: 'creator', handle: 'annie', avatar_url: 'https://cdn.test/a.png' } });

    const campaign = await json(
      await server.request('POST', '/api/campaigns', {
        key,
        body: { title: 'Summer drop', discount_type: 'amount_off', discount_value: 500, currency: 'USD', commission: { type: 'percent', value: 10, recurring_months: 3 } },
      }),
    );
    expect(campaign).toMatchObject({
      status: 201,
      body: { object: 'campaign', discount_type: 'amount_off', discount_value: 500, currency: 'usd', commission: { type: 'percent', value: 10, recurring_months: 3 } },
    });

    const code = await json(await server.request('POST', '/api/promo_codes', { key, body: { code: 'annie50', creator: 'annie', campaign: campaign.body.id } }));
    expect(code).toMatchObject({ status: 201, body: { code: 'ANNIE50', creator: creator.body.id, campaign: campaign.body.id, active: true } });

    const listed = await json(await server.request('GET', `/api/promo_codes?creator=annie`, { key }));
    expect(listed.body.data.map((entry: { code: string }) => entry.code)).toEqual(['ANNIE50']);
    expect((await json(await server.request('GET', '/api/promo_codes/annie50', { key }))).body.id).toBe(code.body.id);
  });

  it('gives a fixed commission the campaign’s currency when it names none', async () => {
    const { key } = await createTestOrg(server.deps);
    const body = { title: 'Launch', discount_type: 'percent_off', discount_value: 10, currency: 'EUR', commission: { type: 'fixed', value: 300 } };
    const campaign = await json(await server.request('POST', '/api/campaigns', { key, body }));
    expect(campaign).toMatchObject({ status: 201, body: { commission: { type: 'fixed', value: 300, currency: 'eur' } } });
  });

  it('refuses duplicates with 409 and bad input with the field named, storing nothing', async () => {
    const { key, scope } = await createTestOrg(server.deps);
    await server.request('POST', '/api/creators', { key, body: { handle: 'bob' } });
    const badCustomer = await json(await server.request('POST', '/api/creators', { key, body: { handle: 'carol', stripe_customer_id: 'carol' } }));
    expect(badCustomer).toMatchObject({ status: 400, body: { error: { param: 'stripe_customer_id' } } });
    expect(await json(await server.request('POST', '/api/creators', { key, body: { handle: 'BOB' } }))).toMatchObject({
      status: 409,
      body: { error: { code: 'creator_exists', param: 'handle' } },
    });

    const cases: [unknown, string][] = [
      [{ title: 'x', discount_type: 'percent_off', discount_value: 120 }, 'discount_value'],
      [{ title: 'x', discount_type: 'amount_off', discount_value: 5 }, 'currency'],
      [{ title: 'x', discount_type: 'amount_off', discount_value: 5.5, currency: 'usd' }, 'discount_value'],
      [{ title: 'x', discount_type: 'percent_off', discount_value: 10, duration: 'repeating' }, 'duration_in_months'],
      [{ discount_type: 'percent_off', discount_value: 10 }, 'title'],
      [{ title: 'x', discount_type: 'percent_off', discount_value: 10, commission: { type: 'percent', value: 150 } }, 'commission.value'],
      [{ title: 'x', discount_type: 'percent_off', discount_value: 10, commission: { type: 'fixed', value: 500 } }, 'commission.currency'],
      // Past the year 9999 a time has no ISO form, and soon no Date: it would be stored as "no end".
      [{ title: 'x', discount_type: 'percent_off', discount_value: 10, ends_at: Number.MAX_SAFE_INTEGER }, 'ends_at'],
      [{ title: 'x', discount_type: 'percent_off', discount_value: 10, starts_at: 'soon' }, 'starts_at'],
    ];
    for (const [body, param] of cases) {
      const response = await json(await server.request('POST', '/api/campaigns', { key, body }));
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.param).toBe(param);
    }
    expect(await server.deps.store.campaigns.list(scope)).toEqual([]);
    const farFuture = await json(await server.request('POST', '/api/campaigns', { key, body: { title: 'x', discount_type: 'percent_off', discount_value: 10, ends_at: 1e15 } }));
    expect(farFuture.body.error.message).toBe('Invalid ends_at: must be unix seconds or an ISO 8601 datetime such as 2026-12-01T00:00:00Z');

    const missingCreator = await json(await server.request('POST', '/api/promo_codes', { key, body: { code: 'X123', creator: 'ghost', campaign: 'cmp_x' } }));
    expect(missingCreator).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
    const badCode = await json(await server.request('POST', '/api/promo_codes', { key, body: { code: 'no spaces!', creator: 'bob', campaign: 'cmp_x' } }));
    expect(badCode.body.error.param).toBe('code');
    expect(await server.deps.store.promoCodes.list(scope)).toEqual([]);
  });

  it('keeps live and test data apart', async () => {
    const { org, key } = await createTestOrg(server.deps);
    const { secret: testKey } = await createApiKey(server.deps, org.id, { livemode: false, scopes: ['admin'] });
    await server.request('POST', '/api/creators', { key: testKey, body: { handle: 'tester' } });
    expect((await json(await server.request('GET', '/api/creators', { key }))).body.data).toEqual([]);
    expect((await json(await server.request('GET', '/api/creators', { key: testKey }))).body.data).toHaveLength(1);
    expect(await server.deps.store.creators.list({ orgId: org.id, livemode: false })).toHaveLength(1);
  });
});

describe('HTTP basics', () => {
  it('answers health, unknown routes, malformed JSON and oversized bodies in the error shape', async () => {
    expect(await json(await server.request('GET', '/healthz'))).toEqual({ status: 200, body: { status: 'ok', store: 'embedded' } });

    const missing = await server.request('GET', '/api/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    expect((await missing.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'route_not_found', request_id: missing.headers.get('request-id') });

    const { key } = await createTestOrg(server.deps);
    const malformed = await server.request('POST', '/api/creators', { key, body: '{"handle":', headers: { 'content-type': 'application/json' } });
    expect(await json(malformed)).toMatchObject({ status: 400, body: { error: { code: 'body_invalid_json' } } });
    const huge = await server.request('POST', '/api/creators', { key, body: JSON.stringify({ handle: 'x', name: 'y'.repeat(70_000) }), headers: { 'content-type': 'application/json' } });
    expect(await json(huge)).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });

    const echoed = await server.request('GET', '/api/nope', { headers: { 'x-request-id': 'trace-1234567' } });
    expect(echoed.headers.get('request-id')).toBe('trace-1234567');
  });
});
