import { request as httpRequest } from 'node:http';
import Stripe from 'stripe';
import { verifyShoutoutWebhook } from '../../examples/webhooks/verify';
import { createCreator } from '../../server/src/catalog/service';
import { createTestOrg, createTestReferral } from '../helpers/fixtures';
import { startReceiver } from '../helpers/receiver';
import { startTestServer, type TestServer } from '../helpers/server';

const stripe = new Stripe('sk_test_unused');
const PRIVATE_OK = { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_BASE_MS: '100' };

let server: TestServer;
const receivers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await server?.stop();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(answer?: () => number | 'hang') {
  const started = await startReceiver(answer);
  receivers.push(started);
  return started;
}

async function testOrg(livemode = false) {
  return createTestOrg(server.deps, {}, { livemode });
}

async function createEndpoint(key: string, body: Record<string, unknown>) {
  const response = await server.request('POST', '/api/webhook_endpoints', { key, body });
  return { status: response.status, body: await response.json() };
}

describe('webhook endpoints', () => {
  it('shows the signing secret once, lists, updates, rolls and deletes', async () => {
    server = await startTestServer(PRIVATE_OK);
    const { key, scope } = await testOrg();
    const created = await createEndpoint(key, { url: 'http://127.0.0.1:9/hooks', enabled_events: ['conversion.created'], description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'webhook_endpoint', url: 'http://127.0.0.1:9/hooks', status: 'enabled', enabled_events: ['conversion.created'], description: 'CRM' });
    expect(created.body.secret).toMatch(/^whsec_[0-9a-f]{48}$/);
    const id = created.body.id;

    const listed = await (await server.request('GET', '/api/webhook_endpoints', { key })).json();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).not.toHaveProperty('secret');

    const disabled = await server.request('PATCH', `/api/webhook_endpoints/${id}`, { key, body: { disabled: true, enabled_events: ['*'] } });
    expect(await disabled.json()).toMatchObject({ status: 'disabled', disabled_reason: 'brand', enabled_events: ['*'] });

    const rolled = await (await server.request('POST', `/api/webhook_endpoints/${id}/roll_secret`, { key, body: {} })).json();
    expect(rolled.secret).toMatch(/^whsec_/);
    expect(rolled.secret).not.toBe(created.body.secret);
    const stored = await server.deps.store.webhookEndpoints.get(scope, id);
    expect(stored?.secrets.map((entry) => entry.secret)).toEqual([rolled.secret, created.body.secret]);
    expect(stored?.secrets[1].expiresAt?.getTime()).toBe(stored!.updatedAt.getTime() + 24 * 3_600_000);

    expect((await server.request('DELETE', `/api/webhook_endpoints/${id}`, { key })).status).toBe(200);
    expect((await server.request('GET', `/api/webhook_endpoints/${id}`, { key })).status).toBe(404);
  });

  it('refuses http in live mode and names the bad field', async () => {
    server = await startTestServer();
    const { key } = await testOrg(true);
    const refused = await createEndpoint(key, { url: 'http://93.184.215.14/shoutout', enabled_events: ['*'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'url_invalid', param: 'url' });
    const unknownEvent = await createEndpoint(key, { url: 'https://93.184.215.14/shoutout', enabled_events: ['charge.succeeded'] });
    expect(unknownEvent.body.error).toMatchObject({ code: 'parameter_invalid', param: 'enabled_events.0' });
    expect((await server.request('GET', '/api/webhook_endpoints', { key }).then((response) => response.json())).data).toEqual([]);
  });

  it('refuses loopback, private, link-local and other internal addresses unless the operator allows them', async () => {
    server = await startTestServer();
    const { key } = await testOrg(true);
    for (const url of [
      'https://127.0.0.1/hooks',
      'https://localhost:8443/hooks',
      'https://10.1.2.3/hooks',
      'https://192.168.0.10/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hooks',
      'https://[fd00::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://100.64.0.1/hooks',
    ]) {
      const refused = await createEndpoint(key, { url, enabled_events: ['*'] });
      expect(refused.status, url).toBe(400);
      expect(refused.body.error, url).toMatchObject({ code: 'url_internal', param: 'url' });
    }
    expect((await createEndpoint(key, { url: 'https://93.184.215.14/hooks', enabled_events: ['*'] })).status).toBe(201);
  });
});

