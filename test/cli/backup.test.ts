import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOrgWithReferral, mintTestRef } from '../helpers/fixtures';
import { runCli } from '../helpers/process';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server';

let dataDir: string;
let backups: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-backup-'));
  backups = await mkdtemp(path.join(tmpdir(), 'shoutout-backups-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(backups, { recursive: true, force: true });
});

const backup = (file: string) => runCli(['--json', 'backup', '--to', file], { DATA_DIR: dataDir, SHOUTOUT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });

/** What a brand reads back: its creators, conversions and a bound customer. */
async function readBack(server: TestServer, key: string) {
  const read = async (urlPath: string) => {
    const response = await server.request('GET', urlPath, { key });
    expect(response.status, urlPath).toBe(200);
    return response.json();
  };
  return { creators: await read('/api/creators'), conversions: await read('/api/conversions'), customer: await read('/api/customers?externalId=user-1') };
}

/** The restore procedure of docs/self-hosting.md, into a fresh data dir: the backup becomes its store file. */
async function restore(file: string) {
  const restored = path.join(backups, 'restored');
  await mkdir(restored);
  await copyFile(file, path.join(restored, 'shoutout.sqlite'));
  return startTestServer({}, { dataDir: restored });
}

describe('shoutout backup', { timeout: 120_000 }, () => {
  it('copies the store while the server runs, and the copy restored into a fresh data dir serves the same data', async () => {
    const server = await startTestServer({}, { dataDir });
    const file = path.join(backups, 'shoutout-2026-12-05.sqlite');
    let before: Awaited<ReturnType<typeof readBack>>;
    let key: string;
    try {
      const program = await createOrgWithReferral(server.deps);
      key = program.key;
      const post = (body: object) => server.request('POST', '/api/conversions', { key, body });
      const identify = await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'user-1', ref: await mintTestRef(server.deps, program.promoCode) } });
      expect(identify.status).toBe(204);
      for (let order = 1; order <= 3; order += 1) expect((await post({ order_id: `o${order}`, amount: 1000 * order, currency: 'usd', externalId: 'user-1' })).status).toBe(201);
      before = await readBack(server, key);

      const made = await backup(file);
      expect(made.code, made.output).toBe(0);
      expect(JSON.parse(made.output)).toMatchObject({ object: 'backup', file, bytes: (await stat(file)).size });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readdir(backups)).toEqual([path.basename(file)]);

      // The server kept running and writing; the backup is the store as it was when made.
      expect((await post({ order_id: 'o4', amount: 500, currency: 'usd', externalId: 'user-1' })).status).toBe(201);
      const again = await backup(file);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.output).error).toMatchObject({ code: 'backup_exists', param: 'to' });
    } finally {
      await server.stop();
    }

    const restored = await restore(file);
    try {
      expect(await readBack(restored, key)).toEqual(before);
      expect(before.conversions.data).toHaveLength(3);
    } finally {
      await restored.stop();
    }
  });

  it('copies the store from the CLI itself when no server runs', async () => {
    const server = await startTestServer({}, { dataDir });
    const { key } = await createOrgWithReferral(server.deps);
    const before = await (await server.request('GET', '/api/creators', { key })).json();
    await server.stop();

    const file = path.join(backups, 'offline.sqlite');
    const made = await backup(file);
    expect(made.code, made.output).toBe(0);
    const restored = await restore(file);
    try {
      expect(await (await restored.request('GET', '/api/creators', { key })).json()).toEqual(before);
    } finally {
      await restored.stop();
    }
  });
});
