import type { Server } from 'node:http';

/**
 * How many of the server's requests are under way (received, not yet answered or abandoned). The
 * webhook runtime reads it to give way to requests: work no caller waits for yields to work one does.
 */
export function requestsInFlight(server: Server): () => number {
  let inFlight = 0;
  // One listener for every response: this runs on every request, so it allocates nothing per request.
  const answered = () => {
    inFlight -= 1;
  };
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', answered);
  });
  return () => inFlight;
}
