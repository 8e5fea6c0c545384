import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { presentApiKey, presentOrg } from './present';
import { createApiKeySchema, updateOrgSchema } from './schemas';
import { createApiKeyInMode, listApiKeys, revokeApiKey, updateOrg } from './service';

export function orgRoutes(app: IRouter, deps: Deps): void {
  const admin = requireApiKey(deps, 'admin');

  // GET /api/org – the org the API key belongs to, with its settings
  app.get('/api/org', admin, (req, res) => {
    sendJson(res, presentOrg(authOf(req).org));
  });

  // PATCH /api/org – change the org's settings (domains, attribution window, params, model)
  app.patch('/api/org', admin, async (req, res) => {
    const org = await updateOrg(deps, authOf(req).org.id, parse(updateOrgSchema, req.body));
    sendJson(res, presentOrg(org));
  });

  // POST /api/keys – create an API key in the calling key's mode; the secret is in this response only
  app.post('/api/keys', admin, async (req, res) => {
    const { org, livemode } = authOf(req);
    const { secret, key } = await createApiKeyInMode(deps, { orgId: org.id, livemode }, parse(createApiKeySchema, req.body));
    sendJson(res, presentApiKey(key, secret), 201);
  });

  // GET /api/keys – list the API keys of the calling key's mode, newest first, without secrets
  app.get('/api/keys', admin, async (req, res) => {
    const { org, livemode } = authOf(req);
    const keys = await listApiKeys(deps, org.id, livemode);
    sendJson(res, { object: 'list', data: keys.map((key) => presentApiKey(key)) });
  });

  // DELETE /api/keys/:id – revoke an API key of the calling key's mode; it stops working at once
  app.delete('/api/keys/:id', admin, async (req, res) => {
    const { org, livemode } = authOf(req);
    sendJson(res, presentApiKey(await revokeApiKey(deps, org.id, String(req.params.id), livemode)));
  });
}
