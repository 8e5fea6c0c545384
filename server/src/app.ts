import express, { type Express } from 'express';
import { appRoutes } from './app/routes';
import { catalogRoutes } from './catalog/routes';
import { operatorRoutes } from './cli/routes';
import { conversionRoutes } from './conversions/routes';
import { customerRoutes } from './customers/routes';
import type { Deps } from './deps';
import { jsonBody } from './http/body';
import { errorHandler, notFoundHandler } from './http/errors';
import { sendJson } from './http/respond';
import { requestLogger } from './logger';
import { openApiRoutes } from './openapi/routes';
import { orgRoutes } from './orgs/routes';
import { payoutRoutes } from './payouts/routes';
import { portalErrorPages, portalRoutes } from './portal/routes';
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

  // Domains register their routes on the app itself, with full paths: a nested Router costs every
  // request that enters it a dispatch of its own, which measured as much as the lookup's own work.
  // Each request walks the routes in order until one answers, so the ones brands call per visitor
  // or per signup (identify, lookup, Stripe's webhooks, the pixel) come first.
  customerRoutes(app, deps);
  stripeWebhookRoutes(app, deps);
  trackingRoutes(app, deps);
  appRoutes(app, deps);
  // The remaining routes take JSON; the ones above parse their own bodies (text/plain from the
  // pixel, raw bytes for Stripe's signatures).
  app.use('/api', jsonBody);
  orgRoutes(app, deps);
  catalogRoutes(app, deps);
  operatorRoutes(app, deps);
  conversionRoutes(app, deps);
  payoutRoutes(app, deps);
  reportRoutes(app, deps);
  openApiRoutes(app, deps);
  portalRoutes(app, deps);

  // GET /healthz – liveness and store reachability, for load balancers and orchestrators
  app.get('/healthz', async (_req, res) => {
    try {
      await deps.store.ping();
      sendJson(res, { status: 'ok', store: deps.store.kind });
    } catch {
      sendJson(res, { status: 'unavailable', store: deps.store.kind }, 503);
    }
  });

  app.use(notFoundHandler);
  app.use('/portal', portalErrorPages());
  app.use(errorHandler(deps.logger));
  return app;
}
