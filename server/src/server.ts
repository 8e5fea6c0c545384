import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app';
import type { Config } from './config';
import { Secrets } from './crypto';
import type { Deps } from './deps';
import { createLogger } from './logger';
import { resolveSecret } from './secret';
import { openStore } from './store';
import { createStripeClients } from './stripe/client';

export interface RunningServer {
  url: string;
  deps: Deps;
  /** Stops accepting connections, lets in-flight requests finish, then flushes and closes the store. */
  close(): Promise<void>;
}

/** Opens what the service needs from config (secret, store) and returns the dependencies. */
export async function createDeps(config: Config, options: { logger?: Logger; now?: () => Date } = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const secret = await resolveSecret(config.SHOUTOUT_SECRET, config.DATA_DIR, logger);
  const store = await openStore(config);
  return {
    config,
    store,
    secrets: new Secrets(secret),
    logger,
    stripe: createStripeClients(config),
    now: options.now ?? (() => new Date()),
  };
}

export async function startServer(config: Config, options: { logger?: Logger; now?: () => Date } = {}): Promise<RunningServer> {
  const deps = await createDeps(config, options);
  const server = createServer(createApp(deps));
  server.keepAliveTimeout = 65_000;
  server.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    deps,
    close() {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await drained;
        await deps.store.close();
      })();
      return closing;
    },
  };
}
