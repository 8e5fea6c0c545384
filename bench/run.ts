import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { GZIP_BUDGETS, type PixelVariant, pixelSizes } from '../pixel/build';
import type { LoadResult, RequestPlan } from './load';
import { startBenchReceiver } from './receiver';
import { refundScaling } from './refunds';
import { alternated, CONNECTIONS, RATIO_PASS_SECONDS, RATIO_ROUNDS, runLoad, SECONDS, WARMUP_SECONDS } from './scenarios';
import { BENCH_SECRET, SEEDED_PREFIX, seed } from './seed';
import { BUILT_SERVICE, type BenchProcess, buildService, serviceEnv, startProcess } from './server';
import { storeBench } from './store';

/**
 * `npm run bench`: the service on the embedded store with 100k bound customers, and a bare Express
 * route, each in its own process, driven by autocannon from a third. Figures are reported against
 * the bare route measured in the same run, so they mean the same on any machine. Then, in-process,
 * how a refund's cost grows from 2k to 100k conversions in the embedded store. Missed targets are
 * reported, not fatal; a failed request or a crash is. Last, the embedded store as it grows
 * (bench/store.ts): `--only store` runs just that, `--no-1m` leaves out its 1M-binding service.
 */

const BINDINGS = 100_000;
const WEBHOOK_EVENTS = 10_000;
const REFUND_SCALING = { small: 2_000, large: 100_000, refunds: 500 };
// A refund may cost this much more among 100k conversions than among 2k: an index lookup, not a scan.
const MAX_REFUND_GROWTH = 2;
const WEBHOOK_SECRET = 'whsec_bench_endpoint_secret';
// High enough never to trigger: the bench measures the routes, not the limiter's refusals.
const NO_RATE_LIMIT = '1000000000';

interface Baseline {
  /** The bare route's passes, one before each of the route's and one after the last. */
  passes: LoadResult[];
  /** Their mean: what this route's ratio is taken against. */
  perSecond: number;
}

interface Row {
  name: string;
  result: LoadResult;
  /** The bare route, measured around each of this route's passes. */
  baseline: Baseline;
  /** Minimum share of the bare route's requests/s, if this row has that target. */
  minRatio?: number;
  maxP99?: number;
  minPerSecond?: number;
}

