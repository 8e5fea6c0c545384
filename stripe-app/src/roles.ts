import type { ExtensionContextValue, RoleId } from '@stripe/ui-extension-sdk/context';
import type { AppAccess } from './types';

/** The built-in Dashboard roles that run a referral program; every other built-in role only looks. */
const MANAGING_ROLES: ReadonlySet<string> = new Set<RoleId>(['admin', 'super_admin', 'developer']);

export interface Access {
  /** May add creators and campaigns, switch codes, record payouts, change settings and API keys. */
  canManage: boolean;
  /** Why the actions are missing, once that is known: shown where they would be. */
  notice: { title: string; description: string } | null;
}

/**
 * What the Dashboard user may do here: what their roles suggest, and what the server allows
 * (`access`, from the overview or settings; unknown until they load). A custom role's permissions
 * are the account's own choice, so it is trusted to manage, and so is a role the Dashboard sends
 * without its stable id (only its display name, which Stripe says not to compare) or no roles at
 * all: only a user all of whose roles are known read-only ones sees the program without its
 * actions. Roles shape the view only: the server decides by its own grants, since Stripe's
 * signature proves the account and the user but carries no role.
 */
export function accessOf({ userContext }: Pick<ExtensionContextValue, 'userContext'>, server: AppAccess | undefined): Access {
  const roles = userContext.roles ?? [];
  const roleManages = roles.length === 0 || roles.some((role) => role.type === 'custom' || role.id === undefined || MANAGING_ROLES.has(role.id));
  if (!roleManages) {
    const names = roles.map((role) => role.name).join(', ');
    return {
      canManage: false,
      notice: {
        title: 'View only',
        description: `Your Dashboard role (${names}) can see the referral program but not change it. Administrators and developers add creators and campaigns, switch codes, record payouts and change settings.`,
      },
    };
  }
  if (!server) return { canManage: false, notice: null };
  if (!server.granted) return { canManage: false, notice: { title: 'Changes need a grant', description: server.message ?? '' } };
  return { canManage: true, notice: null };
}
