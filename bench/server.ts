import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { exitOf, ROOT, runTs, serverUrlOf, spawnNode, spawnTs } from '../test/helpers/process';

export interface BenchProcess {
  url: string;
  pid: number;
  /** Resident set size now, in MB, read from /proc (the child is node itself, not a wrapper). */
  rssMb(): Promise<number>;
  /**
   * A full garbage collection in the child, through the inspector (only for a child started with
   * `{ inspectable: true }`): what RSS is then is what the process keeps, not the garbage V8 has yet
   * to collect. The service itself exposes nothing for it.
   */
  collectGarbage(): Promise<void>;
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
export async function startProcess(
  entry: string,
  args: string[],
  dataDir: string,
  env: Record<string, string>,
  options: { inspectable?: boolean } = {},
): Promise<BenchProcess> {
  // The inspector stays off until SIGUSR1 asks for it, then listens on a free loopback port.
  const nodeArgs = options.inspectable ? ['--inspect-port=127.0.0.1:0'] : [];
  const child = entry.endsWith('.js') ? spawnNode([...nodeArgs, path.join(ROOT, entry), ...args], env) : spawnTs(entry, args, env);
  const url = await announcedUrl(dataDir, child);
  return {
    url,
    pid: child.pid!,
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
    },
    async collectGarbage() {
      if (!options.inspectable) throw new Error(`${entry} was not started inspectable`);
      child.kill('SIGUSR1');
      let inspector: string | undefined;
      for (let attempt = 0; attempt < 100 && !inspector; attempt += 1) {
        inspector = /Debugger listening on (ws:\/\/\S+)/.exec(child.output())?.[1];
        if (!inspector) await sleep(50);
      }
      if (!inspector) throw new Error(`${entry} did not open its inspector: ${child.output()}`);
      const socket = new WebSocket(inspector);
      await once(socket, 'open');
      const answered = once(socket, 'message');
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      await answered;
      socket.close();
      // Freed pages go back to the system as the sweeper finishes, just after the call returns.
      await sleep(500);
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