describe('deliveries', () => {
  it('signs each event as Stripe signs, so stripe-node and the docs’ snippet both verify it, and logs the delivery', async () => {
    server = await startTestServer(PRIVATE_OK);
    const { key } = await testOrg();
    const hooks = await receiver();
    const endpoint = (await createEndpoint(key, { url: hooks.url, enabled_events: ['creator.created'] })).body;

    const creator = await (await server.request('POST', '/api/creators', { key, body: { handle: 'signed' } })).json();
    const [delivery] = await hooks.waitFor(1);
    const header = String(delivery.headers['shoutout-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(delivery.body, header, endpoint.secret) as unknown as typeof delivery.event;
    expect(event).toMatchObject({ object: 'event', type: 'creator.created', livemode: false, data: { object: { id: creator.id, object: 'creator', handle: 'signed' } } });
    expect(verifyShoutoutWebhook(delivery.body, header, endpoint.secret)).toEqual(event);
    expect(() => verifyShoutoutWebhook(delivery.body.replace('signed', 'forged'), header, endpoint.secret)).toThrow('invalid Shoutout signature');
    expect(() => verifyShoutoutWebhook(delivery.body, header, 'whsec_other')).toThrow('invalid Shoutout signature');
    const stale = header.replace(/t=\d+/, `t=${Math.floor(Date.now() / 1000) - 600}`);
    expect(() => verifyShoutoutWebhook(delivery.body, stale, endpoint.secret)).toThrow('invalid Shoutout signature');

    // The sender records the answer once it has it, a moment after the receiver sent it.
    const log = await vi.waitFor(async () => {
      const listed = await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}/deliveries`, { key })).json();
      expect(listed.data[0].status).not.toBe('pending');
      return listed;
    });
    expect(log.data).toEqual([
      expect.objectContaining({ object: 'webhook_delivery', event: event.id, event_type: 'creator.created', status: 'succeeded', attempts: 1, response_status: 200, response_excerpt: 'thanks' }),
    ]);
    expect(log.data[0].latency_ms).toEqual(expect.any(Number));

    const events = await (await server.request('GET', '/api/events?type=creator.created', { key })).json();
    expect(events.data).toEqual([event]);

    const resent = await server.request('POST', `/api/webhook_endpoints/${endpoint.id}/deliveries/${log.data[0].id}/resend`, { key });
    expect(resent.status).toBe(200);
    const again = await hooks.waitFor(2);
    expect(again[1].event.id).toBe(event.id);
  });

  it('signs with both secrets while a rolled one is still in use', async () => {
    server = await startTestServer(PRIVATE_OK);
    const { key } = await testOrg();
    const hooks = await receiver();
    const endpoint = (await createEndpoint(key, { url: hooks.url, enabled_events: ['*'] })).body;
    const rolled = await (await server.request('POST', `/api/webhook_endpoints/${endpoint.id}/roll_secret`, { key, body: { expire_previous_in_hours: 2 } })).json();

    await server.request('POST', '/api/creators', { key, body: { handle: 'rolled' } });
    const [delivery] = await hooks.waitFor(1);
    const header = String(delivery.headers['shoutout-signature']);
    expect(header.match(/v1=/g)).toHaveLength(2);
    for (const secret of [endpoint.secret, rolled.secret]) expect(verifyShoutoutWebhook(delivery.body, header, secret).type).toBe('creator.created');
  });

  it('sends each type to the endpoints that want it; referral.clicked only to those that name it', async () => {
    server = await startTestServer(PRIVATE_OK);
    const { key, scope } = await testOrg();
    const everything = await receiver();
    const clicks = await receiver();
    await createEndpoint(key, { url: everything.url, enabled_events: ['*'] });
    await createEndpoint(key, { url: clicks.url, enabled_events: ['referral.clicked'] });
    const { creator, promoCode } = await createTestReferral(server.deps, scope);

    const click = await server.request('POST', '/api/tracking/click', { key, body: { referralCode: promoCode.code, pageUrl: 'https://brand.test/?infl=x' } });
    expect(click.status).toBe(200);
    const ref = (await click.json()).ref;
    await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'user_1', ref } });
    await server.request('POST', '/api/conversions', { key, body: { order_id: 'o-1', amount: 5000, currency: 'usd', coupon_code: promoCode.code } });
    await server.request('PATCH', `/api/promo_codes/${promoCode.id}`, { key, body: { active: false } });

    const [clicked] = await clicks.waitFor(1);
    expect(clicked.event).toMatchObject({ type: 'referral.clicked', data: { object: { object: 'click', creator: creator.id, code: promoCode.code } } });
    const types = (await everything.waitFor(4)).map((delivery) => delivery.event.type);
    expect(types).toEqual(expect.arrayContaining(['creator.created', 'customer.identified', 'conversion.created', 'promo_code.updated']));
    expect(types).not.toContain('referral.clicked');
    const identified = everything.received.find((delivery) => delivery.event.type === 'customer.identified')!;
    expect(identified.event.data.object).toMatchObject({ object: 'customer_referral', creator: creator.id, code: promoCode.code });
    expect(identified.body).not.toContain('user_1');
  });
});

describe('faults', () => {
  it('does not let an endpoint that never answers delay another', async () => {
    server = await startTestServer(PRIVATE_OK);
    const { key } = await testOrg();
    const dead = await receiver(() => 'hang');
    const healthy = await receiver();
    await createEndpoint(key, { url: dead.url, enabled_events: ['creator.created'] });
    const fine = (await createEndpoint(key, { url: healthy.url, enabled_events: ['creator.created'] })).body;

    for (let index = 0; index < 12; index += 1) await server.request('POST', '/api/creators', { key, body: { handle: `busy${index}` } });
    await healthy.waitFor(12);
    await dead.waitFor(8);
    // Every delivery reached the healthy endpoint while the dead one held all its slots open, answering none.
    expect(dead.received).toHaveLength(8);
    const log = await eventually(async () => {
      const { data } = await (await server.request('GET', `/api/webhook_endpoints/${fine.id}/deliveries?limit=20`, { key })).json();
      return data.every((delivery: { status: string }) => delivery.status === 'succeeded') ? data : null;
    });
    expect(log).toHaveLength(12);
  });

  it('refuses at delivery time a name that now resolves to an internal address', async () => {
    const hooks = await receiver();
    server = await startTestServer(PRIVATE_OK);
    const { key } = await testOrg();
    const dataDir = server.dataDir;
    // Saved while the operator allowed it; the same name resolving to loopback later is what DNS rebinding does.
    const endpoint = (await createEndpoint(key, { url: `http://localhost:${hooks.port}/hooks`, enabled_events: ['creator.created'] })).body;
    await server.close();

    server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '60000' }, { dataDir });
    await server.request('POST', '/api/creators', { key, body: { handle: 'rebound' } });
    const delivery = await eventually(async () => {
      const [latest] = (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}/deliveries`, { key })).json()).data;
      return latest?.attempts === 1 ? latest : null;
    });
    expect(delivery).toMatchObject({ status: 'pending', response_status: null, response_excerpt: expect.stringMatching(/refused to connect to (127\.0\.0\.1|::1): not a public address/) });
    expect(hooks.received).toEqual([]);
  });

  it('retries a failed delivery after a restart until the endpoint takes it', async () => {
    let status = 503;
    const hooks = await receiver(() => status);
    server = await startTestServer({ ...PRIVATE_OK, WEBHOOK_RETRY_BASE_MS: '1500' });
    const { key } = await testOrg();
    const dataDir = server.dataDir;
    const endpoint = (await createEndpoint(key, { url: hooks.url, enabled_events: ['creator.created'] })).body;
    await server.request('POST', '/api/creators', { key, body: { handle: 'retried' } });
    await hooks.waitFor(1);
    await eventually(async () => {
      const [latest] = (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}/deliveries`, { key })).json()).data;
      return latest?.attempts === 1 && latest.status === 'pending' && latest.response_status === 503;
    });
    await server.close();

    status = 200;
    server = await startTestServer({ ...PRIVATE_OK, WEBHOOK_RETRY_BASE_MS: '1500' }, { dataDir });
    const [failed, retried] = await hooks.waitFor(2);
    expect(retried.event.id).toBe(failed.event.id);
    const delivery = await eventually(async () => {
      const [latest] = (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}/deliveries`, { key })).json()).data;
      return latest?.status === 'succeeded' ? latest : null;
    });
    expect(delivery).toMatchObject({ attempts: 2, response_status: 200, response_excerpt: 'thanks' });
    // The endpoint's health is written right after the delivery's outcome, in a write of its own.
    await eventually(async () => (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}`, { key })).json()).failing_since === null);
  });

  it('gives up after three days, and disables an endpoint that failed all that time', async () => {
    let clock = new Date();
    const hooks = await receiver(() => 500);
    server = await startTestServer(PRIVATE_OK, { now: () => clock });
    const { key } = await testOrg();
    const endpoint = (await createEndpoint(key, { url: hooks.url, enabled_events: ['creator.created'] })).body;
    await server.request('POST', '/api/creators', { key, body: { handle: 'doomed' } });
    await hooks.waitFor(1);
    const failing = await eventually(async () => (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}`, { key })).json()).failing_since);
    expect(failing).toBe(Math.floor(clock.getTime() / 1000));

    clock = new Date(clock.getTime() + 3 * 86_400_000 + 1000);
    server.deps.webhooks.nudge();
    await hooks.waitFor(2);
    const disabled = await eventually(async () => {
      const current = await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}`, { key })).json();
      return current.status === 'disabled' ? current : null;
    });
    expect(disabled).toMatchObject({ disabled_reason: 'failing' });
    const [delivery] = (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}/deliveries`, { key })).json()).data;
    expect(delivery).toMatchObject({ status: 'failed', attempts: 2, response_status: 500, response_excerpt: 'nope, try later', next_attempt: null });
  });
});

describe('load', () => {
  it('gives way to requests under way, then catches up once they are answered', async () => {
    server = await startTestServer(PRIVATE_OK);
    const { key, scope } = await testOrg();
    const hooks = await receiver();
    await createEndpoint(key, { url: hooks.url, enabled_events: ['creator.created'] });
    // Four requests whose bodies never come: the server is busy serving until they are dropped.
    const held = Array.from({ length: 4 }, () => {
      const pending = httpRequest(`${server.url}/api/creators`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
      pending.on('error', () => {});
      pending.flushHeaders();
      return pending;
    });
    await eventually(async () => server.deps.webhooks.givingWay() || null);

    const started = performance.now();
    const creators = 1_000;
    await Promise.all(Array.from({ length: creators }, (_, index) => createCreator(server.deps, scope, { handle: `load${index}` })));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A pass every 100 ms at most, each starting at most 10 attempts (+2 passes for the edges).
    const budget = 10 * (Math.floor((performance.now() - started) / 100) + 2);
    expect(hooks.received.length).toBeLessThanOrEqual(budget);
    expect(hooks.received.length).toBeLessThan(creators);

    for (const pending of held) pending.destroy();
    await hooks.waitFor(creators);
    expect(new Set(hooks.received.map((delivery) => delivery.event.data.object.handle)).size).toBe(creators);
  });
});

describe('retention', () => {
  it('deletes events and finished deliveries older than WEBHOOK_RETENTION_DAYS, keeping newer ones', async () => {
    let clock = new Date();
    const start = clock.getTime();
    server = await startTestServer({ ...PRIVATE_OK, WEBHOOK_RETENTION_DAYS: '7' }, { now: () => clock });
    const { key } = await testOrg();
    const hooks = await receiver();
    const endpoint = (await createEndpoint(key, { url: hooks.url, enabled_events: ['creator.created'] })).body;
    const log = async () => (await (await server.request('GET', `/api/webhook_endpoints/${endpoint.id}/deliveries`, { key })).json()).data as { event: string; status: string }[];
    const events = async () => (await (await server.request('GET', '/api/events', { key })).json()).data as { id: string; data: { object: { handle: string } } }[];

    await server.request('POST', '/api/creators', { key, body: { handle: 'old' } });
    await hooks.waitFor(1);
    await eventually(async () => (await log()).some((delivery) => delivery.status === 'succeeded'));
    clock = new Date(start + 5 * 86_400_000);
    await server.request('POST', '/api/creators', { key, body: { handle: 'recent' } });
    await hooks.waitFor(2);
    await eventually(async () => (await log()).filter((delivery) => delivery.status === 'succeeded').length === 2);
    expect((await events()).map((event) => event.data.object.handle)).toEqual(['recent', 'old']);

    // Eight days after the first: it is past seven days, the second is not.
    clock = new Date(start + 8 * 86_400_000);
    server.deps.webhooks.nudge();
    const kept = await eventually(async () => {
      const left = await events();
      return left.length === 1 ? left : null;
    });
    expect(kept.map((event) => event.data.object.handle)).toEqual(['recent']);
    expect((await log()).map((delivery) => delivery.event)).toEqual([kept[0].id]);
    expect(server.logs.some((line) => line.includes('old webhook events and deliveries deleted'))).toBe(true);
  });
});

/** Polls until `check` returns something truthy (the background sender's work is not awaited by any request). */
async function eventually<T>(check: () => Promise<T | null | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const found = await check();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('never happened');
}
