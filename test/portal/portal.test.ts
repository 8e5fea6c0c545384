import Stripe from 'stripe';
import { humanOutputOf, runCommand } from '../../server/src/cli/commands';
import { createCampaign, createCreator, createPromoCode } from '../../server/src/catalog/service';
import { createTestOrg, uniqueCode } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { freePort, signInLinkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp';

const APP_SECRET = 'absec_portal_test_secret';
let clock = new Date('2026-03-01T12:00:00Z');
let smtp: TestSmtp;
let server: TestServer;

beforeAll(async () => {
  smtp = await startTestSmtp();
  const port = await freePort();
  server = await startTestServer(
    { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, SMTP_URL: smtp.url, EMAIL_FROM: 'Creators <creators@shoutout.test>', STRIPE_APP_SECRET: APP_SECRET },
    { now: () => clock },
  );
});
afterAll(async () => {
  await server?.stop();
  await smtp?.stop();
});

let emails = 0;
const uniqueEmail = (name = 'annie') => `${name}${++emails}.${Date.now()}@creators.test`;

/** An org with a creator who has an email and a $5-per-order code. */
async function program(orgInput = {}) {
  const org = await createTestOrg(server.deps, { payout_hold_days: 0, ...orgInput });
  const email = uniqueEmail();
  const creator = await createCreator(server.deps, org.scope, { handle: `annie${emails}`, name: 'Annie', email });
  const campaign = await createCampaign(server.deps, org.scope, { title: 'Spring', discount_type: 'percent_off', discount_value: 10, duration: 'once', commission: { type: 'fixed', value: 500, currency: 'usd' } });
  const code = uniqueCode('ANNIE');
  await createPromoCode(server.deps, org.scope, { code, creator: creator.id, campaign: campaign.id });
  let orders = 0;
  const order = async (amount = 2000) => {
    const response = await server.request('POST', '/api/conversions', { key: org.key, body: { order_id: `o${++orders}`, amount, currency: 'usd', coupon_code: code } });
    expect(response.status).toBe(201);
    return response.json();
  };
  const pay = async () => {
    clock = new Date(clock.getTime() + 1000);
    const response = await server.request('POST', '/api/payouts', { key: org.key, body: { creator: creator.id, currency: 'usd', reference: 'TX-1' } });
    expect(response.status).toBe(201);
    return (await response.json()).id as string;
  };
  return { ...org, creator, email, code, order, pay };
}

const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

/** A form post as a browser sends it, without following the redirect that answers it. */
const post = (base: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields), headers });

/** Asks for a link by email, reads it from the mail that arrives, and uses it: the session cookie. */
async function signIn(scope: { orgId: string }, email: string, mode = 'live') {
  const before = smtp.messages.length;
  const asked = await server.request('POST', '/portal/sign-in', form({ org: scope.orgId, mode, email }));
  expect(asked.status).toBe(200);
  const mail = await vi.waitFor(() => {
    const found = smtp.messages.slice(before).find((message) => message.text?.includes('/portal/auth?token=') && JSON.stringify(message.to).includes(email));
    if (!found) throw new Error('no sign-in email yet');
    return found;
  });
  return useLink(signInLinkIn(mail));
}

async function useLink(link: string) {
  const token = new URL(link).searchParams.get('token')!;
  const used = await post(server.url, '/portal/auth', { token });
  expect(used.status).toBe(303);
  const cookie = used.headers.get('set-cookie')!;
  return { cookie: cookie.split(';')[0], setCookie: cookie };
}

const get = (path: string, cookie: string) => server.request('GET', path, { headers: { cookie } });

