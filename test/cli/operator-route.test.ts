import { createTestOrg } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const command = (token: string, headers: Record<string, string> = {}, org = 'org_missing') =>
  server.request('POST', '/api/operator/commands', { key: token, body: { command: 'key list', options: { org } }, headers });

describe('POST /api/operator/commands', () => {
  it('runs a command for the operator token from this machine', async () => {
    const { org } = await createTestOrg(server.deps);
    const response = await command(server.deps.secrets.operatorToken, {}, org.id);
    expect(response.status).toBe(200);
    expect((await response.json()).result).toEqual([expect.objectContaining({ object: 'api_key', livemode: true })]);
  });

  it('refuses another token, and a request a proxy on this machine forwarded', async () => {
    for (const [token, headers] of [
      ['so_live_not_the_operator', {}],
      [server.deps.secrets.operatorToken, { 'x-forwarded-for': '203.0.113.9' }],
      [server.deps.secrets.operatorToken, { forwarded: 'for=203.0.113.9' }],
    ] as const) {
      const response = await command(token, headers);
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe('operator_token_invalid');
    }
  });
});
