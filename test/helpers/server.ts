import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/logger';
import { type RunningServer, startServer } from '../../server/src/server';

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Every log line the server wrote, for assertions about what is (not) logged. */
  logs: string[];
  /** fetch against the server: JSON bodies are encoded, `key` becomes a bearer token. */
  request(method: string, urlPath: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  stop(): Promise<void>;
}

/** A real service on 127.0.0.1, a random port and its own temporary data dir. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { now?: () => Date; dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'shoutout-test-')));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SHOUTOUT_SECRET: TEST_SECRET,
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const server = await startServer(config, { logger: createLogger(config.LOG_LEVEL, sink), now: options.now });
  return {
    ...server,
    dataDir,
    logs,
    request(method, urlPath, { key, body, headers = {} } = {}) {
      return fetch(`${server.url}${urlPath}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
    async stop() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
