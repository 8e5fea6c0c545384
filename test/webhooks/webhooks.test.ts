import Stripe from 'stripe';
import { verifyShoutoutWebhook } from '../../examples/webhooks/verify';
import { createTestOrg, createTestReferral, mintTestRef } from '../helpers/fixtures';
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
    server = await startTestServer(PRIVATE_OK);
    const { key } = await testOrg(true);
    const refused = await createEndpoint(key, { url: 'http://hooks.brand.test/shoutout', enabled_events: ['*'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'url_invalid', param: 'url' });
    const unknownEvent = await createEndpoint(key, { url: 'https://hooks.brand.test/shoutout', enabled_events: ['charge.succeeded'] });
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
