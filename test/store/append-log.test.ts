import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppendLog } from '../../server/src/store/append-log';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'shoutout-log-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

describe('AppendLog (group commit)', () => {
  it('rejects the callers whose lines could not be written', async () => {
    const log = new AppendLog(path.join(directory, 'missing', 'data.db'), 0o644);
    log.append('lost\n');
    await expect(log.durable()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes a burst of appends as one write, and keeps order across writes', async () => {
    const file = path.join(directory, 'data.db');
    const log = new AppendLog(file, 0o644);
    const burst = Array.from({ length: 50 }, (_, index) => {
      log.append(`${index}\n`);
      return log.durable();
    });
    expect(new Set(burst).size).toBe(1);
    log.append('late\n');
    const late = log.durable();
    await Promise.all([...burst, late]);
    log.append('after\n');
    await log.durable();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toEqual([...Array.from({ length: 50 }, (_, index) => String(index)), 'late', 'after']);
    await expect(log.durable()).resolves.toBeUndefined();
  });

  it('reopens the file after close, so a compaction that replaced it keeps later lines', async () => {
    const file = path.join(directory, 'data.db');
    const log = new AppendLog(file, 0o644);
    log.append('old\n');
    await log.close();
    await writeFile(`${file}~`, 'compacted\n');
    await rename(`${file}~`, file);
    log.append('new\n');
    await log.durable();
    expect(await readFile(file, 'utf8')).toBe('compacted\nnew\n');
  });
});
