import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface BuiltPixel {
  /** Minified IIFE, and the same bytes pre-compressed at the highest levels, computed once. */
  raw: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  /** Content hash of `raw`: the ETag, and the `?v=` that makes a script URL immutable. */
  version: string;
}

/** `pixel`: `/api/script.js`; `referral-tracker`: the same with Blitz Rocket's query-string settings and calls. */
export type PixelVariant = 'pixel' | 'referral-tracker';

/**
 * Bytes gzip -9 each script may take. The pixel loads on every page of a brand's site; the tracker
 * is the pixel plus Blitz Rocket's settings and calls, kept out of it for that reason (docs/pixel.md).
 */
export const GZIP_BUDGETS: Record<PixelVariant, number> = { pixel: 1200, 'referral-tracker': 1450 };

const SCRIPT_PATHS: Record<PixelVariant, string> = { pixel: '/api/script.js', 'referral-tracker': '/api/referral-tracker.js' };

/** Refuses a bundle over its budget, so that neither the build nor a run from source ships it. */
export function assertWithinBudget(variant: PixelVariant, bundled: string): void {
  const gzip = gzipSync(bundled, { level: 9 }).length;
  const budget = GZIP_BUDGETS[variant];
  if (gzip > budget) {
    throw new Error(
      `${SCRIPT_PATHS[variant]} is ${gzip} B gzip -9, over its budget of ${budget} B by ${gzip - budget} B: ` +
        `make pixel/src smaller${variant === 'pixel' ? ', or move what only some sites use behind BLITZ (the referral tracker)' : ''}.`,
    );
  }
}

// A production build (`npm run build`) bakes the bundled scripts in here; run from source, each is bundled on first use.
declare const SHOUTOUT_BUILT_PIXELS: Record<PixelVariant, string> | undefined;

const building = new Map<PixelVariant, Promise<BuiltPixel>>();

/**
 * The pixel, compressed once and kept for the life of the process. Run from source (tests, the
 * demo) it is built in memory the first time it is asked for, so it can never be stale relative to
 * the source it runs with; the production build brings it ready-made.
 */
export function loadPixel(variant: PixelVariant = 'pixel'): Promise<BuiltPixel> {
  let built = building.get(variant);
  if (!built) {
    built = buildPixel(variant).catch((error) => {
      building.delete(variant);
      throw error;
    });
    building.set(variant, built);
  }
  return built;
}

/** A script as served: `src/index.ts` bundled and minified by esbuild, with the variant's calls compiled in, within its budget. */
export async function bundlePixel(variant: PixelVariant): Promise<string> {
  // Loaded only here, so that a production build, which has the pixel baked in, never loads esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./src/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'iife',
    // Optional catch binding (ES2019) is the newest syntax kept; every browser in use has it.
    target: 'es2019',
    legalComments: 'none',
    define: { BLITZ: String(variant === 'referral-tracker') },
    // Modules are strict anyway; the directive would only add bytes.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
  });
  const bundled = result.outputFiles[0].text;
  assertWithinBudget(variant, bundled);
  return bundled;
}

async function buildPixel(variant: PixelVariant): Promise<BuiltPixel> {
  const raw = Buffer.from(typeof SHOUTOUT_BUILT_PIXELS === 'object' ? SHOUTOUT_BUILT_PIXELS[variant] : await bundlePixel(variant));
  return {
    raw,
    gzip: gzipSync(raw, { level: 9 }),
    brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    version: createHash('sha256').update(raw).digest('base64url').slice(0, 16),
  };
}

/** Byte sizes of the served script as built, gzip -9 and brotli 11: the size test and the bench read these. */
export async function pixelSizes(variant: PixelVariant = 'pixel'): Promise<{ raw: number; gzip: number; brotli: number }> {
  const { raw, gzip, brotli } = await loadPixel(variant);
  return { raw: raw.length, gzip: gzip.length, brotli: brotli.length };
}
