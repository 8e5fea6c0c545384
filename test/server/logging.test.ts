import { createTestOrg } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';

const linesOf = (logs: string[]) => logs.join('').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));

describe('request logging', () => {
  it('at warn logs each failure once, with its request id and a redacted URL, and no successes', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'warn' });
    try {
      const { key } = await createTestOrg(server.deps);
      expect((await server.request('GET', '/api/customers?externalId=jane@example.com', { key })).status).toBe(200);
      const refused = await server.request('GET', '/api/customers?externalId=jane@example.com');
      expect(refused.status).toBe(401);

      const lines = linesOf(server.logs);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 40,
        msg: 'request failed',
        code: 'api_key_missing',
        req: { id: refused.headers.get('request-id'), method: 'GET', url: '/api/customers?externalId=[redacted]' },
        res: { statusCode: 401 },
      });
      expect(server.logs.join('')).not.toContain('jane@example.com');
    } finally {
      await server.stop();
    }
  });

  it('redacts a person’s id however the query writes its name', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'info' });
    try {
      const { key } = await createTestOrg(server.deps);
      // Express decodes parameter names, so each of these names the user, as a value or in a list.
      const spellings = ['externalId', 'extern%61lId', 'extern%61l%49d', 'externalId[]', 'externalId%5B%5D', 'externalId[0]', 'external_id[x]'];
      for (const name of spellings) {
        expect((await server.request('GET', `/api/customers?${name}=alice%40example.com&org=x`, { key })).status).toBeLessThan(500);
      }
      const urls = linesOf(server.logs).filter((line) => line.msg === 'request completed').map((line) => line.req.url);
      expect(urls).toEqual(spellings.map((name) => `/api/customers?${name}=[redacted]&org=x`));
      expect(server.logs.join('')).not.toContain('alice');
    } finally {
      await server.stop();
    }
  });

  it('redacts the email and customer id a brand finds a creator by', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'info' });
    try {
      const { key } = await createTestOrg(server.deps);
      expect((await server.request('GET', '/api/creators?email=annie%40example.com&customer_id=C-annie', { key })).status).toBe(200);
      const urls = linesOf(server.logs).filter((line) => line.msg === 'request completed').map((line) => line.req.url);
      expect(urls).toEqual(['/api/creators?email=[redacted]&customer_id=[redacted]']);
      expect(server.logs.join('')).not.toContain('annie');
    } finally {
      await server.stop();
    }
  });

  it('at info logs one line per request with the org it was for', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'info' });
    try {
      const { org, key } = await createTestOrg(server.deps);
      const ok = await server.request('GET', '/api/customers?externalId=u', { key });
      await server.request('GET', '/api/nope');
      const lines = linesOf(server.logs).filter((line) => line.msg === 'request completed');
      expect(lines).toEqual([
        expect.objectContaining({ level: 30, org: org.id, req: expect.objectContaining({ id: ok.headers.get('request-id') }), res: { statusCode: 200 } }),
        expect.objectContaining({ level: 40, res: { statusCode: 404 } }),
      ]);
    } finally {
      await server.stop();
    }
  });
});
