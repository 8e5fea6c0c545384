import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';
import { bindReferral, createCheckoutForUser } from './shoutout';

/**
 * A brand's shop, integrated with Shoutout exactly as docs/getting-started.md says: the pixel tag on
 * every page, bindReferral in the signup handler, createCheckoutForUser in the checkout handler, and
 * a Payment Link the pixel decorates. Users and sessions live in memory; it is an example, not a shop.
 *
 * Configuration is the environment the docs name: SHOUTOUT_URL, SHOUTOUT_API_KEY, SHOUTOUT_ORG_ID,
 * STRIPE_SECRET_KEY, STRIPE_PRICE_ID, SITE_URL, and STRIPE_PAYMENT_LINK for the Payment Link page.
 */

interface User {
  id: string;
  email: string;
  passwordHash: string;
}

export interface StorefrontOptions {
  /**
   * Demo only (`npm run demo`): the Payment Link points at buy.stripe.com, which the demo's fake
   * Stripe cannot serve, so the page also offers to pay the decorated link on the fake's checkout.
   */
  demoPaymentLinkCheckout?: string;
}

const SESSION_COOKIE = 'sid';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** One cookie's raw value: the shoutout_ref cookie goes to identify exactly as the pixel wrote it. */
function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function hashPassword(password: string, salt = randomBytes(16).toString('hex')) {
  return `${salt}:${scryptSync(password, salt, 32).toString('hex')}`;
}

function passwordMatches(password: string, stored: string) {
  const [salt, hash] = stored.split(':');
  return timingSafeEqual(Buffer.from(hash, 'hex'), scryptSync(password, salt, 32));
}

export function createStorefront(options: StorefrontOptions = {}): Express {
  const users = new Map<string, User>();
  const sessions = new Map<string, string>();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false }));

  // Step 1 of the docs: the pixel on every page. data-stripe="auto" decorates Payment Links.
  const pixel = `<script src="${process.env.SHOUTOUT_URL}/api/script.js" data-org="${process.env.SHOUTOUT_ORG_ID}" data-stripe="auto" defer></script>`;
  const page = (title: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)} · Brand</title>${pixel}</head>` +
    `<body><nav><a href="/">Shop</a> · <a href="/signup">Sign up</a> · <a href="/login">Log in</a> · <a href="/account">Account</a> · <a href="/pricing">Pricing</a></nav>` +
    `<h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  const currentUser = (req: Request) => {
    const userId = sessions.get(cookieValue(req, SESSION_COOKIE) ?? '');
    return userId ? [...users.values()].find((user) => user.id === userId) : undefined;
  };
  const logIn = (res: Response, user: User) => {
    const sid = randomBytes(18).toString('base64url');
    sessions.set(sid, user.id);
    res.cookie(SESSION_COOKIE, sid, { httpOnly: true, sameSite: 'lax', path: '/' });
  };
  const credentialsForm = (action: string, label: string) =>
    `<form method="post" action="${action}"><label>Email <input name="email" type="email" required></label> ` +
    `<label>Password <input name="password" type="password" required></label> <button type="submit">${label}</button></form>`;

  // GET / – the landing page creators link to (?infl=CODE)
  app.get('/', (_req, res) => {
    res.send(page('Summer tee', '<p>The Summer tee, $40. <a href="/signup">Sign up</a> to buy it.</p>'));
  });

  // GET /signup – the signup form
  app.get('/signup', (_req, res) => {
    res.send(page('Sign up', credentialsForm('/signup', 'Create account')));
  });

  // POST /signup – create the user, then bind their referral (docs step 2)
  app.post('/signup', async (req, res) => {
    const email = String(req.body.email ?? '').trim().toLowerCase();
    const password = String(req.body.password ?? '');
    if (!email || !password) return void res.status(400).send(page('Sign up', '<p>Email and password are required.</p>'));
    if (users.has(email)) return void res.status(409).send(page('Sign up', '<p>That email has an account: <a href="/login">log in</a>.</p>'));
    const user: User = { id: `user_${randomBytes(8).toString('hex')}`, email, passwordHash: hashPassword(password) };
    users.set(email, user);
    await bindReferral(user.id, cookieValue(req, 'shoutout_ref'));
    logIn(res, user);
    res.redirect(303, '/account');
  });

  // GET /login – the login form
  app.get('/login', (_req, res) => {
    res.send(page('Log in', credentialsForm('/login', 'Log in')));
  });

  // POST /login – start a session; the referral is already bound to the user, whatever device this is
  app.post('/login', (req, res) => {
    const user = users.get(String(req.body.email ?? '').trim().toLowerCase());
    if (!user || !passwordMatches(String(req.body.password ?? ''), user.passwordHash)) {
      return void res.status(401).send(page('Log in', '<p>Wrong email or password.</p>'));
    }
    logIn(res, user);
    res.redirect(303, '/account');
  });

  // GET /account – the signed-in user's page, with the buy button
  app.get('/account', (req, res) => {
    const user = currentUser(req);
    if (!user) return void res.redirect(303, '/login');
    res.send(
      page(
        'Your account',
        `<p>Signed in as <span id="email">${escapeHtml(user.email)}</span> (user id <code id="user-id">${user.id}</code>).</p>` +
          '<form method="post" action="/checkout"><button type="submit">Buy the Summer tee</button></form>',
      ),
    );
  });

  // POST /checkout – a Checkout Session with the user's referral discount (docs step 3)
  app.post('/checkout', async (req, res) => {
    const user = currentUser(req);
    if (!user) return void res.redirect(303, '/login');
    const session = await createCheckoutForUser(user.id, user.email);
    res.redirect(303, session.url!);
  });

  // GET /thanks – Stripe's success_url
  app.get('/thanks', (_req, res) => {
    res.send(page('Thank you', '<p>Your order is paid.</p>'));
  });

  // GET /pricing – a Payment Link: no backend code, the pixel adds the click id to the link
  app.get('/pricing', (_req, res) => {
    const link = escapeHtml(process.env.STRIPE_PAYMENT_LINK ?? '');
    const demo = options.demoPaymentLinkCheckout
      ? `<form method="post" action="${escapeHtml(options.demoPaymentLinkCheckout)}" onsubmit="this.href.value=document.getElementById('payment-link').href">` +
        '<input type="hidden" name="href"><button type="submit">Demo: pay this link on the fake Stripe</button></form>'
      : '';
    res.send(page('Pricing', `<p><a id="payment-link" href="${link}">Buy the Summer tee with a Payment Link</a></p>${demo}`));
  });

  return app;
}

export interface RunningStorefront {
  url: string;
  close(): Promise<void>;
}

export async function startStorefront(options: StorefrontOptions & { host?: string; port?: number } = {}): Promise<RunningStorefront> {
  const server: Server = createStorefront(options).listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `tsx examples/storefront/server.ts`: the shop alone, against a Shoutout you run yourself. */
async function main() {
  const missing = ['SHOUTOUT_URL', 'SHOUTOUT_API_KEY', 'SHOUTOUT_ORG_ID', 'STRIPE_SECRET_KEY', 'STRIPE_PRICE_ID', 'SITE_URL'].filter(
    (name) => !process.env[name],
  );
  if (missing.length) {
    console.error(`Set ${missing.join(', ')} (or run \`npm run demo\`, which sets everything up).`);
    process.exit(1);
  }
  const storefront = await startStorefront({ port: Number(process.env.PORT ?? 3001) });
  console.log(`Storefront on ${storefront.url} (SITE_URL ${process.env.SITE_URL})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
