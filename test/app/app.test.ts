import Stripe from 'stripe';
import { mintDownloadToken, readDownloadToken } from '../../server/src/conversions/download';
import { createManualConversion } from '../../server/src/conversions/service';
import { appConversions, appOverview } from '../../server/src/app/service';
import { runCommand } from '../../server/src/cli/commands';
import { createOrg, orgForStripeAccount } from '../../server/src/orgs/service';
import { sheetColumn } from '../helpers/csv';
import { mintTestRef, uniqueCode } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { chargeFor, deliver, fixture, newStripeId, seedPaidSession, startStripeStack, stripeEvent } from '../stripe/setup';

const APP_SECRET = 'absec_app_signing_secret_for_tests';

let stack: Awaited<ReturnType<typeof startStripeStack>>;
beforeAll(async () => {
  stack = await startStripeStack({ STRIPE_APP_SECRET: APP_SECRET });
});
afterAll(() => stack.stop());

const deps = () => stack.server.deps;

/** What `fetchStripeSignature(additional)` gives the view: Stripe's signature over `{user_id, account_id, ...additional}`. */
function sign(payload: Record<string, string>, options: { secret?: string; timestamp?: number } = {}) {
  return Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(payload), secret: options.secret ?? APP_SECRET, timestamp: options.timestamp });
}

interface Caller {
  account: string;
  user: string;
  mode: 'live' | 'test';
}
const newCaller = (mode: Caller['mode'] = 'live'): Caller => ({ account: newStripeId('acct'), user: newStripeId('usr'), mode });

/** What the views sign for one request: who, then the request's mode, method and path. */
const signedFor = (caller: Caller, method: string, route: string) => ({
  user_id: caller.user,
  account_id: caller.account,
  mode: caller.mode,
  method,
  path: `/api/app/${route}`,
});

type CallOptions = { body?: unknown; signature?: string | null; headers?: Record<string, string>; query?: string };

/** A request as the views make it: identity and mode in the query, the signature over them and the request in the header. */
function callOn(server: TestServer, caller: Caller, method: string, route: string, options: CallOptions = {}) {
  const query = new URLSearchParams({ user_id: caller.user, account_id: caller.account, mode: caller.mode });
  const signature = options.signature === undefined ? sign(signedFor(caller, method, route)) : options.signature;
  return server.request(method, `/api/app/${route}?${query}${options.query ?? ''}`, {
    body: options.body,
    headers: { ...(signature !== null && { 'stripe-signature': signature }), ...options.headers },
  });
}
const call = (caller: Caller, method: string, route: string, options: CallOptions = {}) => callOn(stack.server, caller, method, route, options);
const json = async (response: Response) => ({ status: response.status, body: await response.json() });

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('access-control-allow-origin')).toBe('*');
  const body = await response.json();
  expect(body.error.code).toBe(code);
  return body.error;
}

/** A campaign and a creator with a code, made through the app as the drawer does. */
async function seedCatalog(caller: Caller, handle = `annie${uniqueCode('').toLowerCase()}`, server = stack.server) {
  const call = (...args: [Caller, string, string, CallOptions]) => callOn(server, ...args);
  const campaign = await json(
    await call(caller, 'POST', 'campaigns', { body: { title: 'Summer drop', discount_type: 'percent_off', discount_value: 20, commission: { type: 'percent', value: 10 } } }),
  );
  expect(campaign.status).toBe(201);
  const creator = await json(await call(caller, 'POST', 'creators', { body: { handle, name: 'Annie', campaign: campaign.body.id, code: uniqueCode('ANNIE') } }));
  expect(creator.status).toBe(201);
  return { campaign: campaign.body, creator: creator.body, promoCode: creator.body.promo_codes[0] };
}

describe('Stripe App coupon banks and imports', () => {
  it('creates a bank, uploads pasted codes to it, shows what is left, and imports a pasted sheet', async () => {
    const caller = newCaller();
    const { campaign } = await seedCatalog(caller);
    const bank = await json(await call(caller, 'POST', 'coupon_banks', { body: { campaign: campaign.id, name: 'Friends' } }));
    expect(bank).toMatchObject({ status: 201, body: { object: 'coupon_bank', remaining: 0 } });
    const codes = [uniqueCode('PASTE'), uniqueCode('PASTE')];
    const upload = await json(await call(caller, 'POST', `coupon_banks/${bank.body.id}/codes`, { body: { codes } }));
    expect(upload.body).toMatchObject({ coupon_bank: { codes: 2, remaining: 2 }, results: [{ status: 'created' }, { status: 'created' }] });
    expect((await json(await call(caller, 'GET', 'coupon_banks'))).body.data).toMatchObject([{ id: bank.body.id, remaining: 2 }]);

    const csv = `handle,email,code\nzoe${uniqueCode('').toLowerCase()},zoe@example.com,${uniqueCode('ZOE')}`;
    const dry = await json(await call(caller, 'POST', 'creators/import', { body: { csv, campaign: campaign.id, dry_run: true } }));
    expect(dry.body).toMatchObject({ dry_run: true, created: 1, rows: [{ row: 2, status: 'created', creator: null }] });
    const imported = await json(await call(caller, 'POST', 'creators/import', { body: { csv, campaign: campaign.id } }));
    expect(imported.body).toMatchObject({ created: 1, rows: [{ row: 2, status: 'created', creator: expect.stringMatching(/^cr_/) }] });
  });
});

