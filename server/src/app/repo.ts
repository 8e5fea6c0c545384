import type { Driver } from '../store/driver';
import { insertOrUpdate } from '../store/driver';

/** How a Dashboard user came to be allowed to change an org's program. */
export type GrantOrigin = 'operator' | 'first_user';

/** A Dashboard user of an org's Stripe account who may change things through the Stripe App. */
export interface AppGrant {
  orgId: string;
  /** The Dashboard user (`usr_…`), as Stripe signs it. */
  userId: string;
  grantedBy: GrantOrigin;
  grantedAt: Date;
  revokedAt: Date | null;
}

/** The one user of a Connect org granted on first use; unique per org, so it happens once, ever. */
interface FirstUserClaim {
  orgId: string;
  userId: string;
  claimedAt: Date;
}

export async function openAppRepos(driver: Driver) {
  const grants = await driver.collection<AppGrant>({
    name: 'app_grants',
    indexes: [{ fields: ['orgId', 'userId'], unique: true }],
  });
  const firstUsers = await driver.collection<FirstUserClaim>({ name: 'app_first_users', indexes: [{ fields: ['orgId'], unique: true }] });

  return {
    appGrants: {
      get: (orgId: string, userId: string) => grants.findOne({ orgId, userId }),
      list: (orgId: string) => grants.find({ orgId }, { sort: { grantedAt: 1, userId: 1 } }),
      /** Grants anew (a revoked grant comes back), keeping no trace of the revocation but the new date. */
      grant: async (grant: Omit<AppGrant, 'revokedAt'>) =>
        (
          await insertOrUpdate(
            grants,
            { ...grant, revokedAt: null },
            { orgId: grant.orgId, userId: grant.userId },
            { $set: { grantedBy: grant.grantedBy, grantedAt: grant.grantedAt, revokedAt: null } },
          )
        ).doc,
      revoke: (orgId: string, userId: string, at: Date) => grants.updateOne({ orgId, userId, revokedAt: null }, { $set: { revokedAt: at } }),
      /** Inserts the org's first-user claim; a DuplicateKeyError says someone was first already. */
      claimFirstUser: (claim: FirstUserClaim) => firstUsers.insertOne(claim),
    },
  };
}
