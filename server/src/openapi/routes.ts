import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { sendJson } from '../http/respond';
import { openApiDocument } from './document';

export function openApiRoutes(app: IRouter, deps: Deps): void {

  // GET /api/openapi.json – the API reference as an OpenAPI 3.1 document, generated from the request schemas
  app.get('/api/openapi.json', (_req, res) => {
    const servers = deps.config.PUBLIC_URL ? [{ url: deps.config.PUBLIC_URL }] : undefined;
    res.set('Access-Control-Allow-Origin', '*');
    sendJson(res, { ...openApiDocument(), ...(servers && { servers }) });
  });
}
