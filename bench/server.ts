import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { exitOf, ROOT, runTs, serverUrlOf, spawnNode, spawnTs } from '../test/helpers/process';

export interface BenchProcess {
  url: string;
  pid: number;
  /** Resident set size now, in MB, read from /proc (the child is node itself, not a wrapper). */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

/** The service's environment in the bench: production mode on the embedded store in `dataDir`. */
export const serviceEnv = (dataDir: string, secret: string) => ({
  NODE_ENV: 'production',
  DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  SHOUTOUT_SECRET: secret,
  LOG_LEVEL: 'warn',
  MONGODB_URI: '',
});

/** The service as `npm start` runs it, built once per bench run by `buildService`. */
export const BUILT_SERVICE = 'dist/main.js';

/** `npm run build`: the service as plain JavaScript, so its start is timed without a TypeScript loader. */
export async function buildService(): Promise<void> {
  const { code, output } = await runTs('server/build.ts', [], {});
  if (code !== 0) throw new Error(`npm run build failed: ${output}`);
}

/**
 * Runs a server entry point as its own process and waits for it to write `<dataDir>/server.json`:
 * built JavaScript (`.js`) on node alone, TypeScript through tsx.
 */
export async function startProcess(entry: string, args: string[], dataDir: string, env: Record<string, string>): Promise<BenchProcess> {
  const child = entry.endsWith('.js') ? spawnNode([path.join(ROOT, entry), ...args], env) : spawnTs(entry, args, env);
  const url = await announcedUrl(dataDir, child);
  return {
    url,
    pid: child.pid!,
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      const { code, signal } = await exitOf(child);
      if (code !== 0) throw new Error(`${entry} exited with ${code ?? signal}: ${child.output()}`);
    },
  };
}

/**
 * serverUrlOf gives up after 10 s, and a start can take longer on busy shared cores (an index
 * added since the data was seeded is built first): keep waiting while the server is alive, for a
 * minute at most.
 */
async function announcedUrl(dataDir: string, child: ReturnType<typeof spawnTs>): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await serverUrlOf(dataDir, child);
    } catch (error) {
      if (child.exitCode === null && attempt < 6) continue;
      child.kill('SIGKILL');
      throw error;
    }
  }
}
