import { chmod, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../http/errors';
import type { Store } from '../store';
import { exists, syncPath } from '../store/files';

/**
 * Copies the embedded store into `file` while the service keeps running: SQLite's online backup,
 * consistent as of one moment. It is written as `<file>.partial` and renamed when complete and on
 * disk, so whatever is at `file` is a whole backup. An existing file is never replaced: it could be
 * an earlier backup, or the live store itself.
 */
export async function backupStore(store: Store, file: string) {
  if (!store.backup) throw ApiError.invalid('backup_unsupported', 'The service runs on MongoDB: back it up with mongodump.', 'to');
  if (!path.isAbsolute(file)) throw ApiError.invalid('backup_path_invalid', 'The backup file must be an absolute path.', 'to');
  if (await exists(file)) throw ApiError.invalid('backup_exists', `${file} already exists: name a new file.`, 'to');
  const partial = `${file}.partial`;
  await rm(partial, { force: true });
  // Created first so the copy is never readable by others: it holds every org's data.
  await writeFile(partial, '', { mode: 0o600, flag: 'wx' });
  try {
    await store.backup(partial);
    await chmod(partial, 0o600);
    await syncPath(partial);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await syncPath(path.dirname(file));
  return { object: 'backup', file, bytes: (await stat(file)).size, created: Math.floor(Date.now() / 1000) };
}
