import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DISTRIBUTIONS, type Distribution, type Manifest, manifestProblems } from './manifest';

export interface PackOptions {
  /** The repository root, holding stripe-app.json. */
  root: string;
  out: string;
  /** The Shoutout server the uploaded app talks to; sets constants.API_BASE and connect-src. */
  apiBase?: string;
  /** Your own app id: ids are unique across Stripe, so each operator uploads under theirs. */
  appId?: string;
  /**
   * private (default): installed on the uploading account only, the one-brand deployment.
   * public: listed on the Stripe App Marketplace after Stripe's review, for the many-brands (Connect) one.
   */
  distribution?: Distribution;
  /** The version uploaded: Stripe refuses an upload whose version it already has. */
  version?: string;
}

/**
 * Lays out what `stripe apps upload` expects: the manifest at the root, views in src/views/, the
 * icon beside it and a package.json for the SDK. The source stays in stripe-app/ in this repository.
 */
export function pack({ root, out, apiBase, appId, distribution = 'private', version }: PackOptions): { manifest: Manifest; problems: string[] } {
  const manifest = JSON.parse(readFileSync(path.join(root, 'stripe-app.json'), 'utf8')) as Manifest;
  const iconSource = path.resolve(root, manifest.icon);
  manifest.icon = `./${path.basename(iconSource)}`;
  if (appId) manifest.id = appId;
  if (version !== undefined) manifest.version = version;
  manifest.distribution_type = distribution;
  if (apiBase) {
    const base = apiBase.replace(/\/+$/, '');
    manifest.constants = { ...manifest.constants, API_BASE: base };
    manifest.ui_extension.content_security_policy['connect-src'] = [`${base}/api/app/`];
  }

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(path.join(root, 'stripe-app', 'src'), path.join(out, 'src'), { recursive: true });
  cpSync(iconSource, path.join(out, manifest.icon));
  writeFileSync(path.join(out, 'stripe-app.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (existsSync(path.join(root, 'stripe-app.dev.json'))) cpSync(path.join(root, 'stripe-app.dev.json'), path.join(out, 'stripe-app.dev.json'));

  const project = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const sdk = JSON.parse(readFileSync(path.join(root, 'node_modules', '@stripe', 'ui-extension-sdk', 'package.json'), 'utf8'));
  const packageJson = {
    name: 'shoutout-stripe-app',
    version: manifest.version,
    private: true,
    license: project.license,
    // React pinned to the SDK's own copy: two Reacts break hooks.
    dependencies: { '@stripe/ui-extension-sdk': sdk.version, react: sdk.dependencies.react },
    devDependencies: { '@types/react': project.devDependencies['@types/react'], typescript: project.devDependencies.typescript },
  };
  writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  const tsconfig = {
    compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', jsx: 'react-jsx', strict: true, skipLibCheck: true, noEmit: true },
    include: ['src'],
  };
  writeFileSync(path.join(out, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  return { manifest, problems: manifestProblems(manifest, out) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const refuse = (message: string): never => {
    console.error(`app:pack: ${message}`);
    process.exit(1);
  };
  let values: { out: string; 'api-base'?: string; id?: string; distribution: string; version?: string } = { out: '', distribution: '' };
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string', default: '.stripe-app-build' },
        'api-base': { type: 'string' },
        id: { type: 'string' },
        distribution: { type: 'string', default: 'private' },
        version: { type: 'string' },
      },
    }));
  } catch (error) {
    refuse((error as Error).message);
  }
  const distribution = values.distribution as Distribution;
  if (!DISTRIBUTIONS.includes(distribution)) refuse(`--distribution must be private or public, not "${values.distribution}"`);
  const root = path.resolve(import.meta.dirname, '..', '..');
  const out = path.resolve(root, values.out);
  const apiBase = values['api-base'] ?? process.env.PUBLIC_URL;
  const { manifest, problems } = pack({ root, out, apiBase, appId: values.id, distribution, version: values.version });
  if (problems.length > 0) {
    for (const problem of problems) console.error(`stripe-app.json: ${problem}`);
    process.exit(1);
  }
  console.log(
    `Packed ${manifest.id} ${manifest.version} (${distribution}) for ${String(manifest.constants?.API_BASE)} into ${path.relative(process.cwd(), out) || '.'}`,
  );
  if (!values.version) console.warn(`No --version given: Stripe refuses an upload of a version it already has (${manifest.version}).`);
  if (!apiBase) console.warn('No --api-base (or PUBLIC_URL) given: the app points at the placeholder in stripe-app.json.');
  console.log(`Next: cd ${path.relative(process.cwd(), out)} && npm install && stripe apps upload`);
}
