import { z } from 'zod';

const orgId = z.string().regex(/^org_[A-Za-z0-9]{1,64}$/, 'must be an org id such as org_123');
const mode = z.enum(['live', 'test']).default('live');

/** The sign-in page of one org, in one mode: `?org=org_…&mode=test`. */
export const signInPageQuery = z.object({ org: orgId, mode });

export const signInForm = z.object({ org: orgId, mode, email: z.email('must be an email address').max(254).trim().toLowerCase() });

export const tokenParam = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a sign-in link') });

/** A page of the creator's sales or points: `?starting_after=<the last id of the page before>`. */
export const pageQuery = z.object({ starting_after: z.string().min(1).max(200).optional() });

/** The Stripe App's "invite to the portal" on a creator. */
export const inviteParams = z.object({ id: z.string().min(1).max(200) });