describe('sign-in by email link', () => {
  it('answers alike for a creator’s address and anyone else’s, and emails a link only to the creator', async () => {
    const { scope, email } = await program();
    const stranger = uniqueEmail('stranger');
    const known = await server.request('POST', '/portal/sign-in', form({ org: scope.orgId, email }));
    const unknown = await server.request('POST', '/portal/sign-in', form({ org: scope.orgId, email: stranger }));
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const withoutNonce = async (response: Response) => (await response.text()).replace(/nonce="[^"]+"/, '');
    expect(await withoutNonce(known)).toBe(await withoutNonce(unknown));
    const mail = await smtp.waitFor(email, /sign-in link/);
    expect(mail.from?.text).toContain('creators@shoutout.test');
    expect(signInLinkIn(mail)).toMatch(new RegExp(`^${server.deps.config.PUBLIC_URL}/portal/auth\\?token=`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.some((message) => JSON.stringify(message.to).includes(stranger))).toBe(false);
  });

  it('signs in once per link, with an HttpOnly SameSite cookie (Secure over https), and signs out', async () => {
    const { scope, email } = await program();
    await server.request('POST', '/portal/sign-in', form({ org: scope.orgId, email }));
    const link = signInLinkIn(await smtp.waitFor(email, /sign-in link/));
    const token = new URL(link).searchParams.get('token')!;

    // Opening the link (as a mail scanner would) does not use it.
    expect((await server.request('GET', `/portal/auth?token=${token}`)).status).toBe(200);
    const used = await post(server.url, '/portal/auth', { token }, { 'x-forwarded-proto': 'https' });
    expect(used.status).toBe(303);
    const setCookie = used.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^shoutout_portal=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/Path=\/portal/);
    const cookie = setCookie.split(';')[0];
    const overview = await get('/portal/', cookie);
    expect(overview.status).toBe(200);
    expect(overview.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self' 'nonce-/);

    const again = await post(server.url, '/portal/auth', { token });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('expired or was used already');

    const out = await post(server.url, '/portal/sign-out', {}, { cookie });
    expect(out.status).toBe(303);
    expect((await get('/portal/', cookie)).status).toBe(401);
  });

  it('refuses a link past its 15 minutes', async () => {
    const { scope, email } = await program();
    await server.request('POST', '/portal/sign-in', form({ org: scope.orgId, email }));
    const token = new URL(signInLinkIn(await smtp.waitFor(email, /sign-in link/))).searchParams.get('token')!;
    const start = clock;
    clock = new Date(start.getTime() + 16 * 60_000);
    try {
      expect((await server.request('POST', '/portal/auth', form({ token }))).status).toBe(401);
    } finally {
      clock = start;
    }
  });

  it('limits sign-in requests per address, known or not', async () => {
    const { scope } = await program();
    const address = uniqueEmail('probe');
    const statuses = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await server.request('POST', '/portal/sign-in', form({ org: scope.orgId, email: address }))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('refuses a sign-in form posted from another site', async () => {
    const { scope, email } = await program();
    const response = await server.request('POST', '/portal/sign-in', { ...form({ org: scope.orgId, email }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.test' } });
    expect(response.status).toBe(403);
  });
});

describe('what a creator sees', () => {
  it('shows only their own data: another creator’s or org’s payout and conversion ids are 404', async () => {
    const annie = await program();
    const other = await program();
    const betty = await createCreator(server.deps, annie.scope, { handle: `betty${emails}`, email: uniqueEmail('betty') });
    const bettyCode = uniqueCode('BETTY');
    const [campaign] = await server.deps.store.campaigns.list(annie.scope);
    await createPromoCode(server.deps, annie.scope, { code: bettyCode, creator: betty.id, campaign: campaign.id });
    const mine = await annie.order();
    const bettys = await (await server.request('POST', '/api/conversions', { key: annie.key, body: { order_id: 'b1', amount: 1000, currency: 'usd', coupon_code: bettyCode } })).json();
    await other.order();
    const anniePayout = await annie.pay();
    clock = new Date(clock.getTime() + 1000);
    const bettyPayout = (await (await server.request('POST', '/api/payouts', { key: annie.key, body: { creator: betty.id, currency: 'usd' } })).json()).id;
    const otherPayout = await other.pay();

    const { cookie } = await signIn(annie.scope, annie.email);
    expect((await get(`/portal/payouts/${anniePayout}/statement.csv`, cookie)).status).toBe(200);
    for (const id of [bettyPayout, otherPayout, 'po_nosuch']) {
      const response = await get(`/portal/payouts/${id}/statement.csv`, cookie);
      expect(response.status, id).toBe(404);
      expect(response.headers.get('content-type')).toContain('text/html');
    }
    expect((await get(`/portal/conversions?starting_after=${mine.id}`, cookie)).status).toBe(200);
    expect((await get(`/portal/conversions?starting_after=${bettys.id}`, cookie)).status).toBe(404);

    const sales = await (await get('/portal/conversions', cookie)).text();
    expect(sales).toContain(`data-conversion="${mine.id}"`);
    expect(sales).not.toContain(bettys.id);
    const payouts = await (await get('/portal/payouts', cookie)).text();
    expect(payouts).toContain(anniePayout);
    expect(payouts).not.toContain(bettyPayout);
  });

  it('gives a statement without the buyer’s order or Stripe ids', async () => {
    const annie = await program();
    await annie.order();
    const payout = await annie.pay();
    const { cookie } = await signIn(annie.scope, annie.email);
    const response = await get(`/portal/payouts/${payout}/statement.csv`, cookie);
    expect(response.headers.get('content-disposition')).toContain(`statement-${payout}`);
    const [header, row] = (await response.text()).trim().split('\n');
    expect(header).toBe('created,id,status,creator,creator_handle,campaign,code,source,kind,currency,amount,discount,refunded,commission,commission_currency,creator_name,creator_email');
    expect(row).toContain(',500,usd');
  });

  it('says email is not set up, and the CLI prints a link that signs in', async () => {
    const plain = await startTestServer();
    try {
      const org = await createTestOrg(plain.deps);
      const creator = await createCreator(plain.deps, org.scope, { handle: 'nomail', email: 'nomail@creators.test' });
      const page = await plain.request('GET', `/portal/sign-in?org=${org.org.id}`);
      expect(await page.text()).toContain('Email is not set up on this server yet');
      const result = await runCommand(plain.deps, 'portal link', { org: org.org.id, creator: 'nomail' });
      const printed = humanOutputOf('portal link')!(result);
      const token = /token=([A-Za-z0-9_-]+)/.exec(printed)![1];
      const used = await post(plain.url, '/portal/auth', { token });
      expect(used.status).toBe(303);
      const overview = await plain.request('GET', '/portal/', { headers: { cookie: used.headers.get('set-cookie')!.split(';')[0] } });
      expect(await overview.text()).toContain(`Signed in as <strong>${creator.handle}</strong>`);
    } finally {
      await plain.stop();
    }
  });
});

describe('points', () => {
  it('shows the creator’s points balance and ledger as the rewards API has them, and only theirs', async () => {
    const annie = await program();
    const rewards = [{ recipient: 'advocate' as const, trigger: 'purchase' as const, points: 100 }];
    const campaign = await createCampaign(server.deps, annie.scope, { title: 'Points drive', discount_type: 'percent_off', discount_value: 10, duration: 'once', commission: { type: 'percent', value: 10 }, rewards });
    const code = uniqueCode('PTS');
    await createPromoCode(server.deps, annie.scope, { code, creator: annie.creator.id, campaign: campaign.id });
    const betty = await createCreator(server.deps, annie.scope, { handle: `pbetty${emails}`, email: uniqueEmail('pbetty') });
    const bettyCode = uniqueCode('PBETTY');
    await createPromoCode(server.deps, annie.scope, { code: bettyCode, creator: betty.id, campaign: campaign.id });
    const api = async (method: string, route: string, body?: unknown) => {
      const response = await server.request(method, route, { key: annie.key, body });
      expect(response.status, route).toBeLessThan(300);
      return response.json();
    };
    for (const [order, coupon] of [['p1', code], ['p2', code], ['b1', bettyCode]]) {
      await api('POST', '/api/conversions', { order_id: order, amount: 3000, currency: 'usd', coupon_code: coupon });
    }
    await api('POST', '/api/rewards/redeem', { creator: annie.creator.id, amount: 30, reference: 'voucher-17' });
    const balances = await api('GET', `/api/rewards/balances?creator=${annie.creator.id}`);
    expect(balances.points).toBe(170);
    const ledger = await api('GET', `/api/rewards/ledger?creator=${annie.creator.id}`);
    const bettysEntry = (await api('GET', `/api/rewards/ledger?creator=${betty.id}`)).data[0].id;

    const { cookie } = await signIn(annie.scope, annie.email);
    const overview = await (await get('/portal/', cookie)).text();
    expect(overview).toContain('<a href="/portal/points">Points</a>');
    expect(overview).toMatch(/data-reward-balance="points">\s*<p class="figure-label">Points<\/p>\s*<p class="figure-value" data-value="170">170 points</);

    const response = await get('/portal/points', cookie);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect([...page.matchAll(/data-entry="([^"]+)"/g)].map((match) => match[1])).toEqual(ledger.data.map((entry: { id: string }) => entry.id));
    expect(page).toContain('voucher-17');
    expect(page).toContain('-30 points');
    expect(page).toContain('Points drive');
    expect(page).toContain('200 points earned · 30 points spent');
    expect((await get(`/portal/points?starting_after=${ledger.data[0].id}`, cookie)).status).toBe(200);
    const others = await get(`/portal/points?starting_after=${bettysEntry}`, cookie);
    expect(others.status).toBe(404);
    expect(await others.text()).not.toContain(betty.handle);
  });

  it('has no points page for a program without rewards', async () => {
    const plain = await program();
    const { cookie } = await signIn(plain.scope, plain.email);
    expect(await (await get('/portal/', cookie)).text()).not.toContain('/portal/points');
    expect((await get('/portal/points', cookie)).status).toBe(404);
  });
});

describe('creator emails', () => {
  it('emails the first conversion once, and each payout recorded', async () => {
    const annie = await program();
    await annie.order();
    await annie.order();
    const first = await smtp.waitFor(annie.email, /first sale/);
    expect(first.text).toContain('$5.00');
    await annie.pay();
    const paid = await smtp.waitFor(annie.email, /paid you \$10\.00/);
    expect(paid.text).toContain('TX-1');
    expect(smtp.messages.filter((message) => JSON.stringify(message.to).includes(annie.email) && /first sale/.test(message.subject ?? ''))).toHaveLength(1);
  });

  it('sends neither when the org switched them off, and the payout email again once switched back on', async () => {
    const annie = await program();
    const patch = async (body: Record<string, boolean>) => {
      const response = await server.request('PATCH', '/api/org', { key: annie.key, body });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject(body);
    };
    await patch({ email_first_conversion: false, email_payout_recorded: false });
    await annie.order();
    await annie.pay();
    await annie.order();
    clock = new Date(clock.getTime() + 1000);
    await annie.pay();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.messages.some((message) => JSON.stringify(message.to).includes(annie.email))).toBe(false);

    await patch({ email_payout_recorded: true });
    await annie.order();
    clock = new Date(clock.getTime() + 1000);
    await annie.pay();
    await smtp.waitFor(annie.email, /paid you \$5\.00/);
    expect(smtp.messages.filter((message) => JSON.stringify(message.to).includes(annie.email)).map((message) => message.subject)).toEqual([expect.stringMatching(/paid you/)]);
  });

  it('never fails a conversion or payout when the SMTP server is down: it logs', async () => {
    const port = await freePort();
    const down = await startTestServer({ PUBLIC_URL: 'http://127.0.0.1:1', SMTP_URL: `smtp://127.0.0.1:${port}`, EMAIL_FROM: 'creators@shoutout.test' });
    try {
      const org = await createTestOrg(down.deps, { payout_hold_days: 0 });
      const creator = await createCreator(down.deps, org.scope, { handle: 'down', email: 'down@creators.test' });
      const campaign = await createCampaign(down.deps, org.scope, { title: 'x', discount_type: 'percent_off', discount_value: 10, duration: 'once', commission: { type: 'percent', value: 10 } });
      const code = uniqueCode('DOWN');
      await createPromoCode(down.deps, org.scope, { code, creator: creator.id, campaign: campaign.id });
      const conversion = await down.request('POST', '/api/conversions', { key: org.key, body: { order_id: 'd1', amount: 2000, currency: 'usd', coupon_code: code } });
      expect(conversion.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const payout = await down.request('POST', '/api/payouts', { key: org.key, body: { creator: 'down', currency: 'usd' } });
      expect(payout.status).toBe(201);
      await vi.waitFor(() => expect(down.logs.filter((line) => line.includes('email not sent')).length).toBe(2), { timeout: 10_000 });
    } finally {
      await down.stop();
    }
  });

  it('lets a brand invite a creator from the Stripe App', async () => {
    const org = await createTestOrg(server.deps, {}, { livemode: false });
    const account = `acct_${uniqueCode('A')}`;
    await server.deps.store.orgs.update(org.org.id, { stripeAccountId: account });
    const email = uniqueEmail('invited');
    const creator = await createCreator(server.deps, org.scope, { handle: `invited${emails}`, email });
    const noEmail = await createCreator(server.deps, org.scope, { handle: `noemail${emails}` });
    const identity = { user_id: 'usr_1', account_id: account };
    await runCommand(server.deps, 'app grant', { org: org.org.id, user: identity.user_id });
    // The views sign who asks, and the request's mode, method and path.
    const invite = (id: string) => {
      const path = `/api/app/creators/${id}/invitation`;
      const signed = { ...identity, mode: 'test', method: 'POST', path };
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(signed), secret: APP_SECRET });
      return server.request('POST', `${path}?${new URLSearchParams({ ...identity, mode: 'test' })}`, { headers: { 'stripe-signature': signature } });
    };
    const sent = await invite(creator.id);
    expect(sent.status).toBe(201);
    // The settings page knows this server can email creators.
    const settingsPath = '/api/app/settings';
    const settingsSignature = Stripe.webhooks.generateTestHeaderString({
      payload: JSON.stringify({ ...identity, mode: 'test', method: 'GET', path: settingsPath }),
      secret: APP_SECRET,
    });
    const settings = await server.request('GET', `${settingsPath}?${new URLSearchParams({ ...identity, mode: 'test' })}`, { headers: { 'stripe-signature': settingsSignature } });
    expect((await settings.json()).creator_email).toEqual({ configured: true });
    const mail = await smtp.waitFor(email, /invites you/);
    const { cookie } = await useLink(signInLinkIn(mail));
    const page = await (await get('/portal/', cookie)).text();
    expect(page).toContain('Test mode');
    const refused = await invite(noEmail.id);
    expect(refused.status).toBe(422);
    expect((await refused.json()).error.code).toBe('creator_email_missing');
  });
});
