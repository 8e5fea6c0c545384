import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { bundlePixel } from '../pixel/build';

/**
 * `npm run build`: the service and the operator CLI as plain JavaScript in `dist/`, for
 * `node dist/main.js` with no TypeScript loader at run time. Dependencies stay in node_modules
 * (`npm ci` installs them); the pixel is bundled now and baked in, so the built service never
 * compiles anything.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist');

await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: {
    main: path.join(ROOT, 'server/src/main.ts'),
    cli: path.join(ROOT, 'server/src/cli/main.ts'),
    // The embedded store's writer thread, loaded by path from beside the bundle (store/sqlite.ts).
    'sqlite-writer': path.join(ROOT, 'server/src/store/sqlite-writer.ts'),
  },
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  define: { SHOUTOUT_BUILT_PIXELS: JSON.stringify({ pixel: await bundlePixel('pixel'), 'referral-tracker': await bundlePixel('referral-tracker') }) },
  logLevel: 'warning',
});
console.log(`Built ${path.relative(process.cwd(), OUT) || '.'}/main.js (the service), cli.js (the operator CLI) and sqlite-writer.js (the embedded store's writer thread).`);
