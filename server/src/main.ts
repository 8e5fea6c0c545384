import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startServer } from './server';
import { DataDirLockedError } from './store/sqlite';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) console.error(`config: ${issue.key}: ${issue.message}`);
    console.error(`Refusing to start: fix ${error.issues.map((issue) => issue.key).join(', ')}.`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const server = await startServer(config, { logger });
  const publicUrl = config.PUBLIC_URL ?? server.url;
  logger.info({ url: server.url, publicUrl, store: server.deps.store.kind, data: server.deps.store.location }, 'Shoutout is listening');
  console.log(`Shoutout listening on ${server.url} (public URL ${publicUrl})`);
  console.log(`Store: ${server.deps.store.kind} at ${server.deps.store.location}`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      logger.error('in-flight requests did not finish within 10s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    server.close().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof DataDirLockedError ? error.message : error);
  process.exit(1);
});
