import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SYNCED_TYPES } from '../../server/src/stripe/sync';
import { runTs } from '../../test/helpers/process';
import { type Manifest, MANIFEST_SCHEMA, manifestProblems, pngSize, VIEWPORT_GROUPS, VIEWPORTS } from '../scripts/manifest';
import { pack } from '../scripts/pack';

const root = path.resolve(import.meta.dirname, '..', '..');
let out: string;
beforeEach(() => {
  out = mkdtempSync(path.join(tmpdir(), 'shoutout-app-pack-'));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

const read = (file: string) => readFileSync(path.join(out, file), 'utf8');
/** URLs written into the views' sources. */
const urlsIn = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? urlsIn(path.join(dir, entry.name)) : (readFileSync(path.join(dir, entry.name), 'utf8').match(/https?:\/\/[^\s'"`<>)]+/g) ?? []),
  );

describe('npm run app:pack', () => {
  it('writes an upload-ready folder: manifest at the root, every view in src/views, icon, package.json', () => {
    const { manifest, problems } = pack({ root, out });
    expect(problems).toEqual([]);
    const written = JSON.parse(read('stripe-app.json')) as Manifest;
    expect(written).toEqual(manifest);
    expect(written.icon).toBe('./icon.png');
    expect(pngSize(readFileSync(path.join(out, 'icon.png')))).toEqual({ width: 300, height: 300 });

    expect(written.ui_extension.views.map((view) => view.viewport).sort()).toEqual(
      ['settings', 'stripe.dashboard.customer.detail', 'stripe.dashboard.drawer.default', 'stripe.dashboard.payment.detail'].sort(),
    );
    for (const { viewport, component } of written.ui_extension.views) {
      expect(VIEWPORTS.has(viewport)).toBe(true);
      const source = read(`src/views/${component}.tsx`);
      expect(source).toMatch(/export default \w+;/);
    }
    expect(written.post_install_action).toEqual({ type: 'settings' });
    // Private unless asked: the self-hosting path, installed on the uploading account only.
    expect(written).toMatchObject({ $schema: MANIFEST_SCHEMA, distribution_type: 'private', sandbox_install_compatible: true, version: '0.1.0' });

    const packageJson = JSON.parse(read('package.json'));
    const sdk = JSON.parse(readFileSync(path.join(root, 'node_modules/@stripe/ui-extension-sdk/package.json'), 'utf8'));
    expect(packageJson.dependencies).toEqual({ '@stripe/ui-extension-sdk': sdk.version, react: sdk.dependencies.react });
    expect(existsSync(path.join(out, 'stripe-app.dev.json'))).toBe(true);
  });

  it('asks for every permission the product uses, each with a purpose', () => {
    const { manifest } = pack({ root, out });
    expect(manifest.permissions.map((permission) => permission.permission).sort()).toEqual(
      [
        'charge_read',
        'checkout_session_read',
        'coupon_read',
        'coupon_write',
        'customer_read',
        'dispute_read',
        'event_read',
        'invoice_read',
        'payment_intent_read',
        'promotion_code_read',
        'promotion_code_write',
      ].sort(),
    );
    for (const { purpose } of manifest.permissions) expect(purpose.length).toBeGreaterThan(20);
  });

  it('asks to read the object of every Stripe event the server acts on, saying that is why', () => {
    const { manifest } = pack({ root, out });
    const purposes = new Map(manifest.permissions.map(({ permission, purpose }) => [permission, purpose]));
    // Stripe sends an app only the events of objects it may read: event_read plus the object's read permission.
    // A dispute's events are named under its charge: charge.dispute.closed.
    const objectOf = (type: string) => (type.startsWith('charge.dispute.') ? 'dispute' : type.split('.').slice(0, -1).join('_'));
    for (const type of SYNCED_TYPES) expect(purposes.get(`${objectOf(type)}_read`), type).toBeDefined();
    // Nothing reads coupons or customers through the API: their events are the reason to ask.
    expect(purposes.get('coupon_read')).toMatch(/coupon is deleted/);
    expect(purposes.get('customer_read')).toMatch(/^Read customers as they are created or updated/);
  });

  it('allows only the backend’s /api/app/ path, and every URL the views call falls under it', () => {
    const { manifest } = pack({ root, out });
    const connectSrc = manifest.ui_extension.content_security_policy['connect-src'];
    expect(connectSrc).toEqual([`${manifest.constants?.API_BASE}/api/app/`]);
    // The API client is the only place a request URL is built (API_BASE + /api/app/ + route); the
    // view tests check each URL actually called against connect-src.
    expect(read('src/api.ts')).toContain("export const APP_API_PATH = '/api/app/';");
    expect(urlsIn(path.join(out, 'src'))).toEqual([]);
  });

  it('points the app at the operator’s server and id when given', () => {
    const { manifest, problems } = pack({ root, out, apiBase: 'https://refer.brand.test/', appId: 'com.brand.shoutout' });
    expect(problems).toEqual([]);
    expect(manifest.id).toBe('com.brand.shoutout');
    expect(manifest.constants?.API_BASE).toBe('https://refer.brand.test');
    expect(manifest.ui_extension.content_security_policy['connect-src']).toEqual(['https://refer.brand.test/api/app/']);
  });

  it('names every problem in a broken manifest', () => {
    const { manifest } = pack({ root, out });
    const broken: Manifest = {
      ...manifest,
      id: 'has spaces',
      permissions: [{ permission: 'coupon_write', purpose: ' ' }],
      ui_extension: {
        views: [{ viewport: 'stripe.dashboard.checkout.detail', component: 'Missing' }],
        content_security_policy: { 'connect-src': ['https://elsewhere.test'], purpose: 'x' },
      },
    };
    writeFileSync(path.join(out, 'stripe-app.json'), JSON.stringify(broken));
    expect(manifestProblems(broken, out)).toEqual([
      'id "has spaces" must match ^[a-zA-Z0-9_\\-.]+$',
      'permission coupon_write has no purpose',
      'viewport "stripe.dashboard.checkout.detail" is not a Dashboard viewport',
      'view component Missing has no src/views/Missing.tsx',
      'connect-src "https://elsewhere.test" needs a path, e.g. https://host/api/app/',
      'connect-src does not cover https://shoutout.example.com/api/app/, where the views call',
    ]);
  });

  it('keeps the development manifest pointed at a local backend it also allows', () => {
    const dev = JSON.parse(readFileSync(path.join(root, 'stripe-app.dev.json'), 'utf8'));
    expect(dev.extends).toBe('stripe-app.json');
    expect(dev.ui_extension.content_security_policy['connect-src']).toEqual([`${dev.constants.API_BASE}/api/app/`]);
  });

  it('packs a public app under the vendor’s id, https backend and a new version', () => {
    const { manifest, problems } = pack({ root, out, apiBase: 'https://shoutout.vendor.test', appId: 'com.vendor.shoutout', distribution: 'public', version: '1.4.0' });
    expect(problems).toEqual([]);
    const written = JSON.parse(read('stripe-app.json')) as Manifest;
    expect(written).toEqual(manifest);
    expect(written).toMatchObject({ id: 'com.vendor.shoutout', version: '1.4.0', distribution_type: 'public', $schema: MANIFEST_SCHEMA });
    expect(JSON.parse(read('package.json')).version).toBe('1.4.0');
  });

  it('refuses a public app on the example id or a plain-http backend, naming each problem', () => {
    expect(pack({ root, out, distribution: 'public' }).problems).toEqual([
      "a public app is listed under its vendor's own id: give --id (not com.example.shoutout)",
    ]);
    expect(pack({ root, out, apiBase: 'http://10.0.0.5:3000', appId: 'com.vendor.shoutout', distribution: 'public' }).problems).toEqual([
      'a public app needs an https backend: constants.API_BASE is http://10.0.0.5:3000',
      'a public app may only allow https in connect-src, not "http://10.0.0.5:3000/api/app/"',
    ]);
    // The same backend is the operator's own business in a private app.
    expect(pack({ root, out, apiBase: 'http://10.0.0.5:3000', distribution: 'private' }).problems).toEqual([]);
  });

  it('refuses a version Stripe could not take as one', () => {
    expect(pack({ root, out, version: '1.4 beta' }).problems).toEqual(['version "1.4 beta" must be one word of letters, digits and . + _ - (e.g. 1.4.0)']);
  });

  it('accepts every viewport Stripe documents: full page, page modules, overviews', () => {
    const { manifest } = pack({ root, out });
    expect(VIEWPORT_GROUPS.fullPage).toEqual(['stripe.dashboard.fullpage']);
    expect(VIEWPORT_GROUPS.overviews).toContain('stripe.dashboard.balance.overview');
    expect(VIEWPORT_GROUPS.pageModules).toContain('stripe.dashboard.shipping-rates.detail');
    const views = [...VIEWPORTS].map((viewport) => ({ viewport, component: 'Home' }));
    expect(views).toHaveLength(1 + 14 + 6 + 3);
    expect(manifestProblems({ ...manifest, ui_extension: { ...manifest.ui_extension, views } }, out)).toEqual([]);
  });

  it('refuses on the command line an unknown distribution or option, writing nothing', async () => {
    const target = path.join(out, 'build');
    for (const [args, message] of [
      [['--distribution', 'marketplace'], 'app:pack: --distribution must be private or public, not "marketplace"'],
      [['--channel', 'beta'], "app:pack: Unknown option '--channel'"],
    ] as const) {
      const { code, output } = await runTs('stripe-app/scripts/pack.ts', ['--out', target, ...args]);
      expect(code).toBe(1);
      expect(output).toContain(message);
      expect(existsSync(target)).toBe(false);
    }
    const packed = await runTs('stripe-app/scripts/pack.ts', ['--out', target, '--distribution', 'public', '--id', 'com.vendor.shoutout', '--version', '2.0.0', '--api-base', 'https://shoutout.vendor.test']);
    expect(packed.code).toBe(0);
    expect(packed.output).toContain('Packed com.vendor.shoutout 2.0.0 (public) for https://shoutout.vendor.test');
    expect(JSON.parse(readFileSync(path.join(target, 'stripe-app.json'), 'utf8'))).toMatchObject({ distribution_type: 'public', version: '2.0.0' });
  });
});
