import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Express } from 'express';

/**
 * The HTTP server for an Express app, whose requests and responses are created with the app's
 * own prototypes.
 *
 * Express gives each request and response the app's prototypes with `Object.setPrototypeOf`
 * (`app.handle`). Changing the prototype of a live object costs V8 its optimised shapes. Measured
 * on a constant route, it cost 2.4× the CPU per request, and a third of each request's
 * allocations survived into the old generation, against none without it (expressjs/express#5998).
 *
 * Here Node constructs `req` and `res` from subclasses that sit between the app's prototypes and
 * Node's, so Express's call finds the prototype it would set already in place: the spec makes
 * that a no-op. Everything else about the objects is unchanged: `req.app`, Express's methods,
 * Node's. Sub-apps mounted with `app.use(subApp)` would still re-parent requests that enter them;
 * this service mounts none.
 */
export function createExpressServer(app: Express): Server {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as unknown as Express['request'];
  app.response = AppResponse.prototype as unknown as Express['response'];
  return createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}
