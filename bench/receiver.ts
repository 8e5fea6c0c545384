import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A brand's webhook endpoint on loopback that answers at once and counts what arrives. */
export async function startBenchReceiver() {
  let count = 0;
  let first = 0;
  let last = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const now = performance.now();
      if (count === 0) first = now;
      last = now;
      count += 1;
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    count: () => count,
    /** Deliveries per second from the first to the last one received. */
    perSecond: () => (count > 1 ? ((count - 1) * 1000) / (last - first) : 0),
    /** Resolves once `target` deliveries arrived, or after `timeoutMs` with what did. */
    async waitFor(target: number, timeoutMs: number) {
      const deadline = performance.now() + timeoutMs;
      while (count < target && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      return count;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
