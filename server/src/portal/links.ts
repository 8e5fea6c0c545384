import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../crypto';
import type { Deps } from '../deps';
import type { Org, OrgScope } from '../orgs/repo';
import type { PortalIdentity } from './repo';

/** Where the portal is reached: PUBLIC_URL (always set with SMTP), else this machine, for the CLI's links. */
export const portalBase = (deps: Deps) => `${deps.config.PUBLIC_URL ?? `http://localhost:${deps.config.PORT}`}/portal`;

/** The brand's sign-in page: a creator's portal is always one org's, in one mode. */
export const signInPageUrl = (deps: Deps, scope: OrgScope) =>
  `${portalBase(deps)}/sign-in?${new URLSearchParams({ org: scope.orgId, ...(!scope.livemode && { mode: 'test' }) })}`;

/** A fresh single-use sign-in link for one creator of one org and mode; only its hash is stored. */
export async function mintSignInLink(deps: Deps, identity: PortalIdentity, lifetimeMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.now();
  await deps.store.signInLinks.create({
    orgId: identity.orgId,
    livemode: identity.livemode,
    creatorId: identity.creatorId,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(now.getTime() + lifetimeMs),
    usedAt: null,
    createdAt: now,
  });
  return `${portalBase(deps)}/auth?token=${token}`;
}

/** The org of a portal page or email, as long as it is there and the brand has not uninstalled the app. */
export async function portalOrg(deps: Deps, orgId: string): Promise<Org | null> {
  const org = await deps.store.orgs.get(orgId);
  return org && !org.uninstalledAt ? org : null;
}
