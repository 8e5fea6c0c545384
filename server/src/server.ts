import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { createApp } from './app';
import type { Config } from './config';
import { Secrets } from './crypto';
import { createMailer } from './email/mailer';
import type { Deps } from './deps';
import { requestsInFlight } from './http/in-flight';
import { createExpressServer } from './http/server';
import { createLogger } from './logger';
import { resolveSecret } from './secret';
import { openStore } from './store';
import { createStripeClients } from './stripe/client';
import { WebhookRuntime } from './webhooks/runtime';

/** Where a server owning an embedded data dir says how to reach it, for the CLI. */
export const SERVER_FILE = 'server.json';

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
  const store = await openStore(config, logger);
  return {
    config,
    store,
    secrets: new Secrets(secret),
    logger,
    stripe: createStripeClients(config),
    mailer: createMailer(config, logger),
    now: options.now ?? (() => new Date()),
    webhooks: new WebhookRuntime(),
  };
}

export async function startServer(config: Config, options: { logger?: Logger; now?: () => Date } = {}): Promise<RunningServer> {
  const deps = await createDeps(config, options);
  const server = createExpressServer(createApp(deps));
  server.keepAliveTimeout = 65_000;
  server.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const url = `http://${host}:${port}`;
  const serverFile = deps.store.kind === 'embedded' ? path.join(deps.store.location, SERVER_FILE) : null;
  if (serverFile) await writeFile(serverFile, JSON.stringify({ pid: process.pid, url: `http://${host === 'localhost' ? '127.0.0.1' : host}:${port}` }));
  deps.webhooks.start(deps, requestsInFlight(server));

  let closing: Promise<void> | undefined;
  return {
    url,
    deps,
    close() {
      closing ??= (async () => {
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await drained;
        await deps.webhooks.stop();
        if (serverFile) await rm(serverFile, { force: true });
        deps.mailer.close();
        await deps.store.close();
      })();
      return closing;
    },
  };
}
