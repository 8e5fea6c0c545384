import express, { type Express } from 'express';
import { appRoutes } from './app/routes';
import { catalogRoutes } from './catalog/routes';
import { operatorRoutes } from './cli/routes';
import { conversionRoutes } from './conversions/routes';
import { customerRoutes } from './customers/routes';
import type { Deps } from './deps';
import { errorHandler, notFoundHandler } from './http/errors';
import { requestLogger } from './logger';
import { openApiRoutes } from './openapi/routes';
import { orgRoutes } from './orgs/routes';
import { reportRoutes } from './reports/routes';
import { stripeWebhookRoutes } from './stripe/routes';
import { trackingRoutes } from './tracking/routes';

const JSON_BODY_LIMIT = '64kb';

export function createApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  // API answers are not cached by clients; hashing every body for an ETag is wasted work. The
  // pixel script sets its own.
  app.set('etag', false);
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(requestLogger(deps.logger));

  // GET /healthz – liveness and store reachability, for load balancers and orchestrators
  app.get('/healthz', async (_req, res) => {
    try {
      await deps.store.ping();
      res.json({ status: 'ok', store: deps.store.kind });
    } catch {
      res.status(503).json({ status: 'unavailable', store: deps.store.kind });
    }
  });

  // Before the JSON parser too: the pixel posts text/plain, and these routes cap bodies lower.
  app.use('/api', trackingRoutes(deps));
  // Before the JSON parser too: Stripe signs the raw body.
  app.use('/api', stripeWebhookRoutes(deps));
  app.use('/api', express.json({ limit: JSON_BODY_LIMIT }));
  app.use('/api/app', appRoutes(deps));
  app.use('/api', orgRoutes(deps), catalogRoutes(deps), customerRoutes(deps), operatorRoutes(deps));
  app.use('/api', conversionRoutes(deps), reportRoutes(deps), openApiRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
