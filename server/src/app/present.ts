import { toUnixSeconds } from '../http/validate';
import type { AppGrant } from './repo';

export function presentAppGrant(grant: AppGrant) {
  return {
    object: 'app_grant',
    org: grant.orgId,
    user: grant.userId,
    granted_by: grant.grantedBy,
    granted: toUnixSeconds(grant.grantedAt),
    revoked: toUnixSeconds(grant.revokedAt),
  };
}
