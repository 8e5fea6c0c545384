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
  it('gathers lines appended while a write is in flight into one next write, losing none', async () => {
    const file = path.join(directory, 'data.db');
    const log = new AppendLog(file, 0o644);
    log.append('1\n');
    const first = log.durable();
    log.append('2\n');
    const second = log.durable();
    log.append('3\n');
    const third = log.durable();
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    await Promise.all([first, second, third]);
    expect(await readFile(file, 'utf8')).toBe('1\n2\n3\n');
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
