import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import { createDeps } from '../../server/src/server';
import { createTestOrg } from '../helpers/fixtures';
import { exitOf, serverUrlOf, spawnTs } from '../helpers/process';
import { TEST_SECRET } from '../helpers/server';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-life-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const env = () => ({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SHOUTOUT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });

async function seedOrg() {
  const deps = await createDeps(loadConfig(env()), {});
  const seeded = await createTestOrg(deps);
  await deps.store.close();
  return seeded;
}

async function storedHandles(scope: { orgId: string; livemode: boolean }) {
  const deps = await createDeps(loadConfig(env()), {});
  const handles = (await deps.store.creators.list(scope)).map((creator) => creator.handle);
  await deps.store.close();
  return handles;
}

describe('process lifecycle', () => {
  it('keeps every acknowledged write after kill -9', async () => {
    const { key, scope } = await seedOrg();
    const server = spawnTs('server/src/main.ts', [], env());
    const url = await serverUrlOf(dataDir, server);

    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, index) => {
        const response = await fetch(`${url}/api/creators`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ handle: `creator${index}` }),
        });
        if (response.status === 201) acknowledged.push(`creator${index}`);
      }),
    );
    server.kill('SIGKILL');
    expect((await exitOf(server)).signal).toBe('SIGKILL');

    expect(acknowledged).toHaveLength(40);
    expect((await storedHandles(scope)).sort()).toEqual(acknowledged.sort());
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    const { key, scope } = await seedOrg();
    const server = spawnTs('server/src/main.ts', [], { ...env(), LOG_LEVEL: 'info' });
    const url = new URL(await serverUrlOf(dataDir, server));

    const body = JSON.stringify({ handle: 'late-arrival' });
    const response = new Promise<number>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/api/creators', method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        server.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 300);
      }, 100);
    });

    expect(await response).toBe(201);
    expect(await exitOf(server)).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('stopped cleanly');
    expect(await storedHandles(scope)).toEqual(['late-arrival']);
  });

  it('refuses to start on bad config, naming every bad key', async () => {
    const server = spawnTs('server/src/main.ts', [], {
      ...env(),
      PORT: 'eighty',
      MONGODB_URI: 'postgres://nope',
      SHOUTOUT_SECRET: 'short',
      STRIPE_SECRET_KEY: 'pk_live_wrong',
    });
    expect((await exitOf(server)).code).toBe(1);
    const output = server.output();
    for (const key of ['PORT', 'MONGODB_URI', 'SHOUTOUT_SECRET', 'STRIPE_SECRET_KEY']) expect(output).toContain(`config: ${key}:`);
    expect(output).toContain('Refusing to start: fix PORT, MONGODB_URI, SHOUTOUT_SECRET, STRIPE_SECRET_KEY.');
  });

  it('generates a secret on first start, keeps it with mode 0600 and reuses it', async () => {
    const { SHOUTOUT_SECRET: _unused, ...withoutSecret } = env();
    const first = spawnTs('server/src/main.ts', [], withoutSecret);
    await serverUrlOf(dataDir, first);
    first.kill('SIGTERM');
    await exitOf(first);
    expect(first.output()).toContain('generated one and saved it');
    const { stat, readFile } = await import('node:fs/promises');
    const file = path.join(dataDir, 'shoutout.secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const secret = await readFile(file, 'utf8');

    const second = spawnTs('server/src/main.ts', [], withoutSecret);
    await serverUrlOf(dataDir, second);
    second.kill('SIGTERM');
    await exitOf(second);
    expect(second.output()).not.toContain('generated one');
    expect(await readFile(file, 'utf8')).toBe(secret);
  });
});
