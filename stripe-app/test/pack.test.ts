import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SYNCED_TYPES } from '../../server/src/stripe/sync';
import { type Manifest, manifestProblems, pngSize, VIEWPORTS } from '../scripts/manifest';
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
});
