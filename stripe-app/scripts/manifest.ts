import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of `stripe-app.json` this project sets; see Stripe's app manifest reference. */
export interface Manifest {
  $schema?: string;
  id: string;
  version: string;
  name: string;
  icon: string;
  permissions: { permission: string; purpose: string }[];
  ui_extension: {
    views: { viewport: string; component: string }[];
    content_security_policy: { 'connect-src'?: string[]; 'image-src'?: string[]; purpose: string };
  };
  post_install_action?: { type: string; url?: string };
  distribution_type?: Distribution;
  /** The app works when installed on a sandbox: its data is test-mode data there. */
  sandbox_install_compatible?: boolean;
  constants?: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * Every viewport Stripe documents (docs.stripe.com/stripe-apps/reference/viewports, and
 * `stripe.dashboard.fullpage` from the SDK's FullPageView and AppRouter). The SDK types a viewport
 * as any string and the tools publish no list, so this one is kept against Stripe's reference.
 */
export const VIEWPORT_GROUPS = {
  /** A whole Dashboard page of the app's own (FullPageView; Stripe allowlists apps for it). */
  fullPage: ['stripe.dashboard.fullpage'],
  /** Beside a Dashboard page, with its object (`environment.objectContext`) on detail pages. */
  pageModules: [
    'stripe.dashboard.payment.list',
    'stripe.dashboard.payment.detail',
    'stripe.dashboard.customer.list',
    'stripe.dashboard.customer.detail',
    'stripe.dashboard.invoice.list',
    'stripe.dashboard.invoice.detail',
    'stripe.dashboard.product.list',
    'stripe.dashboard.product.detail',
    'stripe.dashboard.subscription.list',
    'stripe.dashboard.subscription.detail',
    'stripe.dashboard.payment-link.list',
    'stripe.dashboard.payment-link.detail',
    'stripe.dashboard.shipping-rates.list',
    'stripe.dashboard.shipping-rates.detail',
  ],
  /** Overview pages, without an object. */
  overviews: [
    'stripe.dashboard.home.overview',
    'stripe.dashboard.balance.overview',
    'stripe.dashboard.billing.overview',
    'stripe.dashboard.report.overview',
    'stripe.dashboard.revenue-recognition.overview',
    'stripe.dashboard.tax-report.overview',
  ],
  /** The drawer on every page without a page module of the app, the settings page, onboarding. */
  appWide: ['stripe.dashboard.drawer.default', 'settings', 'onboarding'],
} as const;

export const VIEWPORTS: ReadonlySet<string> = new Set(Object.values(VIEWPORT_GROUPS).flat());

/** Who may install the uploaded app (`distribution_type`). */
export const DISTRIBUTIONS = ['private', 'public'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** The JSON schema Stripe's CLI writes into a new app's manifest; editors validate against it. */
export const MANIFEST_SCHEMA = 'https://stripe.com/stripe-app.schema.json';

/** What `--version` may be: Stripe leaves the format to the developer; this keeps it to one token. */
export const VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

/** Whether a `connect-src` entry lets the view call `url`: exact match, or a child of an entry ending in `/`. */
export const allows = (entry: string, url: string) => (entry.endsWith('/') ? url.startsWith(entry) : url.split('?')[0] === entry);

/** Where the views send every request (see stripe-app/src/api.ts). */
export const backendPrefix = (manifest: Manifest) => `${String(manifest.constants?.API_BASE ?? '').replace(/\/+$/, '')}/api/app/`;

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('ascii', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * What the Stripe CLI would refuse, or what would break at run time, in a folder about to be uploaded:
 * every problem, so one run names them all.
 */
export function manifestProblems(manifest: Manifest, dir: string): string[] {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9_\-.]+$/.test(manifest.id ?? '')) problems.push(`id "${manifest.id}" must match ^[a-zA-Z0-9_\\-.]+$`);
  if (!manifest.version) problems.push('version is missing');
  else if (!VERSION_PATTERN.test(manifest.version)) problems.push(`version "${manifest.version}" must be one word of letters, digits and . + _ - (e.g. 1.4.0)`);
  if (!manifest.name) problems.push('name is missing');

  const iconPath = path.join(dir, manifest.icon ?? '');
  if (!/^\.\/.+\.png$/.test(manifest.icon ?? '') || !existsSync(iconPath)) problems.push(`icon ${manifest.icon} is not a PNG inside the folder`);
  else {
    const size = pngSize(readFileSync(iconPath));
    if (size?.width !== 300 || size.height !== 300) problems.push(`icon ${manifest.icon} must be a 300x300 PNG`);
  }

  for (const { permission, purpose } of manifest.permissions ?? []) {
    if (!/^[a-z_]+_(read|write)$/.test(permission)) problems.push(`permission "${permission}" is not a permission id`);
    if (!purpose?.trim()) problems.push(`permission ${permission} has no purpose`);
  }

  const views = manifest.ui_extension?.views ?? [];
  if (views.length === 0) problems.push('ui_extension.views is empty');
  for (const { viewport, component } of views) {
    if (!VIEWPORTS.has(viewport)) problems.push(`viewport "${viewport}" is not a Dashboard viewport`);
    if (!/^[a-zA-Z0-9_]+$/.test(component) || !existsSync(path.join(dir, 'src', 'views', `${component}.tsx`))) {
      problems.push(`view component ${component} has no src/views/${component}.tsx`);
    }
  }

  const csp = manifest.ui_extension?.content_security_policy;
  if (!csp?.purpose?.trim()) problems.push('content_security_policy.purpose is missing');
  const connect = csp?.['connect-src'] ?? [];
  for (const entry of connect) {
    // Stripe rejects a bare origin: an entry needs a path.
    if (!/^https?:\/\/[^/]+\/.+/.test(entry)) problems.push(`connect-src "${entry}" needs a path, e.g. https://host/api/app/`);
  }
  const prefix = backendPrefix(manifest);
  if (!/^https?:\/\//.test(prefix)) problems.push('constants.API_BASE must be the backend URL');
  else if (!connect.some((entry) => allows(entry, `${prefix}overview`))) problems.push(`connect-src does not cover ${prefix}, where the views call`);

  const distribution = manifest.distribution_type ?? 'private';
  if (!DISTRIBUTIONS.includes(distribution)) problems.push(`distribution_type "${distribution}" must be private or public`);
  if (distribution === 'public') {
    // Any account may install a public app: its backend is a shared service, reached over https only.
    if (!prefix.startsWith('https://')) problems.push(`a public app needs an https backend: constants.API_BASE is ${String(manifest.constants?.API_BASE)}`);
    for (const entry of connect) if (!entry.startsWith('https://')) problems.push(`a public app may only allow https in connect-src, not "${entry}"`);
    if (/^com\.example\./.test(manifest.id ?? '')) problems.push(`a public app is listed under its vendor's own id: give --id (not ${manifest.id})`);
  }
  return problems;
}
