import { setImmediate } from 'node:timers/promises';

/**
 * For long work done a slice at a time on the event loop (a sheet's reads and rows): `await pace()`
 * after each slice lets other requests in once the work has held the loop for `budgetMs`, however
 * long the slices turn out on a busy machine, without paying a turn of the loop after every slice.
 */
export function pacer(budgetMs = 4): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await setImmediate();
    since = performance.now();
  };
}
