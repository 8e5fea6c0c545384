import { clearingAfter, ReadCache } from '../store/cache';
import { cond, type Driver } from '../store/driver';

/** Everything a brand owns lives in one org and one mode; live and test data never mix. */
export interface OrgScope {
  orgId: string;
  livemode: boolean;
}

export type AttributionModel = 'last_click' | 'first_click';
export const API_KEY_SCOPES = ['referrals', 'tracking', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface Org {
  id: string;
  name: string;
  /** Hostnames the pixel and click API accept; each also allows its subdomains. */
  domains: string[];
  attributionWindowDays: number;
  referralParams: string[];
  attributionModel: AttributionModel;
  /** When a checkout carries both a redeemed code and a click, the code's creator is credited. */
  codeBeatsLink: boolean;
  respectGlobalPrivacyControl: boolean;
  cleanUrl: boolean;
  /** Days a commission waits before it is due to the creator, so refunds within them never reach a payout. */
  payoutHoldDays: number;
  /**
   * Signups and purchases a browser reports (the pixel's trackSignup and trackPurchase) earn rewards
   * and commission as if a server had sent them. Off by default: anyone can forge them.
   */
  trustBrowserReports: boolean;
  /** The creator portal's accent colour (`#rrggbb`); its name is the org's `name`. */
  brandColor: string;
  /** Creators are emailed on their first conversion, and when a payout to them is recorded. */
  emailFirstConversion: boolean;
  emailPayoutRecorded: boolean;
  /** Set when the org came from a Stripe App install: API calls act on this connected account. */
  stripeAccountId: string | null;
  createdAt: Date;
  uninstalledAt: Date | null;
}

export interface ApiKey {
  id: string;
  orgId: string;
  livemode: boolean;
  name: string;
  /** sha256 of the key: keys are 192-bit random, so a fast unkeyed hash is safe and survives secret rotation. */
  hash: string;
  /** `so_live_…wxyz`, enough to recognise a key in a list. */
  redacted: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const DEFAULT_PAYOUT_HOLD_DAYS = 30;
export const DEFAULT_BRAND_COLOR = '#4f46e5';

const SETTING_DEFAULTS = {
  payoutHoldDays: DEFAULT_PAYOUT_HOLD_DAYS,
  brandColor: DEFAULT_BRAND_COLOR,
  emailFirstConversion: true,
  emailPayoutRecorded: true,
  trustBrowserReports: false,
} satisfies Partial<Org>;

/** Orgs stored before a setting existed read as having its default. */
const withDefaults = (org: Org | null): Org | null => {
  if (!org) return org;
  const missing = (Object.keys(SETTING_DEFAULTS) as (keyof typeof SETTING_DEFAULTS)[]).filter((key) => org[key] === undefined);
  return missing.length ? { ...org, ...Object.fromEntries(missing.map((key) => [key, SETTING_DEFAULTS[key]])) } : org;
};

export async function openOrgRepos(driver: Driver) {
  const orgs = await driver.collection<Org>({
    name: 'orgs',
    indexes: [{ fields: ['id'], unique: true }, { fields: ['stripeAccountId'] }],
  });
  const apiKeys = await driver.collection<ApiKey>({
    name: 'api_keys',
    indexes: [{ fields: ['hash'], unique: true }, { fields: ['id'], unique: true }, { fields: ['orgId'] }],
  });

  // Every authenticated request reads its key and org: served from memory for a few seconds.
  const orgCache = new ReadCache<Org>();
  const keyCache = new ReadCache<ApiKey>();

  return {
    orgs: {
      create: (org: Org) => orgs.insertOne(org),
      get: (id: string) => orgCache.read(`id:${id}`, async () => withDefaults(await orgs.findOne({ id }))),
      findByStripeAccount: (stripeAccountId: string) =>
        orgCache.read(`account:${stripeAccountId}`, async () => withDefaults(await orgs.findOne({ stripeAccountId }))),
      /** Orgs acting on a connected Stripe account that is still installed. */
      listInstalled: async () =>
        (await orgs.find({ stripeAccountId: cond({ $ne: null }), uninstalledAt: null }, { sort: { createdAt: 1, id: 1 } })).map((org) => withDefaults(org)!),
      update: async (id: string, changes: Partial<Omit<Org, 'id' | 'createdAt'>>) =>
        withDefaults(await clearingAfter(orgCache, orgs.updateOne({ id }, { $set: changes }))),
    },
    apiKeys: {
      create: (key: ApiKey) => apiKeys.insertOne(key),
      findByHash: (hash: string) => keyCache.read(hash, () => apiKeys.findOne({ hash })),
      list: (orgId: string) => apiKeys.find({ orgId }, { sort: { createdAt: -1, id: -1 } }),
      revoke: (orgId: string, id: string, at: Date) =>
        clearingAfter(keyCache, apiKeys.updateOne({ orgId, id, revokedAt: null }, { $set: { revokedAt: at } })),
      touch: async (id: string, at: Date) => {
        const touched = await apiKeys.updateOne({ id }, { $set: { lastUsedAt: at } });
        // Keep the cached copy's lastUsedAt current, or every request would touch again until it expires.
        if (touched) keyCache.set(touched.hash, touched);
        return touched;
      },
    },
  };
}