const mb = (value: number) => `${value.toFixed(0)} MB`;
const fixed = (value: number, digits = 0) => value.toFixed(digits);

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), 'shoutout-bench-'));
  const dataDir = path.join(work, 'data');
  const bareDir = path.join(work, 'bare');
  const referenceDir = path.join(work, 'reference');
  await Promise.all([mkdir(dataDir), mkdir(bareDir), mkdir(referenceDir)]);
  const running: BenchProcess[] = [];
  try {
    console.log(`Shoutout bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`);
    console.log('Building the service (npm run build): it runs as `node dist/main.js`, as `npm start` runs it…');
    await buildService();
    const storeOptions = { large: !process.argv.includes('--no-1m') };
    if (process.argv.includes('--only')) {
      if (process.argv[process.argv.indexOf('--only') + 1] !== 'store') throw new Error('--only takes one value: store');
      return await storeBench(work, storeOptions);
    }
    console.log(`Seeding ${BINDINGS.toLocaleString('en')} bound customers into the embedded store…`);
    const seeded = await seed(dataDir, { bindings: BINDINGS, codes: 50, refs: 1000 });
    console.log(`  seeded in ${fixed(seeded.seedMs / 1000, 1)} s (through the store's repos, one insert per binding)`);

    const bare = await startProcess('bench/bare.ts', [bareDir], bareDir, { NODE_ENV: 'production' });
    running.push(bare);
    const reference = await startProcess('bench/bare.ts', [referenceDir, '--app-prototypes'], referenceDir, { NODE_ENV: 'production' });
    running.push(reference);
    const starting = performance.now();
    const service = await startProcess(BUILT_SERVICE, [], dataDir, {
      ...serviceEnv(dataDir, BENCH_SECRET),
      TRACKING_RATE_LIMIT_PER_IP: NO_RATE_LIMIT,
      TRACKING_RATE_LIMIT_PER_ORG: NO_RATE_LIMIT,
      // Only the webhook secret: without a Stripe key the handlers use the event's own session, so
      // the measured path is verify → dedupe → attribute → store, with no Stripe round trip.
      STRIPE_SECRET_KEY: '',
      STRIPE_TEST_SECRET_KEY: '',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_ORG_ID: seeded.orgId,
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    });
    running.push(service);
    // Spawn to listening of the built service: opening the store checks each collection's table and indexes.
    const startSeconds = (performance.now() - starting) / 1000;
    const rssSeeded = await service.rssMb();

    const measure = async (
      url: string,
      name: string,
      requests: RequestPlan,
      options: { expect?: string; warmup?: { requests: RequestPlan; amount?: number }; amount?: number; seconds?: number } = {},
    ) => {
      const warmup = options.warmup ?? { requests };
      await runLoad(work, url, `${name}-warmup`, warmup.requests, { seconds: WARMUP_SECONDS, amount: warmup.amount, expect: options.expect });
      const seconds = options.amount ? undefined : (options.seconds ?? SECONDS);
      const result = await runLoad(work, url, name, requests, { seconds, amount: options.amount, expect: options.expect });
      console.log(`  ${name}: ${fixed(result.perSecond)} req/s, p99 ${result.p99} ms`);
      return result;
    };
    const { apiKey, orgId } = seeded;
    console.log(
      `Load: autocannon, ${CONNECTIONS} connections, a ${WARMUP_SECONDS} s warm-up before each pass; routes with a ratio target in ` +
        `${RATIO_ROUNDS} passes of ${RATIO_PASS_SECONDS} s between passes of the bare route, others in one of ${SECONDS} s (webhooks: ${WEBHOOK_EVENTS.toLocaleString('en')} events)`,
    );
    // Shared cores drift by a third within a run, so each route is compared with the bare route
    // measured right before and right after it rather than with one baseline for the whole run;
    // routes with a ratio target in RATIO_ROUNDS shorter passes, alternated with the bare route's.
    const bareRoute: RequestPlan = { kind: 'constant', path: '/' };
    // Each pass of the route is told its length, which the bare route's passes around it share.
    const adjacent = async (
      name: string,
      pass: (round: number, seconds: number) => Promise<LoadResult>,
      rounds = 1,
    ): Promise<{ baseline: Baseline; result: LoadResult }> => {
      const seconds = rounds > 1 ? RATIO_PASS_SECONDS : SECONDS;
      const bareAround = (index: number) =>
        measure(bare.url, index === 0 ? `bare (before ${name})` : `bare (after ${name}${rounds > 1 ? ` pass ${index}` : ''})`, bareRoute, { seconds });
      const { references, referencePerSecond, result } = await alternated(rounds, bareAround, (round) => pass(round, seconds));
      return { baseline: { passes: references, perSecond: referencePerSecond }, result };
    };
    // No target: the ceiling a route on the service's own HTTP server could reach (createExpressServer).
    const constant = await adjacent('constant', () => measure(reference.url, 'constant (service server)', bareRoute));
    const lookup = await adjacent(
      'lookup',
      (round, seconds) => measure(service.url, `lookup (pass ${round + 1})`, { kind: 'lookup', apiKey, prefix: SEEDED_PREFIX, users: BINDINGS }, { seconds, expect: '"creator"' }),
      RATIO_ROUNDS,
    );
    // Each pass binds users of its own, so every measured identify stores a new binding.
    const identify = await adjacent(
      'identify',
      (round, seconds) =>
        measure(
          service.url,
          `identify (pass ${round + 1})`,
          { kind: 'identify', apiKey, prefix: `bench-user-${round}-`, refs: seeded.refs },
          { seconds, warmup: { requests: { kind: 'identify', apiKey, prefix: `warmup-user-${round}-`, refs: seeded.refs } } },
        ),
      RATIO_ROUNDS,
    );
    // Each pass, and each warm-up, sends visitors from a network of its own: none is a repeat visit.
    const clicks = { kind: 'click', org: orgId, codes: seeded.codes } as const;
    const click = await adjacent(
      'click',
      (round, seconds) =>
        measure(service.url, `click (pass ${round + 1})`, { ...clicks, network: 10 + round }, { seconds, expect: '"ref":"', warmup: { requests: { ...clicks, network: 20 + round } } }),
      RATIO_ROUNDS,
    );
    // Each load process signs fresh events, so the warm-up's are never replayed as duplicates.
    const checkouts: RequestPlan = { kind: 'webhook', secret: WEBHOOK_SECRET, promotionCodeIds: seeded.stripePromotionCodeIds };
    const webhook = await adjacent('webhooks', () =>
      measure(service.url, 'webhook', checkouts, {
        expect: '"outcome":"processed"',
        amount: WEBHOOK_EVENTS,
        warmup: { requests: checkouts, amount: 1_000 },
      }),
    );
    // The same ingestion with an endpoint listening to the conversions it credits: the event is only
    // marked in the conversion's own write, and relayed and delivered in the background.
    const receiver = await startBenchReceiver();
    const endpoint = await fetch(`${service.url}/api/webhook_endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, enabled_events: ['conversion.created'] }),
    });
    if (endpoint.status !== 201) throw new Error(`creating the bench's webhook endpoint failed: ${await endpoint.text()}`);
    const webhookWithEndpoint = await adjacent('webhooks with an endpoint', () =>
      measure(service.url, 'webhook (endpoint attached)', checkouts, {
        expect: '"outcome":"processed"',
        amount: WEBHOOK_EVENTS,
        warmup: { requests: checkouts, amount: 1_000 },
      }),
    );
    const expectedDeliveries = WEBHOOK_EVENTS + 1_000;
    const delivered = await receiver.waitFor(expectedDeliveries, 120_000);
    // Printed as soon as measured, as each route's line is: a later failure does not lose it.
    console.log(`  outgoing webhooks: ${delivered.toLocaleString('en')} of ${expectedDeliveries.toLocaleString('en')} delivered, ${fixed(receiver.perSecond())} deliveries/s`);
    await receiver.close();
    const rssAfter = await service.rssMb();
    await Promise.all(running.splice(0).map((child) => child.stop()));
    console.log(`Refunds on the embedded store with ${REFUND_SCALING.small.toLocaleString('en')}, then ${REFUND_SCALING.large.toLocaleString('en')} conversions…`);
    const refunds = await refundScaling(path.join(work, 'refunds'), REFUND_SCALING);

    const rows: Row[] = [
      { name: 'GET / constant, service HTTP server', ...constant },
      { name: 'GET /api/customers (lookup)', ...lookup, minRatio: 1.0, maxP99: 25 },
      { name: 'POST /api/customers/identify', ...identify, minRatio: 0.7, maxP99: 25 },
      { name: 'POST /api/track/click', ...click, minRatio: 0.5 },
      { name: 'POST /api/stripe/webhooks (10k)', ...webhook, minPerSecond: 1000 },
      { name: 'POST /api/stripe/webhooks (10k), endpoint attached', ...webhookWithEndpoint, minPerSecond: 1000 },
    ];
    printTable(rows);
    const attachedRatio = webhookWithEndpoint.result.perSecond / webhook.result.perSecond;
    console.log(
      `\nWebhook ingestion with an endpoint attached: ${fixed(attachedRatio * 100)}% of without, ${attachedRatio >= 0.8 ? 'PASS' : 'FAIL'} ≥ 80%`,
    );
    console.log(
      `Outgoing webhooks to a local receiver: ${delivered.toLocaleString('en')} of ${expectedDeliveries.toLocaleString('en')} delivered, ` +
        `${fixed(receiver.perSecond())} deliveries/s (first to last, while and after ingesting)`,
    );
    console.log('');
    for (const [variant, name] of [['pixel', 'Pixel (/api/script.js)'], ['referral-tracker', 'Referral tracker (/api/referral-tracker.js)']] as [PixelVariant, string][]) {
      const sizes = await pixelSizes(variant);
      const budget = GZIP_BUDGETS[variant];
      console.log(`${name}: raw ${sizes.raw} B, gzip -9 ${sizes.gzip} B, brotli 11 ${sizes.brotli} B; ${sizes.gzip <= budget ? 'PASS' : 'FAIL'} gzip ≤ ${budget} B`);
    }
    console.log(`Service start with ${BINDINGS.toLocaleString('en')} bindings: ${fixed(startSeconds, 1)} s to listening`);
    console.log(`Service RSS: ${mb(rssSeeded)} after start (seeded data loaded), ${mb(rssAfter)} after the run`);
    const growth = refunds.large.microseconds / refunds.small.microseconds;
    console.log(
      `Refund (recordRefund, ${refunds.refunds} each): ${fixed(refunds.small.microseconds)} µs with ${refunds.small.conversions.toLocaleString('en')} conversions, ` +
        `${fixed(refunds.large.microseconds)} µs with ${refunds.large.conversions.toLocaleString('en')}: ${fixed(growth, 2)}×, ` +
        `${growth <= MAX_REFUND_GROWTH ? 'PASS' : 'FAIL'} ≤ ${MAX_REFUND_GROWTH}×`,
    );
    console.log('Rate limits on tracking routes raised to 1e9/min for the bench; no Stripe key (webhook secret only): no Stripe round trips.');
    await storeBench(work, storeOptions);
  } finally {
    // After a failure the servers are still up: stop them so no orphan keeps the cores busy.
    await Promise.allSettled(running.map((child) => child.stop()));
    await rm(work, { recursive: true, force: true });
  }
}

