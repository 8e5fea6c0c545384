import { loadConfig } from '../server/src/config';
import { recordConversion, recordRefund } from '../server/src/conversions/service';
import { createDeps } from '../server/src/server';
import { createTestOrg, createTestReferral } from '../test/helpers/fixtures';
import { BENCH_SECRET } from './seed';

export interface RefundScaling {
  refunds: number;
  /** Mean time of one refund with `small`, then with `large` conversions stored. */
  small: { conversions: number; microseconds: number };
  large: { conversions: number; microseconds: number };
}

/**
 * How a refund's cost grows with the conversions an org has on the embedded store: the same work
 * (`recordRefund`, what a `charge.refunded` event runs after its signature check) timed with few and
 * with many conversions stored, in one store. It should grow no more than an index lookup does,
 * never like a scan.
 * Conversions are one-off checkouts, as most are: no subscription, no charge id until refunded.
 */
export async function refundScaling(dataDir: string, options: { small: number; large: number; refunds: number }): Promise<RefundScaling> {
  const deps = await createDeps(loadConfig({ DATA_DIR: dataDir, SHOUTOUT_SECRET: BENCH_SECRET, LOG_LEVEL: 'error' }));
  try {
    const { scope } = await createTestOrg(deps);
    const attribution = { ...(await createTestReferral(deps, scope)), clickId: null, source: 'promotion_code' as const };
    let stored = 0;
    const convertUpTo = async (count: number) => {
      const BATCH = 1000;
      while (stored < count) {
        const batch = Array.from({ length: Math.min(BATCH, count - stored) }, (_, offset) => `pi_bench${stored + offset}`);
        stored += batch.length;
        await Promise.all(
          batch.map((paymentIntentId) =>
            recordConversion(
              deps,
              scope,
              { kind: 'checkout', sourceKey: paymentIntentId, paymentIntentId, amount: 8000, discount: 2000, tax: 0, currency: 'usd', renewal: false, createdAt: deps.now() },
              attribution,
            ),
          ),
        );
      }
    };
    // Each pass refunds conversions no earlier pass touched, oldest first.
    let refunded = 0;
    const timeRefunds = async (count: number) => {
      const started = performance.now();
      for (let i = 0; i < count; i += 1, refunded += 1) {
        await recordRefund(deps, scope, { paymentKey: `pi_bench${refunded}`, chargeId: `ch_bench${refunded}`, amountRefunded: 4000 });
      }
      return ((performance.now() - started) * 1000) / count;
    };

    await convertUpTo(options.small);
    await timeRefunds(options.refunds); // warm-up: the first refunds also compile the code they run
    const small = await timeRefunds(options.refunds);
    await convertUpTo(options.large);
    const large = await timeRefunds(options.refunds);
    return { refunds: options.refunds, small: { conversions: options.small, microseconds: small }, large: { conversions: options.large, microseconds: large } };
  } finally {
    await deps.store.close();
  }
}
