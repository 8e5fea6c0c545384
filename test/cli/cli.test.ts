import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { mintTestRef } from '../helpers/fixtures';
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

  it('imports creators from a sheet (dry run first, errors by row and column, safe twice) and fills a coupon bank from one', async () => {
    const init = await cli('init', '--name', 'Acme');
    const org = init.json.org.id;
    const server = await startTestServer({}, { dataDir });
    try {
      const campaign = (await cli('campaign', 'create', '--org', org, '--title', 'Launch', '--percent-off', '10')).json;
      const sheet = path.join(dataDir, 'creators.csv');
      await writeFile(sheet, ['handle,first_name,email,code', 'annie,Annie,annie@example.com,ANNIE10', 'bob,Bob,not-an-email,BOB10', ''].join('\n'));

      const dry = await runCli(['creators', 'import', sheet, '--org', org, '--campaign', campaign.id, '--dry-run'], env());
      expect([dry.code, dry.output.trim().split('\n')]).toEqual([
        1,
        ['row 2: annie would be created (ANNIE10)', 'row 3, email: Invalid email: Invalid email address', '1 would be created, 0 would be given a code, 0 unchanged, 1 failed'],
      ]);
      const key = init.json.api_key.secret;
      expect((await (await server.request('GET', '/api/creators', { key })).json()).data).toEqual([]);

      const imported = await cli('creators', 'import', sheet, '--org', org, '--campaign', campaign.id);
      expect(imported.code).toBe(1);
      const again = await runCli(['--json', 'creators', 'import', sheet, '--org', org, '--campaign', campaign.id], env());
      expect(JSON.parse(again.output)).toMatchObject({ created: 0, unchanged: 1, failed: 1 });
      const creators = (await (await server.request('GET', '/api/creators', { key })).json()).data;
      expect(creators).toMatchObject([{ handle: 'annie', first_name: 'Annie', email: 'annie@example.com' }]);

      const bank = (await cli('bank', 'create', '--org', org, '--campaign', campaign.id, '--name', 'Friends')).json;
      const codes = path.join(dataDir, 'codes.csv');
      await writeFile(codes, 'Code\nFRIEND1\nFRIEND2\nANNIE10\n');
      const upload = await runCli(['bank', 'upload', codes, '--org', org, '--bank', bank.id], env());
      expect([upload.code, upload.output.trim().split('\n')]).toEqual([
        1,
        ['row 4, ANNIE10: The code ANNIE10 is already in use.', '2 created, 0 adopted, 0 unchanged, 1 failed; 2 of 2 codes left to hand out'],
      ]);
      expect((await cli('bank', 'show', '--org', org, '--bank', bank.id)).json).toMatchObject({ codes: 2, remaining: 2 });
    } finally {
      await server.stop();
    }
  });

  it('shows and spends rewards', async () => {
    const init = await cli('init', '--name', 'Acme', '--domain', 'acme.test');
    const org = init.json.org.id;
    const key = init.json.api_key.secret;
    const server = await startTestServer({}, { dataDir });
    try {
      const campaign = { title: 'Points', discount_type: 'percent_off', discount_value: 10, rewards: [{ recipient: 'friend', trigger: 'signup', points: 25 }] };
      const created = await (await server.request('POST', '/api/campaigns', { key, body: campaign })).json();
      await server.request('POST', '/api/creators', { key, body: { handle: 'annie' } });
      await server.request('POST', '/api/promo_codes', { key, body: { code: 'ANNIE25', creator: 'annie', campaign: created.id } });
      const promoCode = (await server.deps.store.promoCodes.getByCode({ orgId: org, livemode: true }, 'ANNIE25'))!;
      const ref = await mintTestRef(server.deps, promoCode);
      expect((await server.request('POST', '/api/customers/identify', { key, body: { externalId: 'user_1', ref } })).status).toBe(204);

      expect((await cli('rewards', 'balances', '--org', org, '--external-id', 'user_1')).json).toMatchObject({ points: 25 });
      const redeemed = await cli('rewards', 'redeem', '--org', org, '--external-id', 'user_1', '--amount', '10', '--reference', 'gift-1');
      expect(redeemed.json).toMatchObject({ kind: 'redemption', amount: -10, reference: 'gift-1' });
      const ledger = await cli('rewards', 'ledger', '--org', org, '--external-id', 'user_1');
      expect(ledger.json.map((entry: { amount: number }) => entry.amount).sort()).toEqual([-10, 25]);
      expect((await cli('rewards', 'redeem', '--org', org, '--external-id', 'user_1', '--amount', '100', '--reference', 'gift-2')).code).not.toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('grants, lists and revokes a Stripe Dashboard user, whose changes through the App follow', async () => {
    const appSecret = 'absec_cli_grant_test';
    const server = await startTestServer({ STRIPE_APP_SECRET: appSecret }, { dataDir });
    try {
      const account = 'acct_cligrants';
      /** A request as the App's views make it, signed by the Dashboard for this user, mode, method and path. */
      const app = (user: string, method: string, route: string, body?: unknown) => {
        const payload = { user_id: user, account_id: account, mode: 'live', method, path: `/api/app/${route}` };
        const signature = Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(payload), secret: appSecret });
        return server.request(method, `/api/app/${route}?user_id=${user}&account_id=${account}&mode=live`, { body, headers: { 'stripe-signature': signature } });
      };
      // The installing administrator opens the app first (granted as its first user) and makes the org.
      const org = (await (await app('usr_admin', 'GET', 'settings')).json()).org.id;
      const createKey = () => app('usr_colleague', 'POST', 'keys', { name: 'Colleague key' });

      const before = await createKey();
      expect(before.status).toBe(403);
      expect((await before.json()).error).toMatchObject({
        code: 'app_user_not_granted',
        message: `usr_colleague may see but not change Shoutout for this account: changes need a grant. The operator grants it with \`npm run shoutout -- app grant --org ${org} --user usr_colleague\`.`,
      });

      // The command the message names, as the operator pastes it, with --json after it.
      const granted = await runCli(['app', 'grant', '--org', org, '--user', 'usr_colleague', '--json'], env());
      expect(granted.code).toBe(0);
      expect(JSON.parse(granted.output)).toMatchObject({ object: 'app_grant', org, user: 'usr_colleague', granted_by: 'operator', revoked: null });
      expect((await createKey()).status).toBe(201);
      expect((await (await app('usr_colleague', 'GET', 'settings')).json()).access).toMatchObject({ granted: true, message: null });

      const listed = await runCli(['app', 'grants', '--org', org, '--json'], env());
      expect(JSON.parse(listed.output).map((grant: { user: string; granted_by: string; revoked: number | null }) => [grant.user, grant.granted_by, grant.revoked])).toEqual([
        ['usr_admin', 'first_user', null],
        ['usr_colleague', 'operator', null],
      ]);

      const revoked = await runCli(['app', 'revoke', '--org', org, '--user', 'usr_colleague', '--json'], env());
      expect(revoked.code).toBe(0);
      expect(JSON.parse(revoked.output)).toMatchObject({ user: 'usr_colleague', revoked: expect.any(Number) });
      const after = await createKey();
      expect(after.status).toBe(403);
      expect((await after.json()).error.code).toBe('app_user_not_granted');
      // The key made while granted stays the only one; the administrator still changes things.
      const keys = (await (await app('usr_admin', 'GET', 'settings')).json()).api_keys;
      expect(keys.map((key: { name: string }) => key.name)).toEqual(['Colleague key']);
      expect((await app('usr_admin', 'PATCH', 'settings', { brand_color: '#112233' })).status).toBe(200);

      const unknown = await runCli(['app', 'revoke', '--org', org, '--user', 'usr_nobody', '--json'], env());
      expect(unknown.code).toBe(1);
      expect(JSON.parse(unknown.output).error).toMatchObject({ code: 'grant_missing', message: `usr_nobody has no grant in ${org}.` });
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