function printTable(rows: Row[]) {
  const verdicts: string[] = [];
  const table = rows.map(({ name, result, baseline, minRatio, maxP99, minPerSecond }) => {
    const ratio = result.perSecond / baseline.perSecond;
    const checks: string[] = [];
    if (minRatio !== undefined) checks.push(`${ratio >= minRatio ? 'PASS' : 'FAIL'} ratio ≥ ${minRatio}`);
    if (maxP99 !== undefined) checks.push(`${result.p99 < maxP99 ? 'PASS' : 'FAIL'} p99 < ${maxP99} ms`);
    if (minPerSecond !== undefined) checks.push(`${result.perSecond >= minPerSecond ? 'PASS' : 'FAIL'} ≥ ${minPerSecond}/s`);
    verdicts.push(...checks.map((check) => `${name}: ${check}`));
    return [
      name,
      fixed(result.perSecond),
      String(result.p50),
      String(result.p99),
      `${fixed(baseline.perSecond)} (${baseline.passes.map((pass) => fixed(pass.perSecond)).join(', ')})`,
      baseline.passes.map((pass) => pass.p99).join(', '),
      fixed(ratio, 2),
      String(result.requests),
      checks.join(', '),
    ];
  });
  const header = ['route', 'req/s', 'p50 ms', 'p99 ms', 'bare req/s (its passes)', 'bare p99 ms', 'vs bare', 'requests', 'targets'];
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 || column === header.length - 1 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log('');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of table) console.log(line(row));
  console.log('');
  for (const verdict of verdicts) console.log(verdict);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
