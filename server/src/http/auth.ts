import type { Request, RequestHandler } from 'express';
import type { Deps } from '../deps';
import { logWith } from '../logger';
import type { ApiKeyScope, OrgScope } from '../orgs/repo';
import { type AuthContext, authenticate } from '../orgs/service';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

export function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

/** Authenticates `Authorization: Bearer so_…` and requires one scope: 401 without a usable key, 403 without the scope. */
export function requireApiKey(deps: Deps, scope: ApiKeyScope): RequestHandler {
  return async (req, _res, next) => {
    req.auth = await authenticate(deps, bearerToken(req), scope);
    logWith(req, { org: req.auth.org.id, livemode: req.auth.livemode });
    next();
  };
}

export function authOf(req: Request): AuthContext {
  if (!req.auth) throw new Error('route is missing requireApiKey');
  return req.auth;
}

export function scopeOf(req: Request): OrgScope {
  const { org, livemode } = authOf(req);
  return { orgId: org.id, livemode };
}
