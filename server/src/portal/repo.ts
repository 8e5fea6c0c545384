import type { OrgScope } from '../orgs/repo';
import { cond, type Driver, DuplicateKeyError } from '../store/driver';

/** Who a sign-in link or session is for: one creator of one org, in one mode. */
export interface PortalIdentity extends OrgScope {
  creatorId: string;
}

/** A one-time sign-in link; only the sha256 of its token is kept. */
export interface SignInLink extends PortalIdentity {
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

/** A signed-in browser; only the sha256 of its cookie is kept. */
export interface PortalSession extends PortalIdentity {
  tokenHash: string;
  expiresAt: Date;
  endedAt: Date | null;
  createdAt: Date;
}

/** An email that goes to a creator once only (the first conversion's), recorded as it is sent. */
export interface CreatorNotice extends PortalIdentity {
  kind: 'first_conversion';
  createdAt: Date;
}

export async function openPortalRepos(driver: Driver) {
  const links = await driver.collection<SignInLink>({ name: 'portal_sign_in_links', indexes: [{ fields: ['tokenHash'], unique: true }] });
  const sessions = await driver.collection<PortalSession>({ name: 'portal_sessions', indexes: [{ fields: ['tokenHash'], unique: true }] });
  const notices = await driver.collection<CreatorNotice>({
    name: 'creator_notices',
    indexes: [{ fields: ['orgId', 'livemode', 'creatorId', 'kind'], unique: true }],
  });

  return {
    signInLinks: {
      create: (link: SignInLink) => links.insertOne(link),
      /** The link, while it can still be used: what the confirmation page shows before it is used. */
      findUsable: (tokenHash: string, at: Date) => links.findOne({ tokenHash, usedAt: null, expiresAt: cond({ $gt: at }) }),
      /** Marks the link used, atomically: of two concurrent uses only one gets it back. */
      use: (tokenHash: string, at: Date) => links.updateOne({ tokenHash, usedAt: null, expiresAt: cond({ $gt: at }) }, { $set: { usedAt: at } }),
    },
    portalSessions: {
      create: (session: PortalSession) => sessions.insertOne(session),
      findLive: (tokenHash: string, at: Date) => sessions.findOne({ tokenHash, endedAt: null, expiresAt: cond({ $gt: at }) }),
      end: (tokenHash: string, at: Date) => sessions.updateOne({ tokenHash, endedAt: null }, { $set: { endedAt: at } }),
    },
    creatorNotices: {
      /** True for the first caller only: the unique index decides, so a notice goes out once. */
      claim: async (notice: CreatorNotice) => {
        try {
          await notices.insertOne(notice);
          return true;
        } catch (error) {
          if (error instanceof DuplicateKeyError) return false;
          throw error;
        }
      },
    },
  };
}
