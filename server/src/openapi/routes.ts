import { Router } from 'express';
import type { Deps } from '../deps';
import { openApiDocument } from './document';

export function openApiRoutes(deps: Deps): Router {
  const router = Router();

  // GET /api/openapi.json – the API reference as an OpenAPI 3.1 document, generated from the request schemas
  router.get('/openapi.json', (_req, res) => {
    const servers = deps.config.PUBLIC_URL ? [{ url: deps.config.PUBLIC_URL }] : undefined;
    res.set('Access-Control-Allow-Origin', '*').json({ ...openApiDocument(), ...(servers && { servers }) });
  });

  return router;
}
