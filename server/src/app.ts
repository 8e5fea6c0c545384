import express, { type Express } from 'express';
import { appRoutes } from './app/routes';
import { catalogRoutes } from './catalog/routes';
import { operatorRoutes } from './cli/routes';
import { conversionRoutes } from './conversions/routes';
import { customerRoutes } from './customers/routes';
import type { Deps } from './deps';
import { jsonBody } from './http/body';
import { errorHandler, notFoundHandler } from './http/errors';
import { requestLogger } from './logger';
import { openApiRoutes } from './openapi/routes';
import { orgRoutes } from './orgs/routes';
import { reportRoutes } from './reports/routes';
import { stripeWebhookRoutes } from './stripe/routes';
import { trackingRoutes } from './tracking/routes';

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

  // Each request walks the mounted routers in order until one answers, so the routes brands call
  // per visitor or per signup (identify, lookup, the pixel, Stripe's webhooks) come first, on
  // prefixes that let every other request skip them at one comparison.
  app.use('/api/customers', customerRoutes(deps));
  app.use('/api/stripe', stripeWebhookRoutes(deps));
  app.use('/api', trackingRoutes(deps));
  app.use('/api/app', appRoutes(deps));
  app.use('/api', jsonBody, orgRoutes(deps), catalogRoutes(deps), operatorRoutes(deps));
  app.use('/api', conversionRoutes(deps), reportRoutes(deps), openApiRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