describe('Stripe App authentication', () => {
  it('accepts the Dashboard’s signature and makes one org for the account on first use', async () => {
    const caller = newCaller();
    const first = await json(await call(caller, 'GET', 'settings'));
    expect(first.status).toBe(200);
    expect(first.body.org).toMatchObject({ object: 'org', stripe_account_id: caller.account, referral_params: ['infl'], code_beats_link: true });
    const again = await json(await call(caller, 'GET', 'settings'));
    expect(again.body.org.id).toBe(first.body.org.id);
    expect((await deps().store.orgs.findByStripeAccount(caller.account))!.id).toBe(first.body.org.id);
  });

  it('makes exactly one org when a fresh install’s first requests race', async () => {
    const caller = newCaller();
    const responses = await Promise.all(Array.from({ length: 8 }, () => call(caller, 'GET', 'settings').then(json)));
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([200]));
    const ids = new Set(responses.map((response) => response.body.org.id));
    expect(ids.size).toBe(1);
    expect((await orgForStripeAccount(deps(), caller.account)).id).toBe([...ids][0]);
  });

  it('shares the org with the install event, whichever comes first', async () => {
    const viewFirst = newCaller();
    const orgId = (await json(await call(viewFirst, 'GET', 'settings'))).body.org.id;
    await deliver(stack.server, stripeEvent('account.application.authorized', { id: 'ca_app', object: 'application' }, { account: viewFirst.account }));
    expect((await deps().store.orgs.findByStripeAccount(viewFirst.account))!.id).toBe(orgId);

    const eventFirst = newCaller();
    await deliver(stack.server, stripeEvent('account.application.authorized', { id: 'ca_app', object: 'application' }, { account: eventFirst.account }));
    const installed = await deps().store.orgs.findByStripeAccount(eventFirst.account);
    expect((await json(await call(eventFirst, 'GET', 'settings'))).body.org.id).toBe(installed!.id);
  });

  it('refuses a missing signature with 401 and creates nothing', async () => {
    const caller = newCaller();
    await expectError(await call(caller, 'GET', 'settings', { signature: null }), 401, 'signature_missing');
    expect(await deps().store.orgs.findByStripeAccount(caller.account)).toBeNull();
  });

  it('refuses a signature sent without the identity it covers', async () => {
    const caller = newCaller();
    const unnamed = await stack.server.request('GET', '/api/app/settings?mode=live', { headers: { 'stripe-signature': sign({ user_id: caller.user, account_id: caller.account }) } });
    const error = await expectError(unnamed, 401, 'identity_missing');
    expect(error.message).toBe('Send user_id and account_id (userContext) with the signature.');
    expect(await deps().store.orgs.findByStripeAccount(caller.account)).toBeNull();
  });

  it('refuses a signature older than 300 seconds', async () => {
    const caller = newCaller();
    const stale = sign(signedFor(caller, 'GET', 'settings'), { timestamp: Math.floor(Date.now() / 1000) - 301 });
    const error = await expectError(await call(caller, 'GET', 'settings', { signature: stale }), 401, 'signature_expired');
    expect(error.message).toMatch(/too old/);
    const recent = sign(signedFor(caller, 'GET', 'settings'), { timestamp: Math.floor(Date.now() / 1000) - 240 });
    expect((await call(caller, 'GET', 'settings', { signature: recent })).status).toBe(200);
  });

  it('refuses a signature made with another secret', async () => {
    const caller = newCaller();
    const forged = sign(signedFor(caller, 'GET', 'settings'), { secret: 'absec_someone_elses_app' });
    await expectError(await call(caller, 'GET', 'settings', { signature: forged }), 401, 'signature_invalid');
    expect(await deps().store.orgs.findByStripeAccount(caller.account)).toBeNull();
  });

  it('refuses a signature over the fields in the other order', async () => {
    const caller = newCaller();
    const { user_id, account_id, ...request } = signedFor(caller, 'GET', 'settings');
    const swapped = sign({ account_id, user_id, ...request });
    await expectError(await call(caller, 'GET', 'settings', { signature: swapped }), 401, 'signature_invalid');
  });

  it('refuses a signature for one account used to claim another', async () => {
    const victim = newCaller();
    const attacker = newCaller();
    await call(victim, 'GET', 'settings');
    const attackersSignature = sign(signedFor(attacker, 'GET', 'settings'));
    await expectError(await call({ ...attacker, account: victim.account }, 'GET', 'settings', { signature: attackersSignature }), 401, 'signature_invalid');
    await expectError(await call({ ...victim, user: attacker.user }, 'GET', 'settings', { signature: attackersSignature }), 401, 'signature_invalid');
  });

  it('answers 403 and changes nothing when a signed request names another account', async () => {
    const victim = newCaller();
    const attacker = newCaller();
    const before = (await json(await call(victim, 'GET', 'settings'))).body.org;

    const viaBody = await call(attacker, 'PATCH', 'settings', { body: { account_id: victim.account, domains: ['evil.test'] } });
    await expectError(viaBody, 403, 'account_mismatch');
    const viaHeader = await call(attacker, 'PATCH', 'settings', { body: { domains: ['evil.test'] }, headers: { 'stripe-account': victim.account } });
    await expectError(viaHeader, 403, 'account_mismatch');
    const viaUser = await call(attacker, 'PATCH', 'settings', { body: { user_id: victim.user, domains: ['evil.test'] } });
    await expectError(viaUser, 403, 'account_mismatch');

    expect((await json(await call(victim, 'GET', 'settings'))).body.org).toEqual(before);
    expect((await deps().store.orgs.findByStripeAccount(attacker.account))?.domains ?? []).toEqual([]);
  });

  it('cannot reach another account’s codes or keys by id', async () => {
    const victim = newCaller();
    const attacker = newCaller();
    const { promoCode } = await seedCatalog(victim);
    const key = (await json(await call(victim, 'POST', 'keys', { body: { name: 'Victim key' } }))).body;

    await expectError(await call(attacker, 'PATCH', `promo_codes/${promoCode.id}`, { body: { active: false } }), 404, 'resource_missing');
    await expectError(await call(attacker, 'DELETE', `keys/${key.id}`), 404, 'resource_missing');
    const overview = (await json(await call(attacker, 'GET', 'overview'))).body;
    expect(overview.creators).toEqual([]);

    const victimView = (await json(await call(victim, 'GET', 'overview'))).body;
    expect(victimView.creators[0].promo_codes[0].active).toBe(true);
    expect((await json(await call(victim, 'GET', 'settings'))).body.api_keys[0].revoked).toBeNull();
  });

  it('accepts the signed pair in a JSON body, as Stripe’s examples send it', async () => {
    const caller = newCaller();
    const response = await stack.server.request('POST', '/api/app/keys', {
      body: { user_id: caller.user, account_id: caller.account, mode: 'test', name: 'From body' },
      headers: { 'stripe-signature': sign({ ...signedFor(caller, 'POST', 'keys'), mode: 'test' }) },
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ object: 'api_key', name: 'From body', livemode: false });
  });

  it('answers 503 until the operator sets STRIPE_APP_SECRET', async () => {
    const unconfigured = await startTestServer();
    try {
      const caller = newCaller();
      const response = await unconfigured.request('GET', `/api/app/settings?user_id=${caller.user}&account_id=${caller.account}&mode=live`, {
        headers: { 'stripe-signature': sign({ user_id: caller.user, account_id: caller.account }) },
      });
      await expectError(response, 503, 'app_not_configured');
      expect(await unconfigured.deps.store.orgs.findByStripeAccount(caller.account)).toBeNull();
    } finally {
      await unconfigured.stop();
    }
  });

  it('requires the Dashboard mode', async () => {
    const caller = newCaller();
    const response = await stack.server.request('GET', `/api/app/settings?user_id=${caller.user}&account_id=${caller.account}`, {
      headers: { 'stripe-signature': sign({ user_id: caller.user, account_id: caller.account }) },
    });
    const error = await expectError(response, 400, 'parameter_invalid');
    expect(error).toMatchObject({ param: 'mode', message: expect.stringContaining('"live"|"test"') });
  });

  it('lets the sandboxed iframe (origin null) call it', async () => {
    const preflight = await stack.server.request('OPTIONS', '/api/app/settings', {
      headers: { origin: 'null', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'stripe-signature,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Stripe-Signature, Content-Type');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
    const caller = newCaller();
    expect((await call(caller, 'GET', 'settings', { headers: { origin: 'null' } })).headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('Stripe App signatures cover the request', () => {
  it('refuses a signature used on another route, method or path', async () => {
    const caller = newCaller();
    await call(caller, 'GET', 'settings');
    const forSettings = sign(signedFor(caller, 'GET', 'settings'));
    const error = await expectError(await call(caller, 'POST', 'keys', { body: { name: 'Stolen', scopes: ['admin'] }, signature: forSettings }), 401, 'signature_invalid');
    expect(error.message).toBe("The Stripe-Signature does not match user_id, account_id and this request's mode, method and path (live POST /api/app/keys).");
    await expectError(await call(caller, 'GET', 'overview', { signature: forSettings }), 401, 'signature_invalid');
    const forGet = sign(signedFor(caller, 'GET', 'keys/key_one'));
    await expectError(await call(caller, 'DELETE', 'keys/key_one', { signature: forGet }), 401, 'signature_invalid');
    await expectError(await call(caller, 'DELETE', 'keys/key_two', { signature: sign(signedFor(caller, 'DELETE', 'keys/key_one')) }), 401, 'signature_invalid');
    const org = (await deps().store.orgs.findByStripeAccount(caller.account))!;
    expect(await deps().store.apiKeys.list(org.id)).toEqual([]);
  });

  it('refuses a signature made in one mode used in the other', async () => {
    const caller = newCaller('test');
    const inTest = sign(signedFor(caller, 'POST', 'keys'));
    await expectError(await call({ ...caller, mode: 'live' }, 'POST', 'keys', { body: { name: 'Escalated' }, signature: inTest }), 401, 'signature_invalid');
    expect((await call(caller, 'POST', 'keys', { body: { name: 'Test key' }, signature: inTest })).status).toBe(201);
    const org = (await deps().store.orgs.findByStripeAccount(caller.account))!;
    expect((await deps().store.apiKeys.list(org.id)).map((key) => [key.name, key.livemode])).toEqual([['Test key', false]]);
  });

  it('tells views from before signed requests to be uploaded again', async () => {
    const caller = newCaller();
    const pairOnly = sign({ user_id: caller.user, account_id: caller.account });
    const error = await expectError(await call(caller, 'GET', 'settings', { signature: pairOnly }), 401, 'signature_scope_missing');
    expect(error.message).toContain('Upload the app built from this version (npm run app:pack)');
    expect(await deps().store.orgs.findByStripeAccount(caller.account)).toBeNull();
  });
});

describe('Stripe App grants', () => {
  const grantCommand = (orgId: string, user: string) => `npm run shoutout -- app grant --org ${orgId} --user ${user}`;

  it('grants the first user of an installed account, and lets others read but not change', async () => {
    const admin = newCaller();
    const settings = (await json(await call(admin, 'GET', 'settings'))).body;
    expect(settings.access).toEqual({ object: 'app_access', user_id: admin.user, granted: true, message: null });
    const { promoCode } = await seedCatalog(admin);
    const key = (await json(await call(admin, 'POST', 'keys', { body: { name: 'Backend' } }))).body;
    const orgId = settings.org.id;

    const viewer: Caller = { ...admin, user: newStripeId('usr') };
    const read = (await json(await call(viewer, 'GET', 'overview'))).body;
    expect(read.creators[0].promo_codes[0].code).toBe(promoCode.code);
    const message = `${viewer.user} may see but not change Shoutout for this account: changes need a grant. The operator grants it with \`${grantCommand(orgId, viewer.user)}\`.`;
    expect(read.access).toEqual({ object: 'app_access', user_id: viewer.user, granted: false, message });

    const writes: [string, string, unknown][] = [
      ['POST', 'keys', { name: 'Stolen', scopes: ['admin'] }],
      ['DELETE', `keys/${key.id}`, undefined],
      ['PATCH', 'settings', { domains: ['evil.test'] }],
      ['POST', 'campaigns', { title: 'Free stuff', discount_type: 'percent_off', discount_value: 100 }],
      ['POST', 'creators', { handle: 'mallory', campaign: promoCode.campaign, code: uniqueCode('MAL') }],
      ['PATCH', `promo_codes/${promoCode.id}`, { active: false }],
      ['POST', 'payouts', { creator: 'mallory', currency: 'usd' }],
    ];
    for (const [method, route, body] of writes) {
      const error = await expectError(await call(viewer, method, route, { body }), 403, 'app_user_not_granted');
      expect(error.message).toBe(message);
    }
    const after = (await json(await call(admin, 'GET', 'overview'))).body;
    expect(after.campaigns).toHaveLength(1);
    expect(after.creators.map((creator: { promo_codes: { active: boolean }[] }) => creator.promo_codes.map((code) => code.active))).toEqual([[true]]);
    const adminSettings = (await json(await call(admin, 'GET', 'settings'))).body;
    expect(adminSettings.org.domains).toEqual([]);
    expect(adminSettings.api_keys.map((each: { name: string; revoked: number | null }) => [each.name, each.revoked])).toEqual([['Backend', null]]);
  });

  it('lets the operator grant and revoke a user, and never grants a later user on first use', async () => {
    const admin = newCaller();
    const orgId = (await json(await call(admin, 'GET', 'settings'))).body.org.id;
    const colleague: Caller = { ...admin, user: newStripeId('usr') };
    await expectError(await call(colleague, 'POST', 'keys', { body: { name: 'Mine' } }), 403, 'app_user_not_granted');

    const granted = await runCommand(deps(), 'app grant', { org: orgId, user: colleague.user });
    expect(granted).toMatchObject({ object: 'app_grant', org: orgId, user: colleague.user, granted_by: 'operator', revoked: null });
    expect((await call(colleague, 'POST', 'keys', { body: { name: 'Mine' } })).status).toBe(201);

    expect(await runCommand(deps(), 'app revoke', { org: orgId, user: colleague.user })).toMatchObject({ user: colleague.user, revoked: expect.any(Number) });
    await expectError(await call(colleague, 'PATCH', 'settings', { body: { domains: ['colleague.test'] } }), 403, 'app_user_not_granted');
    await runCommand(deps(), 'app revoke', { org: orgId, user: admin.user });
    const grants = (await runCommand(deps(), 'app grants', { org: orgId })) as { user: string; granted_by: string; revoked: number | null }[];
    expect(grants.map((grant) => [grant.user, grant.granted_by, grant.revoked !== null])).toEqual([
      [admin.user, 'first_user', true],
      [colleague.user, 'operator', true],
    ]);

    // With every grant revoked, whoever opens the app next is not granted for being first.
    const later: Caller = { ...admin, user: newStripeId('usr') };
    expect((await json(await call(later, 'GET', 'settings'))).body.access.granted).toBe(false);
    await expectError(await call(admin, 'POST', 'keys', { body: { name: 'Again' } }), 403, 'app_user_not_granted');
    await expect(runCommand(deps(), 'app revoke', { org: orgId, user: newStripeId('usr') })).rejects.toMatchObject({ code: 'grant_missing', status: 404 });
  });

  it('grants one first user however many of them race', async () => {
    const account = newStripeId('acct');
    const callers = Array.from({ length: 6 }, (): Caller => ({ account, user: newStripeId('usr'), mode: 'live' }));
    const answers = await Promise.all(callers.map(async (caller) => (await json(await call(caller, 'GET', 'settings'))).body.access.granted));
    expect(answers.filter(Boolean)).toHaveLength(1);
    const org = (await deps().store.orgs.findByStripeAccount(account))!;
    expect(await deps().store.appGrants.list(org.id)).toHaveLength(1);
  });
});

describe('Stripe App of one brand (STRIPE_ORG_ID)', () => {
  const BRAND_ACCOUNT = 'acct_brandown';
  const SANDBOX_ACCOUNT = 'acct_brandsandbox';
  const ORG_ID = 'org_onebrand';
  let brand: Awaited<ReturnType<typeof startStripeStack>>;
  beforeAll(async () => {
    brand = await startStripeStack({
      STRIPE_APP_SECRET: APP_SECRET,
      STRIPE_ORG_ID: ORG_ID,
      STRIPE_SECRET_KEY: 'sk_live_brand',
      STRIPE_TEST_SECRET_KEY: 'sk_test_brand_sandbox',
    });
    brand.stripe.ownKey('sk_live_brand', BRAND_ACCOUNT);
    brand.stripe.ownKey('sk_test_brand_sandbox', SANDBOX_ACCOUNT);
    await createOrg(brand.server.deps, { id: ORG_ID, name: 'Brand' });
  });
  afterAll(() => brand.stop());

  const brandCall = (caller: Caller, method: string, route: string, options: CallOptions = {}) => callOn(brand.server, caller, method, route, options);
  const brandUser = (mode: Caller['mode'] = 'live', account = BRAND_ACCOUNT): Caller => ({ account, user: newStripeId('usr'), mode });

  it('shows in the drawer and on the payment page what the brand’s own webhooks credit', async () => {
    const owner = brandUser();
    const first = (await json(await brandCall(owner, 'GET', 'settings'))).body;
    expect(first.org).toMatchObject({ id: ORG_ID, stripe_account_id: null });
    // The operator has the CLI: nobody is granted for being first, and the message says how.
    expect(first.access).toMatchObject({ granted: false, message: expect.stringContaining(`\`npm run shoutout -- app grant --org ${ORG_ID} --user ${owner.user}\``) });
    await expectError(await brandCall(owner, 'POST', 'campaigns', { body: { title: 'Launch', discount_type: 'percent_off', discount_value: 20 } }), 403, 'app_user_not_granted');
    await runCommand(brand.server.deps, 'app grant', { org: ORG_ID, user: owner.user });

    const before = brand.stripe.requests.length;
    const { creator, promoCode } = await seedCatalog(owner, 'annie', brand.server);
    expect(brand.stripe.requests.slice(before).map((request) => [request.method, request.path, request.account])).toEqual([
      ['GET', '/v1/promotion_codes', BRAND_ACCOUNT],
      ['POST', '/v1/coupons', BRAND_ACCOUNT],
      ['POST', '/v1/promotion_codes', BRAND_ACCOUNT],
    ]);

    // The brand's own endpoint: no `event.account`.
    const session = seedPaidSession(brand.stripe, BRAND_ACCOUNT, { amount: 8000, discount: 2000, promotionCode: promoCode.stripe_promotion_code_id });
    const delivered = await deliver(brand.server, stripeEvent('checkout.session.completed', { ...session, discounts: [] }));
    expect(await delivered.json()).toMatchObject({ outcome: 'processed' });

    const overview = (await json(await brandCall(owner, 'GET', 'overview', { query: '&period=7d' }))).body;
    expect(overview.totals).toMatchObject({ conversions: 1, revenue: 8000, commission: 800 });
    expect(overview.creators).toEqual([expect.objectContaining({ id: creator.id, figures: expect.objectContaining({ conversions: 1, revenue: 8000 }) })]);
    const payment = (await json(await brandCall(owner, 'GET', `payments/${session.payment_intent}`))).body;
    expect(payment.conversion).toMatchObject({ creator_handle: 'annie', code: promoCode.code, amount: 8000, commission: 800 });

    expect(await brand.server.deps.store.orgs.findByStripeAccount(BRAND_ACCOUNT)).toBeNull();
    expect(await brand.server.deps.store.conversions.list({ orgId: ORG_ID, livemode: true }, {})).toHaveLength(1);
  });

  it('acts on the org from the sandbox in test mode only', async () => {
    const tester = brandUser('test', SANDBOX_ACCOUNT);
    expect((await json(await brandCall(tester, 'GET', 'settings'))).body).toMatchObject({ livemode: false, org: { id: ORG_ID } });
    const error = await expectError(await brandCall({ ...tester, mode: 'live' }, 'GET', 'settings'), 403, 'account_mode_not_allowed');
    expect(error.message).toBe(`${SANDBOX_ACCOUNT} is the account of STRIPE_TEST_SECRET_KEY only (a sandbox or test account), so it acts on test-mode data only.`);
    // The brand's own account has a test mode of its own in the Dashboard.
    expect((await json(await brandCall(brandUser('test'), 'GET', 'settings'))).body).toMatchObject({ livemode: false, org: { id: ORG_ID } });
  });

  it('refuses any other account, making no org for it, and asks Stripe for each key’s account once', async () => {
    const stranger = brandUser('live', newStripeId('acct'));
    const error = await expectError(await brandCall(stranger, 'GET', 'settings'), 403, 'account_not_this_brand');
    expect(error.message).toBe(
      `This Shoutout serves one brand (STRIPE_ORG_ID=${ORG_ID}), and ${stranger.account} is not one of the Stripe accounts its keys (STRIPE_SECRET_KEY, STRIPE_TEST_SECRET_KEY) belong to. Install the app on the brand's own account or sandbox.`,
    );
    await expectError(await brandCall(stranger, 'POST', 'keys', { body: { name: 'Mine' } }), 403, 'account_not_this_brand');
    expect(await brand.server.deps.store.orgs.findByStripeAccount(stranger.account)).toBeNull();
    expect(brand.stripe.requestsTo('GET', /^\/v1\/account$/).map((request) => request.livemode)).toEqual([true, false]);
  });
});

describe('Stripe App backend', () => {
  it('creates the creator’s code on the connected account and lists it with its share link', async () => {
    const caller = newCaller();
    await call(caller, 'PATCH', 'settings', { body: { domains: ['brand.test'], referral_params: ['ref', 'infl'] } });
    const before = stack.stripe.requests.length;
    const { creator, promoCode, campaign } = await seedCatalog(caller, 'annie');

    const sent = stack.stripe.requests.slice(before);
    expect(sent.map((request) => [request.method, request.path, request.account])).toEqual([
      // The campaign's first code: does the brand already have it (to adopt it with its coupon)?
      ['GET', '/v1/promotion_codes', caller.account],
      ['POST', '/v1/coupons', caller.account],
      ['POST', '/v1/promotion_codes', caller.account],
    ]);
    expect(promoCode).toMatchObject({ active: true, campaign: campaign.id, share_url: `https://brand.test/?ref=${promoCode.code}` });
    expect(promoCode.stripe_promotion_code_id).toMatch(/^promo_/);

    const overview = (await json(await call(caller, 'GET', 'overview'))).body;
    expect(overview.campaigns).toEqual([expect.objectContaining({ id: campaign.id, title: 'Summer drop', figures: expect.objectContaining({ conversions: 0 }) })]);
    expect(overview.creators).toEqual([expect.objectContaining({ id: creator.id, handle: 'annie', promo_codes: [promoCode] })]);
  });

  it('gives an existing handle a new code instead of a duplicate creator', async () => {
    const caller = newCaller();
    const { creator, campaign } = await seedCatalog(caller, 'bob');
    const second = await json(await call(caller, 'POST', 'creators', { body: { handle: 'BOB', name: 'Robert', email: 'robert@example.com', campaign: campaign.id, code: uniqueCode('BOB') } }));
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(creator.id);
    const overview = (await json(await call(caller, 'GET', 'overview'))).body;
    // The drawer's help says so: the name and email sent with an existing handle are not applied.
    expect(overview.creators).toEqual([expect.objectContaining({ id: creator.id, name: 'Annie', email: null })]);
    expect(overview.creators[0].promo_codes).toHaveLength(2);
  });

  it('refuses a taken code or unknown campaign before creating the creator', async () => {
    const caller = newCaller();
    const { promoCode, campaign } = await seedCatalog(caller);
    const taken = await call(caller, 'POST', 'creators', { body: { handle: 'newbie', campaign: campaign.id, code: promoCode.code } });
    expect((await expectError(taken, 409, 'promo_code_exists')).param).toBe('code');
    const unknown = await call(caller, 'POST', 'creators', { body: { handle: 'newbie', campaign: 'cmp_nope', code: uniqueCode('NEW') } });
    await expectError(unknown, 404, 'resource_missing');
    const invalid = await call(caller, 'POST', 'creators', { body: { handle: 'new bie', campaign: campaign.id, code: 'x' } });
    expect((await expectError(invalid, 400, 'parameter_invalid')).param).toBe('handle');
    const overview = (await json(await call(caller, 'GET', 'overview'))).body;
    expect(overview.creators.map((creator: { handle: string }) => creator.handle)).not.toContain('newbie');
  });

  it('takes the new creator back when the code is another coupon’s on Stripe', async () => {
    const caller = newCaller();
    const { campaign, creator: existing } = await seedCatalog(caller);
    const scope = { orgId: (await orgForStripeAccount(deps(), caller.account)).id, livemode: true };
    const code = uniqueCode('ELSEWHERE');
    stack.stripe.seed({ id: newStripeId('promo'), object: 'promotion_code', code, active: true, promotion: { type: 'coupon', coupon: 'cpn_elsewhere' } }, caller.account);

    await expectError(await call(caller, 'POST', 'creators', { body: { handle: 'newbie', campaign: campaign.id, code } }), 409, 'promo_code_other_coupon');
    expect(await deps().store.creators.getByHandle(scope, 'newbie')).toBeNull();
    // A creator who was there before keeps existing.
    await expectError(await call(caller, 'POST', 'creators', { body: { handle: existing.handle, campaign: campaign.id, code } }), 409, 'promo_code_other_coupon');
    expect(await deps().store.creators.getByHandle(scope, existing.handle)).toMatchObject({ id: existing.id });
    expect(await deps().store.promoCodes.getByCode(scope, code)).toBeNull();
  });

  it('deactivates and reactivates a code here and on Stripe', async () => {
    const caller = newCaller();
    const { promoCode } = await seedCatalog(caller);
    const off = await json(await call(caller, 'PATCH', `promo_codes/${promoCode.id}`, { body: { active: false } }));
    expect(off.body).toMatchObject({ id: promoCode.id, active: false });
    expect(stack.stripe.get<{ active: boolean }>(promoCode.stripe_promotion_code_id, caller.account)!.active).toBe(false);
    const on = await json(await call(caller, 'PATCH', `promo_codes/${promoCode.id}`, { body: { active: true } }));
    expect(on.body.active).toBe(true);
    expect(stack.stripe.get<{ active: boolean }>(promoCode.stripe_promotion_code_id, caller.account)!.active).toBe(true);
  });

  it('keeps test and live data apart for one account', async () => {
    const live = newCaller('live');
    const test: Caller = { ...live, mode: 'test' };
    await seedCatalog(test, 'testonly');
    await call(test, 'POST', 'keys', { body: { name: 'Test key', scopes: ['referrals'] } });
    const liveKey = (await json(await call(live, 'POST', 'keys', { body: { name: 'Live key' } }))).body;
    expect(liveKey.secret).toMatch(/^so_live_/);

    expect((await json(await call(live, 'GET', 'overview'))).body).toMatchObject({ livemode: true, campaigns: [], creators: [] });
    expect((await json(await call(test, 'GET', 'overview'))).body.creators.map((creator: { handle: string }) => creator.handle)).toEqual(['testonly']);
    expect((await json(await call(live, 'GET', 'settings'))).body.api_keys.map((key: { name: string }) => key.name)).toEqual(['Live key']);
    expect((await json(await call(test, 'GET', 'settings'))).body.api_keys.map((key: { name: string }) => key.name)).toEqual(['Test key']);
    await expectError(await call(test, 'DELETE', `keys/${liveKey.id}`), 404, 'resource_missing');
    expect(stack.stripe.requests.filter((request) => request.account === live.account).every((request) => request.livemode === false)).toBe(true);
  });

  it('creates an API key shown once, lists it without the secret, and revokes it', async () => {
    const caller = newCaller();
    const created = await json(await call(caller, 'POST', 'keys', { body: { name: 'Backend', scopes: ['referrals', 'tracking'] } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Backend', scopes: ['referrals', 'tracking'], livemode: true, revoked: null });
    const listed = (await json(await call(caller, 'GET', 'settings'))).body.api_keys;
    expect(listed).toEqual([expect.objectContaining({ id: created.body.id, redacted: created.body.redacted })]);
    expect(listed[0].secret).toBeUndefined();
    expect(JSON.stringify(listed)).not.toContain(created.body.secret);

    const works = await stack.server.request('GET', '/api/customers?externalId=nobody', { key: created.body.secret });
    expect(works.status).toBe(200);
    const revoked = await json(await call(caller, 'DELETE', `keys/${created.body.id}`));
    expect(revoked.body.revoked).toEqual(expect.any(Number));
    expect((await stack.server.request('GET', '/api/customers?externalId=nobody', { key: created.body.secret })).status).toBe(401);
  });

  it('saves settings and reports the pixel heartbeat per domain', async () => {
    const caller = newCaller();
    const saved = await json(
      await call(caller, 'PATCH', 'settings', {
        body: { domains: ['Brand.test', 'shop.test'], attribution_window_days: 60, referral_params: ['via'], attribution_model: 'first_click', code_beats_link: false },
      }),
    );
    expect(saved.status).toBe(200);
    expect(saved.body.org).toMatchObject({
      domains: ['brand.test', 'shop.test'],
      attribution_window_days: 60,
      referral_params: ['via'],
      attribution_model: 'first_click',
      code_beats_link: false,
    });
    expect(saved.body.pixel).toEqual([
      { domain: 'brand.test', allowed: true, last_seen: null, page_url: null },
      { domain: 'shop.test', allowed: true, last_seen: null, page_url: null },
    ]);
    const seenAt = new Date('2026-11-20T10:00:00Z');
    await deps().store.heartbeats.record(saved.body.org.id, 'brand.test', 'https://brand.test/pricing', seenAt);
    const after = (await json(await call(caller, 'GET', 'settings'))).body;
    expect(after.pixel[0]).toEqual({ domain: 'brand.test', allowed: true, last_seen: seenAt.getTime() / 1000, page_url: 'https://brand.test/pricing' });

    const bad = await call(caller, 'PATCH', 'settings', { body: { attribution_window_days: 0 } });
    expect((await expectError(bad, 400, 'parameter_invalid')).param).toBe('attribution_window_days');
  });

  it('saves the creator portal’s brand and the creator email switches, and says whether email is set up', async () => {
    const caller = newCaller();
    const before = (await json(await call(caller, 'GET', 'settings'))).body;
    expect(before.org).toMatchObject({ email_first_conversion: true, email_payout_recorded: true, brand_color: expect.stringMatching(/^#[0-9a-f]{6}$/) });
    // This server has no SMTP_URL: the settings page says creators cannot be emailed.
    expect(before.creator_email).toEqual({ configured: false });

    const saved = await json(
      await call(caller, 'PATCH', 'settings', { body: { name: 'Glow Skincare', brand_color: '#AA3366', email_first_conversion: false, email_payout_recorded: true } }),
    );
    expect(saved.status).toBe(200);
    expect(saved.body.org).toMatchObject({ name: 'Glow Skincare', brand_color: '#aa3366', email_first_conversion: false, email_payout_recorded: true });
    const org = (await deps().store.orgs.findByStripeAccount(caller.account))!;
    expect(org).toMatchObject({ name: 'Glow Skincare', brandColor: '#aa3366', emailFirstConversion: false, emailPayoutRecorded: true });

    const bad = await call(caller, 'PATCH', 'settings', { body: { brand_color: 'teal', email_payout_recorded: false } });
    expect((await expectError(bad, 400, 'parameter_invalid')).param).toBe('brand_color');
    // Nothing of a refused change is written.
    expect((await deps().store.orgs.get(org.id))!.emailPayoutRecorded).toBe(true);
  });

  it('shows on the customer page a referral bound at signup before any purchase', async () => {
    const caller = newCaller();
    const { creator, promoCode } = await seedCatalog(caller);
    const key = (await json(await call(caller, 'POST', 'keys', { body: { name: 'Backend', scopes: ['referrals'] } }))).body.secret;
    const org = (await deps().store.orgs.findByStripeAccount(caller.account))!;
    const clickedAt = new Date(Date.now() - 3_600_000);
    const ref = await mintTestRef(deps(), { orgId: org.id, livemode: true, id: promoCode.id, code: promoCode.code }, { issuedAt: clickedAt });
    expect((await stack.server.request('POST', '/api/customers/identify', { key, body: { externalId: 'user_trial', ref } })).status).toBe(204);
    const customer = fixture('customer', { id: newStripeId('cus'), email: 'trial@example.com', metadata: { shoutout_external_id: 'user_trial' } });
    expect((await deliver(stack.server, stripeEvent('customer.created', customer, { account: caller.account }))).status).toBe(200);

    const page = (await json(await call(caller, 'GET', `customers/${customer.id}`))).body;
    expect(page).toMatchObject({
      referral: null,
      signup_referral: { creator: creator.id, creator_handle: creator.handle, code: promoCode.code, source: 'customer', referred_at: Math.floor(clickedAt.getTime() / 1000) },
      totals: [],
      conversions: [],
    });
    const unlinked = (await json(await call(caller, 'GET', `customers/${newStripeId('cus')}`))).body;
    expect(unlinked.signup_referral).toBeNull();
  });

  it('shows each creator’s points in the drawer and a referred customer’s on their page, from reward rules set in the drawer', async () => {
    const caller = newCaller();
    const rules = [
      { recipient: 'advocate', trigger: 'signup', points: 10 },
      { recipient: 'friend', trigger: 'signup', points: 25 },
      { recipient: 'advocate', trigger: 'purchase', amount: 500, currency: 'usd' },
    ];
    const campaign = await json(
      await call(caller, 'POST', 'campaigns', { body: { title: 'Points drop', discount_type: 'percent_off', discount_value: 10, commission: { type: 'percent', value: 10 }, rewards: rules } }),
    );
    expect(campaign.status).toBe(201);
    expect(campaign.body.rewards).toEqual([
      { recipient: 'advocate', trigger: 'signup', points: 10, amount: null, currency: null, per: null },
      { recipient: 'friend', trigger: 'signup', points: 25, amount: null, currency: null, per: null },
      { recipient: 'advocate', trigger: 'purchase', points: null, amount: 500, currency: 'usd', per: null },
    ]);
    const refused = await call(caller, 'POST', 'campaigns', { body: { title: 'Bad', discount_type: 'percent_off', discount_value: 10, rewards: [{ recipient: 'friend', trigger: 'signup' }] } });
    expect((await expectError(refused, 400, 'parameter_invalid')).param).toBe('rewards.0.points');

    const creator = (await json(await call(caller, 'POST', 'creators', { body: { handle: 'pointy', campaign: campaign.body.id, code: uniqueCode('PTS') } }))).body;
    const other = (await json(await call(caller, 'POST', 'creators', { body: { handle: 'quiet', campaign: campaign.body.id, code: uniqueCode('QT') } }))).body;
    const promoCode = creator.promo_codes[0];
    const key = (await json(await call(caller, 'POST', 'keys', { body: { name: 'Backend', scopes: ['referrals'] } }))).body.secret;
    const org = (await deps().store.orgs.findByStripeAccount(caller.account))!;
    const ref = await mintTestRef(deps(), { orgId: org.id, livemode: true, id: promoCode.id, code: promoCode.code });
    expect((await stack.server.request('POST', '/api/customers/identify', { key, body: { externalId: 'user_points', ref } })).status).toBe(204);
    const customer = fixture('customer', { id: newStripeId('cus'), email: 'points@example.com', metadata: { shoutout_external_id: 'user_points' } });
    expect((await deliver(stack.server, stripeEvent('customer.created', customer, { account: caller.account }))).status).toBe(200);

    const overview = (await json(await call(caller, 'GET', 'overview'))).body;
    const rewardsOf = (id: string) => overview.creators.find((each: { id: string }) => each.id === id).rewards;
    expect(rewardsOf(creator.id)).toEqual({ points: 10, balances: [{ unit: 'points', balance: 10, earned: 10, taken_back: 0, redeemed: 0 }] });
    expect(rewardsOf(other.id)).toEqual({ points: 0, balances: [] });

    const page = (await json(await call(caller, 'GET', `customers/${customer.id}`))).body;
    expect(page.rewards).toEqual({ points: 25, balances: [{ unit: 'points', balance: 25, earned: 25, taken_back: 0, redeemed: 0 }] });
    // Spent in the brand's own system: the customer page shows what is left.
    expect((await stack.server.request('POST', '/api/rewards/redeem', { key, body: { externalId: 'user_points', amount: 5, reference: 'gift-1' } })).status).toBe(201);
    expect((await json(await call(caller, 'GET', `customers/${customer.id}`))).body.rewards).toMatchObject({ points: 20, balances: [{ balance: 20, redeemed: 5 }] });
    // A customer Shoutout cannot tie to one of the brand's users has no points to show.
    expect((await json(await call(caller, 'GET', `customers/${newStripeId('cus')}`))).body.rewards).toBeNull();
  });

  it('names on the customer page the first creator who referred them, not a self-referrer', async () => {
    const caller = newCaller();
    const { creator, promoCode, campaign } = await seedCatalog(caller);
    const selfie = (await json(await call(caller, 'POST', 'creators', { body: { handle: 'selfie', email: 'selfie@creator.test', campaign: campaign.id, code: uniqueCode('SELF') } }))).body;
    const customer = newStripeId('cus');
    const buy = async (options: Parameters<typeof seedPaidSession>[2], daysAgo: number) => {
      const session = seedPaidSession(stack.stripe, caller.account, options);
      stack.stripe.seed({ ...session, created: session.created - daysAgo * 86_400 }, caller.account);
      expect((await deliver(stack.server, stripeEvent('checkout.session.completed', session, { account: caller.account }))).status).toBe(200);
    };
    // The creator buys through her own code first; the customer then buys through annie's.
    await buy({ customer, email: 'selfie@creator.test', promotionCode: selfie.promo_codes[0].stripe_promotion_code_id }, 2);
    await buy({ customer, promotionCode: promoCode.stripe_promotion_code_id }, 1);

    const page = (await json(await call(caller, 'GET', `customers/${customer}`))).body;
    expect(page.conversions.map((conversion: { creator: string; status: string }) => [conversion.creator, conversion.status])).toEqual([
      [creator.id, 'credited'],
      [selfie.id, 'flagged'],
    ]);
    expect(page.referral).toMatchObject({ creator: creator.id, creator_handle: creator.handle, status: 'credited' });

    const onlySelf = newStripeId('cus');
    await buy({ customer: onlySelf, email: 'selfie@creator.test', promotionCode: selfie.promo_codes[0].stripe_promotion_code_id }, 1);
    expect((await json(await call(caller, 'GET', `customers/${onlySelf}`))).body).toMatchObject({ referral: null, totals: [], conversions: [{ status: 'flagged' }] });
  });

  it('shows the conversion of a paid checkout on the drawer, the customer and the payment', async () => {
    const caller = newCaller();
    const { creator, promoCode, campaign } = await seedCatalog(caller);
    const customer = newStripeId('cus');
    const session = seedPaidSession(stack.stripe, caller.account, { amount: 8000, discount: 2000, promotionCode: promoCode.stripe_promotion_code_id, customer });
    const delivered = await deliver(stack.server, stripeEvent('checkout.session.completed', { ...session, discounts: [] }, { account: caller.account }));
    expect(delivered.status).toBe(200);

    const overview = (await json(await call(caller, 'GET', 'overview', { query: '&period=7d' }))).body;
    expect(overview).toMatchObject({ period: '7d', currency: 'usd', totals: expect.objectContaining({ conversions: 1, revenue: 8000, discounts: 2000, commission: 800 }) });
    expect(overview.campaigns[0]).toMatchObject({ id: campaign.id, figures: expect.objectContaining({ conversions: 1, revenue: 8000, commission: 800 }) });
    expect(overview.creators[0]).toMatchObject({ id: creator.id, figures: expect.objectContaining({ conversions: 1, revenue: 8000 }) });

    const byCustomer = (await json(await call(caller, 'GET', `customers/${customer}`))).body;
    expect(byCustomer).toMatchObject({
      customer,
      referral: { object: 'conversion', creator_handle: creator.handle, code: promoCode.code, source: 'promotion_code', amount: 8000, commission: 800 },
      totals: [{ currency: 'usd', revenue: 8000, commission: 800 }],
    });
    expect(byCustomer.conversions).toHaveLength(1);

    const byPayment = (await json(await call(caller, 'GET', `payments/${session.payment_intent}`))).body;
    expect(byPayment.conversion).toMatchObject({ creator_handle: creator.handle, code: promoCode.code, status: 'credited', amount: 8000, commission: 800 });

    // A partial refund: the charge page finds the conversion, and the customer's revenue is net of it.
    const charge = chargeFor(session.payment_intent as string, 8000, 2000);
    await deliver(stack.server, stripeEvent('charge.refunded', charge, { account: caller.account }));
    const byCharge = (await json(await call(caller, 'GET', `payments/${charge.id}`))).body;
    expect(byCharge.conversion).toMatchObject({ id: byPayment.conversion.id, status: 'partially_refunded', refunded: 2000, commission: 600 });
    expect((await json(await call(caller, 'GET', `customers/${customer}`))).body.totals).toEqual([{ currency: 'usd', revenue: 6000, commission: 600 }]);

    const otherMode = (await json(await call({ ...caller, mode: 'test' }, 'GET', `customers/${customer}`))).body;
    expect(otherMode).toMatchObject({ referral: null, totals: [], conversions: [] });
    const nobody = (await json(await call(caller, 'GET', `payments/${newStripeId('pi')}`))).body;
    expect(nobody.conversion).toBeNull();
    const unknownCharge = await json(await call(caller, 'GET', `payments/${newStripeId('ch')}`));
    expect(unknownCharge).toMatchObject({ status: 200, body: { conversion: null } });
    await expectError(await call(caller, 'GET', 'customers/not-a-customer'), 400, 'parameter_invalid');
  });

  it('lists the conversions, all or one creator’s, and links to them as CSV without a key', async () => {
    const caller = newCaller();
    const annie = await seedCatalog(caller);
    const bob = await seedCatalog(caller);
    const org = await orgForStripeAccount(deps(), caller.account);
    for (const [index, seller] of [annie, bob, annie].entries()) {
      const order = { order_id: `till-${index}`, amount: 1000 + index, currency: 'usd', coupon_code: seller.promoCode.code };
      await createManualConversion(deps(), org, true, order);
    }
    // Made within a millisecond or two: the order among them is the API tests' concern.
    const ordersOf = (list: { data: { order_id: string }[] }) => list.data.map((conversion) => conversion.order_id).sort();

    const all = await json(await call(caller, 'GET', 'conversions'));
    expect(all.body).toMatchObject({ object: 'list', has_more: false, download_path: expect.stringMatching(/^\/api\/downloads\/conversions\?token=/) });
    expect(ordersOf(all.body)).toEqual(['till-0', 'till-1', 'till-2']);
    const annies = (await json(await call(caller, 'GET', 'conversions', { query: `&creator=${annie.creator.id}` }))).body;
    expect(ordersOf(annies)).toEqual(['till-0', 'till-2']);
    expect(ordersOf((await json(await call(caller, 'GET', 'conversions', { query: '&from=2020-01-01&to=2020-02-01' }))).body)).toEqual([]);
    expect(ordersOf((await json(await call({ ...caller, mode: 'test' }, 'GET', 'conversions'))).body)).toEqual([]);

    // The link is the credential: no key, no signature, and it holds exactly the filtered rows.
    const download = await stack.server.request('GET', annies.download_path);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect((await sheetColumn(download, 'order_id')).sort()).toEqual(['till-0', 'till-2']);
    const token = annies.download_path.split('token=')[1];
    const logged = stack.server.logs.join('');
    expect(logged).toContain('/api/downloads/conversions?token=[redacted]');
    expect(logged).not.toContain(token);

    const refusal = async (path: string) => {
      const response = await stack.server.request('GET', path);
      return { status: response.status, code: (await response.json()).error.code };
    };
    const tampered = `${annies.download_path.slice(0, -2)}${annies.download_path.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await refusal(tampered)).toEqual({ status: 401, code: 'download_link_invalid' });
    const scope = { orgId: org.id, livemode: true };
    const stale = await mintDownloadToken(deps().secrets.downloadSigningKey, scope, {}, new Date(Date.now() - 16 * 60_000));
    expect(await refusal(`/api/downloads/conversions?token=${stale}`)).toEqual({ status: 401, code: 'download_link_expired' });
    const referral = await mintTestRef(deps(), annie.promoCode);
    expect(await refusal(`/api/downloads/conversions?token=${referral}`)).toEqual({ status: 401, code: 'download_link_invalid' });
    await expectError(await call(caller, 'GET', 'conversions', { query: '&creator=nobody' }), 404, 'resource_missing');

    // Uninstalling the app ends its links at once, not when they expire.
    await deps().store.orgs.update(org.id, { uninstalledAt: new Date() });
    expect(await refusal(annies.download_path)).toEqual({ status: 401, code: 'download_link_invalid' });
  });

  it('keeps a download link’s range to the millisecond', async () => {
    const scope = { orgId: 'org_any', livemode: false };
    const range = { from: new Date('2026-05-01T10:00:00.123Z'), to: new Date('2026-05-08T10:00:00.700Z') };
    const token = await mintDownloadToken(deps().secrets.downloadSigningKey, scope, range, new Date());
    expect(await readDownloadToken(deps().secrets.downloadSigningKey, token, new Date())).toEqual({ scope, filters: { ...range, creator: undefined, campaign: undefined } });
  });

  it('shows creators’ balances and records a payout of what the view showed, refusing a stale amount', async () => {
    const caller = newCaller();
    const annie = await seedCatalog(caller);
    await json(await call(caller, 'PATCH', 'settings', { body: { payout_hold_days: 0 } }));
    const org = await orgForStripeAccount(deps(), caller.account);
    await createManualConversion(deps(), org, true, { order_id: 'till-1', amount: 10_000, currency: 'usd', coupon_code: annie.promoCode.code });

    const balances = (await json(await call(caller, 'GET', 'payouts/balances'))).body;
    expect(balances).toMatchObject({ object: 'list', payout_hold_days: 0, data: [{ creator: annie.creator.id, currency: 'usd', due: 1000, pending: 0, paid: 0 }] });
    const payout = { creator: annie.creator.id, currency: 'usd' };
    const stale = await expectError(await call(caller, 'POST', 'payouts', { body: { ...payout, amount: 900 } }), 409, 'balance_changed');
    expect(stale.param).toBe('amount');
    const recorded = await json(await call(caller, 'POST', 'payouts', { body: { ...payout, amount: 1000, reference: 'wire 7' } }));
    expect(recorded).toMatchObject({ status: 201, body: { object: 'payout', amount: 1000, reference: 'wire 7', creator_handle: annie.creator.handle } });
    expect(await deps().store.payouts.list({ orgId: org.id, livemode: true })).toEqual([expect.objectContaining({ id: recorded.body.id, amount: 1000 })]);
    expect((await json(await call(caller, 'GET', 'payouts/balances'))).body.data).toMatchObject([{ due: 0, paid: 1000, last_payout: recorded.body.id }]);
    expect((await json(await call({ ...caller, mode: 'test' }, 'GET', 'payouts/balances'))).body.data).toEqual([]);

    // The history links each payout to its statement: the creator's conversions it paid, as CSV.
    const bob = await seedCatalog(caller);
    await createManualConversion(deps(), org, true, { order_id: 'till-bob', amount: 5_000, currency: 'usd', coupon_code: bob.promoCode.code });
    const history = (await json(await call(caller, 'GET', 'payouts'))).body;
    expect(history).toMatchObject({ object: 'list', has_more: false, data: [{ id: recorded.body.id, amount: 1000, statement_path: expect.stringMatching(/^\/api\/downloads\/conversions\?token=/) }] });
    expect(await sheetColumn(await stack.server.request('GET', history.data[0].statement_path), 'order_id')).toEqual(['till-1']);
    expect((await json(await call(caller, 'GET', 'payouts', { query: `&creator=${bob.creator.id}` }))).body.data).toEqual([]);
    await expectError(await call(caller, 'GET', 'payouts', { query: '&starting_after=po_nope' }), 400, 'resource_missing');
    expect((await json(await call({ ...caller, mode: 'test' }, 'GET', 'payouts'))).body.data).toEqual([]);
  });

  it('gives each payout a statement of the commission it paid, in its own currency', async () => {
    const caller = newCaller();
    const annie = await seedCatalog(caller);
    await json(await call(caller, 'PATCH', 'settings', { body: { payout_hold_days: 0 } }));
    const org = await orgForStripeAccount(deps(), caller.account);
    const lastMonth = { ...deps(), now: () => new Date(Date.now() - 30 * 86_400_000) };
    for (const [order_id, currency] of [['sale-usd', 'usd'], ['sale-eur', 'eur']]) {
      await createManualConversion(lastMonth, org, true, { order_id, amount: 10_000, currency, coupon_code: annie.promoCode.code });
    }
    for (const currency of ['usd', 'eur']) {
      expect((await call(caller, 'POST', 'payouts', { body: { creator: annie.creator.id, currency } })).status).toBe(201);
    }

    const history = (await json(await call(caller, 'GET', 'payouts'))).body.data as { currency: string; statement_path: string }[];
    const statements = await Promise.all(history.map(async ({ currency, statement_path }) => [currency, await sheetColumn(await stack.server.request('GET', statement_path), 'order_id')]));
    expect(statements).toEqual([['eur', ['sale-eur']], ['usd', ['sale-usd']]]);
  });

  it('lists exactly what the drawer counts, a conversion in the overview’s last second included', async () => {
    const caller = newCaller();
    const { promoCode } = await seedCatalog(caller);
    const org = await orgForStripeAccount(deps(), caller.account);
    const scope = { orgId: org.id, livemode: true };
    const lateInSecond = { ...deps(), now: () => new Date('2026-05-01T10:00:00.700Z') };
    await createManualConversion(lateInSecond, org, true, { order_id: 'last-second', amount: 1000, currency: 'usd', coupon_code: promoCode.code });

    const overview = await appOverview(lateInSecond, org, scope, '7d');
    expect(overview.totals.conversions).toBe(1);
    const listed = await appConversions(lateInSecond, scope, { from: new Date(overview.from! * 1000), to: new Date(overview.to! * 1000) });
    expect(listed.data.map((conversion) => conversion.order_id)).toEqual(['last-second']);
  });

  it('finds the conversion from a py_ charge id, as bank debits have, refunded or not', async () => {
    const caller = newCaller();
    const { promoCode } = await seedCatalog(caller);
    const debit = async () => {
      const session = seedPaidSession(stack.stripe, caller.account, { promotionCode: promoCode.stripe_promotion_code_id });
      await deliver(stack.server, stripeEvent('checkout.session.completed', session, { account: caller.account }));
      const charge = { ...chargeFor(session.payment_intent as string, 8000, 0), id: newStripeId('py') };
      return { charge, conversion: (await json(await call(caller, 'GET', `payments/${session.payment_intent}`))).body.conversion };
    };

    // Known only through its payment intent, which Stripe gives.
    const unrefunded = await debit();
    stack.stripe.seed(unrefunded.charge, caller.account);
    expect((await json(await call(caller, 'GET', `payments/${unrefunded.charge.id}`))).body.conversion).toMatchObject({ id: unrefunded.conversion.id });

    // Recorded on the conversion by its refund.
    const refunded = await debit();
    await deliver(stack.server, stripeEvent('charge.refunded', { ...refunded.charge, amount_refunded: 8000, refunded: true }, { account: caller.account }));
    expect((await json(await call(caller, 'GET', `payments/${refunded.charge.id}`))).body.conversion).toMatchObject({ id: refunded.conversion.id, status: 'refunded' });

    expect(await json(await call(caller, 'GET', `payments/${newStripeId('py')}`))).toMatchObject({ status: 200, body: { conversion: null } });
  });
});
