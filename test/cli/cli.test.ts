import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/process';
import { startTestServer, TEST_SECRET } from '../helpers/server';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-cli-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const env = () => ({ DATA_DIR: dataDir, SHOUTOUT_SECRET: TEST_SECRET, LOG_LEVEL: 'warn' });
const cli = async (...args: string[]) => {
  const result = await runCli(['--json', ...args], env());
  return { ...result, json: result.code === 0 ? JSON.parse(result.output) : null };
};

// Each case spawns several CLI processes; on a loaded 2-core CI machine that takes a while.
describe('shoutout CLI', { timeout: 120_000 }, () => {
  it('bootstraps an org whose key works, then sends commands to the running server', async () => {
    const init = await cli('init', '--name', 'Acme', '--domain', 'acme.test', 'www.acme.test');
    expect(init.code).toBe(0);
    expect(init.json.org).toMatchObject({ id: expect.stringMatching(/^org_/), name: 'Acme', domains: ['acme.test', 'www.acme.test'] });
    expect(init.json.api_key).toMatchObject({ secret: expect.stringMatching(/^so_live_/), scopes: ['referrals', 'tracking', 'admin'] });
    const org = init.json.org.id;

    const server = await startTestServer({}, { dataDir });
    try {
      const creator = await cli('creator', 'create', '--org', org, '--handle', 'annie');
      expect(creator.json).toMatchObject({ object: 'creator', handle: 'annie' });
      const campaign = await cli('campaign', 'create', '--org', org, '--title', 'Summer drop', '--percent-off', '20', '--commission-percent', '10');
      expect(campaign.json).toMatchObject({ discount_type: 'percent_off', discount_value: 20, commission: { type: 'percent', value: 10 } });
      const code = await cli('code', 'create', '--org', org, '--code', 'annie50', '--creator', 'annie', '--campaign', campaign.json.id);
      expect(code.json).toMatchObject({ code: 'ANNIE50', active: true });
      expect((await cli('code', 'deactivate', '--org', org, '--code', 'ANNIE50')).json.active).toBe(false);
      // The server has no Stripe key: the human output says what that means for the code.
      const human = await runCli(['code', 'create', '--org', org, '--code', 'bob10', '--creator', 'annie', '--campaign', campaign.json.id], env());
      expect(human.code).toBe(0);
      expect(human.output).toContain('code: BOB10');
      expect(human.output).toContain('note: BOB10 is not on Stripe (there was no Stripe key for its mode), so checkout cannot apply it. Set STRIPE_SECRET_KEY and run `code activate` to create it there.');

      // The running server sees what the CLI did at once: the commands ran inside it.
      const codes = await (await server.request('GET', '/api/promo_codes', { key: init.json.api_key.secret })).json();
      expect(codes.data).toMatchObject([{ code: 'ANNIE50', active: false }, { code: 'BOB10', active: true }]);

      // The sheet that pays creators: CSV by default, the conversions themselves with --json.
      const order = { order_id: 'till-1', amount: 2500, currency: 'usd', coupon_code: 'BOB10' };
      expect((await server.request('POST', '/api/conversions', { key: init.json.api_key.secret, body: order })).status).toBe(201);
      const sheet = await runCli(['conversions', 'export', '--org', org, '--creator', 'annie', '--from', '2020-01-01'], env());
      expect(sheet.code).toBe(0);
      const [header, row, ...rest] = sheet.output.trimEnd().split('\n');
      expect(header).toMatch(/^created,id,status,creator,creator_handle,/);
      expect(row).toContain(',annie,');
      expect(row).toContain(',BOB10,coupon_code,offline,usd,2500,');
      expect(rest).toEqual([]);
      expect((await cli('conversions', 'export', '--org', org, '--status', 'flagged')).json).toEqual([]);
      expect((await cli('conversions', 'export', '--org', org, '--commission-currency', 'usd')).json).toMatchObject([{ order_id: 'till-1' }]);
      expect((await cli('conversions', 'export', '--org', org, '--commission-currency', 'eur')).json).toEqual([]);
      const badRange = await runCli(['conversions', 'export', '--org', org, '--from', '2026-02-01', '--to', '2026-01-01'], env());
      expect([badRange.code, badRange.output.trim()]).toEqual([1, 'error: Invalid from: must be before to (from)']);

      // Paying the creator: nothing is due within the hold period; with none, the order's commission is.
      expect((await cli('payouts', 'balances', '--org', org)).json).toMatchObject([{ creator_handle: 'annie', due: 0, pending: 250 }]);
      await server.request('PATCH', '/api/org', { key: init.json.api_key.secret, body: { payout_hold_days: 0 } });
      const [balance] = (await cli('payouts', 'balances', '--org', org)).json;
      expect(balance).toMatchObject({ due: 250, pending: 0 });
      const payout = await cli('payouts', 'create', '--org', org, '--creator', 'annie', '--currency', 'usd', '--amount', '250', '--due-through', String(balance.due_through), '--reference', 'T-1');
      expect(payout.json).toMatchObject({ object: 'payout', creator_handle: 'annie', amount: 250, reference: 'T-1', period: { end: balance.due_through } });
      expect((await cli('payouts', 'balances', '--org', org, '--creator', 'annie')).json).toMatchObject([{ due: 0, paid: 250 }]);

      const key = await cli('key', 'create', '--org', org, '--scope', 'referrals', '--test');
      expect(key.json.secret).toMatch(/^so_test_/);
      const listed = await cli('key', 'list', '--org', org);
      expect(listed.json).toHaveLength(2);
      await cli('key', 'revoke', '--org', org, '--id', key.json.id);
      expect((await server.request('GET', '/api/customers?externalId=x', { key: key.json.secret })).status).toBe(401);

      const duplicate = await runCli(['creator', 'create', '--org', org, '--handle', 'annie'], env());
      expect(duplicate.code).toBe(1);
      expect(duplicate.output).toContain('error: A creator with handle "annie" already exists. (handle)');
    } finally {
      await server.stop();
    }
  });

  it('adds, disables, rolls and deletes webhook endpoints, refusing internal addresses', async () => {
    const org = (await cli('init', '--name', 'Hooks')).json.org.id;
    const refused = await cli('webhook', 'create', '--org', org, '--url', 'https://192.168.1.5/hooks');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('not a public address');
    const created = await cli('webhook', 'create', '--org', org, '--url', 'https://93.184.215.14/hooks', '--event', 'conversion.created', 'payout.created');
    expect(created.json).toMatchObject({ object: 'webhook_endpoint', enabled_events: ['conversion.created', 'payout.created'], secret: expect.stringMatching(/^whsec_/) });
    const id = created.json.id;
    expect((await cli('webhook', 'update', '--org', org, '--id', id, '--disable')).json).toMatchObject({ status: 'disabled', disabled_reason: 'brand' });
    const rolled = await cli('webhook', 'roll-secret', '--org', org, '--id', id, '--expire-previous-in-hours', '0');
    expect(rolled.json.secret).not.toBe(created.json.secret);
    expect((await cli('webhook', 'delete', '--org', org, '--id', id)).json).toMatchObject({ id, deleted: true });
    expect((await cli('webhook', 'list', '--org', org)).json).toEqual([]);
  });

  it('explains bad arguments and unknown orgs', async () => {
    const unknown = await runCli(['key', 'list', '--org', 'org_missing'], env());
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('error: No such org (org)');
    const missing = await runCli(['init'], env());
    expect(missing.code).toBe(1);
    expect(missing.output).toContain("required option '--name <name>' not specified");
  });
});
