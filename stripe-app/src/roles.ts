import type { ExtensionContextValue, RoleId } from '@stripe/ui-extension-sdk/context';

/** The built-in Dashboard roles that run a referral program; every other built-in role only looks. */
const MANAGING_ROLES: ReadonlySet<string> = new Set<RoleId>(['admin', 'super_admin', 'developer']);

export interface Access {
  /** May add creators and campaigns, switch codes, record payouts, change settings and API keys. */
  canManage: boolean;
  /** The user's role names, for telling a read-only user why. */
  roleNames: string[];
}

/**
 * What the Dashboard user may do here, from their roles. A custom role's permissions are the
 * account's own choice, so it is trusted to manage, and so is a role the Dashboard sends without its
 * stable id (only its display name, which Stripe says not to compare) or no roles at all: only a
 * user all of whose roles are known read-only ones sees the program without its actions. This
 * shapes the view only: the backend's check is Stripe's signature, which proves the account and
 * the user but carries no role.
 */
export function accessOf({ userContext }: Pick<ExtensionContextValue, 'userContext'>): Access {
  const roles = userContext.roles ?? [];
  const canManage = roles.length === 0 || roles.some((role) => role.type === 'custom' || role.id === undefined || MANAGING_ROLES.has(role.id));
  return { canManage, roleNames: roles.map((role) => role.name) };
}
