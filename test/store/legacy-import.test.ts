import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';

// Written by the last release with the NeDB store (test/fixtures/make-nedb-datadir.ts).
const FIXTURE_DIR = path.join(import.meta.dirname, '../fixtures/nedb-datadir');
const expected = JSON.parse(await readFile(path.join(import.meta.dirname, '../fixtures/nedb-datadir.json'), 'utf8')) as {
  clock: string;
  key: string;
  answers: Record<string, unknown>;
};
const NEDB_FILES = (await readdir(FIXTURE_DIR)).sort();

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-nedb-'));
  await cp(FIXTURE_DIR, dataDir, { recursive: true });
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const start = () => startTestServer({}, { dataDir, now: () => new Date(expected.clock) });

async function answersOf(server: TestServer) {
  const answers: Record<string, unknown> = {};
  for (const read of Object.keys(expected.answers)) {
    const response = await server.request('GET', read, { key: expected.key });
    expect(response.status, read).toBe(200);
    answers[read] = read.endsWith('/export') ? await response.text() : await response.json();
  }
  return answers;
}

const asideFolders = async () => (await readdir(dataDir)).filter((name) => name.startsWith('nedb-imported-'));
const importLines = (server: TestServer) => server.logs.filter((line) => line.includes('Imported the NeDB data dir'));

describe('a NeDB data dir of the last release', () => {
  it('is imported on the first start: the API answers as it did, and the old files are kept aside', async () => {
    const server = await start();
    try {
      expect(await answersOf(server)).toEqual(expected.answers);
      const [line] = importLines(server);
      expect(JSON.parse(line)).toMatchObject({
        imported: { orgs: 1, campaigns: 2, creators: 2, promo_codes: 3, bindings: 2, clicks: 4, conversions: 5, payouts: 1, webhook_endpoints: 1 },
      });
    } finally {
      await server.stop();
    }

    const [aside] = await asideFolders();
    expect((await readdir(path.join(dataDir, aside))).sort()).toEqual(NEDB_FILES);
    for (const file of NEDB_FILES) {
      expect(await readFile(path.join(dataDir, aside, file)), file).toEqual(await readFile(path.join(FIXTURE_DIR, file)));
    }
    expect((await readdir(dataDir)).filter((name) => name.endsWith('.db'))).toEqual([]);

    // Data written since the import is the store's own: a second start imports nothing.
    const again = await start();
    try {
      const response = await again.request('POST', '/api/creators', { key: expected.key, body: { handle: 'cleo' } });
      expect(response.status).toBe(201);
      expect(importLines(again)).toEqual([]);
      expect((await answersOf(again))['/api/conversions']).toEqual(expected.answers['/api/conversions']);
    } finally {
      await again.stop();
    }
    expect(await asideFolders()).toEqual([aside]);
  });

  it('is not taken as imported after an import that failed halfway, and is imported whole by the next start', async () => {
    // What a crashed import left (its staging folder) is thrown away; a file that cannot be read
    // stops this import after the collections before it were written.
    await mkdir(path.join(dataDir, 'nedb-import.tmp'));
    await writeFile(path.join(dataDir, 'nedb-import.tmp', 'shoutout.sqlite'), 'half a database');
    const endpoints = path.join(dataDir, 'webhook_endpoints.db');
    const original = await readFile(endpoints);
    await writeFile(endpoints, 'not json\n'.repeat(20));

    await expect(start()).rejects.toThrow(/webhook_endpoints\.db: 20 of 20 lines are not NeDB documents/);
    expect((await readdir(dataDir)).sort()).toEqual([...NEDB_FILES, 'nedb-import.tmp'].sort());

    await writeFile(endpoints, original);
    const server = await start();
    try {
      expect(await answersOf(server)).toEqual(expected.answers);
    } finally {
      await server.stop();
    }
    expect(await asideFolders()).toHaveLength(1);
    expect(await readdir(dataDir)).not.toContain('nedb-import.tmp');
  });

  it('has its files moved aside by the next start when the import died after its store was renamed into place', async () => {
    const server = await start();
    await server.stop();
    // As a process killed between the rename and the move leaves it: the NeDB files and the staging folder still beside the store.
    const [aside] = await asideFolders();
    for (const file of NEDB_FILES) await rename(path.join(dataDir, aside, file), path.join(dataDir, file));
    await rm(path.join(dataDir, aside), { recursive: true });
    await mkdir(path.join(dataDir, 'nedb-import.tmp'));

    const again = await start();
    try {
      expect(importLines(again)).toEqual([]);
      expect(again.logs.some((line) => line.includes('Finished an import of the NeDB data dir that was interrupted'))).toBe(true);
      expect(await answersOf(again)).toEqual(expected.answers);
    } finally {
      await again.stop();
    }
    const [moved] = await asideFolders();
    expect((await readdir(path.join(dataDir, moved))).sort()).toEqual(NEDB_FILES);
    expect((await readdir(dataDir)).filter((name) => name.endsWith('.db') || name === 'nedb-import.tmp')).toEqual([]);
  });
});
