import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoadResult, RequestPlan } from './load';
import { alternated, RATIO_PASS_SECONDS, RATIO_ROUNDS, runLoad, SECONDS, WARMUP_SECONDS } from './scenarios';
import { BENCH_SECRET, SEEDED_PREFIX, type Seeded, seed } from './seed';
import { BUILT_SERVICE, type BenchProcess, serviceEnv, startProcess } from './server';

/**
 * `npm run bench -- --only store`: what the embedded store costs as it grows, each size in a data dir
 * and a service process of its own, measured against the same service on an empty store:
 * - memory: RSS growth after a lookup load and a full collection (through the inspector, opened
 *   with SIGUSR1), at 100k bindings with 100k conversions, and at 1M bindings;
 * - start-up at 1M bindings, and lookup throughput at 1M against 100k, in passes alternated with
 *   100k's (an index read should not care);
 * - the admin reads at 100k conversions: a page of `GET /api/conversions`, a full CSV export, and
 *   lookups' p99 while exports run back to back against their p99 without.
 * Seeded through the store's repos in batches (bench/seed.ts), not over HTTP. Each service is the built
 * JavaScript (`node dist/main.js`, as `npm start` runs it; bench/run.ts builds it first), so a start
 * is timed spawn to listening without a TypeScript loader compiling the sources.
 */

const TARGETS = { growthAt100k: 50, growthAt1M: 100, startAt1M: 2, lookupDrift: 0.15, p99DuringExport: 2 };
const SIZES = { medium: 100_000, large: 1_000_000 };
const LOOKUP_SECONDS = SECONDS;

interface Service {
  seeded: Seeded;
  process: BenchProcess;
  startSeconds: number;
}

