import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

const SECRET_FILE = 'shoutout.secret';

/**
 * SHOUTOUT_SECRET when set; otherwise the one generated on first start and kept in the data dir
 * (mode 0600), so referral cookies and customer hashes stay valid across restarts.
 */
export async function resolveSecret(configured: string | undefined, dataDir: string, logger: Logger): Promise<string> {
  if (configured) return configured;
  const file = path.resolve(dataDir, SECRET_FILE);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  // `wx` so two processes starting together cannot both write different secrets.
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  logger.warn({ file }, 'SHOUTOUT_SECRET is not set: generated one and saved it; back this file up, and share it with every instance');
  return (await readFile(file, 'utf8')).trim();
}
