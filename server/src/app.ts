import express, { type Express } from 'express';
import { appRoutes } from './app/routes';
import { catalogRoutes } from './catalog/routes';
import { operatorRoutes } from './cli/routes';
import { conversionRoutes } from './conversions/routes';
import { creatorImportRoutes } from './creator-import/routes';
import { couponBankRoutes } from './coupon-banks/routes';
import { customerRoutes } from './customers/routes';
import type { Deps } from './deps';
import { BULK_PATHS, bulkJsonBody, jsonBody } from './http/body';
import { errorHandler, notFoundHandler } from './http/errors';
import { sendJson } from './http/respond';
import { requestLogger } from './logger';
import { openApiRoutes } from './openapi/routes';
import { orgRoutes } from './orgs/routes';
import { payoutRoutes } from './payouts/routes';
import { referralRoutes } from './referrals/routes';
import { portalErrorPages, portalRoutes } from './portal/routes';
import { reportRoutes } from './reports/routes';
import { rewardRoutes } from './rewards/routes';
import { stripeWebhookRoutes } from './stripe/routes';
import { trackingMiddleware, trackingRoutes } from './tracking/routes';
import { webhookRoutes } from './webhooks/routes';

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
  // A sheet of creators or a bank of codes outgrows the usual body limit; the JSON parsers after this skip a parsed body.
  app.use(BULK_PATHS, bulkJsonBody);
  stripeWebhookRoutes(app, deps);
  const tracking = trackingMiddleware(deps);
  trackingRoutes(app, deps, tracking);
  referralRoutes(app, deps, tracking);
  appRoutes(app, deps);
  // The remaining routes take JSON; the ones above parse their own bodies (text/plain from the
  // pixel, raw bytes for Stripe's signatures).
  app.use('/api', jsonBody);
  orgRoutes(app, deps);
  catalogRoutes(app, deps);
  couponBankRoutes(app, deps);
  creatorImportRoutes(app, deps);
  operatorRoutes(app, deps);
  conversionRoutes(app, deps);
  payoutRoutes(app, deps);
  rewardRoutes(app, deps);
  reportRoutes(app, deps);
  webhookRoutes(app, deps);
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
