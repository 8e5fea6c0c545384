import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * NeDB keeps collections in memory, so two processes writing one data dir would silently lose each
 * other's writes. The lock file makes that impossible: one owner process at a time.
 */
export class DataDirLockedError extends Error {
  constructor(readonly directory: string, readonly pid: number) {
    super(`The data dir ${directory} is in use by process ${pid}. Stop it first, or run CLI commands while it runs (they are sent to it).`);
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readJsonFile<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export async function acquireDataDirLock(directory: string): Promise<() => Promise<void>> {
  const file = path.join(directory, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readJsonFile<{ pid: number }>(file);
    if (owner && owner.pid !== process.pid && isProcessAlive(owner.pid)) throw new DataDirLockedError(directory, owner.pid);
    // The previous owner died without cleaning up (kill -9): the lock is stale.
    await rm(file, { force: true });
  }
  throw new Error(`Could not lock ${directory}`);
}
