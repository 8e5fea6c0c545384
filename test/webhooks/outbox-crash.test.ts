import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import { createDeps } from '../../server/src/server';
import { createTestOrg } from '../helpers/fixtures';
import { exitOf, serverUrlOf, spawnTs } from '../helpers/process';
import { startReceiver } from '../helpers/receiver';
import { startTestServer, TEST_SECRET } from '../helpers/server';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-outbox-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const env = () => ({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SHOUTOUT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '1000' });

describe('the webhook outbox', () => {
  it('tells every acknowledged change after kill -9, each as one event, attempts in flight included', async () => {
    // Until the kill the endpoint holds every delivery open: the killed process dies with attempts in flight.
    let answering = false;
    const hooks = await startReceiver(() => (answering ? 200 : 'hang'));
    const deps = await createDeps(loadConfig(env()), {});
    const { key } = await createTestOrg(deps, {}, { livemode: false });
    await deps.store.close();

    // Its attempts would hold their leases for 60 s (the timeout plus the 30 s margin) had it lived.
    const server = spawnTs('server/src/main.ts', [], { ...env(), WEBHOOK_TIMEOUT_MS: '30000' });
    const url = await serverUrlOf(dataDir, server);
    const call = (urlPath: string, body: unknown) =>
      fetch(`${url}${urlPath}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await call('/api/webhook_endpoints', { url: hooks.url, enabled_events: ['creator.created'] })).status).toBe(201);

    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const response = await call('/api/creators', { handle: `crash${index}` });
        if (response.status === 201) acknowledged.push((await response.json()).id);
      }),
    );
    await hooks.waitFor(1);
    server.kill('SIGKILL');
    expect((await exitOf(server)).signal).toBe('SIGKILL');
    expect(acknowledged).toHaveLength(40);
    const inFlight = hooks.received.length;
    expect(inFlight).toBeGreaterThan(0);
    answering = true;

    const restarted = await startTestServer({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '1000' }, { dataDir });
    try {
      // Only what arrived after the restart counts: the killed process's attempts were never answered.
      const told = () => new Set(hooks.received.slice(inFlight).map((delivery) => delivery.event.data.object.id));
      // Well within the 60 s those leases had left: the restart ends them (the embedded store has one process at a time).
      for (let attempt = 0; attempt < 300 && told().size < 40; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      expect([...told()].sort()).toEqual(acknowledged.sort());
      expect(restarted.logs.some((line) => line.includes('webhook attempts a stopped process left unfinished are due again'))).toBe(true);
      // Delivered at least once; written once: the relay derives the same event id again after a crash.
      const events = await (await restarted.request('GET', '/api/events?limit=100', { key })).json();
      expect(events.data).toHaveLength(40);
      expect(new Set(events.data.map((event: { data: { object: { id: string } } }) => event.data.object.id)).size).toBe(40);
    } finally {
      await restarted.stop();
      await hooks.close();
    }
  }, 60_000);
});
