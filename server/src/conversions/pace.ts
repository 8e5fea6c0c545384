import { setImmediate } from 'node:timers/promises';

/**
 * For long work done a slice at a time on the event loop (a sheet's reads and rows): `await pace()`
 * after each slice lets other requests in once the work has held the loop for `budgetMs`, however
 * long the slices turn out on a busy machine, without paying a turn of the loop after every slice.
 * The budget is short because the requests let in are the ones a checkout waits on (lookups): with
 * 4 ms an export took about half the loop under lookup load and doubled their p99; a turn of the
 * loop costs microseconds, so an idle server's export is hardly slower for it.
 */
export function pacer(budgetMs = 1): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await setImmediate();
    since = performance.now();
  };
}
