import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitOf, spawnTs } from '../test/helpers/process';
import type { LoadPlan, LoadResult, RequestPlan } from './load';

export const CONNECTIONS = 50;
export const SECONDS = 10;
export const WARMUP_SECONDS = 2;
/** Passes of a measurement held to a ratio, and each pass's length (see `alternated`). */
export const RATIO_ROUNDS = 3;
export const RATIO_PASS_SECONDS = 5;

/** Runs one autocannon pass in its own process; any failed request ends the bench. */
export async function runLoad(workDir: string, url: string, name: string, requests: RequestPlan, options: { seconds?: number; amount?: number; expect?: string }) {
  const planFile = path.join(workDir, `${name}.plan.json`);
  const resultFile = path.join(workDir, `${name}.result.json`);
  const plan: LoadPlan = { url, connections: CONNECTIONS, duration: options.seconds, amount: options.amount, expect: options.expect, requests, resultFile };
  await writeFile(planFile, JSON.stringify(plan));
  const child = spawnTs('bench/load.ts', [planFile], {});
  const { code, signal } = await exitOf(child);
  if (code !== 0) throw new Error(`load generator for ${name} exited with ${code ?? signal}:\n${child.output()}`);
  const result = JSON.parse(await readFile(resultFile, 'utf8')) as LoadResult;
  if (result.failed > 0) {
    throw new Error(`${name}: ${result.failed} of ${result.requests} requests failed; first: ${result.firstFailure}`);
  }
  return result;
}

/**
 * A measurement held to a ratio against a reference measured in the same run. Shared cores drift by
 * a third within minutes, so it runs in `rounds` passes, each between two of the reference's
 * (reference, pass, reference, …, reference): a drift during one pass weighs on a share of the
 * figure instead of deciding it. `reference(index)` is the index-th reference pass.
 */
export async function alternated(rounds: number, reference: (index: number) => Promise<LoadResult>, pass: (round: number) => Promise<LoadResult>) {
  const references = [await reference(0)];
  const results: LoadResult[] = [];
  for (let round = 0; round < rounds; round += 1) {
    results.push(await pass(round));
    references.push(await reference(round + 1));
  }
  const referencePerSecond = references.reduce((sum, { perSecond }) => sum + perSecond, 0) / references.length;
  return { references, referencePerSecond, result: combined(results) };
}

/** Passes of one measurement as one result: their requests over their time, the middle pass's p50 and the worst pass's p99. */
function combined(results: LoadResult[]): LoadResult {
  if (results.length === 1) return results[0];
  const total = (value: (result: LoadResult) => number) => results.reduce((sum, result) => sum + value(result), 0);
  const requests = total((result) => result.requests);
  const seconds = total((result) => result.seconds);
  const p50s = results.map((result) => result.p50).sort((a, b) => a - b);
  return {
    requests,
    seconds,
    perSecond: requests / seconds,
    p50: p50s[Math.floor(p50s.length / 2)],
    p99: Math.max(...results.map((result) => result.p99)),
    failed: total((result) => result.failed),
    firstFailure: results.find((result) => result.firstFailure)?.firstFailure ?? null,
  };
}
