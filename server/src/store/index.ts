import { openAppRepos } from '../app/repo';
import { openCatalogRepos } from '../catalog/repo';
import type { Config } from '../config';
import { openConversionRepos } from '../conversions/repo';
import { openCouponBankRepos } from '../coupon-banks/repo';
import { openCustomerRepos } from '../customers/repo';
import { openOrgRepos } from '../orgs/repo';
import { openPayoutRepos } from '../payouts/repo';
import { openStripeRepos } from '../stripe/repo';
import { openReferralRepos } from '../referrals/repo';
import { openRewardRepos } from '../rewards/repo';
import { openPortalRepos } from '../portal/repo';
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { openTrackingRepos } from '../tracking/repo';
import { openWebhookRepos } from '../webhooks/repo';
import type { Driver, RateLimit } from './driver';
import { importNedbDataDir } from './legacy-import';
import { openMongoDriver } from './mongo';
import { openSqliteDriver } from './sqlite';

export async function openDriver(config: Pick<Config, 'MONGODB_URI' | 'MONGODB_DB' | 'DATA_DIR'>, logger: Logger): Promise<Driver> {
  if (config.MONGODB_URI) return openMongoDriver(config.MONGODB_URI, config.MONGODB_DB, logger);
  await importNedbDataDir(config.DATA_DIR, { open: openSqliteDriver, declare: createStore }, logger);
  return openSqliteDriver(config.DATA_DIR);
}

/** Every domain's repositories over one driver: the only code that touches the database. */
export async function createStore(driver: Driver) {
  const [orgRepos, catalogRepos, customerRepos, conversionRepos, trackingRepos, payoutRepos, stripeRepos, couponBankRepos, rewardRepos, referralRepos, webhookRepos, portalRepos, appRepos] = await Promise.all([
    openOrgRepos(driver),
    openCatalogRepos(driver),
    openCustomerRepos(driver),
    openConversionRepos(driver),
    openTrackingRepos(driver),
    openPayoutRepos(driver),
    openStripeRepos(driver),
    openCouponBankRepos(driver),
    openRewardRepos(driver),
    openReferralRepos(driver),
    openWebhookRepos(driver),
    openPortalRepos(driver),
    openAppRepos(driver),
  ]);
  return {
    kind: driver.kind,
    location: driver.location,
    ...orgRepos,
    ...catalogRepos,
    ...couponBankRepos,
    ...customerRepos,
    ...conversionRepos,
    ...trackingRepos,
    ...payoutRepos,
    ...stripeRepos,
    ...rewardRepos,
    ...referralRepos,
    ...webhookRepos,
    ...portalRepos,
    ...appRepos,
    /** Shared by every instance when the driver can share it (MongoDB), else counted in this process. */
    rateLimiter: (limit: RateLimit) => driver.sharedRateLimiter?.(limit) ?? new RateLimiterMemory(limit),
    ping: () => driver.ping(),
    backup: driver.backup && ((file: string) => driver.backup!(file)),
    close: () => driver.close(),
  };
}

export type Store = Awaited<ReturnType<typeof createStore>>;

export async function openStore(config: Pick<Config, 'MONGODB_URI' | 'MONGODB_DB' | 'DATA_DIR'>, logger: Logger): Promise<Store> {
  return createStore(await openDriver(config, logger));
}
