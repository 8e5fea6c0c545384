import { once } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpressServer } from '../../server/src/http/server';

describe('createExpressServer', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("hands Express requests and responses that already have the app's prototypes", async () => {
    const app = express();
    app.get('/echo', (req, res) => {
      res.status(201).json({ header: req.get('x-probe'), sameApp: req.app === app, query: req.query });
    });
    const server = createExpressServer(app);
    // Runs before Express does: what Node built, before app.handle would re-parent it.
    const arrived: { request?: object; response?: object } = {};
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      arrived.request = Object.getPrototypeOf(req);
      arrived.response = Object.getPrototypeOf(res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    close = () => new Promise((resolve) => server.close(() => resolve()));

    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/echo?q=1`, { headers: { 'x-probe': 'yes' } });

    expect(arrived.request).toBe(app.request);
    expect(arrived.response).toBe(app.response);
    expect(app.request).toBeInstanceOf(IncomingMessage);
    expect(app.response).toBeInstanceOf(ServerResponse);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ header: 'yes', sameApp: true, query: { q: '1' } });
  });
});