export async function storeBench(work: string, options: { large: boolean }): Promise<void> {
  const serviceOn = async (name: string, bindings: number, conversions: number): Promise<Service> => {
    const dataDir = path.join(work, name);
    await mkdir(dataDir);
    console.log(`Seeding ${name}: ${bindings.toLocaleString('en')} bindings, ${conversions.toLocaleString('en')} conversions…`);
    const seeded = await seed(dataDir, { bindings, conversions, codes: 50, refs: 10 });
    console.log(`  seeded in ${(seeded.seedMs / 1000).toFixed(1)} s`);
    const starting = performance.now();
    const process = await startProcess(BUILT_SERVICE, [], dataDir, serviceEnv(dataDir, BENCH_SECRET), { inspectable: true });
    return { seeded, process, startSeconds: (performance.now() - starting) / 1000 };
  };
  const lookupPlan = (service: Service, users: number): RequestPlan => ({ kind: 'lookup', apiKey: service.seeded.apiKey, prefix: SEEDED_PREFIX, users });
  /** Warm-up, then the measured pass; `found` false on the empty store, where every lookup finds nobody. */
  const lookups = async (service: Service, name: string, users: number, found = true, seconds = LOOKUP_SECONDS) => {
    const plan = lookupPlan(service, Math.max(users, 1));
    const expect = found ? '"creator"' : undefined;
    await runLoad(work, service.process.url, `${name}-warmup`, plan, { seconds: WARMUP_SECONDS, expect });
    const result = await runLoad(work, service.process.url, name, plan, { seconds, expect });
    console.log(`  ${name}: ${result.perSecond.toFixed(0)} req/s, p99 ${result.p99} ms`);
    return result;
  };
  /**
   * RSS after start, after a lookup load, and after a full collection following it: the last is
   * what the process keeps, the figure each size is held to. Right after a load RSS also holds
   * whatever garbage V8 has not collected yet, which moved by 70 MB between runs of one size.
   */
  const memoryOf = async (service: Service, name: string, users: number, found = true) => {
    const afterStart = await service.process.rssMb();
    const load = await lookups(service, `lookup (${name})`, users, found);
    const afterLoad = await service.process.rssMb();
    await service.process.collectGarbage();
    return { afterStart, afterLoad, kept: await service.process.rssMb(), load };
  };

  const empty = await serviceOn('empty', 0, 0);
  const base = await memoryOf(empty, 'empty store', 1000, false);
  await empty.process.stop();

  const medium = await serviceOn('100k', SIZES.medium, SIZES.medium);
  const mediumMemory = await memoryOf(medium, '100k bindings', SIZES.medium);
  const admin = await adminReads(work, medium, lookupPlan(medium, SIZES.medium));

  let large: { memory: Awaited<ReturnType<typeof memoryOf>>; startSeconds: number; drift: { at100k: number; at1M: number } } | null = null;
  if (options.large) {
    const service = await serviceOn('1m', SIZES.large, 0);
    const memory = await memoryOf(service, '1M bindings', SIZES.large);
    // Both services up, the 1M lookups alternated with the 100k ones, as routes are with the bare route in run.ts.
    const { referencePerSecond, result } = await alternated(
      RATIO_ROUNDS,
      (index) => lookups(medium, `lookup (100k, pass ${index + 1})`, SIZES.medium, true, RATIO_PASS_SECONDS),
      (round) => lookups(service, `lookup (1M, pass ${round + 1})`, SIZES.large, true, RATIO_PASS_SECONDS),
    );
    large = { memory, startSeconds: service.startSeconds, drift: { at100k: referencePerSecond, at1M: result.perSecond } };
    await service.process.stop();
  }
  await medium.process.stop();

  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(0)}`;
  const growth = (memory: typeof base) => memory.kept - base.kept;
  const memoryLine = (memory: typeof base) =>
    `${memory.afterStart.toFixed(0)} MB after start, ${memory.afterLoad.toFixed(0)} MB after lookups (${signed(memory.afterLoad - base.afterLoad)}), ` +
    `${memory.kept.toFixed(0)} MB after a full collection`;
  console.log('\nEmbedded store (SQLite) as it grows; memory is RSS after a 10 s lookup load and a full collection, against the same service on an empty store');
  console.log(`  empty store: ${memoryLine(base)}; start ${empty.startSeconds.toFixed(1)} s`);
  const mediumGrowth = growth(mediumMemory);
  console.log(
    `  100k bindings + 100k conversions: ${memoryLine(mediumMemory)}: ` +
      `${signed(mediumGrowth)} MB, ${verdict(mediumGrowth <= TARGETS.growthAt100k)} ≤ +${TARGETS.growthAt100k} MB; start ${medium.startSeconds.toFixed(1)} s`,
  );
  if (large) {
    const largeGrowth = growth(large.memory);
    const drift = 1 - large.drift.at1M / large.drift.at100k;
    console.log(`  1M bindings: ${memoryLine(large.memory)}: ${signed(largeGrowth)} MB, ${verdict(largeGrowth <= TARGETS.growthAt1M)} ≤ +${TARGETS.growthAt1M} MB`);
    // Spawn to listening of the built service: the empty store's start says what node itself takes on this machine.
    console.log(
      `  start with 1M bindings: ${large.startSeconds.toFixed(2)} s to listening (empty store: ${empty.startSeconds.toFixed(2)} s), ` +
        `${verdict(large.startSeconds < TARGETS.startAt1M)} < ${TARGETS.startAt1M} s`,
    );
    console.log(
      `  lookup at 1M bindings: ${large.drift.at1M.toFixed(0)} req/s against ${large.drift.at100k.toFixed(0)} at 100k (${RATIO_ROUNDS} passes each, alternated) ` +
        `(${(-drift * 100).toFixed(1)}%), ${verdict(Math.abs(drift) <= TARGETS.lookupDrift)} within ${TARGETS.lookupDrift * 100}%`,
    );
  } else {
    console.log('  1M bindings: not run (--no-1m)');
  }
  console.log(`\nAdmin reads at ${SIZES.medium.toLocaleString('en')} conversions`);
  console.log(`  GET /api/conversions (a page of ${admin.pageSize}): ${admin.page.perSecond.toFixed(0)} req/s, p50 ${admin.page.p50} ms, p99 ${admin.page.p99} ms`);
  console.log(`  GET /api/conversions/export (all ${admin.exportRows.toLocaleString('en')} rows, ${(admin.exportBytes / 1e6).toFixed(1)} MB): ${admin.exportSeconds.toFixed(2)} s`);
  const p99Ratio = admin.lookupDuringExport.p99 / Math.max(admin.lookupAlone.p99, 1);
  console.log(
    `  lookup p99 while exports run: ${admin.lookupDuringExport.p99} ms against ${admin.lookupAlone.p99} ms without (${p99Ratio.toFixed(2)}×), ` +
      `${verdict(p99Ratio <= TARGETS.p99DuringExport)} ≤ ${TARGETS.p99DuringExport}×; ${admin.exportsDuring} exports ran meanwhile`,
  );
}

/** A page, a full export, and lookups with and without exports running back to back. */
async function adminReads(work: string, service: Service, lookup: RequestPlan) {
  const { url } = service.process;
  const auth = { authorization: `Bearer ${service.seeded.apiKey}` };
  const pageSize = 25;
  const pagePlan: RequestPlan = { kind: 'get', path: `/api/conversions?limit=${pageSize}`, apiKey: service.seeded.apiKey };
  await runLoad(work, url, 'conversions-page-warmup', pagePlan, { seconds: WARMUP_SECONDS, expect: '"object":"list"' });
  const page = await runLoad(work, url, 'conversions-page', pagePlan, { seconds: SECONDS, expect: '"object":"list"' });

  const exportAll = async () => {
    const started = performance.now();
    const response = await fetch(`${url}/api/conversions/export`, { headers: auth });
    if (response.status !== 200) throw new Error(`export: ${response.status} ${await response.text()}`);
    const sheet = await response.text();
    return { seconds: (performance.now() - started) / 1000, bytes: sheet.length, rows: sheet.split('\n').filter(Boolean).length - 1 };
  };
  await exportAll();
  const timed = await exportAll();

  const lookupAlone = await runLoad(work, url, 'lookup-alone', lookup, { seconds: SECONDS, expect: '"creator"' });
  let exporting = true;
  let exportsDuring = 0;
  const exports = (async () => {
    while (exporting) {
      await exportAll();
      exportsDuring += 1;
    }
  })();
  let lookupDuringExport: LoadResult;
  try {
    lookupDuringExport = await runLoad(work, url, 'lookup-during-export', lookup, { seconds: SECONDS, expect: '"creator"' });
  } finally {
    exporting = false;
    await exports;
  }
  return { pageSize, page, exportSeconds: timed.seconds, exportBytes: timed.bytes, exportRows: timed.rows, lookupAlone, lookupDuringExport, exportsDuring };
}
