import { Router } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey } from '../http/auth';
import { parse } from '../http/validate';
import { presentApiKey, presentOrg } from './present';
import { createApiKeySchema, updateOrgSchema } from './schemas';
import { createApiKey, listApiKeys, revokeApiKey, updateOrg } from './service';

export function orgRoutes(deps: Deps): Router {
  const router = Router();
  const admin = requireApiKey(deps, 'admin');

  // GET /api/org – the org the API key belongs to, with its settings
  router.get('/org', admin, (req, res) => {
    res.json(presentOrg(authOf(req).org));
  });

  // PATCH /api/org – change the org's settings (domains, attribution window, params, model)
  router.patch('/org', admin, async (req, res) => {
    const org = await updateOrg(deps, authOf(req).org.id, parse(updateOrgSchema, req.body));
    res.json(presentOrg(org));
  });

  // POST /api/keys – create an API key; the secret is in this response only
  router.post('/keys', admin, async (req, res) => {
    const input = parse(createApiKeySchema, req.body);
    const { secret, key } = await createApiKey(deps, authOf(req).org.id, input);
    res.status(201).json(presentApiKey(key, secret));
  });

  // GET /api/keys – list the org's API keys, newest first, without secrets
  router.get('/keys', admin, async (req, res) => {
    const keys = await listApiKeys(deps, authOf(req).org.id);
    res.json({ object: 'list', data: keys.map((key) => presentApiKey(key)) });
  });

  // DELETE /api/keys/:id – revoke an API key; it stops working at once
  router.delete('/keys/:id', admin, async (req, res) => {
    res.json(presentApiKey(await revokeApiKey(deps, authOf(req).org.id, String(req.params.id))));
  });

  return router;
}
