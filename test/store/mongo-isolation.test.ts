import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { childEnv, ROOT } from '../helpers/process';

const run = promisify(execFile);

interface VitestReport {
  testResults: { name: string; status: string; message: string; assertionResults: { status: string }[] }[];
}

// What README's `MONGODB_URI=… npm test` does to the suites, with a server nobody can reach.
describe('MONGODB_URI in the test environment', () => {
  it('fails only the storage contract suite, naming the server without its password', { timeout: 180_000 }, async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'shoutout-vitest-'));
    const outputFile = path.join(directory, 'report.json');
    const files = ['test/store/contract.test.ts', 'test/store/mongo-target.test.ts'];
    const env = { ...process.env, MONGODB_URI: 'mongodb://app:s3cret@127.0.0.1:1/shop', MONGODB_DB: 'shop_db' };
    const args = ['run', '--project', 'server', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...files];
    // The JSON report has each test's status; the failure of a suite's beforeAll is only in the text.
    const { exit, output } = await run(process.execPath, ['node_modules/vitest/vitest.mjs', ...args], { cwd: ROOT, env: { ...env, NO_COLOR: '1' } }).then(
      ({ stdout, stderr }) => ({ exit: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ exit: error.code, output: error.stdout + error.stderr }),
    );
    const report = JSON.parse(await readFile(outputFile, 'utf8')) as VitestReport;
    await rm(directory, { recursive: true, force: true });

    expect(exit).toBe(1);
    const byFile = new Map(report.testResults.map((result) => [path.relative(ROOT, result.name), result]));
    const contract = byFile.get('test/store/contract.test.ts')!;
    expect(contract.status).toBe('failed');
    expect(output).toContain('cannot reach MongoDB at mongodb://<credentials>@127.0.0.1:1/shop');
    expect(output).not.toContain('s3cret');
    // The embedded store's half of the contract ran and passed.
    expect(contract.assertionResults.filter((test) => test.status === 'passed').length).toBeGreaterThan(10);
    // Which asserts that it sees neither variable.
    const other = byFile.get('test/store/mongo-target.test.ts')!;
    expect(other.status).toBe('passed');
    expect(other.assertionResults.every((test) => test.status === 'passed')).toBe(true);
  });

  it('is not handed to spawned servers and CLI runs unless a test names it', () => {
    const saved = { uri: process.env.MONGODB_URI, db: process.env.MONGODB_DB };
    Object.assign(process.env, { MONGODB_URI: 'mongodb://127.0.0.1:1', MONGODB_DB: 'shop' });
    try {
      const env = childEnv({ DATA_DIR: '/tmp/x' });
      expect(env).not.toHaveProperty('MONGODB_URI');
      expect(env).not.toHaveProperty('MONGODB_DB');
      expect(env).toMatchObject({ DATA_DIR: '/tmp/x', PATH: process.env.PATH });
      expect(childEnv({ MONGODB_URI: 'postgres://nope' }).MONGODB_URI).toBe('postgres://nope');
    } finally {
      for (const [name, value] of [['MONGODB_URI', saved.uri], ['MONGODB_DB', saved.db]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
