import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exitOf, spawnTs } from '../test/helpers/process';
import type { LoadPlan, LoadResult, RequestPlan } from './load';

export const CONNECTIONS = 50;
export const SECONDS = 10;
export const WARMUP_SECONDS = 2;

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
