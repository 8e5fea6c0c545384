import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { createExpressServer } from '../server/src/http/server';

/**
 * The baseline: Express 5 with one route returning a constant, nothing else. It announces itself
 * the way the service does (`<dir>/server.json`), so the bench waits for both alike.
 *
 * With `--app-prototypes` the same app is served the way the service serves its own
 * (`createExpressServer`), for reference: how fast a constant route can be on the service's HTTP
 * server, against which the routes' own work shows.
 */
const appPrototypes = process.argv.includes('--app-prototypes');
const app = express();
app.disable('x-powered-by');
app.get('/', (_req, res) => {
  res.json({ ok: true });
});
const server = appPrototypes ? createExpressServer(app) : createServer(app);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
await writeFile(path.join(process.argv[2], 'server.json'), JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${port}` }));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
