import { loadConfig } from '../server/src/config';
import { mintReferralToken } from '../server/src/referrals/token';
import { createDeps } from '../server/src/server';
import { newStripeId } from '../test/helpers/fake-stripe';
import { createTestOrg, createTestReferral } from '../test/helpers/fixtures';

export const BENCH_SECRET = 'bench-secret-that-is-long-enough-0123456789';
export const SEEDED_PREFIX = 'seeded-user-';

export interface Seeded {
  orgId: string;
  apiKey: string;
  /** Codes the pixel can click, and the Stripe promotion code ids checkouts redeem. */
  codes: string[];
  stripePromotionCodeIds: string[];
  /** Distinct valid shoutout_ref cookies for identify. */
  refs: string[];
  bindings: number;
  seedMs: number;
}

/**
 * Fills an embedded data dir through the store (not HTTP, which would be the thing measured) and
 * closes it, because the embedded store locks its directory to one process: the server's.
 */
export async function seed(dataDir: string, options: { bindings: number; conversions?: number; codes: number; refs: number }): Promise<Seeded> {
  const started = performance.now();
  // 'error': creating codes without a Stripe key is expected here and would warn once per code.
  const deps = await createDeps(loadConfig({ DATA_DIR: dataDir, SHOUTOUT_SECRET: BENCH_SECRET, LOG_LEVEL: 'error' }));
  try {
    const { org, key, scope } = await createTestOrg(deps, { domains: ['brand.test'] });
    const now = deps.now();
    const referrals: (Awaited<ReturnType<typeof createTestReferral>> & { stripePromotionCodeId: string })[] = [];
    for (let i = 0; i < options.codes; i += 1) {
      const { creator, campaign, promoCode } = await createTestReferral(deps, scope, { campaign: { commission: { type: 'percent', value: 10 } } });
      // No Stripe key while seeding, so give each code the promotion code id Stripe would have made.
      const stripePromotionCodeId = newStripeId('promo');
      await deps.store.promoCodes.update(scope, promoCode.id, { stripePromotionCodeId }, now);
      referrals.push({ creator, campaign, promoCode, stripePromotionCodeId });
    }
    // Concurrent batches: the store queues them anyway, and awaiting each one alone adds a round trip per row.
    const BATCH = 1000;
    for (let start = 0; start < options.bindings; start += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, options.bindings - start) }, (_, offset) => {
          const i = start + offset;
          const { creator, campaign, promoCode } = referrals[i % referrals.length];
          return deps.store.bindings.bind(
            scope,
            deps.secrets.hashExternalId(org.id, `${SEEDED_PREFIX}${i}`),
            { promoCodeId: promoCode.id, code: promoCode.code, creatorId: creator.id, campaignId: campaign.id, clickId: null, referredAt: now },
            'latest',
            now,
          );
        }),
      );
    }
    // Credited one-off checkouts, a second apart and newest last, as `recordConversion` stores them.
    for (let start = 0; start < (options.conversions ?? 0); start += BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(BATCH, options.conversions! - start) }, (_, offset) => {
          const i = start + offset;
          const { creator, campaign, promoCode } = referrals[i % referrals.length];
          const createdAt = new Date(now.getTime() - (options.conversions! - i) * 1000);
          const paymentIntentId = `pi_seeded${i}`;
          return deps.store.conversions.insertOnce({
            ...scope,
            id: `conv_seeded${i}`,
            sourceKey: paymentIntentId,
            kind: 'checkout',
            checkoutSessionId: `cs_seeded${i}`,
            invoiceId: null,
            subscriptionId: null,
            paymentIntentId,
            chargeId: null,
            stripeCustomerId: null,
            orderId: null,
            creatorId: creator.id,
            campaignId: campaign.id,
            promoCodeId: promoCode.id,
            code: promoCode.code,
            clickId: null,
            source: 'promotion_code',
            amount: 8000,
            discount: 2000,
            currency: 'usd',
            commissionBase: 800,
            commission: 800,
            commissionCurrency: 'usd',
            refunded: 0,
            status: 'credited',
            flag: null,
            createdAt,
            updatedAt: createdAt,
          });
        }),
      );
    }
    // A click id per ref keeps every cookie distinct, as real visitors' are.
    const refs = await Promise.all(
      Array.from({ length: options.refs }, (_, i) => {
        const { promoCode } = referrals[i % referrals.length];
        return mintReferralToken(
          deps.secrets.referralSigningKey,
          { orgId: org.id, livemode: true, code: promoCode.code, promoCodeId: promoCode.id, clickId: `clk_bench${i}` },
          { issuedAt: now, windowDays: org.attributionWindowDays },
        );
      }),
    );
    return {
      orgId: org.id,
      apiKey: key,
      codes: referrals.map((referral) => referral.promoCode.code),
      stripePromotionCodeIds: referrals.map((referral) => referral.stripePromotionCodeId),
      refs,
      bindings: options.bindings,
      seedMs: performance.now() - started,
    };
  } finally {
    await deps.store.close();
  }
}
